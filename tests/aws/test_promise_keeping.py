"""Keeping the promise at publication, on moto: the ledger item and the incident's one update schedule."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from incident_comms.adapters.dynamodb import DynamoIncidentStore
from incident_comms.adapters.scheduler import SchedulerUpdateSchedules, update_schedule_name
from incident_comms.approvals.requests import ApprovalRequests, draft_and_request
from incident_comms.cadence.keeping import PromiseRecorded, PromptEvent, PromptKind, record_published_promise
from incident_comms.clock import ManualClock
from incident_comms.delivery.publishing import ChannelJob, ChannelResult, PublishRequest, publish_message
from incident_comms.incidents.models import (
    Delivery,
    Message,
    MessageStatus,
    Publication,
    PublicationReason,
    TimelineKind,
)
from incident_comms.incidents.promises import DueReason
from incident_comms.plan.models import ChannelKind, Phase, Plan
from incident_comms.sms import is_gsm7
from tests.factories import OPENED, RecordingSender, make_alarm, stored_incident
from tests.faults import Faults

GROUP = "incident-schedules"
PROMPTER = "arn:aws:lambda:eu-west-1:123456789012:function:update-prompter"
ROLE = "arn:aws:iam::123456789012:role/scheduler"
KEY = b"k" * 32


class Delivers:
    """A channel publisher that delivers to one recipient."""

    def publish(self, job: ChannelJob) -> ChannelResult:
        return ChannelResult(attempted=1, delivered=1)


@pytest.fixture
def schedules(aws: None) -> SchedulerUpdateSchedules:
    client = boto3.client("scheduler")
    client.create_schedule_group(Name=GROUP)
    return SchedulerUpdateSchedules(client, group=GROUP, target_arn=PROMPTER, role_arn=ROLE)


def group_schedules() -> dict[str, dict[str, Any]]:
    client = boto3.client("scheduler")
    names = [summary["Name"] for summary in client.list_schedules(GroupName=GROUP)["Schedules"]]
    return {name: client.get_schedule(GroupName=GROUP, Name=name) for name in names}


def approve(store: DynamoIncidentStore, message: Message, at: Any) -> Publication:
    """Approve ``message`` at ``at``, handing it to publishing."""
    after = message.model_copy(update={"status": MessageStatus.APPROVED, "revision": message.revision + 1})
    publication = Publication(
        incident_id=message.incident_id,
        message_id=message.id,
        version=message.version,
        requested_at=at,
        reason=PublicationReason.APPROVED,
    )
    store.save_decision(message, after, message.id.ljust(16, "f"), at + timedelta(hours=1), [], publication)
    return publication


def publish(store: DynamoIncidentStore, plan: Plan, message: Message, at: Any, schedules: Any) -> Any:
    """Approve ``message`` and publish it at ``at`` on every channel."""
    body = PublishRequest.of(approve(store, message, at)).model_dump()
    return publish_message(body, plan, store, {kind: Delivers() for kind in ChannelKind}, at, schedules)


def kinds(store: DynamoIncidentStore, incident_id: str) -> list[TimelineKind]:
    return [entry.kind for entry in store.timeline(incident_id)]


def test_publishing_the_first_message_records_its_promise_and_schedules_the_prompter_then(
    store: DynamoIncidentStore, plan: Plan, schedules: SchedulerUpdateSchedules
) -> None:
    incident, message = stored_incident(store, plan, make_alarm(), at=OPENED)
    assert message.promise is not None and message.promise.due_at == OPENED + timedelta(minutes=30)

    report = publish(store, plan, message, OPENED + timedelta(minutes=4), schedules)

    assert report.promise is not None and report.promise.result == PromiseRecorded.RECORDED
    assert report.counts()["UpdateSchedulingFailed"] == 0
    (promise,) = store.promise_ledger(incident.id).promises
    assert (promise.message_id, promise.due_at, promise.is_open) == (message.id, message.promise.due_at, True)
    assert TimelineKind.PROMISE_MADE in kinds(store, incident.id)
    (name, schedule), *others = group_schedules().items()
    assert not others and name == f"update-{incident.id}" == update_schedule_name("due", incident.id)
    assert schedule["ScheduleExpression"] == "at(2026-11-22T10:45:00)"
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert schedule["Target"]["Arn"] == PROMPTER
    fired = PromptEvent.model_validate_json(schedule["Target"]["Input"])
    assert fired == PromptEvent(incident_id=incident.id, due_at=promise.due_at, kind=PromptKind.DUE)
    assert json.loads(schedule["Target"]["Input"])["kind"] == "due"


def test_a_newer_update_keeps_the_promise_and_replaces_the_schedule(
    store: DynamoIncidentStore, plan: Plan, schedules: SchedulerUpdateSchedules
) -> None:
    incident, first = stored_incident(store, plan, make_alarm(), at=OPENED)
    publish(store, plan, first, OPENED + timedelta(minutes=4), schedules)
    schedules.arm(PromptEvent(incident_id=incident.id, due_at=OPENED, kind=PromptKind.OVERDUE), OPENED)
    drafted_at = OPENED + timedelta(minutes=20)
    update = draft_and_request(
        plan, store, ApprovalRequests(RecordingSender(), lambda: KEY), incident, Phase.UPDATE, drafted_at
    )
    assert update is not None

    publish(store, plan, update, OPENED + timedelta(minutes=25), schedules)

    kept, made = store.promise_ledger(incident.id).promises
    assert kept.kept_on_time and kept.kept_by == update.id
    assert made.message_id == update.id and made.due_at == drafted_at + timedelta(minutes=30)
    assert list(group_schedules()) == [f"update-{incident.id}"]  # replaced; the old overdue check is gone
    assert group_schedules()[f"update-{incident.id}"]["ScheduleExpression"] == "at(2026-11-22T11:05:00)"
    assert TimelineKind.PROMISE_KEPT in kinds(store, incident.id)


def test_a_promise_already_past_when_approved_is_made_anew_from_the_publication(
    store: DynamoIncidentStore, plan: Plan, schedules: SchedulerUpdateSchedules
) -> None:
    incident, message = stored_incident(store, plan, make_alarm(), at=OPENED)
    published_at = OPENED + timedelta(minutes=40)  # its text said 10:45

    report = publish(store, plan, message, published_at, schedules)

    assert report.promise.renewed
    (promise,) = store.promise_ledger(incident.id).promises
    assert promise.due_at == published_at + timedelta(minutes=30) and promise.reason == DueReason.CADENCE
    (made,) = [entry for entry in store.timeline(incident.id) if entry.kind == TimelineKind.PROMISE_MADE]
    assert made.data["renewed"] and "past or too close" in made.text


def promise_of(promise: Any) -> Any:
    from incident_comms.incidents.promises import DuePromise

    return DuePromise(due_at=promise.due_at, audience_id=promise.audience_id, reason=promise.reason)


class Records:
    """A channel publisher that delivers to one recipient and keeps each draft it was given."""

    def __init__(self) -> None:
        self.sent: dict[str, Any] = {}

    def publish(self, job: ChannelJob) -> ChannelResult:
        self.sent[job.draft.channel_id] = job.draft
        return ChannelResult(attempted=1, delivered=1)


def publish_recorded(
    store: DynamoIncidentStore,
    plan: Plan,
    message: Message,
    at: Any,
    schedules: Any,
    fault: str | None = None,
    records: Records | None = None,
) -> Records:
    """Approve ``message`` and publish it at ``at``, keeping what each channel was given; ``fault`` makes the
    store's next PutItem lose its answer (``lose_answer``) or be throttled once (``throttle``)."""
    publication = approve(store, message, at)
    records = records or Records()
    if fault == "lose_answer":
        Faults(store._client).lose_answer("PutItem")
    elif fault == "throttle":
        Faults(store._client).refuse("PutItem", code="ProvisionedThroughputExceededException")
    publish_message(
        PublishRequest.of(publication).model_dump(), plan, store, dict.fromkeys(ChannelKind, records), at, schedules
    )
    return records


