"""The delivery report on moto: the publisher arms the schedule, its input fires the report function, which emails
the communications lead once what the deliveries, the sender's batches and the bounces say."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest

from incident_comms.adapters.email_ledgers import DynamoBatchLedger
from incident_comms.composition import Services, use_services
from incident_comms.delivery.email.batches.models import BatchRecord, BatchState
from incident_comms.delivery.email.bounces import BounceRecord, FeedbackKind
from incident_comms.delivery.publishing import PublishRequest
from incident_comms.delivery.report.emails import REPORT_ROLE
from incident_comms.delivery.report.use_cases import ReportNotSent
from incident_comms.incidents.models import Delivery, Publication, TimelineKind
from incident_comms.team.emails import approver_addresses
from tests.conftest import FakeLambdaContext, load_handler_module
from tests.factories import approve_stored, emitted_metrics, make_alarm, sent_emails, stored_incident
from tests.handlers.conftest import SENDER, STARTED, ComposeServices

GROUP = "incident-schedules"
REPORT_FUNCTION = "arn:aws:lambda:eu-west-1:123456789012:function:delivery-report"
SCHEDULER_ROLE = "arn:aws:iam::123456789012:role/scheduler"
ES = "email-customers-es"


@pytest.fixture
def deps(publishing_services: ComposeServices) -> Services:
    boto3.client("scheduler").create_schedule_group(Name=GROUP)
    return publishing_services(
        delivery_report_function_arn=REPORT_FUNCTION, scheduler_role_arn=SCHEDULER_ROLE, schedule_group=GROUP
    )


@pytest.fixture(scope="module")
def report_handler() -> ModuleType:
    return load_handler_module("delivery_report")


@pytest.fixture(scope="module")
def publisher() -> ModuleType:
    return load_handler_module("publisher")


def approved(deps: Services) -> Publication:
    _, message = stored_incident(deps.store, deps.plan, make_alarm(), at=STARTED)
    return approve_stored(deps.store, message, STARTED)[1]


def published_with_records(deps: Services, recipients: int = 320, bounced: int = 8) -> dict[str, Any]:
    """An approved message whose Spanish email channel queued ``recipients``, all accepted by SES in batches of 50,
    ``bounced`` of them bouncing, and whose SMS went out; answers the report schedule's input."""
    publication = approved(deps)
    ids = {"incident_id": publication.incident_id, "message_id": publication.message_id, "version": 1}
    for channel_id, kind, count in ((ES, "email", recipients), ("sms-customers", "sns", 1)):
        claim = Delivery(**ids, channel_id=channel_id, kind=kind, claimed_at=STARTED)
        assert deps.store.claim_delivery(claim) is None
        deps.store.finish_delivery(
            claim.model_copy(update={"finished_at": STARTED, "attempted": count, "delivered": count})
        )
    ledger = DynamoBatchLedger(boto3.client("dynamodb"), deps.settings.table_name)
    sizes = [min(50, recipients - start) for start in range(0, recipients, 50)]
    for number, size in enumerate(sizes, start=1):
        claim = BatchRecord(**ids, channel_id=ES, batch=number, batches=len(sizes), claimed_at=STARTED, attempted=size)
        assert ledger.claim(claim) is None
        ledger.finish(claim.model_copy(update={"state": BatchState.SENT, "finished_at": STARTED, "delivered": size}))
    for index in range(bounced):
        deps.bounce_ledger.record_bounce(
            BounceRecord(
                **ids,
                channel_id=ES,
                address=f"gone{index}@cliente.example",
                kind=FeedbackKind.BOUNCE,
                at=STARTED + timedelta(minutes=2),
                detail="Permanent/NoEmail",
            )
        )
    return ids


def reports(deps: Services) -> list[dict[str, Any]]:
    comms_lead = set(approver_addresses(deps.plan, [REPORT_ROLE]))
    return [email for email in sent_emails() if set(email["to"]) == comms_lead]


