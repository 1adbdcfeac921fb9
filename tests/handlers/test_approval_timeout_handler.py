"""The approval timeout handler end to end on moto: ingest arms the schedule, its input fires the handler."""

from __future__ import annotations

import json
from datetime import timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest

from incident_comms.composition import Services
from incident_comms.incidents.models import MessageStatus, PublicationReason, TimelineKind
from incident_comms.intake.ingest import ingest_event
from incident_comms.team.emails import approver_addresses
from tests.conftest import FakeLambdaContext, load_event, load_handler_module
from tests.factories import emitted_metrics, invoke, sent_emails
from tests.handlers.conftest import SENDER, ComposeServices
from tests.handlers.test_lifecycle_handler import console_post

GROUP = "incident-schedules"
TIMEOUT_FUNCTION = "arn:aws:lambda:eu-west-1:123456789012:function:approval-timeout"
SCHEDULER_ROLE = "arn:aws:iam::123456789012:role/scheduler"
HOLDING_SUBJECT = "[SEV1][Investigando] API pública — publicado el texto de espera"


@pytest.fixture
def deps(compose_services: ComposeServices) -> Services:
    boto3.client("scheduler").create_schedule_group(Name=GROUP)
    return compose_services(
        approvals_base_url="https://incidents.example.com",
        approval_timeout_function_arn=TIMEOUT_FUNCTION,
        scheduler_role_arn=SCHEDULER_ROLE,
        schedule_group=GROUP,
    )


@pytest.fixture(scope="module")
def handler() -> ModuleType:
    return load_handler_module("approval_timeout")


def approvals_handler() -> ModuleType:
    return load_handler_module("approvals_api")


def open_sev1_incident(deps: Services) -> tuple[str, dict[str, Any]]:
    """Ingest the sample SEV1 alarm; answers the incident id and the input of the schedule it armed."""
    report = ingest_event(
        load_event("cloudwatch-eventbridge-alarm.json"), deps.plan, deps.store, deps.clock, deps.approval_requests
    )
    (outcome,) = report.outcomes
    assert outcome.incident_id is not None
    scheduler = boto3.client("scheduler")
    (summary,) = scheduler.list_schedules(GroupName=GROUP)["Schedules"]
    schedule = scheduler.get_schedule(GroupName=GROUP, Name=summary["Name"])
    assert schedule["ScheduleExpression"] == "at(2026-11-22T10:15:00)"
    assert schedule["Target"]["Arn"] == TIMEOUT_FUNCTION
    return outcome.incident_id, json.loads(schedule["Target"]["Input"])


