"""Order, pure: a new draft supersedes the drafts still waiting, and nothing older than the last message handed to
publishing may follow it (a holding text ranks just below its own draft)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from incident_comms.incidents.models import Incident, Message, MessageStatus, TimelineKind
from incident_comms.incidents.ordering import outdated, outdated_reason, supersede
from incident_comms.plan.models import Phase, Plan
from tests.factories import OPENED, opened_incident

LATER = OPENED + timedelta(minutes=20)


def messages(plan: Plan) -> tuple[Incident, Message]:
    incident, first = opened_incident(plan)
    return incident, first.model_copy(update={"sequence": 1})


def newer(message: Message, phase: Phase = Phase.IDENTIFIED, sequence: int = 2) -> Message:
    return message.model_copy(update={"id": f"{phase.value}-{sequence:08d}", "phase": phase, "sequence": sequence})


def holding_of(message: Message) -> Message:
    return message.model_copy(
        update={
            "id": f"{message.id}-holding",
            "holding": True,
            "replaces": message.id,
            "status": MessageStatus.APPROVED,
        }
    )


def published(incident: Incident, message: Message) -> Incident:
    return incident.model_copy(update={"published_sequence": message.sequence, "published_message_id": message.id})


def test_a_new_draft_supersedes_each_message_still_waiting_one_revision_later_with_an_entry(plan: Plan) -> None:
    _, first = messages(plan)
    waiting = first.model_copy(update={"revision": 3})
    draft = newer(first)

    (replaced,) = supersede([waiting, draft], draft, LATER)

    assert replaced.before == waiting
    assert replaced.after.status == MessageStatus.SUPERSEDED and replaced.after.superseded_by == draft.id
    assert (replaced.after.revision, replaced.after.version, replaced.after.drafts) == (4, 1, waiting.drafts)
    assert replaced.entry.kind == TimelineKind.SUPERSEDED and replaced.entry.at == LATER
    assert replaced.entry.data["message_id"] == waiting.id and replaced.entry.data["superseded_by"] == draft.id
    assert replaced.entry.data["pending_roles"] == waiting.pending_roles


@pytest.mark.parametrize(
    "status", [MessageStatus.APPROVED, MessageStatus.REJECTED, MessageStatus.SUPERSEDED], ids=lambda s: s.value
)
def test_what_was_decided_or_replaced_already_stays_as_it_is(plan: Plan, status: MessageStatus) -> None:
    _, first = messages(plan)

    assert supersede([first.model_copy(update={"status": status})], newer(first), LATER) == []


def test_nothing_published_yet_lets_any_message_go(plan: Plan) -> None:
    incident, first = messages(plan)

    assert not outdated(incident, first)
    assert not outdated(incident, holding_of(first))
    assert not outdated(incident, first.model_copy(update={"sequence": 0}))  # stored before messages had a sequence


def test_a_message_older_than_the_last_published_is_outdated_and_the_newer_ones_are_not(plan: Plan) -> None:
    incident, first = messages(plan)
    second, third = newer(first), newer(first, Phase.MONITORING, 3)
    after_second = published(incident, second)

    assert outdated(after_second, first) and outdated(after_second, holding_of(first))
    assert not outdated(after_second, second), "a redelivered request of the last one is its own business (claims)"
    assert not outdated(after_second, third) and not outdated(after_second, holding_of(third))
    assert "older than message identified-00000002" in outdated_reason(after_second, first)


def test_a_holding_text_ranks_just_below_its_own_draft(plan: Plan) -> None:
    incident, first = messages(plan)
    holding = holding_of(first)

    after_holding = published(incident, holding)
    assert not outdated(after_holding, first), "approving the draft after its holding text still publishes"
    assert not outdated(after_holding, holding), "a redelivered holding request is its own business"

    after_draft = published(incident, first)
    assert outdated(after_draft, holding), "the holding text never goes out after its draft"


def test_a_message_stored_before_sequences_is_older_than_any_sequenced_one_published(plan: Plan) -> None:
    incident, first = messages(plan)
    legacy = first.model_copy(update={"id": "investigating-legacy00", "sequence": 0})

    assert outdated(published(incident, first), legacy)
    assert not outdated(published(incident, legacy), legacy.model_copy(update={"id": "update-legacy000"}))
