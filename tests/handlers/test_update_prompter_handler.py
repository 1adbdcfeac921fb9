"""The update prompter handler on moto: the publication arms ``update-<incident>``, its firing drafts a holding
update for the communications lead and arms ``overdue-<incident>``, whose firing escalates once."""

from __future__ import annotations

import json
from datetime import timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest

from incident_comms.composition import Services
from incident_comms.incidents.models import MessageStatus, TimelineKind
from incident_comms.intake.ingest import ingest_event
from incident_comms.plan.models import Phase
from tests.aws.test_promise_keeping import publish
from tests.conftest import FakeLambdaContext, load_event, load_handler_module
from tests.factories import emitted_metrics, invoke, sent_emails
from tests.handlers.conftest import ComposeServices

GROUP = "incident-schedules"
SCHEDULER_ROLE = "arn:aws:iam::123456789012:role/scheduler"
UPDATE_SCHEDULER_ROLE = "arn:aws:iam::123456789012:role/update-prompter-scheduler"
COMMS_LEAD = ["jorge.salas@nubeteca.example", "marta.ibanez@nubeteca.example"]
COMMANDERS = ["andres.pineda@nubeteca.example", "lucia.navarro@nubeteca.example"]


@pytest.fixture
def deps(compose_services: ComposeServices, lambda_context: FakeLambdaContext) -> Services:
    boto3.client("scheduler").create_schedule_group(Name=GROUP)
    return compose_services(
        update_prompter_function_arn=lambda_context.invoked_function_arn,
        scheduler_role_arn=SCHEDULER_ROLE,
        update_scheduler_role_arn=UPDATE_SCHEDULER_ROLE,
        schedule_group=GROUP,
    )


@pytest.fixture(scope="module")
def handler() -> ModuleType:
    return load_handler_module("update_prompter")


def schedule_input(name: str) -> dict[str, Any]:
    schedule = boto3.client("scheduler").get_schedule(GroupName=GROUP, Name=name)
    found: dict[str, Any] = json.loads(schedule["Target"]["Input"])
    return found


def published_sev1(deps: Services) -> str:
    """Ingest the sample SEV1 alarm and publish its first message two minutes later; answers the incident id."""
    report = ingest_event(
        load_event("cloudwatch-eventbridge-alarm.json"), deps.plan, deps.store, deps.clock, deps.approval_requests
    )
    (outcome,) = report.outcomes
    assert outcome.incident_id is not None
    (message,) = deps.store.messages(outcome.incident_id)
    publish(deps.store, deps.plan, message, deps.clock.advance(timedelta(minutes=2)), deps.update_schedules)  # type: ignore[attr-defined]
    return outcome.incident_id


def test_the_due_firing_drafts_a_holding_update_and_emails_the_comms_lead(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    incident_id = published_sev1(deps)
    due = schedule_input(f"update-{incident_id}")
    assert due == {"incident_id": incident_id, "due_at": "2026-11-22T10:35:00Z", "kind": "due"}
    deps.clock.set(deps.store.promise_ledger(incident_id).promises[0].due_at)  # type: ignore[attr-defined]
    before = len(sent_emails())

    answer = invoke(handler, due, lambda_context)

    assert answer["result"] == "drafted"
    (update,) = [m for m in deps.store.messages(incident_id) if m.status == MessageStatus.AWAITING_APPROVAL]
    assert update.phase == Phase.UPDATE and update.id == answer["message_id"]
    asked = sent_emails()[before:]
    assert sorted(address for email in asked for address in email["to"]) == COMMS_LEAD
    assert all("[Actualización]" in email["subject"] for email in asked)
    assert schedule_input(f"overdue-{incident_id}") == {**due, "kind": "overdue"}
    for kind in ("update", "overdue"):  # the reminders fire as the role that may invoke only the prompter
        target = boto3.client("scheduler").get_schedule(GroupName=GROUP, Name=f"{kind}-{incident_id}")["Target"]
        assert (target["Arn"], target["RoleArn"]) == (lambda_context.invoked_function_arn, UPDATE_SCHEDULER_ROLE)
    assert emitted_metrics(capsys.readouterr().out)["HoldingUpdatesDrafted"] == 1


def test_the_overdue_firing_escalates_once(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    incident_id = published_sev1(deps)
    due = schedule_input(f"update-{incident_id}")
    deps.clock.set(deps.store.promise_ledger(incident_id).promises[0].due_at)  # type: ignore[attr-defined]
    invoke(handler, due, lambda_context)
    overdue = schedule_input(f"overdue-{incident_id}")
    deps.clock.advance(timedelta(minutes=10))  # type: ignore[attr-defined]
    before = len(sent_emails())
    capsys.readouterr()

    first = invoke(handler, overdue, lambda_context)
    second = invoke(handler, overdue, lambda_context)

    assert (first["result"], second["result"]) == ("escalated", "duplicate")
    escalations = sent_emails()[before:]
    assert sorted(address for email in escalations for address in email["to"]) == COMMANDERS
    assert "no ha salido" in escalations[0]["subject"]
    kinds = [entry.kind for entry in deps.store.timeline(incident_id)]
    assert kinds.count(TimelineKind.PROMISE_MISSED) == 1
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["PromisesMissed"] == 1 and metrics["PromptsIgnored"] == 1 and metrics["EscalationEmailsSent"] == 2


def test_a_bad_event_is_rejected_and_counted(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = invoke(handler, {"incident_id": "INC-1", "kind": "due"}, lambda_context)

    assert answer["result"] == "rejected" and "due_at" in answer["reason"]
    assert emitted_metrics(capsys.readouterr().out)["PromptsRejected"] == 1
