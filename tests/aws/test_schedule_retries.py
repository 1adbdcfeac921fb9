"""Every kind of one-time schedule under faults (issue 14): retried while it may be, exactly one schedule, and a lost
answer whose retry meets its own schedule is success."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

from incident_comms.adapters.scheduler import (
    FunctionSchedules,
    ScheduleNameTaken,
    SchedulerApprovalTimeouts,
    SchedulerDeliveryReports,
    SchedulerLifecycleTimers,
    SchedulerSweeps,
    SchedulerUpdateSchedules,
)
from incident_comms.cadence.keeping import PromptEvent, PromptKind
from incident_comms.incidents.machine_models import Timer, TimerKind
from tests.faults import FOR_GOOD, Faults

GROUP = "incident-schedules"
TARGET = "arn:aws:lambda:eu-west-1:123456789012:function:target"
ROLE = "arn:aws:iam::123456789012:role/scheduler"
DUE = datetime(2026, 11, 22, 10, 15, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures("no_retry_waits")


def approval_timeout(schedules: Any) -> str:
    return str(schedules.schedule("INC-1", "investigating-1", DUE))


def lifecycle_timer(schedules: Any) -> str:
    return str(schedules.schedule("INC-1", Timer(kind=TimerKind.QUIET_CHECK, at=DUE)))


def update_prompt(schedules: Any) -> str:
    return str(schedules.arm(PromptEvent(incident_id="INC-1", due_at=DUE, kind=PromptKind.DUE), DUE))


def delivery_report(schedules: Any) -> str:
    return str(schedules.schedule("INC-1", "investigating-1", 1, DUE))


def sweep(schedules: Any) -> str:
    return str(schedules.arm(DUE))


KINDS: dict[str, tuple[type[FunctionSchedules], Callable[[Any], str]]] = {
    "approval timeout": (SchedulerApprovalTimeouts, approval_timeout),
    "lifecycle timer": (SchedulerLifecycleTimers, lifecycle_timer),
    "update prompter": (SchedulerUpdateSchedules, update_prompt),
    "delivery report": (SchedulerDeliveryReports, delivery_report),
    "sweep": (SchedulerSweeps, sweep),
}


def client(*, sdk_retries: bool) -> Any:
    """A scheduler client with botocore's own retries, or with none (our retries alone)."""
    config = None if sdk_retries else Config(retries={"total_max_attempts": 1})
    scheduler = boto3.client("scheduler", config=config)
    scheduler.create_schedule_group(Name=GROUP)
    return scheduler


def arm(kind: str, scheduler: Any, waits: list[float]) -> str:
    adapter, call = KINDS[kind]
    return call(adapter(scheduler, group=GROUP, target_arn=TARGET, role_arn=ROLE, sleep=waits.append))


def schedules(scheduler: Any) -> list[str]:
    return [summary["Name"] for summary in scheduler.list_schedules(GroupName=GROUP)["Schedules"]]


@pytest.mark.parametrize("kind", KINDS)
def test_a_create_that_could_not_connect_once_is_retried_and_done(aws: None, kind: str) -> None:
    scheduler = client(sdk_retries=False)
    faults = Faults(scheduler).fail("CreateSchedule")
    waits: list[float] = []

    name = arm(kind, scheduler, waits)

    assert schedules(scheduler) == [name]
    assert faults.tried["CreateSchedule"] == 2 and faults.committed["CreateSchedule"] == 1
    assert len(waits) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_a_throttled_create_is_retried_and_done(aws: None, kind: str) -> None:
    scheduler = client(sdk_retries=False)
    faults = Faults(scheduler).refuse("CreateSchedule", times=2)
    waits: list[float] = []

    name = arm(kind, scheduler, waits)

    assert schedules(scheduler) == [name]
    assert faults.committed["CreateSchedule"] == 1 and len(waits) == 2


@pytest.mark.parametrize("kind", KINDS)
def test_a_create_that_never_connects_gives_up_after_a_few_tries(aws: None, kind: str) -> None:
    scheduler = client(sdk_retries=False)
    faults = Faults(scheduler).fail("CreateSchedule", times=FOR_GOOD)
    waits: list[float] = []

    with pytest.raises(EndpointConnectionError):
        arm(kind, scheduler, waits)

    assert schedules(scheduler) == []
    assert faults.tried["CreateSchedule"] == 4 and len(waits) == 3
    assert all(0 <= wait <= 5 for wait in waits)


@pytest.mark.parametrize("kind", KINDS)
def test_a_refusal_that_retrying_cannot_fix_is_tried_once(aws: None, kind: str) -> None:
    scheduler = client(sdk_retries=False)
    faults = Faults(scheduler).refuse("CreateSchedule", times=FOR_GOOD, code="AccessDeniedException")
    waits: list[float] = []

    with pytest.raises(ClientError, match="AccessDeniedException"):
        arm(kind, scheduler, waits)

    assert faults.tried["CreateSchedule"] == 1 and waits == []


@pytest.mark.parametrize("sdk_retries", [True, False], ids=["sdk retries", "our retries"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_lost_answer_is_exactly_one_schedule_and_success(aws: None, kind: str, sdk_retries: bool) -> None:
    scheduler = client(sdk_retries=sdk_retries)
    faults = Faults(scheduler).lose_answer("CreateSchedule")

    name = arm(kind, scheduler, [])

    assert schedules(scheduler) == [name]
    assert faults.committed["CreateSchedule"] == 2, "the retry reached AWS and met the schedule it had made"


def test_a_schedule_of_that_name_that_is_not_ours_is_not_taken_for_ours(aws: None) -> None:
    scheduler = client(sdk_retries=True)
    other = SchedulerApprovalTimeouts(scheduler, group=GROUP, target_arn=TARGET + "-other", role_arn=ROLE)
    other.schedule("INC-1", "investigating-1", DUE)

    with pytest.raises(ScheduleNameTaken):
        arm("approval timeout", scheduler, [])


def test_a_lost_answer_of_a_delete_is_a_deleted_schedule(aws: None) -> None:
    scheduler = client(sdk_retries=False)
    timeouts = SchedulerApprovalTimeouts(scheduler, group=GROUP, target_arn=TARGET, role_arn=ROLE, sleep=[].append)
    timeouts.schedule("INC-1", "investigating-1", DUE + timedelta(minutes=1))
    Faults(scheduler).lose_answer("DeleteSchedule")

    timeouts.cancel("INC-1", "investigating-1")

    assert schedules(scheduler) == []
