"""A schedule that still cannot be created after our retries is on the timeline and told to the operators, for every
use case that arms one: the update prompter, the delivery report, the lifecycle timers (issue 14)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config

from incident_comms.adapters.dynamodb import DynamoIncidentStore
from incident_comms.adapters.scheduler import (
    SchedulerDeliveryReports,
    SchedulerLifecycleTimers,
    SchedulerUpdateSchedules,
)
from incident_comms.alarms import AlarmState
from incident_comms.approvals.requests import ApprovalRequests
from incident_comms.delivery.report.use_cases import schedule_report
from incident_comms.incidents.models import TimelineKind
from incident_comms.incidents.operators import NoOperators
from incident_comms.lifecycle.prompter import PromptResult, prompt
from incident_comms.lifecycle.transitions import IncidentLifecycle
from incident_comms.plan.models import Plan
from tests.aws.test_promise_keeping import publish
from tests.aws.test_prompter import KEY, Schedules, event
from tests.factories import OPENED, RecordingSender, make_alarm, stored_incident
from tests.faults import FOR_GOOD, Faults

GROUP = "incident-schedules"
TARGET = "arn:aws:lambda:eu-west-1:123456789012:function:target"
ROLE = "arn:aws:iam::123456789012:role/scheduler"


@pytest.fixture
def unreachable(aws: None) -> Any:
    """A scheduler client (SDK retries off) whose CreateSchedule never connects."""
    client = boto3.client("scheduler", config=Config(retries={"total_max_attempts": 1}))
    client.create_schedule_group(Name=GROUP)
    Faults(client).fail("CreateSchedule", times=FOR_GOOD)
    return client


@pytest.fixture
def published(store: DynamoIncidentStore, plan: Plan) -> Any:
    """The sample SEV1 incident whose first message went out at 10:19, and the update it promised."""
    incident, message = stored_incident(store, plan, make_alarm(), at=OPENED)
    publish(store, plan, message, OPENED + timedelta(minutes=4), Schedules())
    (promise,) = store.promise_ledger(incident.id).promises
    return incident, promise


def adapter(kind: type[Any], client: Any, waited: list[float]) -> Any:
    return kind(client, group=GROUP, target_arn=TARGET, role_arn=ROLE, sleep=waited.append)


def failed(store: DynamoIncidentStore, incident_id: str, notification: str) -> list[str]:
    return [
        entry.text
        for entry in store.timeline(incident_id)
        if entry.kind == TimelineKind.NOTIFICATION_FAILED and entry.data["notification"] == notification
    ]


def test_an_overdue_check_that_cannot_be_armed_is_told(
    store: DynamoIncidentStore, plan: Plan, published: Any, unreachable: Any
) -> None:
    incident, promise = published
    operators, waited = NoOperators(), []
    approvals = ApprovalRequests(RecordingSender(), lambda: KEY, operators=operators)
    schedules = adapter(SchedulerUpdateSchedules, unreachable, waited)

    report = prompt(event(incident.id, promise.due_at, "due"), plan, store, approvals, schedules, promise.due_at)

    assert report.result == PromptResult.DRAFTED and report.errors
    (failure,) = failed(store, incident.id, "update_schedule")
    assert [alert.text for alert in operators.told] == [failure]
    assert len(waited) == 3
    assert report.counts()["UpdateSchedulingFailed"] == 1, "SchedulesFailedAlarm reads it"


def test_an_update_reminder_that_cannot_be_armed_at_publication_is_counted(
    store: DynamoIncidentStore, plan: Plan, unreachable: Any
) -> None:
    incident, message = stored_incident(store, plan, make_alarm(), at=OPENED)

    report = publish(
        store, plan, message, OPENED + timedelta(minutes=4), adapter(SchedulerUpdateSchedules, unreachable, [])
    )

    assert report.promise is not None and report.promise.errors
    assert failed(store, incident.id, "update_schedule")
    assert report.counts()["UpdateSchedulingFailed"] == 1, "SchedulesFailedAlarm reads it"
    assert report.counts()["MessagesPublished"] == 1


def test_a_delivery_report_that_cannot_be_scheduled_is_told(
    store: DynamoIncidentStore, plan: Plan, unreachable: Any
) -> None:
    incident, message = stored_incident(store, plan, make_alarm(), at=OPENED)
    published_report = publish(store, plan, message, OPENED + timedelta(minutes=4), Schedules())
    operators = NoOperators()
    reports = adapter(SchedulerDeliveryReports, unreachable, [])

    scheduling = schedule_report(published_report, reports, store, OPENED, timedelta(minutes=15), operators)

    assert scheduling.error is not None
    (failure,) = failed(store, incident.id, "delivery_report")
    assert [alert.text for alert in operators.told] == [failure]


def test_a_lifecycle_timer_that_cannot_be_armed_is_told(
    store: DynamoIncidentStore, plan: Plan, unreachable: Any
) -> None:
    incident, _ = stored_incident(store, plan, make_alarm(), at=OPENED)
    operators = NoOperators()
    lifecycle = IncidentLifecycle(
        plan,
        store,
        ApprovalRequests(RecordingSender(), lambda: KEY),
        timers=adapter(SchedulerLifecycleTimers, unreachable, []),
        operators=operators,
    )
    back_to_ok = make_alarm(changed_at=OPENED + timedelta(minutes=5)).model_copy(update={"state": AlarmState.OK})

    step = lifecycle.alarm_changed(incident.id, back_to_ok, "SEV1", OPENED + timedelta(minutes=5))

    assert step.failures
    failures = failed(store, incident.id, "lifecycle_timer")
    assert failures and [alert.text for alert in operators.told] == failures
