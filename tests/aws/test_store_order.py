"""Order on DynamoDB (moto): a new draft supersedes the waiting ones in the transaction that stores it, and nothing
older than the last message handed to publishing is handed over after it, whatever the race."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import boto3
import pytest

from incident_comms.adapters.dynamodb import DynamoIncidentStore
from incident_comms.incidents.models import Message, MessageStatus, TimelineEntry, TimelineKind
from incident_comms.incidents.store import DecisionSaved
from incident_comms.plan.models import Phase, Plan
from tests.aws.test_store_decisions import NOW, approved, holding_for, snapshot, stored_message


def draft(waiting: Message, phase: Phase, minutes: int = 5) -> tuple[Message, list[TimelineEntry]]:
    """A new ``phase`` draft of ``waiting``'s incident, as the lifecycle drafts one ``minutes`` later."""
    at = NOW + timedelta(minutes=minutes)
    message = waiting.model_copy(
        update={"id": f"{phase.value}-{minutes:08d}", "phase": phase, "created_at": at, "sequence": 0, "revision": 0}
    )
    created = TimelineEntry(incident_id=waiting.incident_id, at=at, kind=TimelineKind.DRAFT_CREATED, text="drafted")
    return message, [created]


def add(store: DynamoIncidentStore, waiting: Message, phase: Phase, minutes: int = 5) -> Message:
    added = store.add_message(*draft(waiting, phase, minutes))
    assert added is not None
    return added.message


def stored(store: DynamoIncidentStore, message: Message) -> Message:
    found = store.get_message(message.incident_id, message.id)
    assert found is not None
    return found


def before_each_transaction(store: DynamoIncidentStore, work: Callable[[], None]) -> None:
    """Run ``work`` (through another client) just before the store's next transaction, once: what another function
    does between this one's reads and its write."""
    done: list[bool] = []

    def interleave(**_: Any) -> None:
        if not done:
            done.append(True)
            work()

    store._client.meta.events.register("before-call.dynamodb.TransactWriteItems", interleave)


def other_store(table_name: str) -> DynamoIncidentStore:
    return DynamoIncidentStore(boto3.client("dynamodb"), table_name)


def test_a_new_draft_supersedes_the_waiting_one_and_takes_the_next_sequence(
    store: DynamoIncidentStore, plan: Plan
) -> None:
    first = stored_message(store, plan)
    message, entries = draft(first, Phase.IDENTIFIED)

    added = store.add_message(message, entries)

    assert added is not None and added.message.sequence == 2 == stored(store, message).sequence
    (superseded,) = added.superseded
    assert superseded == stored(store, first)
    assert superseded.status == MessageStatus.SUPERSEDED and superseded.superseded_by == message.id
    assert superseded.revision == first.revision + 1
    incident = store.get_incident(first.incident_id)
    assert incident is not None and incident.message_sequence == 2
    kinds = [entry.kind for entry in store.timeline(first.incident_id)]
    assert kinds[-2:] == [TimelineKind.DRAFT_CREATED, TimelineKind.SUPERSEDED]


def test_a_draft_supersedes_nothing_already_decided(store: DynamoIncidentStore, plan: Plan) -> None:
    first = stored_message(store, plan)
    after, entries, publication = approved(first)
    store.save_decision(first, after, "fp-1", NOW + timedelta(hours=1), entries, publication)

    added = store.add_message(*draft(first, Phase.MONITORING))

    assert added is not None and added.superseded == [] and added.message.sequence == 2
    assert stored(store, first).status == MessageStatus.APPROVED


def test_a_message_id_stored_already_changes_nothing(store: DynamoIncidentStore, plan: Plan) -> None:
    first = stored_message(store, plan)
    before = snapshot(store, first.incident_id), store.get_incident(first.incident_id)

    assert store.add_message(first.model_copy(update={"sequence": 0}), []) is None
    assert (snapshot(store, first.incident_id), store.get_incident(first.incident_id)) == before