@pytest.mark.parametrize(("minutes_late", "fault"), [(25, None), (40, None), (95, None), (40, "lose_answer")])
def test_a_promise_past_or_too_close_at_publication_goes_out_with_the_new_time_in_every_text(
    store: DynamoIncidentStore,
    plan: Plan,
    schedules: SchedulerUpdateSchedules,
    minutes_late: int,
    fault: str | None,
    no_retry_waits: None,
) -> None:
    """Also when the renewed message's PutItem answer is lost (the SDK's resend meets our own write and the message
    is read back): one renewal, stored, and the texts sent are the stored ones."""
    incident, message = stored_incident(store, plan, make_alarm(), at=OPENED)  # 10:15 UTC, promising 10:45 UTC
    published_at = OPENED + timedelta(minutes=minutes_late)

    sent = publish_recorded(store, plan, message, published_at, schedules, fault).sent

    (promise,) = store.promise_ledger(incident.id).promises
    assert promise.due_at == published_at + timedelta(minutes=30)
    old = f"{message.promise.due_at + timedelta(hours=1):%H:%M} CET"  # Madrid's audiences
    new = f"{promise.due_at + timedelta(hours=1):%H:%M} CET"
    customer = [draft for draft in message.drafts if old in draft.text]
    assert {"email-customers-es", "email-customers-en", "sms-customers", "status-page"} <= {
        d.channel_id for d in customer
    }
    for draft in customer:
        going = sent[draft.channel_id]
        assert old not in going.text and new in going.text, (draft.channel_id, going.text)
        assert going.html is None or (old not in going.html and new in going.html)
    assert is_gsm7(sent["sms-customers"].text)
    (published,) = [e for e in store.timeline(incident.id) if e.kind == TimelineKind.PUBLISHED]
    assert published.data["promise_renewed"]["to"] == promise.due_at.isoformat()
    assert set(published.data["promise_renewed"]["rewritten"]) >= {d.channel_id for d in customer}
    assert "was moved to" in published.text
    stored = store.get_message(incident.id, message.id)
    assert stored is not None and stored.revision == message.revision + 2 and stored.promise == promise_of(promise)
    assert {d.channel_id: d.text for d in stored.drafts} == {c: d.text for c, d in sent.items()}


