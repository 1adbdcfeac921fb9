"""Every conditional write knows its own attempt (issue 14, item 1): a write that commits and whose answer is lost is
sent again by the SDK; the re-send meets our own commit and must answer success, never "someone else did it". And the
negative: a genuinely different writer's item is still a refusal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from incident_comms.adapters.dynamodb import DynamoIncidentStore
from incident_comms.adapters.dynamodb_attempts import ATTEMPT, WriteRefused
from incident_comms.adapters.dynamodb_items import incident_key
from incident_comms.alarms import AlarmState
from incident_comms.composition import Services
from incident_comms.incidents.models import Delivery, Message, TimelineEntry, TimelineKind
from incident_comms.incidents.promises import PromiseLedger
from incident_comms.incidents.store import Applied, DecisionSaved, Opening
from incident_comms.intake.ingest import ingest_event
from incident_comms.lifecycle.logic import incident_after, initial_lifecycle, state_of
from incident_comms.plan.models import Phase, Plan
from incident_comms.team.emails import approver_addresses
from tests.aws.test_store_decisions import NOW, approved, holding_for, stored_message
from tests.aws.test_store_order import draft
from tests.conftest import load_event
from tests.factories import make_alarm, opened_incident, sent_emails, stored_incident
from tests.faults import Faults
from tests.handlers.conftest import ComposeServices, compose_services  # noqa: F401 - the handlers' services fixture

pytestmark = pytest.mark.usefixtures("no_retry_waits")

TRANSACT = "TransactWriteItems"
GROUP = "incident-schedules"


def lose(client: Any, operation: str) -> Faults:
    """The next ``operation`` on ``client`` commits and its answer is lost: the SDK sends it again."""
    return Faults(client).lose_answer(operation)


def sent_twice(faults: Faults, operation: str) -> bool:
    """The fault struck and the SDK re-sent: the write reached the table twice (its commit, then the re-send)."""
    return faults.injected[operation] == 1 and faults.committed[operation] == 2


def opening(incident_id: str, at: datetime) -> tuple[list[TimelineEntry], TimelineEntry]:
    opened = TimelineEntry(incident_id=incident_id, at=at, kind=TimelineKind.OPENED, text="opened")
    joining = TimelineEntry(incident_id="", at=at, kind=TimelineKind.ALARM_JOINED, text="joined")
    return [opened], joining


def drafting(incident_id: str, at: datetime, message: Message) -> tuple[Callable[[], Opening], TimelineEntry]:
    """What ``open_or_join`` takes: the opening (built only if it opens) and the joining entry."""
    opened, joining = opening(incident_id, at)
    return (lambda: Opening(opened, message)), joining


def entry(incident_id: str, text: str, at: datetime = NOW) -> TimelineEntry:
    return TimelineEntry(incident_id=incident_id, at=at, kind=TimelineKind.DELIVERY_REPORT, text=text)


# --- the incident store -----------------------------------------------------------------------------------------


def test_an_opening_whose_answer_was_lost_is_opened_not_a_duplicate(store: DynamoIncidentStore, plan: Plan) -> None:
    alarm = make_alarm(changed_at=NOW)
    incident, message = opened_incident(plan, alarm, at=NOW)
    faults = lose(store._client, TRANSACT)

    result = store.open_or_join(incident, alarm, *drafting(incident.id, NOW, message))

    assert sent_twice(faults, TRANSACT)
    assert result.applied == Applied.OPENED and result.incident_id == incident.id
    assert [found.id for found in store.list_incidents()] == [incident.id]
    assert [found.id for found in store.messages(incident.id)] == [message.id]
    assert [found.kind for found in store.timeline(incident.id)] == [TimelineKind.OPENED]
    assert store.open_incident_id("api") == incident.id


def test_the_read_back_falls_back_to_one_read_per_item_when_a_transaction_cancels_it(
    store: DynamoIncidentStore, plan: Plan
) -> None:
    incident, message = opened_incident(plan, None, at=NOW)
    faults = lose(store._client, TRANSACT).refuse("TransactGetItems", 1, "TransactionCanceledException")

    result = store.open_declared(incident, opening(incident.id, NOW)[0], message)

    assert faults.injected["TransactGetItems"] == 1 and faults.tried["GetItem"] >= 1
    assert result.applied == Applied.OPENED


def test_an_alarm_whose_answer_was_lost_is_known_as_ours_from_the_refusal_alone(
    store: DynamoIncidentStore, plan: Plan
) -> None:
    """The re-sent transaction's refusal returns the event's record, stamped with our attempt: opened, no read-back
    (the one ``TransactGetItems`` is the read that decides to open, before the write)."""
    alarm = make_alarm(changed_at=NOW)
    incident, message = opened_incident(plan, alarm, at=NOW)
    faults = lose(store._client, TRANSACT)

    result = store.open_or_join(incident, alarm, *drafting(incident.id, NOW, message))

    assert faults.injected[TRANSACT] == 1 and faults.tried["TransactGetItems"] == 1 and faults.tried["GetItem"] == 0
    assert (result.applied, result.incident_id) == (Applied.OPENED, incident.id)


def after_the_read(store: DynamoIncidentStore, write: Callable[[DynamoIncidentStore], object]) -> None:
    """Another writer (its own client) lands ``write`` once, right after the store's next read of the event and
    the lock: the read found nothing, so the store goes on to write and meets it there."""
    other = DynamoIncidentStore(boto3.client("dynamodb"), store._table)
    done: list[object] = []

    def race(**_: Any) -> None:
        if not done:
            done.append(write(other))

    store._client.meta.events.register("after-call.dynamodb.TransactGetItems", race)


def test_the_same_alarm_from_another_writer_is_still_a_duplicate(store: DynamoIncidentStore, plan: Plan) -> None:
    alarm = make_alarm(changed_at=NOW)
    first, _ = opened_incident(plan, alarm, at=NOW)
    after_the_read(store, lambda other: stored_incident(other, plan, alarm, at=NOW))
    again, message = opened_incident(plan, alarm, at=NOW, incident_id="INC-again")
    faults = lose(store._client, TRANSACT)

    result = store.open_or_join(again, alarm, *drafting(again.id, NOW, message))

    assert faults.injected[TRANSACT] == 1
    assert result.applied == Applied.DUPLICATE and result.incident_id == first.id
    assert [found.id for found in store.list_incidents()] == [first.id]


def test_a_declaration_whose_answer_was_lost_is_opened(store: DynamoIncidentStore, plan: Plan) -> None:
    incident, message = opened_incident(plan, None, at=NOW)
    faults = lose(store._client, TRANSACT)

    result = store.open_declared(incident, opening(incident.id, NOW)[0], message)

    assert sent_twice(faults, TRANSACT)
    assert result.applied == Applied.OPENED and result.incident_id == incident.id


def test_an_alarm_state_whose_answer_was_lost_is_recorded_once(store: DynamoIncidentStore, plan: Plan) -> None:
    incident, _ = stored_incident(store, plan, make_alarm(changed_at=NOW), at=NOW)
    ok = make_alarm(changed_at=NOW + timedelta(minutes=3)).model_copy(update={"state": AlarmState.OK})
    recorded = TimelineEntry(incident_id="", at=ok.changed_at, kind=TimelineKind.ALARM_STATE, text="ok")
    faults = lose(store._client, TRANSACT)

    result = store.record_alarm_state("api", ok, recorded)

    assert sent_twice(faults, TRANSACT)
    assert result.applied == Applied.RECORDED and result.incident_id == incident.id
    assert [found.kind for found in store.timeline(incident.id)].count(TimelineKind.ALARM_STATE) == 1
    stored = store.get_incident(incident.id)
    assert stored is not None and stored.alarms[ok.id].state == AlarmState.OK


def test_a_join_whose_answer_was_lost_is_joined(store: DynamoIncidentStore, plan: Plan) -> None:
    incident, _ = stored_incident(store, plan, make_alarm(changed_at=NOW), at=NOW)
    other = make_alarm("prod-api-latency", changed_at=NOW + timedelta(minutes=1))
    candidate, message = opened_incident(plan, other, at=other.changed_at, incident_id="INC-second")
    faults = lose(store._client, TRANSACT)

    result = store.open_or_join(candidate, other, *drafting(candidate.id, other.changed_at, message))

    assert sent_twice(faults, TRANSACT), "the read found the lock: the join is the one write, sent twice"
    assert result.applied == Applied.JOINED and result.incident_id == incident.id
    stored = store.get_incident(incident.id)
    assert stored is not None and set(stored.alarms) == {make_alarm().id, other.id}
    assert [found.kind for found in store.timeline(incident.id)].count(TimelineKind.ALARM_JOINED) == 1


def test_an_opening_refused_by_an_incident_opened_meanwhile_joins_it(store: DynamoIncidentStore, plan: Plan) -> None:
    """Another alarm opens the component's incident between the read and the opening: the refusal returns the lock
    it met, so the alarm joins that incident with no read again; the join's answer lost too, it still joins once."""
    first = make_alarm(changed_at=NOW)
    incident, _ = opened_incident(plan, first, at=NOW)
    after_the_read(store, lambda other: stored_incident(other, plan, first, at=NOW))
    alarm = make_alarm("prod-api-latency", changed_at=NOW + timedelta(minutes=1))
    candidate, message = opened_incident(plan, alarm, at=alarm.changed_at, incident_id="INC-second")
    faults = Faults(store._client)

    def lose_the_join(**_: Any) -> None:  # the opening is refused (the component is taken); the join comes next
        if not faults.rules:
            faults.lose_answer(TRANSACT)

    store._client.meta.events.register("after-call.dynamodb.TransactWriteItems", lose_the_join)

    result = store.open_or_join(candidate, alarm, *drafting(candidate.id, alarm.changed_at, message))

    assert faults.injected[TRANSACT] == 1 and faults.committed[TRANSACT] == 3, "opening, join, join re-sent"
    assert (faults.tried["TransactGetItems"], faults.tried["GetItem"]) == (1, 0), "the lock came with the refusal"
    assert result.applied == Applied.JOINED and result.incident_id == incident.id
    assert [found.id for found in store.list_incidents()] == [incident.id]
    stored = store.get_incident(incident.id)
    assert stored is not None and set(stored.alarms) == {first.id, alarm.id}