def test_a_decision_landing_between_the_reads_and_the_write_is_kept_and_the_draft_stored_after_it(
    store: DynamoIncidentStore, plan: Plan, table_name: str
) -> None:
    first = stored_message(store, plan)
    after, entries, publication = approved(first)
    before_each_transaction(
        store,
        lambda: other_store(table_name).save_decision(first, after, "fp-1", NOW, entries, publication),
    )

    added = store.add_message(*draft(first, Phase.MONITORING))

    assert added is not None and added.superseded == [] and added.message.sequence == 2
    assert stored(store, first).status == MessageStatus.APPROVED
    assert store.publications(first.incident_id) == [publication]


def test_two_drafts_at_once_take_two_sequences_and_the_later_supersedes_the_earlier(
    store: DynamoIncidentStore, plan: Plan, table_name: str
) -> None:
    first = stored_message(store, plan)
    before_each_transaction(store, lambda: add(other_store(table_name), first, Phase.IDENTIFIED, minutes=4))

    later = add(store, first, Phase.UPDATE, minutes=5)

    identified = stored(store, draft(first, Phase.IDENTIFIED, 4)[0])
    assert (identified.sequence, later.sequence) == (2, 3)
    assert identified.status == MessageStatus.SUPERSEDED and identified.superseded_by == later.id
    assert stored(store, first).superseded_by == identified.id
    waiting = [m.id for m in store.messages(first.incident_id) if m.status == MessageStatus.AWAITING_APPROVAL]
    assert waiting == [later.id]


@pytest.mark.parametrize("order", ["older first", "newer first"])
def test_decisions_on_two_drafts_read_before_either_was_saved_publish_only_the_newer(
    store: DynamoIncidentStore, plan: Plan, order: str
) -> None:
    first = stored_message(store, plan)
    old_decision = approved(first)  # computed while the first draft still waited
    second = add(store, first, Phase.IDENTIFIED)
    new_decision = approved(second)
    saves = {
        "old": lambda: store.save_decision(first, old_decision[0], "fp-old", NOW, *old_decision[1:]),
        "new": lambda: store.save_decision(second, new_decision[0], "fp-new", NOW, *new_decision[1:]),
    }

    results = {name: saves[name]() for name in (["old", "new"] if order == "older first" else ["new", "old"])}

    assert results == {"old": DecisionSaved.MESSAGE_CHANGED, "new": DecisionSaved.SAVED}
    assert store.publications(first.incident_id) == [new_decision[2]]
    assert stored(store, first).status == MessageStatus.SUPERSEDED and not store.token_used("fp-old")
    incident = store.get_incident(first.incident_id)
    assert incident is not None and (incident.published_sequence, incident.published_message_id) == (2, second.id)


def test_a_publication_older_than_the_last_published_is_refused_inside_the_transaction(
    store: DynamoIncidentStore, plan: Plan
) -> None:
    first = stored_message(store, plan)
    second = add(store, first, Phase.IDENTIFIED)
    after, entries, publication = approved(second)
    store.save_decision(second, after, "fp-new", NOW, entries, publication)
    before = snapshot(store, first.incident_id), store.get_incident(first.incident_id)
    superseded = stored(store, first)  # a caller that skipped the link checks decides on it as it is stored
    late, late_entries, late_publication = approved(superseded)

    saved = store.save_decision(superseded, late, "fp-old", NOW, late_entries, late_publication)

    assert saved == DecisionSaved.OUTDATED
    assert (snapshot(store, first.incident_id), store.get_incident(first.incident_id)) == before
    assert not store.token_used("fp-old")


def test_a_holding_text_computed_before_a_newer_approval_is_not_saved_after_it(
    store: DynamoIncidentStore, plan: Plan
) -> None:
    first = stored_message(store, plan)
    holding, holding_publication = holding_for(first)  # the timeout fired while the first draft waited
    second = add(store, first, Phase.IDENTIFIED)
    after, entries, publication = approved(second)
    store.save_decision(second, after, "fp-new", NOW, entries, publication)
    before = snapshot(store, first.incident_id), store.get_incident(first.incident_id)

    assert store.save_holding(first, holding, [], holding_publication) is False
    assert (snapshot(store, first.incident_id), store.get_incident(first.incident_id)) == before