def test_the_comms_lead_gets_one_report_with_the_summary_as_subject(
    deps: Services,
    report_handler: ModuleType,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    event = published_with_records(deps)
    deps.clock.advance(timedelta(minutes=15))  # type: ignore[attr-defined]

    answer = report_handler.lambda_handler(event, lambda_context)

    assert answer["result"] == "sent"
    (email,) = reports(deps)
    assert email["subject"] == "[SEV1][Investigando] API pública — 312 de 320 entregados, 8 rebotados"
    assert email["from"] == SENDER
    assert "gone0@cliente.example" in email["text"]
    (entry,) = [e for e in deps.store.timeline(event["incident_id"]) if e.kind == TimelineKind.DELIVERY_REPORT]
    assert entry.data["channels"][ES]["bounced"] == 8 and entry.data["channels"]["sms-customers"]["delivered"] == 1
    assert emitted_metrics(capsys.readouterr().out)["DeliveryReportsSent"] == 1


def test_a_second_firing_sends_nothing(
    deps: Services,
    report_handler: ModuleType,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    event = published_with_records(deps)
    report_handler.lambda_handler(event, lambda_context)

    again = report_handler.lambda_handler(event, lambda_context)

    assert again["result"] == "duplicate"
    assert len(reports(deps)) == 1
    kinds = [e.kind for e in deps.store.timeline(event["incident_id"])]
    assert kinds.count(TimelineKind.DELIVERY_REPORT) == 1
    assert emitted_metrics(capsys.readouterr().out)["DeliveryReportsDuplicate"] == 1


def test_a_refused_send_is_on_the_timeline_and_raised_for_the_schedulers_retry(
    deps: Services, report_handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    event = published_with_records(deps)
    sesv2 = boto3.client("sesv2")
    sesv2.delete_email_identity(EmailIdentity=SENDER)

    with pytest.raises(ReportNotSent, match="MessageRejected"):
        report_handler.lambda_handler(event, lambda_context)

    assert reports(deps) == []
    (failed,) = [e for e in deps.store.timeline(event["incident_id"]) if e.kind == TimelineKind.NOTIFICATION_FAILED]
    assert failed.data["notification"] == "delivery_report" and "312 de 320 entregados" in failed.text
    sesv2.create_email_identity(EmailIdentity=SENDER)
    assert report_handler.lambda_handler(event, lambda_context)["result"] == "sent"
    assert len(reports(deps)) == 1


@pytest.mark.parametrize("event", [{"incident_id": "INC-1", "message_id": "m-1"}, {"version": 2}, []])
def test_bad_input_is_logged_counted_and_sends_nothing(
    deps: Services,
    report_handler: ModuleType,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    event: Any,
) -> None:
    answer = report_handler.lambda_handler(event, lambda_context)

    assert answer["result"] == "rejected"
    assert emitted_metrics(capsys.readouterr().out)["DeliveryReportRequestsRejected"] == 1
    assert [r.message for r in caplog.records if r.levelname == "WARNING"] == ["delivery report not sent"]
    assert sent_emails() == []


def sqs_event(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": "m-0",
                "receiptHandle": "r-0",
                "body": json.dumps(body),
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:publish",
                "awsRegion": "eu-west-1",
            }
        ]
    }


def test_the_publisher_arms_one_report_schedule_whose_input_the_report_function_takes(
    deps: Services,
    publisher: ModuleType,
    report_handler: ModuleType,
    lambda_context: FakeLambdaContext,
) -> None:
    publication = approved(deps)
    body = PublishRequest.of(publication).model_dump()

    assert publisher.lambda_handler(sqs_event(body), lambda_context) == {"batchItemFailures": []}
    publisher.lambda_handler(sqs_event(body), lambda_context)  # a redelivery arms nothing more

    scheduler = boto3.client("scheduler")
    (summary,) = scheduler.list_schedules(GroupName=GROUP)["Schedules"]
    schedule = scheduler.get_schedule(GroupName=GROUP, Name=summary["Name"])
    assert schedule["Name"].startswith("report-") and len(schedule["Name"]) <= 64
    assert schedule["ScheduleExpression"] == "at(2026-11-22T10:20:00)"  # published at 10:05, 15 minutes later
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert (schedule["Target"]["Arn"], schedule["Target"]["RoleArn"]) == (REPORT_FUNCTION, SCHEDULER_ROLE)
    event = json.loads(schedule["Target"]["Input"])
    assert event == {"incident_id": publication.incident_id, "message_id": publication.message_id, "version": 1}

    answer = report_handler.lambda_handler(event, lambda_context)

    assert answer["result"] == "sent"
    (email,) = reports(deps)
    # nobody subscribed: the line counts the channels that published (the webhook has no URL, so it failed)
    deliveries = deps.store.deliveries(publication.incident_id)
    published = sum(d.delivered for d in deliveries)
    assert f"{published} de {sum(d.attempted for d in deliveries)} entregados" in email["subject"]


def test_a_schedule_the_scheduler_refuses_is_on_the_timeline_and_the_publication_stands(
    deps: Services,
    publisher: ModuleType,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deps = Services(replace(deps.settings, schedule_group="no-such-group"), deps.clock)
    use_services(deps)
    publication = approved(deps)

    answer = publisher.lambda_handler(sqs_event(PublishRequest.of(publication).model_dump()), lambda_context)

    assert answer == {"batchItemFailures": []}
    assert deps.store.deliveries(publication.incident_id)
    (failed,) = [e for e in deps.store.timeline(publication.incident_id) if e.kind == TimelineKind.NOTIFICATION_FAILED]
    assert failed.data["notification"] == "delivery_report" and failed.data["message_id"] == publication.message_id
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["DeliveryReportSchedulingFailed"] == 1 and metrics["MessagesPublished"] == 1
