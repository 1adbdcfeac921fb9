"""The ingest Lambda handler end to end on moto: sample events in, incidents and drafts out."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

from incident_comms.composition import Services
from incident_comms.incidents.models import MessageStatus, TimelineKind
from tests.conftest import REPO, FakeLambdaContext, load_event, load_handler_module
from tests.factories import emitted_metrics, invoke, sent_emails
from tests.handlers.conftest import SENDER, ComposeServices

APPROVALS_BASE_URL = "https://incidents.example.com"


@pytest.fixture
def deps(compose_services: ComposeServices) -> Services:
    return compose_services(approvals_base_url=APPROVALS_BASE_URL)


def approval_emails() -> list[dict[str, Any]]:
    return [email for email in sent_emails() if email["subject"].endswith("aprobación necesaria")]


def another_api_alarm() -> dict[str, Any]:
    """The sample alarm event for a second alarm of the same component (a new event, not a redelivery)."""
    event = load_event("cloudwatch-eventbridge-alarm.json")
    event["id"] = "7e2f9b10-0000-4c2e-9c1e-2b0a8f7d4e12"
    event["resources"] = ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:prod-api-latency"]
    event["detail"]["alarmName"] = "prod-api-latency"
    return event


@pytest.fixture(scope="module")
def handler() -> ModuleType:
    return load_handler_module("ingest_alarm")


def test_alarm_opens_an_incident_with_drafts_awaiting_approval(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    answer = invoke(handler, load_event("cloudwatch-eventbridge-alarm.json"), lambda_context)

    (outcome,) = answer["outcomes"]
    assert outcome["applied"] == "opened"
    incident = deps.store.get_incident(outcome["incident_id"])
    assert incident is not None and incident.severity_id == "SEV1" and incident.component_id == "api"
    (message,) = deps.store.messages(incident.id)
    assert message.status == MessageStatus.AWAITING_APPROVAL
    assert message.phase == "investigating"
    assert {draft.channel_id for draft in message.drafts} == {c.id for c in deps.plan.channels_for("SEV1")}
    assert [entry.kind for entry in deps.store.timeline(incident.id)] == [
        TimelineKind.OPENED,
        TimelineKind.DRAFT_CREATED,
        TimelineKind.APPROVAL_REQUESTED,
        TimelineKind.ROLES_ENGAGED,
    ]


def test_redelivered_event_changes_nothing(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    event = load_event("cloudwatch-eventbridge-alarm.json")
    first = invoke(handler, event, lambda_context)
    again = invoke(handler, event, lambda_context)

    assert again["outcomes"][0]["applied"] == "duplicate"
    incident_id = first["outcomes"][0]["incident_id"]
    assert len(deps.store.list_incidents()) == 1
    assert len(deps.store.messages(incident_id)) == 1
    timeline = deps.store.timeline(incident_id)
    emails = sent_emails()
    again = invoke(handler, event, lambda_context)
    assert again["outcomes"][0]["applied"] == "duplicate"
    assert deps.store.timeline(incident_id) == timeline
    assert sent_emails() == emails


def test_ok_is_recorded_on_the_open_incident(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    opened = invoke(handler, load_event("cloudwatch-eventbridge-alarm.json"), lambda_context)
    deps.clock.advance(timedelta(minutes=7))  # type: ignore[attr-defined]
    recorded = invoke(handler, load_event("cloudwatch-eventbridge-ok.json"), lambda_context)

    assert recorded["outcomes"][0]["applied"] == "recorded"
    incident_id = opened["outcomes"][0]["incident_id"]
    states = [
        entry.data["state"] for entry in deps.store.timeline(incident_id) if entry.kind == TimelineKind.ALARM_STATE
    ]
    assert states == ["OK"]  # then the lifecycle's settle check (no scheduler in this deployment: on the timeline)


def test_not_an_incident_leaves_no_trace(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    answer = invoke(handler, load_event("cloudwatch-staging-alarm.json"), lambda_context)

    assert answer["outcomes"][0]["applied"] == "not_an_incident"
    assert deps.store.list_incidents() == []


@pytest.mark.parametrize(
    "event",
    [{}, {"source": "aws.cloudwatch"}, {"Records": [{"Sns": {"Message": "not json"}}]}, {"alerts": "nope"}],
    ids=["empty", "cloudwatch-without-detail", "sns-not-json", "alerts-not-a-list"],
)
def test_bad_event_is_logged_counted_and_dropped(
    deps: Services,
    handler: ModuleType,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    event: dict[str, Any],
) -> None:
    answer = invoke(handler, event, lambda_context)

    assert answer["outcomes"] == [] and len(answer["rejected"]) == 1
    output = capsys.readouterr().out
    assert emitted_metrics(output)["EventsRejected"] == 1
    assert [record.message for record in caplog.records if record.levelname == "WARNING"] == ["inbound event rejected"]
    assert deps.store.list_incidents() == []


def test_one_bad_sns_record_does_not_sink_the_others(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    event = load_event("cloudwatch-sns-alarm.json")
    event["Records"].append({"EventSource": "aws:sns", "Sns": {"Message": "{broken"}})

    answer = invoke(handler, event, lambda_context)

    assert len(answer["rejected"]) == 1
    assert [outcome["applied"] for outcome in answer["outcomes"]] == ["opened"]


def test_every_sample_event_is_accepted(deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext) -> None:
    for path in sorted(Path(REPO / "events").glob("*.json")):
        answer = invoke(handler, json.loads(path.read_text()), lambda_context)
        assert answer["rejected"] == [], path.name
        assert answer["outcomes"], path.name


def test_opening_sends_one_approval_request_to_the_approvers(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = invoke(handler, load_event("cloudwatch-eventbridge-alarm.json"), lambda_context)

    (outcome,) = answer["outcomes"]
    assert outcome["approval_request"] == "sent"
    (message,) = deps.store.messages(outcome["incident_id"])
    emails = approval_emails()
    approvers = [person.email for role in message.approvers for person in deps.plan.role(role).people]
    assert [email["to"] for email in emails] == [[address] for address in approvers]
    for email in emails:
        assert email["from"] == SENDER
        assert email["subject"] == "[SEV1][Investigando] API pública — aprobación necesaria"
        assert email["html"].count(f'href="{APPROVALS_BASE_URL}/approvals/') == 3
        assert outcome["incident_id"] in email["text"]
    (requested,) = [
        entry
        for entry in deps.store.timeline(outcome["incident_id"])
        if entry.kind == TimelineKind.APPROVAL_REQUESTED and "to" in entry.data
    ]
    assert requested.data["message_id"] == message.id
    assert requested.data["to"] == approvers
    assert requested.data["provider_message_ids"] == [email["id"] for email in emails]
    assert emitted_metrics(capsys.readouterr().out)["ApprovalRequestsSent"] == 1


def test_a_legacy_sns_alarm_without_arn_opens_an_incident_the_arn_version_joins(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    opened = invoke(handler, load_event("cloudwatch-sns-legacy.json"), lambda_context)
    assert opened["outcomes"][0]["applied"] == "opened"
    deps.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    again = invoke(handler, load_event("cloudwatch-sns-alarm.json"), lambda_context)

    assert again["outcomes"][0]["incident_id"] == opened["outcomes"][0]["incident_id"]
    assert len(deps.store.list_incidents()) == 1


def test_a_joining_alarm_sends_no_second_request(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    first = invoke(handler, load_event("cloudwatch-eventbridge-alarm.json"), lambda_context)
    emails = sent_emails()
    deps.clock.advance(timedelta(minutes=2))  # type: ignore[attr-defined]
    joined = invoke(handler, another_api_alarm(), lambda_context)

    assert joined["outcomes"][0]["applied"] == "joined"
    assert joined["outcomes"][0]["incident_id"] == first["outcomes"][0]["incident_id"]
    assert joined["outcomes"][0]["approval_request"] is None
    assert emails and sent_emails() == emails


def test_a_refused_email_leaves_the_incident_open_and_the_failure_on_its_timeline(
    deps: Services,
    handler: ModuleType,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    boto3.client("sesv2").delete_email_identity(EmailIdentity=SENDER)

    answer = invoke(handler, load_event("cloudwatch-eventbridge-alarm.json"), lambda_context)

    (outcome,) = answer["outcomes"]
    assert outcome["applied"] == "opened" and outcome["approval_request"] == "failed"
    assert "MessageRejected" in outcome["notification_error"]
    assert sent_emails() == []
    incident = deps.store.get_incident(outcome["incident_id"])
    assert incident is not None and incident.status == "open"
    failures = [entry for entry in deps.store.timeline(incident.id) if entry.kind == TimelineKind.NOTIFICATION_FAILED]
    approvers = [person.email for role in ["communications_lead"] for person in deps.plan.role(role).people]
    engaged = {person.email for role in deps.plan.roles.engage["SEV1"] for person in deps.plan.role(role).people}
    assert [entry.data["notification"] for entry in failures] == ["approval_request"] * len(approvers) + [
        "engagement"
    ] * len(engaged)
    assert all("MessageRejected" in entry.data["reason"] for entry in failures)
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["ApprovalRequestsFailed"] == 1 and metrics["ApprovalRequestsSent"] == 0
    assert "approval request not sent" in [r.message for r in caplog.records if r.levelname == "WARNING"]


def test_opening_engages_every_role_the_plan_names_for_the_severity(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    answer = invoke(handler, load_event("cloudwatch-eventbridge-alarm.json"), lambda_context)

    incident_id = answer["outcomes"][0]["incident_id"]
    people = {person.email for role in deps.plan.roles.engage["SEV1"] for person in deps.plan.role(role).people}
    engaged = [email for email in sent_emails() if "incidente abierto" in email["subject"]]
    assert sorted(address for email in engaged for address in email["to"]) == sorted(people)
    (entry,) = [entry for entry in deps.store.timeline(incident_id) if entry.kind == TimelineKind.ROLES_ENGAGED]
    assert sorted(entry.data["to"]) == sorted(people)
    assert entry.data["roles"] == deps.plan.roles.engage["SEV1"]