def test_a_promise_still_ahead_by_the_lead_goes_out_as_approved(
    store: DynamoIncidentStore, plan: Plan, schedules: SchedulerUpdateSchedules
) -> None:
    incident, message = stored_incident(store, plan, make_alarm(), at=OPENED)

    sent = publish_recorded(store, plan, message, OPENED + timedelta(minutes=19), schedules).sent

    assert {channel: draft.text for channel, draft in sent.items()} == {d.channel_id: d.text for d in message.drafts}
    (promise,) = store.promise_ledger(incident.id).promises
    assert promise.due_at == message.promise.due_at
    (published,) = [e for e in store.timeline(incident.id) if e.kind == TimelineKind.PUBLISHED]
    assert "promise_renewed" not in published.data


def test_an_edit_that_took_the_time_out_of_the_words_is_sent_as_edited_and_the_timeline_says_so(
    store: DynamoIncidentStore, plan: Plan, schedules: SchedulerUpdateSchedules
) -> None:
    incident, message = stored_incident(store, plan, make_alarm(), at=OPENED)
    old = f"{message.promise.due_at + timedelta(hours=1):%H:%M} CET"
    edited = message.model_copy(
        update={
            "drafts": [
                d.model_copy(update={"text": "Seguimos con ello; le escribiremos en breve."})
                if d.channel_id == "email-customers-es"
                else d
                for d in message.drafts
            ]
        }
    )

    sent = publish_recorded(store, plan, edited, OPENED + timedelta(minutes=40), schedules).sent

    assert sent["email-customers-es"].text == "Seguimos con ello; le escribiremos en breve."
    assert old not in sent["email-customers-en"].text
    (published,) = [e for e in store.timeline(incident.id) if e.kind == TimelineKind.PUBLISHED]
    assert published.data["promise_renewed"]["kept"] == ["email-customers-es"]
    assert "did not have the old time" in published.text


