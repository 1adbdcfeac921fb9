"""Approval timeouts on moto: the one-time Scheduler schedule, and the holding text stored at most once."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from botocore.exceptions import ClientError

from incident_comms.adapters.dynamodb import DynamoIncidentStore
from incident_comms.adapters.scheduler import SchedulerApprovalTimeouts, at_expression, schedule_name, timeout_input
from incident_comms.approvals.timeout import TimeoutResult, approval_timed_out, parse_timeout_event
from incident_comms.clock import ManualClock
from incident_comms.incidents.models import Approval, Incident, Message, MessageStatus, PublicationReason, TimelineKind
from incident_comms.incidents.store import DecisionSaved
from incident_comms.plan.models import Plan
from tests.factories import RecordingSender, make_alarm, stored_incident

GROUP = "incident-schedules"
TARGET = "arn:aws:lambda:eu-west-1:123456789012:function:approval-timeout"
ROLE = "arn:aws:iam::123456789012:role/scheduler"
DEAD_LETTERS = "arn:aws:sqs:eu-west-1:123456789012:scheduler-dlq"
OPENED = datetime(2026, 11, 22, 10, 5, tzinfo=UTC)
DUE = OPENED + timedelta(minutes=10)
NAME = re.compile(r"^[0-9a-zA-Z\-_.]{1,64}$")


@pytest.fixture
def scheduler(aws: None) -> Any:
    client = boto3.client("scheduler")
    client.create_schedule_group(Name=GROUP)
    return client


def timeouts(scheduler: Any, **options: Any) -> SchedulerApprovalTimeouts:
    return SchedulerApprovalTimeouts(
        scheduler, group=GROUP, target_arn=TARGET, role_arn=ROLE, dead_letter_arn=DEAD_LETTERS, **options
    )


def only_schedule(scheduler: Any) -> dict[str, Any]:
    (summary,) = scheduler.list_schedules(GroupName=GROUP)["Schedules"]
    schedule: dict[str, Any] = scheduler.get_schedule(GroupName=GROUP, Name=summary["Name"])
    return schedule


# --- the schedule --------------------------------------------------------------------------


def test_schedule_fires_once_at_the_due_time_into_the_timeout_function(scheduler: Any) -> None:
    name = timeouts(scheduler).schedule("INC-20261122-1005-abc123", "investigating-1a2b3c4d", DUE)

    schedule = only_schedule(scheduler)
    assert schedule["Name"] == name and schedule["GroupName"] == GROUP
    assert schedule["ScheduleExpression"] == "at(2026-11-22T10:15:00)"
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert schedule["ActionAfterCompletion"] == "DELETE"
    target = schedule["Target"]
    assert (target["Arn"], target["RoleArn"]) == (TARGET, ROLE)
    assert json.loads(target["Input"]) == {
        "kind": "approval_timeout",
        "incident_id": "INC-20261122-1005-abc123",
        "message_id": "investigating-1a2b3c4d",
    }
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600}
    assert target["DeadLetterConfig"] == {"Arn": DEAD_LETTERS}


def test_the_input_is_exactly_what_the_timeout_function_accepts(scheduler: Any) -> None:
    timeouts(scheduler).schedule("INC-20261122-1005-abc123", "investigating-1a2b3c4d", DUE)

    parsed = parse_timeout_event(json.loads(only_schedule(scheduler)["Target"]["Input"]))

    assert (parsed.incident_id, parsed.message_id) == ("INC-20261122-1005-abc123", "investigating-1a2b3c4d")


def test_without_a_dead_letter_queue_the_target_has_none(scheduler: Any) -> None:
    SchedulerApprovalTimeouts(scheduler, group=GROUP, target_arn=TARGET, role_arn=ROLE).schedule("INC-1", "m-1", DUE)

    assert "DeadLetterConfig" not in only_schedule(scheduler)["Target"]


def test_creating_it_again_is_idempotent_and_keeps_the_first_due_time(scheduler: Any) -> None:
    arm = timeouts(scheduler)
    first = arm.schedule("INC-1", "investigating-1", DUE)
    again = arm.schedule("INC-1", "investigating-1", DUE + timedelta(minutes=5))

    assert again == first
    assert only_schedule(scheduler)["ScheduleExpression"] == "at(2026-11-22T10:15:00)"


def test_each_message_gets_its_own_schedule(scheduler: Any) -> None:
    arm = timeouts(scheduler)
    names = {arm.schedule("INC-1", "investigating-1", DUE), arm.schedule("INC-1", "update-2", DUE)}

    assert len(names) == 2
    assert len(scheduler.list_schedules(GroupName=GROUP)["Schedules"]) == 2


@pytest.mark.parametrize(
    ("incident_id", "message_id"),
    [
        ("INC-20261122-1005-abc123", "investigating-1a2b3c4d"),
        ("INC-" + "9" * 120, "update-" + "x" * 120),
        ("INC:with/odd chars", "msg#ünïcode"),
    ],
    ids=["usual", "long", "odd-characters"],
)
def test_names_are_valid_and_deterministic_whatever_the_ids(incident_id: str, message_id: str) -> None:
    name = schedule_name(incident_id, message_id)

    assert NAME.match(name) and len(name) <= 64
    assert name == schedule_name(incident_id, message_id)
    assert name != schedule_name(incident_id, message_id + "x")


def test_due_time_is_rounded_up_to_the_second_and_written_in_utc() -> None:
    madrid = datetime(2026, 11, 22, 11, 15, 0, 250_000, tzinfo=ZoneInfo("Europe/Madrid"))

    assert at_expression(madrid) == "at(2026-11-22T10:15:01)"
    assert at_expression(madrid.replace(microsecond=0)) == "at(2026-11-22T10:15:00)"
    assert at_expression(datetime(2026, 12, 31, 23, 59, 59, 1, tzinfo=UTC)) == "at(2027-01-01T00:00:00)"


def test_a_naive_due_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        at_expression(datetime(2026, 11, 22, 10, 15))


def test_a_due_time_already_past_fires_a_minute_from_now(scheduler: Any) -> None:
    clock = ManualClock(DUE + timedelta(minutes=3))

    timeouts(scheduler, clock=clock).schedule("INC-1", "investigating-1", DUE)

    assert only_schedule(scheduler)["ScheduleExpression"] == "at(2026-11-22T10:19:00)"


def test_a_future_due_time_is_kept_as_it_is_with_a_clock(scheduler: Any) -> None:
    timeouts(scheduler, clock=ManualClock(OPENED)).schedule("INC-1", "investigating-1", DUE)

    assert only_schedule(scheduler)["ScheduleExpression"] == "at(2026-11-22T10:15:00)"


class RefusingClient:
    """A scheduler client that refuses every creation with ``code``, as AWS does for a missing permission."""

    def __init__(self, code: str) -> None:
        self.code = code

    def create_schedule(self, **request: Any) -> dict[str, Any]:
        raise ClientError({"Error": {"Code": self.code, "Message": "refused"}}, "CreateSchedule")

    def delete_schedule(self, **request: Any) -> dict[str, Any]:
        raise ClientError({"Error": {"Code": self.code, "Message": "refused"}}, "DeleteSchedule")

    def get_schedule(self, **request: Any) -> dict[str, Any]:
        """The schedule already there: the approval timeout of INC-1's investigating-1, armed earlier."""
        return {"Target": {"Arn": TARGET, "Input": timeout_input("INC-1", "investigating-1")}}