def test_a_decision_whose_answer_was_lost_is_saved_not_token_used(store: DynamoIncidentStore, plan: Plan) -> None:
    message = stored_message(store, plan)
    after, entries, publication = approved(message)
    faults = lose(store._client, TRANSACT)

    saved = store.save_decision(message, after, "fp-1", NOW + timedelta(hours=24), entries, publication)

    assert sent_twice(faults, TRANSACT)
    assert saved == DecisionSaved.SAVED
    assert store.get_message(message.incident_id, message.id) == after
    assert store.publications(message.incident_id) == [publication]


def test_a_second_decision_with_the_same_link_is_still_token_used(store: DynamoIncidentStore, plan: Plan) -> None:
    message = stored_message(store, plan)
    after, entries, publication = approved(message)
    assert store.save_decision(message, after, "fp-1", NOW + timedelta(hours=24), entries, publication)
    faults = lose(store._client, TRANSACT)

    again = store.save_decision(message, after, "fp-1", NOW + timedelta(hours=24), entries, publication)

    assert faults.injected[TRANSACT] == 1
    assert again == DecisionSaved.TOKEN_USED


def test_a_holding_text_whose_answer_was_lost_is_saved(store: DynamoIncidentStore, plan: Plan) -> None:
    waiting = stored_message(store, plan)
    holding, publication = holding_for(waiting)
    faults = lose(store._client, TRANSACT)

    assert store.save_holding(waiting, holding, [], publication) is True
    assert sent_twice(faults, TRANSACT)


