"""The publisher Lambda handler on moto: a publish queue record in, every channel delivered once, failures seen."""

from __future__ import annotations

import json
from datetime import timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest

from incident_comms.approvals.holding import holding_message
from incident_comms.composition import Services
from incident_comms.delivery.publishing import PublishRequest
from incident_comms.incidents.models import Publication, PublicationReason, TimelineKind
from incident_comms.incidents.operators import NoOperators
from incident_comms.plan.models import HoldingText, Phase
from tests.conftest import FakeLambdaContext, load_handler_module
from tests.factories import approve_stored, emitted_metrics, make_alarm, stored_incident, stored_newer
from tests.faults import Faults
from tests.handlers.conftest import STARTED, ComposeServices


@pytest.fixture
def deps(publishing_services: ComposeServices) -> Services:
    return publishing_services()


@pytest.fixture(scope="module")
def handler() -> ModuleType:
    return load_handler_module("publisher")


def sqs_event(*bodies: Any) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m-{index}",
                "receiptHandle": f"r-{index}",
                "body": body if isinstance(body, str) else json.dumps(body),
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:publish",
                "awsRegion": "eu-west-1",
            }
            for index, body in enumerate(bodies)
        ]
    }


def holding_of(deps: Services) -> HoldingText:
    holding = deps.plan.phases.phases[Phase.INVESTIGATING].holding
    assert holding is not None
    return holding


def approved_request(deps: Services) -> tuple[str, dict[str, Any]]:
    _, message = stored_incident(deps.store, deps.plan, make_alarm(), at=STARTED)
    _, publication = approve_stored(deps.store, message, STARTED)
    return message.incident_id, PublishRequest.of(publication).model_dump()