def refused_with(code: str) -> SchedulerApprovalTimeouts:
    """Timeouts armed through a client that refuses every schedule with ``code``."""
    return SchedulerApprovalTimeouts(RefusingClient(code), group=GROUP, target_arn=TARGET, role_arn=ROLE)  # type: ignore[arg-type]


def test_other_refusals_reach_the_caller() -> None:
    arm = refused_with("AccessDeniedException")

    with pytest.raises(ClientError, match="AccessDeniedException"):
        arm.schedule("INC-1", "investigating-1", DUE)


def test_a_conflict_with_our_own_schedule_is_the_same_timeout_armed_before() -> None:
    arm = refused_with("ConflictException")

    assert arm.schedule("INC-1", "investigating-1", DUE) == schedule_name("INC-1", "investigating-1")


def test_cancelling_deletes_the_timeout_of_that_message_only(scheduler: Any) -> None:
    arm = timeouts(scheduler)
    arm.schedule("INC-1", "investigating-1", DUE)
    kept = arm.schedule("INC-1", "update-2", DUE)

    assert arm.cancel("INC-1", "investigating-1") is True
    assert [summary["Name"] for summary in scheduler.list_schedules(GroupName=GROUP)["Schedules"]] == [kept]


def test_cancelling_a_timeout_already_gone_is_fine(scheduler: Any) -> None:
    assert timeouts(scheduler).cancel("INC-1", "investigating-1") is False