def test_a_lifecycle_save_whose_answer_was_lost_is_saved(store: DynamoIncidentStore, plan: Plan) -> None:
    from incident_comms.incidents.machine import advance
    from incident_comms.incidents.machine_models import ManualMove

    incident, _ = stored_incident(store, plan, make_alarm(changed_at=NOW), at=NOW)
    incident = incident.model_copy(update={"lifecycle": initial_lifecycle(incident)})
    move = ManualMove(at=NOW + timedelta(minutes=5), to=Phase.RESOLVED, by="marta")
    after = incident_after(incident, advance(state_of(incident), move, plan), move.at)
    faults = lose(store._client, TRANSACT)

    assert store.save_lifecycle(incident, after, [entry(incident.id, "resolved", move.at)]) is True
    assert sent_twice(faults, TRANSACT)
    stored = store.get_incident(incident.id)
    assert stored is not None and stored.revision == 1 and stored.phase == Phase.RESOLVED
    assert store.open_incident_id("api") is None
    assert not store.save_lifecycle(incident, after, []), "another writer on the same revision is still refused"


def test_a_facts_save_whose_answer_was_lost_is_saved(store: DynamoIncidentStore, plan: Plan) -> None:
    incident, _ = stored_incident(store, plan, make_alarm(changed_at=NOW), at=NOW)
    after = incident.model_copy(update={"revision": 1, "updated_at": NOW + timedelta(minutes=1)})
    faults = lose(store._client, TRANSACT)

    assert store.save_facts(incident, after, []) is True
    assert sent_twice(faults, TRANSACT)


