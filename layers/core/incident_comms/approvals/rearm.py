"""Use case: no draft left waiting without its approval timeout. Re-arm the ones that could not be armed.

When the scheduler still refuses after the adapter's retries, :func:`~incident_comms.approvals.requests.arm_timeout_at`
puts a ``notification_failed`` entry (notification ``approval_timeout``, with ``timeout_at``) on the timeline and
tells the operators. Without a second attempt a SEV1 whose approvers are asleep would never get its pre-approved
holding text out. The publication sweeper's function calls :func:`rearm_approval_timeouts` on every run (every
5 minutes): each message of an open incident that still awaits approval and whose last word on the timeline about its
timeout is that mark gets its schedule again, at the time it was due (a time already past becomes a minute from now
in the adapter), and the timeline says it was re-armed, which clears the mark.

Cheap: one listing of the recent incidents, their messages, and the timeline only of incidents with a waiting draft.
A scheduler that still refuses is answered (logged and counted by the caller), not written to the timeline or told
again on every sweep: the mark and the operators' alert from the first failure stand until it works.

Why re-arming is safe: the schedule's name comes from incident and message, so a schedule that was created after all
is found (ours) instead of doubled, and a firing for a draft decided meanwhile publishes nothing
(:mod:`incident_comms.approvals.timeout`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from incident_comms.approvals.requests import UNARMED, ApprovalRequests
from incident_comms.incidents.models import IncidentStatus, MessageStatus, TimelineEntry, TimelineKind
from incident_comms.incidents.store import IncidentStore
from incident_comms.observability import Logger, Metrics, add_counts
from incident_comms.text import error_text

GIVE_UP_AFTER = timedelta(hours=24)
"""A holding text a day late is no longer worth sending; the mark and the operators' alert stay."""
INCIDENTS_PER_SWEEP = 100


@dataclass(frozen=True)
class Unarmed:
    incident_id: str
    message_id: str
    due_at: datetime
    error: str | None = None


@dataclass
class RearmReport:
    rearmed: list[Unarmed] = field(default_factory=list)
    failed: list[Unarmed] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"ApprovalTimeoutsRearmed": len(self.rearmed), "ApprovalTimeoutRearmsFailed": len(self.failed)}


def rearm_approval_timeouts(
    store: IncidentStore, approvals: ApprovalRequests, now: datetime, *, give_up_after: timedelta = GIVE_UP_AFTER
) -> RearmReport:
    """Arm again every approval timeout the timeline says could not be armed (module doc)."""
    report = RearmReport()
    timeouts = approvals.timeouts
    if timeouts is None:
        return report
    for incident in store.list_incidents(limit=INCIDENTS_PER_SWEEP):
        if incident.status != IncidentStatus.OPEN:
            continue
        waiting = {
            message.id
            for message in store.messages(incident.id)
            if message.status == MessageStatus.AWAITING_APPROVAL and not message.holding
        }
        if not waiting:
            continue
        for message_id, due_at in unarmed_timeouts(store.timeline(incident.id)).items():
            if message_id not in waiting or now - due_at > give_up_after:
                continue
            try:
                name = timeouts.schedule(incident.id, message_id, due_at)
            except Exception as error:  # noqa: BLE001 - one refusal must not stop the others; answered, not written
                report.failed.append(Unarmed(incident.id, message_id, due_at, error_text(error)))
                continue
            report.rearmed.append(Unarmed(incident.id, message_id, due_at))
            store.add_timeline_entry(_rearmed(incident.id, message_id, due_at, name, now))
    return report


def unarmed_timeouts(timeline: list[TimelineEntry]) -> dict[str, datetime]:
    """Message id -> due time of each approval timeout whose last word on ``timeline`` is "could not be armed"."""
    unarmed: dict[str, datetime] = {}
    for entry in timeline:
        message_id = entry.data.get("message_id")
        if not isinstance(message_id, str):
            continue
        if entry.kind == TimelineKind.NOTIFICATION_FAILED and entry.data.get("notification") == UNARMED:
            due = entry.data.get("timeout_at")
            if isinstance(due, str):
                unarmed[message_id] = datetime.fromisoformat(due)
        elif entry.kind == TimelineKind.APPROVAL_REQUESTED and entry.data.get("schedule"):
            unarmed.pop(message_id, None)
    return unarmed


def _rearmed(incident_id: str, message_id: str, due_at: datetime, schedule: str, now: datetime) -> TimelineEntry:
    return TimelineEntry(
        incident_id=incident_id,
        at=now,
        kind=TimelineKind.APPROVAL_REQUESTED,
        text=f"Approval timeout of message {message_id} armed again (it could not be armed before): if nobody "
        f"approves it, the holding text is published at {due_at.isoformat()} or a minute from now if that has passed",
        data={"message_id": message_id, "timeout_at": due_at.isoformat(), "schedule": schedule, "rearmed": True},
    )


def record_rearm(report: RearmReport, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log each re-arm and each refusal (ids and reason) and count them; nothing counted when there was nothing to
    re-arm (the sweep runs hourly on an idle stack: see :func:`~incident_comms.observability.add_counts`)."""
    for item in report.rearmed:
        logger.info("approval timeout re-armed", extra={"incident_id": item.incident_id, "message_id": item.message_id})
    for item in report.failed:
        logger.warning(
            "approval timeout still not armed",
            extra={"incident_id": item.incident_id, "message_id": item.message_id, "reason": item.error},
        )
    add_counts(metrics, report.counts(), unit, quiet_when_idle=True)
