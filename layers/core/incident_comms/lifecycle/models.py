"""What the lifecycle's use cases take and answer: a timer's firing, a responder's audit, one event's step.

A :class:`TimerFiring` is exactly what a lifecycle timer's schedule hands the lifecycle timer function (any other
field is refused). A :class:`Step` answers every lifecycle event, applied or not: ignored and refused events come
back with the machine's reason, for the caller to log and count, and what failed after the transition was saved is
in its ``failures`` (each also on the timeline), never silent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from incident_comms.incidents.machine_models import Outcome, Timer
from incident_comms.plan.models import Phase

MAX_REASON_CHARS = 500
"""A responder's reason for a severity change: a sentence or two for the timeline, not an essay."""


class BadInput(ValueError):
    """What a responder sent cannot be acted on (a severity change without a reason, or with one too long): nothing
    was read or changed. The console answers it as it answers a bad form (400), apart from the state machine's
    refusals (a Step with outcome REFUSED, 409)."""


class TimerFiring(BaseModel):
    """What a lifecycle timer's schedule hands the lifecycle timer function: which incident, which timer."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    incident_id: str = Field(min_length=1, max_length=128)
    timer: Timer


@dataclass(frozen=True)
class Audit:
    """Who moved the incident by hand, and from where (a manual step's timeline entry carries it)."""

    by: str
    source_ip: str | None = None
    user_agent: str | None = None

    def as_data(self) -> dict[str, Any]:
        return {"by": self.by, "source_ip": self.source_ip, "user_agent": self.user_agent}


@dataclass
class Step:
    """What one lifecycle event did to one incident. ``outcome`` None: it could not be applied at all (no such
    incident, contention, a store failure), ``reason`` says why."""

    event: str
    incident_id: str
    outcome: Outcome | None
    reason: str
    phase: Phase | None = None
    severity_id: str | None = None
    drafted: list[str] = field(default_factory=list)
    """Ids of the messages drafted (and whose approval was requested)."""
    timers: list[str] = field(default_factory=list)
    """Names of the schedules armed."""
    cadence_stopped: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    """Ids of the waiting messages killed with nothing replacing them (a close); a new draft's are on the timeline."""
    failures: list[str] = field(default_factory=list)
    """What went wrong after the transition was saved (each also on the timeline)."""
    rejected: bool = False
    """The input was not an event at all (a malformed timer firing): nothing was read or changed."""

    @property
    def result(self) -> str:
        """applied, ignored, refused; rejected (bad input) or failed (could not be applied)."""
        if self.outcome is not None:
            return self.outcome.value
        return "rejected" if self.rejected else "failed"

    def as_dict(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "incident_id": self.incident_id,
            "outcome": self.result,
            "reason": self.reason,
            "phase": self.phase.value if self.phase else None,
            "severity_id": self.severity_id,
            "drafted": self.drafted,
            "timers": self.timers,
            "cadence_stopped": self.cadence_stopped,
            "superseded": self.superseded,
            "failures": self.failures,
        }
