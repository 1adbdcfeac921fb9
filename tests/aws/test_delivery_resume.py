"""The sweeper resumes channel deliveries a publisher left unfinished (issue 14): a claim that never started sending
is sent once, one that was sending is never resent but finished as unknown, reported and told; the channel counts are
written again from the records."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from incident_comms.adapters.dynamodb import DynamoIncidentStore
from incident_comms.delivery.publishing import ChannelJob, ChannelResult
from incident_comms.delivery.sweeper import resume_deliveries
from incident_comms.incidents.models import Delivery, DeliveryState, Message, TimelineKind
from incident_comms.incidents.operators import NoOperators
from incident_comms.plan.models import ChannelKind, Plan
from tests.factories import OPENED, approve_stored, make_alarm, stored_incident

APPROVED_AT = OPENED + timedelta(minutes=5)
LEFT_AT = APPROVED_AT + timedelta(seconds=10)


class Recorder:
    def __init__(self) -> None:
        self.jobs: list[ChannelJob] = []

    def publish(self, job: ChannelJob) -> ChannelResult:
        self.jobs.append(job)
        return ChannelResult(attempted=1, delivered=1)


def publishers() -> dict[ChannelKind, Any]:
    return {kind: Recorder() for kind in ChannelKind}


def sent(chosen: dict[ChannelKind, Any]) -> list[str]:
    return [job.draft.channel_id for recorder in chosen.values() for job in recorder.jobs]


def left_behind(store: DynamoIncidentStore, plan: Plan, state: DeliveryState) -> tuple[Message, Delivery]:
    """An approved message whose first channel a publisher claimed at ``LEFT_AT`` and left in ``state``."""
    _, message = stored_incident(store, plan, make_alarm(), at=OPENED)
    message, _ = approve_stored(store, message, APPROVED_AT, "f" * 16)
    draft = message.drafts[0]
    claim = Delivery(
        incident_id=message.incident_id,
        message_id=message.id,
        version=message.version,
        channel_id=draft.channel_id,
        kind=draft.kind.value,
        claimed_at=LEFT_AT,
        state=DeliveryState.CLAIMED,
    )
    assert store.claim_delivery(claim) is None
    if state == DeliveryState.SENDING:
        assert store.advance_delivery(claim.model_copy(update={"state": state}), claim)
    return message, claim


def test_a_claim_that_never_started_sending_is_sent_once_after_its_lease(
    store: DynamoIncidentStore, plan: Plan
) -> None:
    message, claim = left_behind(store, plan, DeliveryState.CLAIMED)
    chosen, operators = publishers(), NoOperators()

    early = resume_deliveries(plan, store, chosen, operators, LEFT_AT + timedelta(minutes=4))
    report = resume_deliveries(plan, store, chosen, operators, LEFT_AT + timedelta(minutes=6))
    again = resume_deliveries(plan, store, chosen, operators, LEFT_AT + timedelta(minutes=8))

    assert early.resumed == [] and again.resumed == []
    assert sent(chosen) == [claim.channel_id]
    (resumed,) = report.resumed
    assert resumed.complete and resumed.progress == DeliveryState.FINISHED
    (record,) = store.deliveries(message.incident_id)
    assert record.complete
    (entry,) = [e for e in store.timeline(message.incident_id) if e.kind == TimelineKind.DELIVERIES_RESUMED]
    assert "published on 1 of 1 channels" in entry.text
    assert operators.told == []


def test_a_claim_that_was_sending_is_not_resent_but_finished_unknown_and_told(
    store: DynamoIncidentStore, plan: Plan
) -> None:
    message, claim = left_behind(store, plan, DeliveryState.SENDING)
    chosen, operators = publishers(), NoOperators()

    report = resume_deliveries(plan, store, chosen, operators, LEFT_AT + timedelta(minutes=6))
    resume_deliveries(plan, store, chosen, operators, LEFT_AT + timedelta(minutes=8))

    assert sent(chosen) == []
    (unknown,) = report.unknown
    assert (unknown.unknown, unknown.delivered, unknown.channel_id) == (1, 0, claim.channel_id)
    (record,) = store.deliveries(message.incident_id)
    assert record.finished_at is not None and record.unknown == 1 and not record.complete
    timeline = store.timeline(message.incident_id)
    (failed,) = [e for e in timeline if e.kind == TimelineKind.DELIVERY_FAILED]
    assert "not resent" in failed.text
    (entry,) = [e for e in timeline if e.kind == TimelineKind.DELIVERIES_RESUMED]
    assert "published on 0 of 1 channels" in entry.text and "outcome unknown" in entry.text
    (alert,) = operators.told
    assert alert.incident_id == message.incident_id and claim.channel_id in alert.text


def test_a_claim_taken_over_by_another_sweeper_is_left_to_it(store: DynamoIncidentStore, plan: Plan) -> None:
    _, claim = left_behind(store, plan, DeliveryState.CLAIMED)
    assert store.advance_delivery(claim.model_copy(update={"claimed_at": LEFT_AT + timedelta(minutes=5)}), claim)

    assert not store.advance_delivery(claim.model_copy(update={"state": DeliveryState.SENDING}), claim)
    chosen = publishers()
    report = resume_deliveries(plan, store, chosen, NoOperators(), LEFT_AT + timedelta(minutes=6))

    assert report.resumed == [] and sent(chosen) == []
