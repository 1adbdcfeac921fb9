"""How a maintenance moves, as pure functions: each answers the maintenance after the move, or None when it cannot
move so from where it stands (the store then writes it only if nobody moved it first).

``awaiting_approval`` → ``scheduled`` (approved) → ``in_progress`` (its start) → ``completed`` (its end). Cancelling
one that has not started takes it off the page; cancelling one in progress ends it now: the work stopped, and the page
must say it is over rather than hide that it happened.
"""

from __future__ import annotations

from datetime import datetime

from incident_comms.maintenance.models import Maintenance, MaintenanceStatus, MaintenanceStep

_FROM: dict[MaintenanceStep, tuple[MaintenanceStatus, ...]] = {
    MaintenanceStep.START: (MaintenanceStatus.SCHEDULED,),
    MaintenanceStep.COMPLETE: (MaintenanceStatus.SCHEDULED, MaintenanceStatus.IN_PROGRESS),
    MaintenanceStep.CANCEL: (
        MaintenanceStatus.AWAITING_APPROVAL,
        MaintenanceStatus.SCHEDULED,
        MaintenanceStatus.IN_PROGRESS,
    ),
}


def approved(maintenance: Maintenance, by: str, now: datetime) -> Maintenance | None:
    """Approved by ``by``: scheduled. None unless it awaits approval (an approval link works once)."""
    if maintenance.status != MaintenanceStatus.AWAITING_APPROVAL or now >= maintenance.starts_at:
        return None
    return maintenance.model_copy(
        update={"status": MaintenanceStatus.SCHEDULED, "approved_at": now, "approved_by": by, "updated_at": now}
    )


def stepped(maintenance: Maintenance, step: MaintenanceStep, now: datetime) -> Maintenance | None:
    """After ``step`` (start, complete, cancel); None when the step does not apply where it stands."""
    if step not in _FROM or maintenance.status not in _FROM[step]:
        return None
    if step == MaintenanceStep.START:
        update = {"status": MaintenanceStatus.IN_PROGRESS, "started_at": now}
    elif step == MaintenanceStep.COMPLETE or maintenance.status == MaintenanceStatus.IN_PROGRESS:
        update = {"status": MaintenanceStatus.COMPLETED, "completed_at": now}
    else:
        update = {"status": MaintenanceStatus.CANCELLED, "cancelled_at": now}
    return maintenance.model_copy(update={**update, "updated_at": now})


def customers_told(maintenance: Maintenance) -> bool:
    """Whether customers may have heard of it: anything approved was on the page (and may have been announced)."""
    return maintenance.approved_at is not None
