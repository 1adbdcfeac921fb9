"""How a maintenance moves: approved once, started and completed once each, cancelled (or ended, once started)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from incident_comms.maintenance.logic import shown_status
from incident_comms.maintenance.models import Maintenance, MaintenanceStatus, MaintenanceStep, StepEvent
from incident_comms.maintenance.transitions import approved, customers_told, stepped
from incident_comms.plan.models import Plan
from tests.unit.maintenance.test_maintenance import END, NOW, START, declared

MARTA = "marta.ibanez@nubeteca.example"


def moved(maintenance: Maintenance | None) -> Maintenance:
    assert maintenance is not None
    return maintenance


def test_approval_works_once_and_not_once_the_window_has_started(plan: Plan) -> None:
    waiting = declared(plan)

    scheduled = moved(approved(waiting, MARTA, NOW))

    assert (scheduled.status, scheduled.approved_by, scheduled.approved_at) == (MaintenanceStatus.SCHEDULED, MARTA, NOW)
    assert approved(scheduled, MARTA, NOW) is None
    assert approved(waiting, MARTA, START) is None, "approving work already under way would announce it after the fact"
    assert not customers_told(waiting) and customers_told(scheduled)


def test_start_then_completion_each_move_once(plan: Plan) -> None:
    scheduled = moved(approved(declared(plan), MARTA, NOW))

    started = moved(stepped(scheduled, MaintenanceStep.START, START))
    completed = moved(stepped(started, MaintenanceStep.COMPLETE, END))

    assert (started.status, started.started_at) == (MaintenanceStatus.IN_PROGRESS, START)
    assert (completed.status, completed.completed_at) == (MaintenanceStatus.COMPLETED, END)
    assert stepped(started, MaintenanceStep.START, START) is None
    assert stepped(completed, MaintenanceStep.COMPLETE, END) is None
    assert stepped(completed, MaintenanceStep.CANCEL, END) is None
    assert stepped(declared(plan), MaintenanceStep.START, START) is None, "never started without approval"


def test_a_completion_whose_start_never_fired_still_completes(plan: Plan) -> None:
    scheduled = moved(approved(declared(plan), MARTA, NOW))

    completed = moved(stepped(scheduled, MaintenanceStep.COMPLETE, END))

    assert completed.status == MaintenanceStatus.COMPLETED


@pytest.mark.parametrize("approve", [False, True])
def test_cancelling_before_the_start_takes_it_off_the_page(plan: Plan, approve: bool) -> None:
    maintenance = declared(plan)
    if approve:
        maintenance = moved(approved(maintenance, MARTA, NOW))

    cancelled = moved(stepped(maintenance, MaintenanceStep.CANCEL, NOW + timedelta(hours=1)))

    assert cancelled.status == MaintenanceStatus.CANCELLED
    assert shown_status(cancelled, START) is None and shown_status(cancelled, NOW + timedelta(hours=2)) is None


def test_cancelling_work_in_progress_ends_it_now_and_the_page_says_it_is_over(plan: Plan) -> None:
    started = moved(stepped(moved(approved(declared(plan), MARTA, NOW)), MaintenanceStep.START, START))
    stopped_at = START + timedelta(minutes=20)

    ended = moved(stepped(started, MaintenanceStep.CANCEL, stopped_at))

    assert (ended.status, ended.completed_at) == (MaintenanceStatus.COMPLETED, stopped_at)
    assert shown_status(ended, stopped_at + timedelta(minutes=1)) == MaintenanceStatus.COMPLETED


@pytest.mark.parametrize(
    ("event", "message_id"),
    [
        (
            {"step": "announce", "audience": "customers_es", "at": "2026-12-01T17:00:00+00:00"},
            "announce-customers_es-20261201T1700",
        ),
        ({"step": "start"}, "start"),
        ({"step": "complete"}, "complete"),
    ],
)
def test_each_step_has_its_own_name_for_the_email_ledgers(event: dict[str, str], message_id: str) -> None:
    assert StepEvent.model_validate({"maintenance_id": "MNT-20261201-0900-abcdef", **event}).message_id == message_id


@pytest.mark.parametrize("maintenance_id", ["INC-20261201-0900-abcdef", "MNT-../../x", ""])
def test_a_step_names_a_maintenance_or_is_refused(maintenance_id: str) -> None:
    with pytest.raises(ValueError, match="maintenance_id"):
        StepEvent.model_validate({"maintenance_id": maintenance_id, "step": "start"})