def test_a_draft_whose_answer_was_lost_is_added_and_supersedes_once(store: DynamoIncidentStore, plan: Plan) -> None:
    waiting = stored_message(store, plan)
    faults = lose(store._client, TRANSACT)

    added = store.add_message(*draft(waiting, Phase.IDENTIFIED))

    assert sent_twice(faults, TRANSACT)
    assert added is not None and added.message.sequence == 2
    assert [message.id for message in added.superseded] == [waiting.id]
    incident = store.get_incident(waiting.incident_id)
    assert incident is not None and incident.message_sequence == 2


def test_superseding_whose_answer_was_lost_answers_what_it_superseded(store: DynamoIncidentStore, plan: Plan) -> None:
    waiting = stored_message(store, plan)
    faults = lose(store._client, TRANSACT)

    superseded = store.supersede_waiting(waiting.incident_id, NOW + timedelta(minutes=9), "closed")

    assert sent_twice(faults, TRANSACT)
    assert [message.id for message in superseded] == [waiting.id]


def test_a_promise_ledger_whose_answer_was_lost_is_saved(store: DynamoIncidentStore, plan: Plan) -> None:
    incident, _ = stored_incident(store, plan, make_alarm(changed_at=NOW), at=NOW)
    before = PromiseLedger(incident_id=incident.id)
    after = before.model_copy(update={"revision": 1})
    faults = lose(store._client, TRANSACT)

    assert store.save_promise_ledger(before, after, [entry(incident.id, "promised")]) is True
    assert sent_twice(faults, TRANSACT)
    assert store.promise_ledger(incident.id) == after
    assert store.save_promise_ledger(before, after, []) is False, "another writer of revision 1 is still refused"


def test_a_timeline_entry_whose_answer_was_lost_is_added_once(store: DynamoIncidentStore, plan: Plan) -> None:
    incident, _ = stored_incident(store, plan, make_alarm(changed_at=NOW), at=NOW)
    note = entry(incident.id, "emailed")
    faults = lose(store._client, "PutItem")

    store.add_timeline_entry(note)

    assert sent_twice(faults, "PutItem")
    assert [found.text for found in store.timeline(incident.id)].count("emailed") == 1
    with pytest.raises(WriteRefused):
        store.add_timeline_entry(note)