def test_a_publication_is_delivered_on_every_channel_and_reported(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    incident_id, body = approved_request(deps)

    answer = handler.lambda_handler(sqs_event(body), lambda_context)

    assert answer == {"batchItemFailures": []}
    (message,) = deps.store.messages(incident_id)
    deliveries = {delivery.channel_id: delivery for delivery in deps.store.deliveries(incident_id)}
    assert set(deliveries) == {draft.channel_id for draft in message.drafts}
    webhook = [draft.channel_id for draft in message.drafts if draft.kind == "webhook"]
    assert webhook and all(deliveries[channel].failed == 1 for channel in webhook), "no URL in the secret"
    assert deliveries["status-page"].complete
    assert boto3.client("s3").get_object(Bucket="status", Key="index.html")["ContentType"].startswith("text/html")
    failed = [entry for entry in deps.store.timeline(incident_id) if entry.kind == TimelineKind.DELIVERY_FAILED]
    assert {entry.data["channel_id"] for entry in failed} == set(webhook)
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["MessagesPublished"] == 1 and metrics["ChannelDeliveriesFailed"] == len(webhook)


def test_a_redelivered_record_publishes_nothing_twice(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    incident_id, body = approved_request(deps)
    handler.lambda_handler(sqs_event(body), lambda_context)
    timeline = deps.store.timeline(incident_id)

    assert handler.lambda_handler(sqs_event(body), lambda_context) == {"batchItemFailures": []}
    assert deps.store.timeline(incident_id) == timeline


def test_a_record_that_is_no_request_is_logged_counted_and_not_retried(
    deps: Services,
    handler: ModuleType,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    answer = handler.lambda_handler(sqs_event({"incident_id": "INC-1"}, "{not json"), lambda_context)

    assert answer == {"batchItemFailures": []}
    assert emitted_metrics(capsys.readouterr().out)["PublishRequestsRejected"] == 2
    warnings = [r.message for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == ["publish request rejected", "publish request rejected"]
    assert deps.store.list_incidents() == []


def test_a_request_older_than_the_last_published_message_is_refused_and_on_the_timeline(
    deps: Services,
    handler: ModuleType,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    incident_id, older = approved_request(deps)
    first = deps.store.get_message(incident_id, older["message_id"])
    assert first is not None
    later = STARTED + timedelta(minutes=20)
    newer = stored_newer(deps.store, first, Phase.IDENTIFIED, later)
    newer_request = PublishRequest.of(approve_stored(deps.store, newer, later, "b" * 16)[1]).model_dump()
    handler.lambda_handler(sqs_event(newer_request), lambda_context)
    deliveries = deps.store.deliveries(incident_id)
    capsys.readouterr()

    answer = handler.lambda_handler(sqs_event(older), lambda_context)  # redelivered, or swept, after the newer one

    assert answer == {"batchItemFailures": []}
    assert deps.store.deliveries(incident_id) == deliveries, "nothing of the older message went out"
    (refused,) = [e for e in deps.store.timeline(incident_id) if e.kind == TimelineKind.PUBLICATION_REFUSED]
    assert refused.data["message_id"] == first.id and refused.data["published_message_id"] == newer.id
    assert (refused.data["sequence"], refused.data["published_sequence"]) == (1, 2)
    assert emitted_metrics(capsys.readouterr().out)["PublicationsOutdated"] == 1
    warnings = [r.message for r in caplog.records if r.levelname == "WARNING"]
    assert "publish request refused: older than the last published message" in warnings


def test_a_holding_text_whose_draft_went_out_first_is_not_published_after_it(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    incident, waiting = stored_incident(deps.store, deps.plan, make_alarm(), at=STARTED)
    fired = STARTED + timedelta(minutes=10)
    holding = holding_message(deps.plan, incident, waiting, holding_of(deps), fired)
    holding_publication = Publication(
        incident_id=waiting.incident_id,
        message_id=holding.id,
        version=1,
        requested_at=fired,
        reason=PublicationReason.APPROVAL_TIMEOUT,
    )
    assert deps.store.save_holding(waiting, holding, [], holding_publication)
    _, draft_publication = approve_stored(deps.store, waiting, fired + timedelta(minutes=1))

    handler.lambda_handler(sqs_event(PublishRequest.of(draft_publication).model_dump()), lambda_context)
    handler.lambda_handler(sqs_event(PublishRequest.of(holding_publication).model_dump()), lambda_context)

    published = {delivery.message_id for delivery in deps.store.deliveries(waiting.incident_id)}
    assert published == {waiting.id}
    kinds = [entry.kind for entry in deps.store.timeline(waiting.incident_id)]
    assert kinds.count(TimelineKind.PUBLISHED) == 1 and kinds.count(TimelineKind.PUBLICATION_REFUSED) == 1


def test_a_lost_sms_publish_answer_is_sent_once_recorded_unknown_and_told_to_operators(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    incident_id, body = approved_request(deps)
    faults = Faults(deps.sns).lose_answer("Publish")

    assert handler.lambda_handler(sqs_event(body), lambda_context) == {"batchItemFailures": []}

    assert faults.committed["Publish"] == 1
    deliveries = {delivery.channel_id: delivery for delivery in deps.store.deliveries(incident_id)}
    assert (deliveries["sms-customers"].unknown, deliveries["sms-customers"].delivered) == (1, 0)
    operators = deps.operators
    assert isinstance(operators, NoOperators)
    assert any("sms-customers" in alert.text and "not resent" in alert.text for alert in operators.told)
    assert emitted_metrics(capsys.readouterr().out)["RecipientsUnknown"] == 1


SWEEPER = "arn:aws:lambda:eu-west-1:123456789012:function:stack-sweeper"
GROUP = "incident-schedules"


def test_a_publisher_arms_one_sweep_for_its_whole_batch(
    publishing_services: ComposeServices, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    """If it stops half-way the sweep finds its claims once their lease expired; a batch shares one sweep."""
    scheduler = boto3.client("scheduler")
    scheduler.create_schedule_group(Name=GROUP)
    deps = publishing_services(
        sweeper_function_arn=SWEEPER, scheduler_role_arn="arn:aws:iam::123456789012:role/s", schedule_group=GROUP
    )
    asked: list[str] = []
    deps.scheduler.meta.events.register(
        "provide-client-params.scheduler.CreateSchedule", lambda params, **_: asked.append(params["Name"])
    )
    _, body = approved_request(deps)

    assert handler.lambda_handler(sqs_event(body, body, body), lambda_context) == {"batchItemFailures": []}

    sweeps = [
        s["Name"] for s in scheduler.list_schedules(GroupName=GROUP)["Schedules"] if s["Name"].startswith("sweep")
    ]
    assert sweeps == ["sweep-20261122T101000Z"], "10:05 + 5 min"
    assert scheduler.get_schedule(GroupName=GROUP, Name=sweeps[0])["Target"]["Arn"] == SWEEPER
    assert [name for name in asked if name.startswith("sweep-")] == sweeps, "asked for once for the whole batch"


def test_a_publisher_whose_sweep_is_refused_still_publishes_and_says_so(
    publishing_services: ComposeServices,
    handler: ModuleType,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deps = publishing_services(
        sweeper_function_arn=SWEEPER, scheduler_role_arn="arn:aws:iam::123456789012:role/s", schedule_group="missing"
    )
    incident_id, body = approved_request(deps)

    assert handler.lambda_handler(sqs_event(body), lambda_context) == {"batchItemFailures": []}

    assert {delivery.channel_id for delivery in deps.store.deliveries(incident_id)}, "published all the same"
    assert emitted_metrics(capsys.readouterr().out)["SweepArmFailed"] == 1