def test_nobody_approving_in_time_publishes_the_holding_text_and_tells_the_approvers(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    incident_id, schedule_input = open_sev1_incident(deps)
    (waiting,) = deps.store.messages(incident_id)
    deps.clock.advance(timedelta(minutes=10))  # type: ignore[attr-defined]

    answer = invoke(handler, schedule_input, lambda_context)

    assert answer["result"] == "holding_published"
    assert answer["holding_message_id"] == f"{waiting.id}-holding"
    stored_waiting, holding = deps.store.messages(incident_id)
    assert stored_waiting.status == MessageStatus.AWAITING_APPROVAL
    assert holding.holding and holding.status == MessageStatus.APPROVED and holding.replaces == waiting.id
    assert {draft.channel_id for draft in holding.drafts} == {draft.channel_id for draft in waiting.drafts}
    (publication,) = deps.store.publications(incident_id)
    assert publication.message_id == holding.id and publication.reason == PublicationReason.APPROVAL_TIMEOUT
    timeline = [entry.kind for entry in deps.store.timeline(incident_id)]
    assert timeline[-2:] == [TimelineKind.APPROVAL_TIMED_OUT, TimelineKind.PUBLISH_REQUESTED]
    told = [email for email in sent_emails() if email["subject"] == HOLDING_SUBJECT]
    approvers = approver_addresses(deps.plan, waiting.approvers)
    assert sorted(address for email in told for address in email["to"]) == sorted(approvers)
    assert answer["notified"] == approvers and answer["notification_errors"] == []
    assert emitted_metrics(capsys.readouterr().out)["HoldingPublished"] == 1


def test_a_second_firing_is_counted_as_stale_and_publishes_nothing(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    incident_id, schedule_input = open_sev1_incident(deps)
    deps.clock.advance(timedelta(minutes=10))  # type: ignore[attr-defined]
    invoke(handler, schedule_input, lambda_context)
    emails_before = len(sent_emails())
    capsys.readouterr()

    again = invoke(handler, schedule_input, lambda_context)

    assert again["result"] == "nothing_to_do"
    assert len(deps.store.publications(incident_id)) == 1
    assert len(sent_emails()) == emails_before
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["TimeoutsStale"] == 1 and metrics["HoldingPublished"] == 0


@pytest.mark.parametrize(
    "event",
    [{}, {"kind": "approval_timeout"}, {"kind": "other", "incident_id": "INC-1", "message_id": "m-1"}],
    ids=["empty", "no-ids", "other-kind"],
)
def test_bad_input_is_logged_counted_and_changes_nothing(
    deps: Services,
    handler: ModuleType,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    event: dict[str, Any],
) -> None:
    incident_id, _ = open_sev1_incident(deps)
    timeline_before = deps.store.timeline(incident_id)
    emails_before = len(sent_emails())
    capsys.readouterr()

    answer = invoke(handler, event, lambda_context)

    assert answer["result"] == "rejected" and answer["reason"].startswith("not an approval_timeout event")
    assert emitted_metrics(capsys.readouterr().out)["TimeoutEventsRejected"] == 1
    assert "approval timeout event rejected" in [r.message for r in caplog.records if r.levelname == "WARNING"]
    assert len(deps.store.messages(incident_id)) == 1
    assert deps.store.timeline(incident_id) == timeline_before
    assert deps.store.publications(incident_id) == []
    assert len(sent_emails()) == emails_before


def test_a_refused_email_is_on_the_timeline_and_counted(
    deps: Services,
    handler: ModuleType,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    incident_id, schedule_input = open_sev1_incident(deps)
    boto3.client("sesv2").delete_email_identity(EmailIdentity=SENDER)
    deps.clock.advance(timedelta(minutes=10))  # type: ignore[attr-defined]
    capsys.readouterr()

    answer = invoke(handler, schedule_input, lambda_context)

    assert answer["result"] == "holding_published" and answer["notified"] == []
    assert len(deps.store.publications(incident_id)) == 1
    failed = [e for e in deps.store.timeline(incident_id) if e.kind == TimelineKind.NOTIFICATION_FAILED]
    assert failed and all(entry.data["notification"] == "holding_published" for entry in failed)
    assert len(failed) == len(answer["notification_errors"])
    assert emitted_metrics(capsys.readouterr().out)["HoldingNotificationsFailed"] == len(failed)
    assert "holding notification not sent" in [r.message for r in caplog.records if r.levelname == "WARNING"]


def test_a_superseded_drafts_timeout_is_deleted_and_publishes_nothing_if_it_fires_anyway(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    incident_id, old_input = open_sev1_incident(deps)
    (first,) = deps.store.messages(incident_id)
    deps.clock.advance(timedelta(minutes=4))  # type: ignore[attr-defined]
    cause = {
        "action": "phase",
        "phase": "identified",
        "cause_es": "Un cambio de configuración de la API.",
        "cause_en": "A configuration change on the API.",
    }
    assert console_post(deps, approvals_handler(), incident_id, cause)["statusCode"] == 200
    (identified,) = [m for m in deps.store.messages(incident_id) if m.status == MessageStatus.AWAITING_APPROVAL]
    # deleted; and the identified phase has no holding text in the plan, so nothing replaces it
    assert boto3.client("scheduler").list_schedules(GroupName=GROUP)["Schedules"] == []
    deps.clock.advance(timedelta(minutes=10))  # type: ignore[attr-defined]
    emails_before = len(sent_emails())
    capsys.readouterr()

    answer = invoke(handler, old_input, lambda_context)  # a firing already on its way when it was deleted

    assert answer["result"] == "nothing_to_do" and answer["reason"] == f"the message was superseded by {identified.id}"
    assert deps.store.publications(incident_id) == []
    assert [m.id for m in deps.store.messages(incident_id)] == [first.id, identified.id]
    assert len(sent_emails()) == emails_before
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["TimeoutsStale"] == 1 and metrics["HoldingPublished"] == 0
