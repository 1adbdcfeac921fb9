"""The plan's Jinja2 templates in a sandbox: ``StrictUndefined``, no autoescape (drafts are text; HTML is
escaped where it is laid out), compiled once per set of templates.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import FunctionLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from incident_comms.plan.models import (
    Plan,
)


def plan_environment(plan: Plan) -> ImmutableSandboxedEnvironment:
    """The sandboxed environment over the plan's templates (compiled once per set of templates)."""
    return plan_environment_for(plan.templates)


def plan_environment_for(templates: dict[str, str]) -> ImmutableSandboxedEnvironment:
    """The sandboxed environment over ``templates`` (key relative to ``templates/`` -> source)."""
    return _environment(tuple(sorted(templates.items())))


@lru_cache(maxsize=8)
def _environment(templates: tuple[tuple[str, str], ...]) -> ImmutableSandboxedEnvironment:
    sources = dict(templates)

    def load(name: str) -> tuple[str, str, Any] | None:
        if name not in sources:
            return None
        return sources[name], f"templates/{name}", lambda: True

    return ImmutableSandboxedEnvironment(
        loader=FunctionLoader(load),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,
    )
