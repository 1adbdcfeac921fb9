"""Maintenances on DynamoDB (moto, the table from template.yaml) and their steps on Scheduler: a move is written
once even when its answer is lost, a concurrent move loses, the page reads only windows it may still show, and a
step armed twice (or whose answer was lost) is one schedule."""

from __future__ import annotations

from datetime import timedelta

import boto3
import pytest

from incident_comms.adapters.dynamodb_maintenance import DynamoMaintenanceStore
from incident_comms.adapters.maintenance_schedules import SchedulerMaintenanceSteps, step_schedule_name
from incident_comms.maintenance.models import MaintenanceStatus, MaintenanceStep, StepEvent
from incident_comms.maintenance.transitions import approved, stepped
from incident_comms.plan.models import Plan
from tests.faults import Faults
from tests.unit.maintenance.test_maintenance import END, NOW, START, declared

GROUP = "incident-schedules"
TARGET = "arn:aws:lambda:eu-west-1:123456789012:function:maintenance-timer"
ROLE = "arn:aws:iam::123456789012:role/scheduler"

pytestmark = pytest.mark.usefixtures("no_retry_waits")


@pytest.fixture
def maintenances(table_name: str) -> DynamoMaintenanceStore:
    return DynamoMaintenanceStore(boto3.client("dynamodb"), table_name)


def test_a_maintenance_is_kept_once_and_read_back_whole(maintenances: DynamoMaintenanceStore, plan: Plan) -> None:
    maintenance = declared(plan, details={"es": "Más lento.", "en": "Slower."})

    maintenances.create(maintenance)

    assert maintenances.get(maintenance.id) == maintenance
    with pytest.raises(ValueError, match="already exists"):
        maintenances.create(maintenance)
    assert maintenances.get("MNT-20990101-0000-000000") is None


def test_a_move_is_written_once_even_when_its_answer_is_lost_and_a_concurrent_one_loses(
    maintenances: DynamoMaintenanceStore, plan: Plan
) -> None:
    waiting = declared(plan)
    maintenances.create(waiting)
    by_marta = approved(waiting, "marta.ibanez@nubeteca.example", NOW)
    by_jorge = approved(waiting, "jorge.salas@nubeteca.example", NOW)
    assert by_marta is not None and by_jorge is not None
    faults = Faults(maintenances._client).lose_answer("PutItem")

    first = maintenances.replace(by_marta, MaintenanceStatus.AWAITING_APPROVAL)
    second = maintenances.replace(by_jorge, MaintenanceStatus.AWAITING_APPROVAL)

    assert faults.injected["PutItem"] == 1 and faults.tried["PutItem"] == 3
    assert (first, second) == (True, False)
    stored = maintenances.get(waiting.id)
    assert stored is not None and stored.approved_by == "marta.ibanez@nubeteca.example"


def test_the_page_reads_windows_that_have_not_ended_before_the_instant_asked(
    maintenances: DynamoMaintenanceStore, plan: Plan
) -> None:
    early = declared(plan)
    later = declared(plan, starts_at=START + timedelta(days=2), ends_at=END + timedelta(days=2))
    for maintenance in (later, early):
        maintenances.create(maintenance)

    assert [m.id for m in maintenances.recent(NOW)] == [early.id, later.id]
    assert [m.id for m in maintenances.recent(END + timedelta(hours=1))] == [later.id]
    assert maintenances.recent(END + timedelta(days=3)) == []


@pytest.fixture
def steps(aws: None) -> SchedulerMaintenanceSteps:
    client = boto3.client("scheduler")
    client.create_schedule_group(Name=GROUP)
    return SchedulerMaintenanceSteps(client, group=GROUP, target_arn=TARGET, role_arn=ROLE, sleep=lambda _: None)


def test_a_step_armed_twice_or_whose_answer_was_lost_is_one_schedule_that_invokes_the_timer(
    steps: SchedulerMaintenanceSteps, plan: Plan
) -> None:
    maintenance = approved(declared(plan), "marta.ibanez@nubeteca.example", NOW)
    assert maintenance is not None
    start = StepEvent(maintenance_id=maintenance.id, step=MaintenanceStep.START)
    announce = StepEvent(
        maintenance_id=maintenance.id,
        step=MaintenanceStep.ANNOUNCE,
        audience="customers_es",
        at=START - timedelta(hours=1),
    )
    Faults(steps._client).lose_answer("CreateSchedule")

    steps.arm(start, START)
    steps.arm(start, START)
    steps.arm(announce, START - timedelta(hours=1))

    client = boto3.client("scheduler")
    names = sorted(summary["Name"] for summary in client.list_schedules(GroupName=GROUP)["Schedules"])
    assert names == sorted([step_schedule_name(start), step_schedule_name(announce)])
    assert all(len(name) <= 64 for name in names)
    armed = client.get_schedule(GroupName=GROUP, Name=step_schedule_name(start))
    assert armed["ScheduleExpression"] == f"at({START:%Y-%m-%dT%H:%M:%S})"
    assert StepEvent.model_validate_json(armed["Target"]["Input"]) == start
    assert armed["Target"]["Arn"] == TARGET


def test_a_completed_window_keeps_its_place_in_the_list_by_its_end(
    maintenances: DynamoMaintenanceStore, plan: Plan
) -> None:
    scheduled = approved(declared(plan), "marta.ibanez@nubeteca.example", NOW)
    assert scheduled is not None
    maintenances.create(scheduled)
    started = stepped(scheduled, MaintenanceStep.START, START)
    assert started is not None and maintenances.replace(started, MaintenanceStatus.SCHEDULED)
    completed = stepped(started, MaintenanceStep.COMPLETE, END)
    assert completed is not None and maintenances.replace(completed, MaintenanceStatus.IN_PROGRESS)

    (listed,) = maintenances.recent(END - timedelta(minutes=1))
    assert listed.status == MaintenanceStatus.COMPLETED and listed.completed_at == END
    assert not maintenances.replace(completed, MaintenanceStatus.IN_PROGRESS), "a move made twice is refused"