def test_the_draft_approved_after_its_holding_text_still_publishes(store: DynamoIncidentStore, plan: Plan) -> None:
    first = stored_message(store, plan)
    holding, holding_publication = holding_for(first)
    assert holding.sequence == first.sequence == 1
    assert store.save_holding(first, holding, [], holding_publication) is True
    after, entries, publication = approved(first)

    assert store.save_decision(first, after, "fp-1", NOW, entries, publication) == DecisionSaved.SAVED
    incident = store.get_incident(first.incident_id)
    assert incident is not None and (incident.published_sequence, incident.published_message_id) == (1, first.id)
    assert store.publications(first.incident_id) == [publication, holding_publication]


def test_an_incident_and_a_draft_stored_before_sequences_keep_working(
    store: DynamoIncidentStore, plan: Plan, table_name: str
) -> None:
    first = stored_message(store, plan)
    client = boto3.client("dynamodb")
    key = {"pk": {"S": f"INCIDENT#{first.incident_id}"}}
    client.update_item(
        TableName=table_name,
        Key={**key, "sk": {"S": "META"}},
        UpdateExpression="REMOVE message_sequence, published_sequence, published_message_id",
    )
    client.update_item(
        TableName=table_name,
        Key={**key, "sk": {"S": f"MSG#{first.id}"}},
        UpdateExpression="REMOVE #sequence",
        ExpressionAttributeNames={"#sequence": "sequence"},
    )
    legacy = stored(store, first)
    assert legacy.sequence == 0

    after, entries, publication = approved(legacy)
    assert store.save_decision(legacy, after, "fp-1", NOW, entries, publication) == DecisionSaved.SAVED
    second = add(store, legacy, Phase.MONITORING)
    assert second.sequence == 1
    new_after, new_entries, new_publication = approved(second)
    assert store.save_decision(second, new_after, "fp-2", NOW, new_entries, new_publication) == DecisionSaved.SAVED
    incident = store.get_incident(first.incident_id)
    assert incident is not None and (incident.message_sequence, incident.published_sequence) == (1, 1)


def test_a_waiting_draft_stored_before_sequences_is_superseded_by_the_first_new_one(
    store: DynamoIncidentStore, plan: Plan, table_name: str
) -> None:
    first = stored_message(store, plan)
    boto3.client("dynamodb").update_item(
        TableName=table_name,
        Key={"pk": {"S": f"INCIDENT#{first.incident_id}"}, "sk": {"S": "META"}},
        UpdateExpression="REMOVE message_sequence, published_sequence, published_message_id",
    )

    second = add(store, first, Phase.UPDATE)

    assert second.sequence == 1 and stored(store, first).status == MessageStatus.SUPERSEDED


def test_closing_supersedes_the_waiting_drafts_with_nothing_replacing_them(
    store: DynamoIncidentStore, plan: Plan
) -> None:
    first = stored_message(store, plan)
    after, entries, publication = approved(first)
    assert store.save_decision(first, after, "fp-1", NOW, entries, publication) == DecisionSaved.SAVED
    waiting = add(store, first, Phase.MONITORING)

    superseded = store.supersede_waiting(first.incident_id, NOW + timedelta(minutes=9), "the incident was closed")

    assert [(m.id, m.status, m.superseded_by) for m in superseded] == [(waiting.id, MessageStatus.SUPERSEDED, None)]
    assert stored(store, waiting) == superseded[0] and stored(store, first).status == MessageStatus.APPROVED
    entry = store.timeline(first.incident_id)[-1]
    assert entry.kind == TimelineKind.SUPERSEDED and "superseded: the incident was closed" in entry.text
    assert store.supersede_waiting(first.incident_id, NOW + timedelta(minutes=10), "again") == []


def test_a_decision_landing_before_the_close_is_kept_and_nothing_is_superseded(
    store: DynamoIncidentStore, plan: Plan, table_name: str
) -> None:
    first = stored_message(store, plan)
    after, entries, publication = approved(first)
    before_each_transaction(
        store,
        lambda: other_store(table_name).save_decision(first, after, "fp-1", NOW, entries, publication),
    )

    superseded = store.supersede_waiting(first.incident_id, NOW, "the incident was closed")

    assert superseded == [] and stored(store, first).status == MessageStatus.APPROVED
