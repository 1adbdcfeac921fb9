"""The update prompter's decisions, on moto: holding update when due, escalation when overdue, and nothing at all
for a stale, duplicate or resolved firing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from incident_comms.adapters.dynamodb import DynamoIncidentStore
from incident_comms.approvals.requests import ApprovalRequests, draft_and_request
from incident_comms.cadence.keeping import PromptEvent, PromptKind
from incident_comms.delivery.publishing import PublishResult
from incident_comms.incidents.models import IncidentStatus, Message, MessageStatus, TimelineKind
from incident_comms.incidents.promises import Promise
from incident_comms.lifecycle.prompter import PromptResult, prompt
from incident_comms.plan.models import Phase, Plan
from tests.aws.test_promise_keeping import publish
from tests.factories import OPENED, RecordingSender, make_alarm, stored_incident

KEY = b"k" * 32
COMMS_LEAD = ["marta.ibanez@nubeteca.example", "jorge.salas@nubeteca.example"]
COMMANDERS = ["lucia.navarro@nubeteca.example", "andres.pineda@nubeteca.example"]


class Schedules:
    """Update schedules that remember what was armed and cancelled."""

    def __init__(self) -> None:
        self.armed: list[tuple[PromptEvent, datetime]] = []
        self.cancelled: list[str] = []

    def arm(self, event: PromptEvent, fire_at: datetime) -> str:
        self.armed.append((event, fire_at))
        return f"{event.kind.value}-{event.incident_id}"

    def disarm(self, incident_id: str, kind: PromptKind) -> bool:
        return False

    def cancel(self, incident_id: str) -> list[str]:
        self.cancelled.append(incident_id)
        return []


@pytest.fixture
def published(store: DynamoIncidentStore, plan: Plan) -> tuple[Any, Promise]:
    """The sample SEV1 incident whose first message went out at 10:19, promising the next update by 10:45."""
    incident, message = stored_incident(store, plan, make_alarm(), at=OPENED)
    report = publish(store, plan, message, OPENED + timedelta(minutes=4), Schedules())
    assert report.result == PublishResult.PUBLISHED
    (promise,) = store.promise_ledger(incident.id).promises
    return incident, promise


def fire(store: Any, plan: Plan, event: dict[str, Any], now: datetime, sender: RecordingSender, schedules: Any) -> Any:
    return prompt(event, plan, store, ApprovalRequests(sender, lambda: KEY), schedules, now)


def event(incident_id: str, due_at: datetime, kind: str) -> dict[str, Any]:
    return {"incident_id": incident_id, "due_at": due_at.isoformat(), "kind": kind}


def awaiting(store: DynamoIncidentStore, incident_id: str) -> list[Message]:
    return [m for m in store.messages(incident_id) if m.status == MessageStatus.AWAITING_APPROVAL]


def test_due_drafts_a_holding_update_asks_the_comms_lead_and_arms_the_overdue_check(
    store: DynamoIncidentStore, plan: Plan, published: tuple[Any, Promise]
) -> None:
    incident, promise = published
    sender, schedules = RecordingSender(), Schedules()

    report = fire(store, plan, event(incident.id, promise.due_at, "due"), promise.due_at, sender, schedules)

    assert report.result == PromptResult.DRAFTED and report.counts()["UpdateSchedulingFailed"] == 0
    (update,) = awaiting(store, incident.id)
    assert update.id == report.message_id and update.phase == Phase.UPDATE
    assert update.promise is not None and update.promise.due_at == promise.due_at + timedelta(minutes=30)
    assert [email.to[0] for email in sender.sent] == COMMS_LEAD
    assert schedules.armed == [
        (
            PromptEvent(incident_id=incident.id, due_at=promise.due_at, kind=PromptKind.OVERDUE),
            promise.due_at + timedelta(minutes=10),
        )
    ]
    assert TimelineKind.UPDATE_DUE in [entry.kind for entry in store.timeline(incident.id)]


def test_a_duplicate_due_firing_does_nothing(store: DynamoIncidentStore, plan: Plan, published: Any) -> None:
    incident, promise = published
    fire(store, plan, event(incident.id, promise.due_at, "due"), promise.due_at, RecordingSender(), Schedules())
    sender, schedules = RecordingSender(), Schedules()
    timeline = store.timeline(incident.id)

    report = fire(store, plan, event(incident.id, promise.due_at, "due"), promise.due_at, sender, schedules)

    assert report.result == PromptResult.DUPLICATE
    assert sender.sent == [] and schedules.armed == [] and store.timeline(incident.id) == timeline
    assert len(awaiting(store, incident.id)) == 1


def test_a_firing_for_a_promise_kept_meanwhile_is_stale(store: DynamoIncidentStore, plan: Plan, published: Any) -> None:
    incident, promise = published
    update = draft_and_request(
        plan,
        store,
        ApprovalRequests(RecordingSender(), lambda: KEY),
        incident,
        Phase.UPDATE,
        OPENED + timedelta(minutes=20),
    )
    assert update is not None
    publish(store, plan, update, OPENED + timedelta(minutes=25), Schedules())
    sender = RecordingSender()

    for kind in ("due", "overdue"):
        report = fire(
            store,
            plan,
            event(incident.id, promise.due_at, kind),
            promise.due_at + timedelta(minutes=11),
            sender,
            Schedules(),
        )
        assert report.result == PromptResult.STALE
    assert sender.sent == [] and awaiting(store, incident.id) == []


def test_a_resolved_incident_is_not_prompted(store: DynamoIncidentStore, plan: Plan, published: Any) -> None:
    incident, promise = published
    resolved = incident.model_copy(update={"status": IncidentStatus.RESOLVED, "phase": Phase.RESOLVED})
    store._client.put_item(  # the lifecycle's resolution, written directly
        TableName=store._table,
        Item={
            **store._client.get_item(
                TableName=store._table, Key={"pk": {"S": f"INCIDENT#{incident.id}"}, "sk": {"S": "META"}}
            )["Item"],
            "status": {"S": resolved.status.value},
            "phase": {"S": resolved.phase.value},
        },
    )
    sender = RecordingSender()

    report = fire(store, plan, event(incident.id, promise.due_at, "due"), promise.due_at, sender, Schedules())

    assert report.result == PromptResult.RESOLVED and sender.sent == [] and awaiting(store, incident.id) == []


def test_a_draft_already_awaiting_approval_is_not_drafted_again(
    store: DynamoIncidentStore, plan: Plan, published: Any
) -> None:
    incident, promise = published
    waiting = draft_and_request(
        plan,
        store,
        ApprovalRequests(RecordingSender(), lambda: KEY),
        incident,
        Phase.IDENTIFIED,
        OPENED + timedelta(minutes=25),
    )
    sender, schedules = RecordingSender(), Schedules()

    report = fire(store, plan, event(incident.id, promise.due_at, "due"), promise.due_at, sender, schedules)

    assert report.result == PromptResult.ALREADY_WAITING and waiting is not None and waiting.id in report.reason
    assert sender.sent == [] and awaiting(store, incident.id) == [waiting]
    assert [armed.kind for armed, _ in schedules.armed] == [PromptKind.OVERDUE]  # the miss still escalates


def test_overdue_records_the_miss_and_escalates_once(store: DynamoIncidentStore, plan: Plan, published: Any) -> None:
    incident, promise = published
    late = promise.due_at + timedelta(minutes=10)
    sender = RecordingSender()

    report = fire(store, plan, event(incident.id, promise.due_at, "overdue"), late, sender, Schedules())
    again = fire(store, plan, event(incident.id, promise.due_at, "overdue"), late, sender, Schedules())

    assert (report.result, again.result) == (PromptResult.ESCALATED, PromptResult.DUPLICATE)
    assert [email.to[0] for email in sender.sent] == COMMANDERS
    assert "11:45 CET" in sender.sent[0].subject and "11:55 CET" in sender.sent[0].text  # the team reads CET
    (missed,) = [entry for entry in store.timeline(incident.id) if entry.kind == TimelineKind.PROMISE_MISSED]
    assert missed.text.startswith("Promised 10:45 UTC, no update by 10:55 UTC")
    (stored,) = store.promise_ledger(incident.id).promises
    assert stored.missed_at == late and stored.is_open


def test_a_late_update_after_the_miss_keeps_the_promise_late(
    store: DynamoIncidentStore, plan: Plan, published: Any
) -> None:
    incident, promise = published
    fire(store, plan, event(incident.id, promise.due_at, "due"), promise.due_at, RecordingSender(), Schedules())
    fire(
        store,
        plan,
        event(incident.id, promise.due_at, "overdue"),
        promise.due_at + timedelta(minutes=10),
        RecordingSender(),
        Schedules(),
    )
    (update,) = awaiting(store, incident.id)

    publish(store, plan, update, promise.due_at + timedelta(minutes=12), Schedules())

    kept, made = store.promise_ledger(incident.id).promises
    assert kept.kept_late and kept.missed_at == promise.due_at + timedelta(minutes=10)
    assert made.message_id == update.id and made.due_at == promise.due_at + timedelta(
        minutes=30
    )  # its own text, still ahead


def test_an_early_overdue_check_is_armed_again_for_the_end_of_the_grace(
    store: DynamoIncidentStore, plan: Plan, published: Any
) -> None:
    incident, promise = published
    sender, schedules = RecordingSender(), Schedules()

    report = fire(
        store,
        plan,
        event(incident.id, promise.due_at, "overdue"),
        promise.due_at + timedelta(minutes=5),
        sender,
        schedules,
    )

    assert report.result == PromptResult.EARLY and sender.sent == []
    assert [fire_at for _, fire_at in schedules.armed] == [promise.due_at + timedelta(minutes=10)]
    assert store.promise_ledger(incident.id).promises == [promise]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"incident_id": "INC-1", "due_at": "2026-11-22T10:45:00", "kind": "due"},
        {"incident_id": "INC-1", "due_at": "2026-11-22T10:45:00Z", "kind": "later"},
        "not json",
    ],
)
def test_bad_input_is_rejected_and_changes_nothing(store: DynamoIncidentStore, plan: Plan, body: Any) -> None:
    report = fire(store, plan, body, OPENED, RecordingSender(), Schedules())
    assert report.result == PromptResult.REJECTED and report.reason.startswith("not an update prompt")


def test_an_unknown_incident_is_rejected(store: DynamoIncidentStore, plan: Plan) -> None:
    report = fire(store, plan, event("INC-none", OPENED, "due"), OPENED, RecordingSender(), Schedules())
    assert report.result == PromptResult.REJECTED and report.reason == "no such incident"


def test_a_scheduler_refusal_is_on_the_timeline(store: DynamoIncidentStore, plan: Plan, published: Any) -> None:
    incident, promise = published

    report = fire(store, plan, event(incident.id, promise.due_at, "due"), promise.due_at, RecordingSender(), None)

    assert report.result == PromptResult.DRAFTED and report.errors
    failed = [entry for entry in store.timeline(incident.id) if entry.kind == TimelineKind.NOTIFICATION_FAILED]
    assert [entry.data["notification"] for entry in failed] == ["update_schedule"]
    assert report.counts()["UpdateSchedulingFailed"] == 1


def test_the_postmortem_approval_email_carries_the_conformance_report(
    store: DynamoIncidentStore, plan: Plan, published: Any
) -> None:
    incident, _ = published
    sender = RecordingSender()

    postmortem = draft_and_request(
        plan, store, ApprovalRequests(sender, lambda: KEY), incident, Phase.POSTMORTEM, OPENED + timedelta(days=1)
    )

    assert postmortem is not None and sender.sent
    text = sender.sent[0].text
    assert "De la primera alarma al primer mensaje a clientes: 4 min" in text  # opened 10:15, published 10:19
    assert "hechas / cumplidas a tiempo / tarde / pendientes: 1 / 0 / 0 / 1" in text
    assert "Cómo cumplimos el plan" in sender.sent[0].html


def test_other_phases_approval_emails_carry_no_conformance_report(
    store: DynamoIncidentStore, plan: Plan, published: Any
) -> None:
    incident, _ = published
    sender = RecordingSender()
    draft_and_request(plan, store, ApprovalRequests(sender, lambda: KEY), incident, Phase.UPDATE, OPENED)
    assert sender.sent and "Cómo cumplimos el plan" not in sender.sent[0].text