def test_a_refused_cancel_reaches_the_caller() -> None:
    with pytest.raises(ClientError, match="AccessDeniedException"):
        refused_with("AccessDeniedException").cancel("INC-1", "investigating-1")


# --- the store path ------------------------------------------------------------------------


def open_sev1(store: DynamoIncidentStore, plan: Plan) -> tuple[Incident, Message]:
    return stored_incident(store, plan, make_alarm(changed_at=OPENED), at=OPENED)


def fire(incident: Incident, message: Message) -> dict[str, Any]:
    return {"kind": "approval_timeout", "incident_id": incident.id, "message_id": message.id}


def test_firing_twice_publishes_the_holding_text_once(store: DynamoIncidentStore, plan: Plan) -> None:
    incident, waiting = open_sev1(store, plan)
    sender = RecordingSender()

    first = approval_timed_out(fire(incident, waiting), plan, store, sender, DUE)
    again = approval_timed_out(fire(incident, waiting), plan, store, sender, DUE + timedelta(seconds=30))

    assert first.result == TimeoutResult.HOLDING_PUBLISHED
    assert again.result == TimeoutResult.NOTHING_TO_DO
    (publication,) = store.publications(incident.id)
    assert (
        publication.reason == PublicationReason.APPROVAL_TIMEOUT and publication.message_id == f"{waiting.id}-holding"
    )
    stored_waiting, holding = store.messages(incident.id)
    assert stored_waiting.id == waiting.id and stored_waiting.status == MessageStatus.AWAITING_APPROVAL
    assert holding.holding and holding.status == MessageStatus.APPROVED and holding.replaces == waiting.id
    kinds = [entry.kind for entry in store.timeline(incident.id)]
    assert kinds.count(TimelineKind.APPROVAL_TIMED_OUT) == 1 and kinds.count(TimelineKind.PUBLISH_REQUESTED) == 1
    assert len(sender.sent) == len(first.notified) > 0


def test_after_an_approval_the_firing_does_nothing(store: DynamoIncidentStore, plan: Plan) -> None:
    incident, waiting = open_sev1(store, plan)
    approved_at = DUE - timedelta(minutes=1)
    approved = waiting.model_copy(
        update={
            "revision": waiting.revision + 1,
            "status": MessageStatus.APPROVED,
            "decided_at": approved_at,
            "approvals": {
                role: Approval(recipient="marta.ibanez@nubeteca.example", at=approved_at, version=waiting.version)
                for role in waiting.approvers
            },
        }
    )
    saved = store.save_decision(waiting, approved, "fingerprint-1", DUE + timedelta(hours=24), [], None)
    assert saved == DecisionSaved.SAVED
    sender = RecordingSender()

    outcome = approval_timed_out(fire(incident, waiting), plan, store, sender, DUE)

    assert outcome.result == TimeoutResult.NOTHING_TO_DO
    assert [message.id for message in store.messages(incident.id)] == [waiting.id]
    assert store.publications(incident.id) == []
    assert TimelineKind.APPROVAL_TIMED_OUT not in [entry.kind for entry in store.timeline(incident.id)]
    assert sender.sent == []


def test_a_holding_message_already_there_keeps_the_second_writer_out(store: DynamoIncidentStore, plan: Plan) -> None:
    """Two firings that both read the draft as waiting: the store lets only one holding message in."""
    incident, waiting = open_sev1(store, plan)
    sender = RecordingSender()
    approval_timed_out(fire(incident, waiting), plan, store, sender, DUE)
    holding = store.get_message(incident.id, f"{waiting.id}-holding")
    assert holding is not None

    saved = store.save_holding(waiting, holding, [], store.publications(incident.id)[0])

    assert saved is False
    assert len(store.publications(incident.id)) == 1
