"""Issue 14, "failures retried, then told", end to end on moto: a SEV1 alarm through the ingest handler with the
scheduler and SES failing once or for good, then the publication sweeper re-arming what could not be armed."""

from __future__ import annotations

from datetime import timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.config import Config

from incident_comms.clock import ManualClock
from incident_comms.composition import Services
from incident_comms.incidents.models import TimelineKind
from incident_comms.incidents.operators import NoOperators
from incident_comms.team.emails import approver_addresses
from tests.conftest import FakeLambdaContext, load_event, load_handler_module
from tests.factories import invoke, sent_emails
from tests.faults import FOR_GOOD, Faults
from tests.handlers.conftest import ComposeServices

GROUP = "incident-schedules"
TIMEOUT_FUNCTION = "arn:aws:lambda:eu-west-1:123456789012:function:approval-timeout"
SCHEDULER_ROLE = "arn:aws:iam::123456789012:role/scheduler"
NO_SDK_RETRIES = Config(retries={"total_max_attempts": 1})

pytestmark = pytest.mark.usefixtures("no_retry_waits")


@pytest.fixture
def waited() -> list[float]:
    """What our retries would have slept."""
    return []


@pytest.fixture
def deps(compose_services: ComposeServices, waited: list[float]) -> Services:
    """The services ingest and the sweeper use, with the clients' SDK retries off (only ours retry) and a sleep that
    records the waits instead of waiting."""
    boto3.client("scheduler").create_schedule_group(Name=GROUP)
    queue = boto3.client("sqs").create_queue(QueueName="publish")["QueueUrl"]
    services = compose_services(
        approvals_base_url="https://incidents.example.com",
        approval_timeout_function_arn=TIMEOUT_FUNCTION,
        scheduler_role_arn=SCHEDULER_ROLE,
        schedule_group=GROUP,
        publish_queue_url=queue,
    )
    services.sleep = waited.append
    services.scheduler = boto3.client("scheduler", config=NO_SDK_RETRIES)
    services.sesv2 = boto3.client("sesv2", config=NO_SDK_RETRIES)
    return services


@pytest.fixture(scope="module")
def ingest() -> ModuleType:
    return load_handler_module("ingest_alarm")


@pytest.fixture(scope="module")
def sweeper() -> ModuleType:
    return load_handler_module("publication_sweeper")


def open_sev1(deps: Services, ingest: ModuleType, context: FakeLambdaContext) -> str:
    answer = invoke(ingest, load_event("cloudwatch-eventbridge-alarm.json"), context)
    incident_id: str = answer["outcomes"][0]["incident_id"]
    return incident_id


def schedules() -> list[dict[str, Any]]:
    scheduler = boto3.client("scheduler")
    return [
        scheduler.get_schedule(GroupName=GROUP, Name=summary["Name"])
        for summary in scheduler.list_schedules(GroupName=GROUP)["Schedules"]
    ]


def failures(deps: Services, incident_id: str, notification: str) -> list[str]:
    return [
        entry.text
        for entry in deps.store.timeline(incident_id)
        if entry.kind == TimelineKind.NOTIFICATION_FAILED and entry.data["notification"] == notification
    ]


def told(deps: Services) -> list[str]:
    operators = deps.operators
    assert isinstance(operators, NoOperators)
    return [alert.text for alert in operators.told]


def test_a_timeout_schedule_that_could_not_connect_once_is_armed_once(
    deps: Services, ingest: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    faults = Faults(deps.scheduler).fail("CreateSchedule")

    incident_id = open_sev1(deps, ingest, lambda_context)

    (schedule,) = schedules()
    assert schedule["ScheduleExpression"] == "at(2026-11-22T10:15:00)"
    assert faults.tried["CreateSchedule"] == 2
    assert failures(deps, incident_id, "approval_timeout") == [] and told(deps) == []


def test_a_lost_create_answer_is_one_schedule_and_no_failure(
    deps: Services, ingest: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    Faults(deps.scheduler).lose_answer("CreateSchedule")

    incident_id = open_sev1(deps, ingest, lambda_context)

    assert len(schedules()) == 1
    assert failures(deps, incident_id, "approval_timeout") == [] and told(deps) == []


def test_a_timeout_that_cannot_be_armed_is_told_then_rearmed_by_the_sweeper_once(
    deps: Services, ingest: ModuleType, sweeper: ModuleType, lambda_context: FakeLambdaContext, waited: list[float]
) -> None:
    faults = Faults(deps.scheduler).fail("CreateSchedule", times=FOR_GOOD)

    incident_id = open_sev1(deps, ingest, lambda_context)

    assert schedules() == []
    (failure,) = failures(deps, incident_id, "approval_timeout")
    assert failure in told(deps)
    assert len(waited) == 3, "four tries, three waits, none of them slept"

    assert isinstance(deps.clock, ManualClock)
    deps.clock.advance(timedelta(minutes=5))
    invoke(sweeper, {}, lambda_context)
    assert schedules() == [], "still failing: nothing armed, nothing added to the timeline"
    assert len(failures(deps, incident_id, "approval_timeout")) == 1

    faults.clear()
    deps.clock.advance(timedelta(minutes=5))
    invoke(sweeper, {}, lambda_context)
    invoke(sweeper, {}, lambda_context)

    (schedule,) = schedules()
    assert schedule["ScheduleExpression"] == "at(2026-11-22T10:16:00)", "due 10:15, already past: a minute from now"
    rearmed = [e for e in deps.store.timeline(incident_id) if e.kind == TimelineKind.APPROVAL_REQUESTED]
    assert [e.data.get("rearmed") for e in rearmed] == [None, True], "the approval email, then the re-arm once"


def test_an_approval_email_that_could_not_connect_once_is_sent_once(
    deps: Services, ingest: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    faults = Faults(deps.sesv2).fail("SendEmail")

    incident_id = open_sev1(deps, ingest, lambda_context)

    (message,) = deps.store.messages(incident_id)
    asked = [email["to"] for email in sent_emails() if email["subject"].endswith("aprobación necesaria")]
    assert sorted(asked) == sorted([address] for address in approver_addresses(deps.plan, message.pending_roles))
    assert faults.tried["SendEmail"] == faults.committed["SendEmail"] + 1 == len(sent_emails()) + 1
    assert failures(deps, incident_id, "approval_request") == [] and told(deps) == []


def test_approval_emails_refused_for_good_are_on_the_timeline_and_told(
    deps: Services, ingest: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    Faults(deps.sesv2).refuse("SendEmail", times=FOR_GOOD, code="ServiceUnavailable")

    incident_id = open_sev1(deps, ingest, lambda_context)

    assert sent_emails() == []
    refused = failures(deps, incident_id, "approval_request")
    assert refused and set(refused) <= set(told(deps))
    assert failures(deps, incident_id, "engagement"), "engagement failures stay on the timeline too"