def test_a_redelivered_publication_records_nothing_twice(
    store: DynamoIncidentStore, plan: Plan, schedules: SchedulerUpdateSchedules
) -> None:
    incident, message = stored_incident(store, plan, make_alarm(), at=OPENED)
    at = OPENED + timedelta(minutes=4)
    report = publish(store, plan, message, at, schedules)
    revision = store.promise_ledger(incident.id).revision

    again = record_published_promise(plan, store, schedules, incident, message, report.deliveries, at)

    assert again.result == PromiseRecorded.ALREADY_RECORDED
    assert store.promise_ledger(incident.id).revision == revision


def test_only_internal_channels_delivered_promises_nothing_to_customers(
    store: DynamoIncidentStore, plan: Plan, schedules: SchedulerUpdateSchedules
) -> None:
    incident, message = stored_incident(store, plan, make_alarm(), at=OPENED)
    internal = {channel.id for channel in plan.channels.channels if plan.audience(channel.audience).internal}
    team_only = [
        Delivery(
            incident_id=incident.id,
            message_id=message.id,
            version=1,
            channel_id=draft.channel_id,
            kind=draft.kind.value,
            claimed_at=OPENED,
            finished_at=OPENED,
            attempted=1,
            delivered=int(draft.channel_id in internal),
            failed=int(draft.channel_id not in internal),
        )
        for draft in message.drafts
    ]

    outcome = record_published_promise(plan, store, schedules, incident, message, team_only, OPENED)

    assert internal and outcome.result == PromiseRecorded.NOT_CUSTOMER_FACING
    assert store.promise_ledger(incident.id).promises == [] and group_schedules() == {}


def test_cancel_deletes_both_reminders_and_is_idempotent(schedules: SchedulerUpdateSchedules) -> None:
    due = OPENED + timedelta(minutes=30)
    for kind in PromptKind:
        schedules.arm(PromptEvent(incident_id="INC-1", due_at=due, kind=kind), due)

    assert sorted(schedules.cancel("INC-1")) == ["overdue-INC-1", "update-INC-1"]
    assert schedules.cancel("INC-1") == [] and group_schedules() == {}


def test_a_past_fire_time_is_moved_a_minute_ahead_with_a_clock(aws: None) -> None:
    client = boto3.client("scheduler")
    client.create_schedule_group(Name=GROUP)
    clock = ManualClock(OPENED + timedelta(hours=1))
    arming = SchedulerUpdateSchedules(client, group=GROUP, target_arn=PROMPTER, role_arn=ROLE, clock=clock)

    arming.arm(PromptEvent(incident_id="INC-1", due_at=OPENED, kind=PromptKind.OVERDUE), OPENED)

    assert group_schedules()["overdue-INC-1"]["ScheduleExpression"] == "at(2026-11-22T11:16:00)"


def test_names_fit_the_scheduler_whatever_the_id() -> None:
    assert update_schedule_name("due", "INC-20261122-1015-3fa9c2") == "update-INC-20261122-1015-3fa9c2"
    odd = update_schedule_name("overdue", "x/" * 40)
    assert odd.startswith("overdue-") and len(odd) <= 64 and "/" not in odd


def test_a_renewal_the_store_refuses_sends_nothing_and_the_redelivered_request_renews_and_sends_once(
    store: DynamoIncidentStore, plan: Plan, schedules: SchedulerUpdateSchedules, no_retry_waits: None
) -> None:
    incident, message = stored_incident(store, plan, make_alarm(), at=OPENED)
    published_at = OPENED + timedelta(minutes=40)
    first = Records()
    with pytest.raises(ClientError):
        publish_recorded(store, plan, message, published_at, schedules, "throttle", records=first)
    assert first.sent == {} and store.deliveries(incident.id) == []

    again = Records()
    request = PublishRequest(incident_id=incident.id, message_id=message.id, version=message.version)
    publish_message(request.model_dump(), plan, store, dict.fromkeys(ChannelKind, again), published_at, schedules)

    stored = store.get_message(incident.id, message.id)
    assert stored is not None and stored.revision == message.revision + 2
    assert {d.channel_id: d.text for d in stored.drafts} == {c: d.text for c, d in again.sent.items()}
    (promise,) = store.promise_ledger(incident.id).promises
    assert promise.due_at == published_at + timedelta(minutes=30)
