"""The ports the lifecycle arms and stops its schedules through: both raise when the scheduler refuses, and the
use case (:mod:`incident_comms.lifecycle.transitions`) puts each refusal on the incident's timeline.

:class:`LifecycleTimers` arms (and, on a close, deletes) the state machine's timers, whose firing comes back
through :meth:`incident_comms.lifecycle.transitions.IncidentLifecycle.timer_fired`; :class:`UpdateCadence` stops the
update cadence on resolution (the promise side's schedules). EventBridge Scheduler implements both
(:mod:`incident_comms.adapters.scheduler`).
"""

from __future__ import annotations

from typing import Protocol

from incident_comms.incidents.machine_models import Timer, TimerKind


class LifecycleTimers(Protocol):
    def schedule(self, incident_id: str, timer: Timer) -> str:
        """Make ``timer`` fire once for ``incident_id`` (replacing the incident's earlier timer of that kind);
        answers the schedule's name. Raises when the scheduler refuses."""
        ...

    def cancel(self, incident_id: str, kind: TimerKind) -> bool:
        """Delete the incident's timer of ``kind`` (the incident was closed): True when deleted, False when there
        was none (it fired, or was never armed). Raises when the scheduler refuses."""
        ...


class UpdateCadence(Protocol):
    def cancel(self, incident_id: str) -> list[str]:
        """Delete every update schedule of the incident (it is over); idempotent."""
        ...
