"""Decisions on DynamoDB (moto): a token spends once, a stale revision writes nothing, ten clicks publish once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from incident_comms.adapters.dynamodb import DynamoIncidentStore
from incident_comms.approvals.logic import Recorded
from incident_comms.approvals.tokens import ApprovalAction, TokenClaims, issue_token
from incident_comms.approvals.use_cases import decide
from incident_comms.incidents.models import (
    Approval,
    Message,
    MessageStatus,
    Publication,
    PublicationReason,
    TimelineEntry,
    TimelineKind,
)
from incident_comms.incidents.store import DecisionSaved
from incident_comms.plan.models import Phase, Plan
from incident_comms.web import Refusal, RequestMeta
from tests.factories import make_alarm, stored_incident

NOW = datetime(2026, 11, 22, 10, 20, tzinfo=UTC)
KEY = b"k" * 64
MARTA = "marta.ibanez@nubeteca.example"
RAMON = "ramon.lozano@nubeteca.example"
META = RequestMeta.of("203.0.113.7", "Mozilla/5.0")
APPROVE = {"decision": ["approve"], "confirm": ["yes"]}


class AtomicCalls:
    """moto's in-process backend is not thread-safe (a cancelled transaction restores a copy of the whole table),
    while DynamoDB makes each request atomic: hold a lock around each call. Requests still interleave between
    calls, which is where a read-then-write race in the use case would show."""

    def __init__(self, client: object) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._client, name)

        def atomic(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return method(*args, **kwargs)

        return atomic


def stored_message(store: DynamoIncidentStore, plan: Plan, phase: Phase = Phase.INVESTIGATING) -> Message:
    """Open an incident on the store with its first message (for ``phase``'s approvers) awaiting approval."""
    return stored_incident(store, plan, make_alarm(changed_at=NOW), at=NOW, phase=phase)[1]


def approved(message: Message, recipient: str = MARTA) -> tuple[Message, list[TimelineEntry], Publication]:
    after = message.model_copy(
        update={
            "status": MessageStatus.APPROVED,
            "decided_at": NOW,
            "revision": message.revision + 1,
            "approvals": {"communications_lead": Approval(recipient=recipient, at=NOW, version=message.version)},
        }
    )
    entries = [
        TimelineEntry(incident_id=message.incident_id, at=NOW, kind=TimelineKind.APPROVED, text="approved"),
        TimelineEntry(incident_id=message.incident_id, at=NOW, kind=TimelineKind.PUBLISH_REQUESTED, text="publish"),
    ]
    publication = Publication(
        incident_id=message.incident_id,
        message_id=message.id,
        version=message.version,
        requested_at=NOW,
        reason=PublicationReason.APPROVED,
    )
    return after, entries, publication


def snapshot(store: DynamoIncidentStore, incident_id: str) -> tuple[Any, ...]:
    return (store.messages(incident_id), store.timeline(incident_id), store.publications(incident_id))


def test_a_decision_is_saved_with_its_timeline_and_publication_and_spends_the_token(
    store: DynamoIncidentStore, plan: Plan
) -> None:
    message = stored_message(store, plan)
    after, entries, publication = approved(message)

    saved = store.save_decision(message, after, "fp-1", NOW + timedelta(hours=24), entries, publication)

    assert saved == DecisionSaved.SAVED
    assert store.get_message(message.incident_id, message.id) == after
    assert store.token_used("fp-1") and not store.token_used("fp-2")
    assert [entry.kind for entry in store.timeline(message.incident_id)][-2:] == [
        TimelineKind.APPROVED,
        TimelineKind.PUBLISH_REQUESTED,
    ]
    assert store.publications(message.incident_id) == [publication]


def test_the_same_token_cannot_save_a_second_decision(store: DynamoIncidentStore, plan: Plan) -> None:
    message = stored_message(store, plan)
    after, entries, publication = approved(message)
    store.save_decision(message, after, "fp-1", NOW + timedelta(hours=24), entries, publication)
    before = snapshot(store, message.incident_id)
    rejected = after.model_copy(update={"status": MessageStatus.REJECTED, "revision": after.revision + 1})

    again = store.save_decision(after, rejected, "fp-1", NOW + timedelta(hours=24), entries, None)

    assert again == DecisionSaved.TOKEN_USED
    assert snapshot(store, message.incident_id) == before


def test_a_decision_computed_from_a_stale_revision_writes_nothing(store: DynamoIncidentStore, plan: Plan) -> None:
    message = stored_message(store, plan, Phase.POSTMORTEM)
    legal_first = message.model_copy(
        update={"revision": 1, "approvals": {"legal": Approval(recipient=RAMON, at=NOW, version=1)}}
    )
    assert store.save_decision(message, legal_first, "fp-legal", NOW + timedelta(hours=1), [], None) == (
        DecisionSaved.SAVED
    )
    before = snapshot(store, message.incident_id)
    after, entries, publication = approved(message)

    stale = store.save_decision(message, after, "fp-comms", NOW + timedelta(hours=1), entries, publication)

    assert stale == DecisionSaved.MESSAGE_CHANGED
    assert snapshot(store, message.incident_id) == before
    assert not store.token_used("fp-comms")


def test_a_decision_must_be_the_next_revision_of_the_same_message(store: DynamoIncidentStore, plan: Plan) -> None:
    message = stored_message(store, plan)
    after, entries, publication = approved(message)

    with pytest.raises(ValueError, match="one revision later"):
        store.save_decision(message, after.model_copy(update={"revision": 5}), "fp", NOW, entries, publication)
    with pytest.raises(ValueError, match="one revision later"):
        store.save_decision(message, after.model_copy(update={"id": "other"}), "fp", NOW, entries, publication)
    assert not store.token_used("fp")


def holding_for(waiting: Message) -> tuple[Message, Publication]:
    holding = waiting.model_copy(
        update={
            "id": f"{waiting.id}-holding",
            "holding": True,
            "replaces": waiting.id,
            "status": MessageStatus.APPROVED,
            "approvers": [],
            "decided_at": NOW,
        }
    )
    publication = Publication(
        incident_id=waiting.incident_id,
        message_id=holding.id,
        version=1,
        requested_at=NOW,
        reason=PublicationReason.APPROVAL_TIMEOUT,
    )
    return holding, publication


def test_the_holding_text_is_saved_once_while_the_draft_still_awaits_approval(
    store: DynamoIncidentStore, plan: Plan
) -> None:
    waiting = stored_message(store, plan)
    holding, publication = holding_for(waiting)
    entry = TimelineEntry(incident_id=waiting.incident_id, at=NOW, kind=TimelineKind.APPROVAL_TIMED_OUT, text="t")

    first = store.save_holding(waiting, holding, [entry], publication)
    before = snapshot(store, waiting.incident_id)
    second = store.save_holding(waiting, holding, [entry.model_copy(update={"key": "again"})], publication)

    assert (first, second) == (True, False)
    assert snapshot(store, waiting.incident_id) == before
    assert store.get_message(waiting.incident_id, holding.id) == holding
    assert store.publications(waiting.incident_id) == [publication]


def test_no_holding_text_once_the_draft_was_approved(store: DynamoIncidentStore, plan: Plan) -> None:
    waiting = stored_message(store, plan)
    after, entries, approval_publication = approved(waiting)
    store.save_decision(waiting, after, "fp-1", NOW + timedelta(hours=24), entries, approval_publication)
    before = snapshot(store, waiting.incident_id)
    holding, publication = holding_for(waiting)

    assert store.save_holding(waiting, holding, [], publication) is False
    assert snapshot(store, waiting.incident_id) == before


def race(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(n)`` in ``count`` threads released at the same instant; answers the results in thread order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(n: int) -> None:
        barrier.wait()
        results[n] = work(n)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def token(message: Message, recipient: str) -> str:
    claims = TokenClaims(
        incident_id=message.incident_id,
        message_id=message.id,
        message_version=message.version,
        recipient=recipient,
        action=ApprovalAction.APPROVE,
        expires_at=NOW + timedelta(hours=24),
    )
    return issue_token(claims, KEY)


def test_ten_simultaneous_posts_of_one_link_decide_once_and_publish_once(table_name: str, plan: Plan) -> None:
    store = DynamoIncidentStore(AtomicCalls(boto3.client("dynamodb")), table_name)  # type: ignore[arg-type]
    message = stored_message(store, plan)
    link = token(message, MARTA)

    outcomes = race(10, lambda _: decide(link, APPROVE, META, plan, store, KEY, NOW))

    assert sorted(outcome.status for outcome in outcomes) == [200] + [409] * 9
    assert [outcome.recorded for outcome in outcomes].count(Recorded.APPROVED) == 1
    assert {outcome.refusal for outcome in outcomes if outcome.status == 409} <= {Refusal.USED, Refusal.DECIDED}
    stored = store.get_message(message.incident_id, message.id)
    assert stored is not None and stored.status == MessageStatus.APPROVED and stored.revision == 1
    assert len(store.publications(message.incident_id)) == 1
    kinds = [entry.kind for entry in store.timeline(message.incident_id)]
    assert kinds.count(TimelineKind.APPROVED) == 1 and kinds.count(TimelineKind.PUBLISH_REQUESTED) == 1


def test_two_roles_approving_at_once_are_both_recorded_and_publish_once(table_name: str, plan: Plan) -> None:
    store = DynamoIncidentStore(AtomicCalls(boto3.client("dynamodb")), table_name)  # type: ignore[arg-type]
    message = stored_message(store, plan, Phase.POSTMORTEM)
    links = [token(message, MARTA), token(message, RAMON)]

    # the postmortem drafted without its facts has errors (postmortem-complete): approving it takes a reason
    approve_anyway = {**APPROVE, "reason": ["The root cause is added in the next version."]}
    outcomes = race(2, lambda n: decide(links[n], approve_anyway, META, plan, store, KEY, NOW))

    assert [outcome.status for outcome in outcomes] == [200, 200]
    assert sorted(outcome.publication_requested for outcome in outcomes) == [False, True]
    stored = store.get_message(message.incident_id, message.id)
    assert stored is not None and stored.status == MessageStatus.APPROVED and stored.revision == 2
    assert {role: approval.recipient for role, approval in stored.approvals.items()} == {
        "communications_lead": MARTA,
        "legal": RAMON,
    }
    assert len(store.publications(message.incident_id)) == 1
