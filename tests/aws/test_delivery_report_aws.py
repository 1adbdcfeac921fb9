"""The delivery report's AWS edge on moto: the one-claim-per-version ledger and the one-time report schedule."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from incident_comms.adapters.delivery_reports import DynamoReportLedger
from incident_comms.adapters.scheduler import SchedulerDeliveryReports, report_schedule_name, schedule_name
from incident_comms.clock import ManualClock
from incident_comms.delivery.report.models import ReportClaim, ReportState, parse_report_request

PUBLISHED = datetime(2026, 11, 22, 10, 5, 30, 400_000, tzinfo=UTC)
GROUP = "incident-schedules"
TARGET = "arn:aws:lambda:eu-west-1:123456789012:function:delivery-report"
ROLE = "arn:aws:iam::123456789012:role/scheduler"
DEAD_LETTERS = "arn:aws:sqs:eu-west-1:123456789012:scheduler-dlq"
NAME = re.compile(r"^[0-9a-zA-Z\-_.]{1,64}$")


@pytest.fixture
def ledger(table_name: str) -> DynamoReportLedger:
    return DynamoReportLedger(boto3.client("dynamodb"), table_name)


def claim(version: int = 1, at: datetime = PUBLISHED) -> ReportClaim:
    return ReportClaim(incident_id="INC-1", message_id="investigating-1", version=version, claimed_at=at, summary="s")


def test_a_report_is_claimed_once_per_message_version(ledger: DynamoReportLedger) -> None:
    first = claim()

    assert ledger.claim_report(first) is None
    earlier = ledger.claim_report(claim(at=PUBLISHED + timedelta(minutes=1)))
    assert earlier == first
    assert ledger.claim_report(claim(version=2)) is None


def test_a_sent_report_stays_claimed_even_when_released(ledger: DynamoReportLedger) -> None:
    first = claim()
    ledger.claim_report(first)
    sent = first.model_copy(update={"state": ReportState.SENT, "sent_at": PUBLISHED, "provider_id": "ses-1"})
    ledger.finish_report(sent)

    ledger.release_report(first)

    earlier = ledger.claim_report(claim(at=PUBLISHED + timedelta(minutes=5)))
    assert earlier is not None and earlier.state == ReportState.SENT and earlier.provider_id == "ses-1"


def test_a_released_claim_can_be_claimed_again_by_the_retry(ledger: DynamoReportLedger) -> None:
    first = claim()
    ledger.claim_report(first)

    ledger.release_report(first)

    assert ledger.claim_report(claim(at=PUBLISHED + timedelta(minutes=1))) is None


def test_a_release_leaves_another_firings_claim_alone(ledger: DynamoReportLedger) -> None:
    ledger.claim_report(claim())

    ledger.release_report(claim(at=PUBLISHED + timedelta(minutes=1)))

    assert ledger.claim_report(claim(at=PUBLISHED + timedelta(minutes=2))) == claim()


@pytest.fixture
def scheduler(aws: None) -> Any:
    client = boto3.client("scheduler")
    client.create_schedule_group(Name=GROUP)
    return client


def reports(scheduler: Any, **options: Any) -> SchedulerDeliveryReports:
    return SchedulerDeliveryReports(
        scheduler, group=GROUP, target_arn=TARGET, role_arn=ROLE, dead_letter_arn=DEAD_LETTERS, **options
    )


def only_schedule(scheduler: Any) -> dict[str, Any]:
    (summary,) = scheduler.list_schedules(GroupName=GROUP)["Schedules"]
    schedule: dict[str, Any] = scheduler.get_schedule(GroupName=GROUP, Name=summary["Name"])
    return schedule


def test_the_report_fires_once_at_the_due_time_with_what_the_function_reads(scheduler: Any) -> None:
    name = reports(scheduler).schedule("INC-1", "investigating-1", 2, PUBLISHED + timedelta(minutes=15))

    schedule = only_schedule(scheduler)
    assert schedule["Name"] == name == report_schedule_name("INC-1", "investigating-1", 2)
    assert schedule["ScheduleExpression"] == "at(2026-11-22T10:20:31)"
    assert schedule["ActionAfterCompletion"] == "DELETE" and schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    target = schedule["Target"]
    assert (target["Arn"], target["RoleArn"], target["DeadLetterConfig"]) == (TARGET, ROLE, {"Arn": DEAD_LETTERS})
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 6 * 3600}
    request = parse_report_request(json.loads(target["Input"]))
    assert (request.incident_id, request.message_id, request.version) == ("INC-1", "investigating-1", 2)


def test_arming_it_again_is_the_same_schedule(scheduler: Any) -> None:
    arm = reports(scheduler)

    first = arm.schedule("INC-1", "investigating-1", 1, PUBLISHED)
    again = arm.schedule("INC-1", "investigating-1", 1, PUBLISHED + timedelta(minutes=9))
    other = arm.schedule("INC-1", "investigating-1", 2, PUBLISHED)

    assert again == first != other
    assert len(scheduler.list_schedules(GroupName=GROUP)["Schedules"]) == 2


def test_a_due_time_already_past_fires_a_minute_from_now(scheduler: Any) -> None:
    clock = ManualClock(PUBLISHED + timedelta(hours=1))

    reports(scheduler, clock=clock).schedule("INC-1", "investigating-1", 1, PUBLISHED + timedelta(minutes=15))

    assert only_schedule(scheduler)["ScheduleExpression"] == "at(2026-11-22T11:06:31)"


@pytest.mark.parametrize(
    ("incident_id", "message_id"),
    [("INC-20261122-1005-abc123", "investigating-1a2b3c4d"), ("INC-" + "9" * 120, "update-" + "x" * 120)],
)
def test_report_names_are_valid_deterministic_and_not_the_timeouts(incident_id: str, message_id: str) -> None:
    name = report_schedule_name(incident_id, message_id, 1)

    assert NAME.match(name) and len(name) <= 64
    assert name == report_schedule_name(incident_id, message_id, 1) != report_schedule_name(incident_id, message_id, 2)
    assert name != schedule_name(incident_id, message_id)
