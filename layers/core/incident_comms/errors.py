"""Errors the core raises on purpose, so every edge (CLI, API, handler) can answer them the same way."""


class BadInput(ValueError):
    """Input that cannot be accepted: the caller gets a clear reason and no state changes."""


class PlanError(ValueError):
    """The plan is invalid. ``problems`` holds ``file: field: message`` lines, one per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class OutcomeUnknown(Exception):
    """A send whose answer was lost after the request left: it may have been delivered, so it is never resent; the
    caller records "outcome unknown" for its recipients (issue 14)."""
