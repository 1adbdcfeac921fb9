"""Publishing an approved message version through the store on moto: each channel once, failures visible."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from incident_comms.adapters.dynamodb import DynamoIncidentStore
from incident_comms.delivery.publishing import (
    ChannelJob,
    ChannelResult,
    PublishRequest,
    PublishResult,
    hand_off,
    publish_message,
)
from incident_comms.incidents.models import Delivery, DeliveryState, Message, Publication, TimelineKind
from incident_comms.plan.models import ChannelKind, Plan
from tests.factories import OPENED, approve_stored, make_alarm, stored_incident

NOW = OPENED + timedelta(minutes=5)


class Recorder:
    """A channel publisher that keeps every job and answers one delivered recipient, or raises when told to."""

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.jobs: list[ChannelJob] = []
        self.fail_with = fail_with

    def publish(self, job: ChannelJob) -> ChannelResult:
        self.jobs.append(job)
        if self.fail_with is not None:
            raise self.fail_with
        return ChannelResult(attempted=1, delivered=1)


def approved(store: DynamoIncidentStore, plan: Plan) -> tuple[Message, Publication]:
    _, message = stored_incident(store, plan, make_alarm(), at=OPENED)
    return approve_stored(store, message, NOW, "f" * 16)


def publishers(**overrides: Recorder) -> dict[ChannelKind, Any]:
    found: dict[ChannelKind, Any] = {kind: Recorder() for kind in ChannelKind}
    found.update({ChannelKind(kind): publisher for kind, publisher in overrides.items()})
    return found


def body(publication: Publication) -> dict[str, Any]:
    return PublishRequest.of(publication).model_dump()


def test_every_draft_goes_to_its_channel_kind_once(store: DynamoIncidentStore, plan: Plan) -> None:
    message, publication = approved(store, plan)
    chosen = publishers()

    report = publish_message(body(publication), plan, store, chosen, NOW)

    assert report.result == PublishResult.PUBLISHED
    published = [(job.draft.channel_id, job.channel.kind) for kind in chosen for job in chosen[kind].jobs]
    assert sorted(published) == sorted((draft.channel_id, draft.kind) for draft in message.drafts)
    stored = store.deliveries(message.incident_id)
    assert sorted(delivery.channel_id for delivery in stored) == sorted(d.channel_id for d in message.drafts)
    assert all(delivery.complete for delivery in stored)
    kinds = [entry.kind for entry in store.timeline(message.incident_id)]
    assert kinds.count(TimelineKind.PUBLISHED) == 1


def test_a_redelivered_request_publishes_nothing_again(store: DynamoIncidentStore, plan: Plan) -> None:
    message, publication = approved(store, plan)
    chosen = publishers()
    publish_message(body(publication), plan, store, chosen, NOW)
    timeline = store.timeline(message.incident_id)

    again = publish_message(body(publication), plan, store, chosen, NOW)

    assert again.deliveries == []
    assert sorted(again.skipped) == sorted(draft.channel_id for draft in message.drafts)
    assert sum(len(recorder.jobs) for recorder in chosen.values()) == len(message.drafts)
    assert store.timeline(message.incident_id) == timeline


def test_one_failing_channel_is_on_the_timeline_and_the_others_still_publish(
    store: DynamoIncidentStore, plan: Plan
) -> None:
    message, publication = approved(store, plan)
    broken = Recorder(fail_with=RuntimeError("topic gone"))

    report = publish_message(body(publication), plan, store, publishers(sns=broken), NOW)

    sns_channels = {draft.channel_id for draft in message.drafts if draft.kind == ChannelKind.SNS}
    assert sns_channels
    failed = {delivery.channel_id: delivery for delivery in report.deliveries if not delivery.complete}
    assert set(failed) == sns_channels
    assert all(delivery.detail == "RuntimeError: topic gone" for delivery in failed.values())
    assert report.counts()["ChannelDeliveriesFailed"] == len(sns_channels)
    entries = [e for e in store.timeline(message.incident_id) if e.kind == TimelineKind.DELIVERY_FAILED]
    assert {entry.data["channel_id"] for entry in entries} == sns_channels
    assert len([d for d in report.deliveries if d.complete]) == len(message.drafts) - len(sns_channels)


def test_a_claim_another_run_holds_is_not_repeated_and_counted_from_the_records(
    store: DynamoIncidentStore, plan: Plan
) -> None:
    message, publication = approved(store, plan)
    draft = message.drafts[0]
    store.claim_delivery(
        Delivery(
            incident_id=message.incident_id,
            message_id=message.id,
            version=message.version,
            channel_id=draft.channel_id,
            kind=draft.kind.value,
            claimed_at=NOW - timedelta(minutes=1),
            state=DeliveryState.SENDING,
        )
    )
    chosen = publishers()

    report = publish_message(body(publication), plan, store, chosen, NOW)

    assert draft.channel_id in report.skipped
    assert draft.channel_id not in [job.draft.channel_id for recorder in chosen.values() for job in recorder.jobs]
    (published,) = [e for e in store.timeline(message.incident_id) if e.kind == TimelineKind.PUBLISHED]
    total = len(message.drafts)
    assert f"published on {total - 1} of {total} channels" in published.text
    assert f"not finished yet on {draft.channel_id}" in published.text
    assert published.data["channels"][draft.channel_id]["state"] == "sending"


@pytest.mark.parametrize(
    ("change", "result"),
    [
        ({"version": 2}, PublishResult.NOTHING_TO_DO),
        ({"message_id": "no-such-message"}, PublishResult.NOTHING_TO_DO),
        ({"version": "two"}, PublishResult.REJECTED),
        ({"incident_id": None}, PublishResult.REJECTED),
    ],
    ids=["other-version", "unknown-message", "bad-version", "no-incident"],
)
def test_a_request_for_nothing_publishable_changes_nothing(
    store: DynamoIncidentStore, plan: Plan, change: dict[str, Any], result: PublishResult
) -> None:
    message, publication = approved(store, plan)
    chosen = publishers()
    before = store.timeline(message.incident_id)

    report = publish_message({**body(publication), **change}, plan, store, chosen, NOW)

    assert report.result == result and report.reason
    assert all(recorder.jobs == [] for recorder in chosen.values())
    assert store.deliveries(message.incident_id) == []
    assert store.timeline(message.incident_id) == before


def test_a_message_still_awaiting_approval_is_not_published(store: DynamoIncidentStore, plan: Plan) -> None:
    _, message = stored_incident(store, plan, make_alarm(), at=OPENED)
    request = {"incident_id": message.incident_id, "message_id": message.id, "version": 1}

    report = publish_message(request, plan, store, publishers(), NOW)

    assert report.result == PublishResult.NOTHING_TO_DO
    assert "awaiting_approval" in (report.reason or "")


def test_a_refused_hand_off_is_on_the_timeline(store: DynamoIncidentStore, plan: Plan) -> None:
    message, publication = approved(store, plan)

    class Refusing:
        def request(self, publication: Publication) -> None:
            raise ConnectionError("queue unreachable")

    error = hand_off(store, Refusing(), publication, NOW)

    assert error == "ConnectionError: queue unreachable"
    (entry,) = [e for e in store.timeline(message.incident_id) if e.kind == TimelineKind.NOTIFICATION_FAILED]
    assert entry.data == {"notification": "publish", "reason": error, "message_id": message.id}
