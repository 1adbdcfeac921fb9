"""Sweeps on demand on moto: one one-time schedule per slot, whoever asks for it and however often."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from incident_comms.adapters.scheduler import SchedulerSweeps, sweep_schedule_name
from incident_comms.delivery.sweeps import SweepEvent, sweep_slot
from tests.faults import FOR_GOOD, Faults

GROUP = "incident-schedules"
SWEEPER = "arn:aws:lambda:eu-west-1:123456789012:function:stack-sweeper"
ROLE = "arn:aws:iam::123456789012:role/scheduler"
DEAD_LETTERS = "arn:aws:sqs:eu-west-1:123456789012:scheduler-dlq"
NOW = datetime(2026, 12, 6, 6, 31, 12, tzinfo=UTC)


@pytest.fixture
def scheduler(aws: None) -> Any:
    client = boto3.client("scheduler")
    client.create_schedule_group(Name=GROUP)
    return client


def sweeps(scheduler: Any) -> SchedulerSweeps:
    return SchedulerSweeps(scheduler, group=GROUP, target_arn=SWEEPER, role_arn=ROLE, dead_letter_arn=DEAD_LETTERS)


def listed(scheduler: Any) -> list[str]:
    return sorted(summary["Name"] for summary in scheduler.list_schedules(GroupName=GROUP)["Schedules"])


def test_a_sweep_fires_the_sweeper_once_at_its_slot_and_deletes_itself(scheduler: Any) -> None:
    slot = sweep_slot(NOW)

    name = sweeps(scheduler).arm(slot)

    schedule = scheduler.get_schedule(GroupName=GROUP, Name=name)
    assert name == "sweep-20261206T063700Z"
    assert schedule["ScheduleExpression"] == "at(2026-12-06T06:37:00)"
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert schedule["Target"]["Arn"] == SWEEPER and schedule["Target"]["RoleArn"] == ROLE
    assert schedule["Target"]["DeadLetterConfig"]["Arn"] == DEAD_LETTERS
    assert SweepEvent.model_validate_json(schedule["Target"]["Input"]) == SweepEvent(slot=slot)
    assert json.loads(schedule["Target"]["Input"])["kind"] == "publication_sweep"


def test_every_request_in_one_slot_shares_one_sweep_across_containers(scheduler: Any) -> None:
    first, second = sweeps(scheduler), sweeps(scheduler)

    names = {first.arm(sweep_slot(NOW)), second.arm(sweep_slot(NOW + timedelta(seconds=30)))}

    assert names == {sweep_schedule_name(sweep_slot(NOW))}
    assert listed(scheduler) == sorted(names)


def test_a_container_asks_for_a_slot_it_armed_only_once(scheduler: Any) -> None:
    faults = Faults(scheduler)
    armed = sweeps(scheduler)

    for seconds in range(0, 48, 6):
        armed.arm(sweep_slot(NOW + timedelta(seconds=seconds)))

    assert faults.tried["CreateSchedule"] == 1
    armed.arm(sweep_slot(NOW + timedelta(minutes=5)))
    assert faults.tried["CreateSchedule"] == 2
    assert listed(scheduler) == ["sweep-20261206T063700Z", "sweep-20261206T064200Z"]


def test_a_refused_arm_is_asked_for_again_by_the_same_container(scheduler: Any) -> None:
    faults = Faults(scheduler).refuse("CreateSchedule", times=FOR_GOOD, code="AccessDeniedException")
    armed = sweeps(scheduler)
    with pytest.raises(Exception, match="AccessDenied"):
        armed.arm(sweep_slot(NOW))
    faults.clear()

    armed.arm(sweep_slot(NOW))

    assert listed(scheduler) == ["sweep-20261206T063700Z"]