def delivery_of(message: Message, claimed_at: datetime = NOW) -> Delivery:
    return Delivery(
        incident_id=message.incident_id,
        message_id=message.id,
        version=message.version,
        channel_id="email-customers-es",
        kind="email",
        claimed_at=claimed_at,
    )


def test_a_delivery_claim_whose_answer_was_lost_is_ours(store: DynamoIncidentStore, plan: Plan) -> None:
    message = stored_message(store, plan)
    claim = delivery_of(message)
    faults = lose(store._client, "PutItem")

    assert store.claim_delivery(claim) is None
    assert sent_twice(faults, "PutItem")
    assert store.deliveries(message.incident_id) == [claim]


def test_a_delivery_claimed_by_another_writer_is_still_theirs(store: DynamoIncidentStore, plan: Plan) -> None:
    message = stored_message(store, plan)
    theirs = delivery_of(message)
    assert store.claim_delivery(theirs) is None
    faults = lose(store._client, "PutItem")

    assert store.claim_delivery(delivery_of(message, NOW + timedelta(minutes=1))) == theirs
    assert faults.injected["PutItem"] == 1


def test_a_finished_delivery_whose_answer_was_lost_is_finished(store: DynamoIncidentStore, plan: Plan) -> None:
    message = stored_message(store, plan)
    claim = delivery_of(message)
    store.claim_delivery(claim)
    finished = claim.model_copy(update={"finished_at": NOW + timedelta(seconds=5)})
    faults = lose(store._client, "PutItem")

    store.finish_delivery(finished)

    assert sent_twice(faults, "PutItem")
    assert store.deliveries(message.incident_id) == [finished]


def test_the_attempt_id_is_stored_but_never_reaches_a_model(store: DynamoIncidentStore, plan: Plan) -> None:
    incident, message = stored_incident(store, plan, make_alarm(changed_at=NOW), at=NOW)

    raw = store._client.get_item(TableName=store._table, Key=incident_key(incident.id), ConsistentRead=True)["Item"]

    assert ATTEMPT in raw
    assert store.get_incident(incident.id) == incident
    assert "attempt" not in incident.model_dump() and "attempt" not in message.model_dump()


# --- the use case on top -----------------------------------------------------------------------------------------


@pytest.fixture
def deps(request: pytest.FixtureRequest) -> Services:
    compose: ComposeServices = request.getfixturevalue("compose_services")
    boto3.client("scheduler").create_schedule_group(Name=GROUP)
    return compose(
        approvals_base_url="https://incidents.example.com",
        approval_timeout_function_arn="arn:aws:lambda:eu-west-1:123456789012:function:approval-timeout",
        scheduler_role_arn="arn:aws:iam::123456789012:role/scheduler",
        schedule_group=GROUP,
    )


def test_an_alarm_whose_opening_answer_was_lost_still_asks_for_approval_and_arms_its_timeout(deps: Services) -> None:
    faults = lose(deps.dynamodb, TRANSACT)

    report = ingest_event(
        load_event("cloudwatch-eventbridge-alarm.json"), deps.plan, deps.store, deps.clock, deps.approval_requests
    )

    (outcome,) = report.outcomes
    assert faults.injected[TRANSACT] == 1
    assert outcome.applied == Applied.OPENED and outcome.incident_id is not None
    (waiting,) = deps.store.messages(outcome.incident_id)
    approvers = approver_addresses(deps.plan, waiting.approvers)
    asked = [email for email in sent_emails() if set(email["to"]) & set(approvers)]
    assert asked, "the approvers were asked"
    assert outcome.notification_error is None
    (schedule,) = boto3.client("scheduler").list_schedules(GroupName=GROUP)["Schedules"]
    assert schedule["Name"]
    kinds = [found.kind for found in deps.store.timeline(outcome.incident_id)]
    assert TimelineKind.OPENED in kinds and TimelineKind.APPROVAL_REQUESTED in kinds
