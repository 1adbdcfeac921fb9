"""Declaring an incident by hand on moto: the same pipeline as an alarm's incident, one open incident per
component whatever races, and nothing written when the declaration is refused."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from incident_comms.adapters.dynamodb import DynamoIncidentStore
from incident_comms.alarms import Alarm
from incident_comms.approvals.requests import ApprovalRequest, ApprovalRequests
from incident_comms.clock import ManualClock
from incident_comms.incidents.models import MessageStatus, TimelineKind
from incident_comms.incidents.store import Applied
from incident_comms.intake.declare import (
    Declaration,
    DeclarationRefused,
    DeclaredFrom,
    IncidentAlreadyOpen,
    declare_incident,
)
from incident_comms.intake.ingest import apply_alarm
from incident_comms.intake.payloads import alarms_from_payload
from incident_comms.plan.models import Phase
from tests.aws.test_drafts import RecordingTimeouts
from tests.aws.test_store import AtomicCalls
from tests.factories import OPENED, RecordingSender
from tests.handlers.test_lifecycle_handler import alarm_event

KEY = b"k" * 32
IMPACT = {"es": "Algunos clientes no pueden iniciar sesión.", "en": "Some customers cannot sign in."}
ACTION = {"es": "Reintente en unos minutos.", "en": "Try again in a few minutes."}
MARTA = "marta.ibanez@nubeteca.example"


def classified_alarm(at: datetime) -> Alarm:
    """The sample CloudWatch alarm, which the plan classifies SEV1 on the API, in ALARM since ``at``."""
    (alarm,) = alarms_from_payload(alarm_event("ALARM", at), at)
    return alarm


def declaration(**changes: Any) -> Declaration:
    fields: dict[str, Any] = {
        "component": "api",
        "severity": "SEV2",
        "impact": IMPACT,
        "customer_action": ACTION,
        "by": MARTA,
        "source": DeclaredFrom.PAGE,
        **changes,
    }
    return Declaration(**fields)


def test_a_declared_incident_runs_the_pipeline_of_an_alarms(plan: Any, store: Any) -> None:
    sender, timeouts = RecordingSender(), RecordingTimeouts()
    approvals = ApprovalRequests(sender, lambda: KEY, base_url="https://approvals.example", timeouts=timeouts)

    declared = declare_incident(declaration(), plan, store, approvals, OPENED)

    incident = store.get_incident(declared.incident.id)
    assert incident is not None and store.open_incident_id("api") == incident.id
    assert (incident.severity_id, incident.impact_start, incident.alarms) == ("SEV2", OPENED, {})
    assert incident.facts.impact == IMPACT and incident.facts.customer_action == ACTION
    (message,) = store.messages(incident.id)
    assert message.phase == Phase.INVESTIGATING and message.status == MessageStatus.AWAITING_APPROVAL
    assert message.sequence == 1
    emails = {draft.locale: draft.text for draft in message.drafts if draft.channel_id.startswith("email-customers")}
    assert IMPACT["en"] in emails["en"] and IMPACT["es"] not in emails["en"] and ACTION["en"] in emails["en"]
    assert IMPACT["es"] in emails["es"] and IMPACT["en"] not in emails["es"] and ACTION["es"] in emails["es"]
    timeline = store.timeline(incident.id)
    assert timeline[0].kind == TimelineKind.OPENED
    assert f"declared by {MARTA} (from declare page)" in timeline[0].text
    kinds = {entry.kind for entry in timeline}
    assert {TimelineKind.DRAFT_CREATED, TimelineKind.APPROVAL_REQUESTED, TimelineKind.ROLES_ENGAGED} <= kinds
    assert declared.approval_request == ApprovalRequest.SENT
    assert list(timeouts.armed) == [message.id]
    recipients = {address for email in sender.sent for address in email.to}
    assert MARTA in recipients and "lucia.navarro@nubeteca.example" in recipients, "approvers and engaged roles"
    engagement = [email for email in sender.sent if "lucia.navarro@nubeteca.example" in email.to]
    assert engagement and IMPACT["es"] in engagement[0].text


def test_a_refused_declaration_writes_and_sends_nothing(plan: Any, store: Any) -> None:
    sender = RecordingSender()

    with pytest.raises(DeclarationRefused) as refused:
        declare_incident(
            declaration(impact={"es": IMPACT["es"]}), plan, store, ApprovalRequests(sender, lambda: KEY), OPENED
        )

    assert [str(problem) for problem in refused.value.problems] == ["impact: say it in every locale (missing: en)"]
    assert store.list_incidents() == [] and sender.sent == []


def test_a_component_with_an_open_incident_refuses_the_declaration_and_names_it(plan: Any, store: Any) -> None:
    approvals = ApprovalRequests(RecordingSender(), lambda: KEY)
    first = declare_incident(declaration(), plan, store, approvals, OPENED)
    before = store.timeline(first.incident.id)
    sender = RecordingSender()

    with pytest.raises(IncidentAlreadyOpen) as refused:
        declare_incident(declaration(severity="SEV1"), plan, store, ApprovalRequests(sender, lambda: KEY), OPENED)

    assert refused.value.incident_id == first.incident.id
    assert [incident.id for incident in store.list_incidents()] == [first.incident.id]
    assert store.timeline(first.incident.id) == before and sender.sent == []


def test_an_alarms_open_incident_refuses_a_declaration_too(plan: Any, store: Any) -> None:
    approvals = ApprovalRequests(RecordingSender(), lambda: KEY)
    opened = apply_alarm(classified_alarm(OPENED), plan, store, ManualClock(OPENED), approvals)

    with pytest.raises(IncidentAlreadyOpen) as refused:
        declare_incident(declaration(), plan, store, approvals, OPENED + timedelta(minutes=1))

    assert opened.applied == Applied.OPENED and refused.value.incident_id == opened.incident_id


def test_simultaneous_declarations_on_one_component_open_one_incident(plan: Any, table_name: str) -> None:
    store = DynamoIncidentStore(AtomicCalls(boto3.client("dynamodb")), table_name)  # type: ignore[arg-type]
    barrier = threading.Barrier(6)
    opened: list[str] = []
    refused: list[str] = []

    def race() -> None:
        barrier.wait()
        try:
            declared = declare_incident(
                declaration(), plan, store, ApprovalRequests(RecordingSender(), lambda: KEY), OPENED
            )
        except IncidentAlreadyOpen as error:
            refused.append(error.incident_id)
        else:
            opened.append(declared.incident.id)

    threads = [threading.Thread(target=race) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(opened) == 1 and refused == opened * 5
    assert [incident.id for incident in store.list_incidents()] == opened


def test_a_later_alarm_on_the_component_joins_the_declared_incident(plan: Any, store: Any) -> None:
    sender = RecordingSender()
    approvals = ApprovalRequests(sender, lambda: KEY)
    declared = declare_incident(declaration(), plan, store, approvals, OPENED)
    sent = len(sender.sent)
    later = OPENED + timedelta(minutes=5)

    outcome = apply_alarm(classified_alarm(later), plan, store, ManualClock(later), approvals)

    assert (outcome.applied, outcome.incident_id) == (Applied.JOINED, declared.incident.id)
    incident = store.get_incident(declared.incident.id)
    assert incident is not None and [snapshot.name for snapshot in incident.alarms.values()] == ["prod-api-5xx"]
    assert len(store.list_incidents()) == 1 and len(sender.sent) == sent, "a join asks nobody again"
