"""The email feedback handler on moto: an SNS event carrying an SES bounce or complaint in, the bounce recorded, the
address suppressed in the contact list and the metrics out; a redelivery counts once; bad input is a counted
rejection, never an exception (SNS would retry it)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest

from incident_comms.composition import Services
from incident_comms.delivery.email.batches.models import EmailBatch
from incident_comms.delivery.email.tags import mail_tags
from incident_comms.incidents.models import Message, TimelineEntry
from incident_comms.local.ses_bulk import SesBulkEmail, moto_server_with_bulk_email
from incident_comms.subscribers.models import new_subscriber
from tests.conftest import FakeLambdaContext, load_event, load_handler_module
from tests.factories import emitted_metrics, invoke, stored_approved_message
from tests.handlers.conftest import ComposeServices

LIST = "subscribers-test"
BOUNCED = "antiguo.cliente@cliente-uno.example"
CHANNEL = "email-customers-es"


@pytest.fixture
def deps(compose_services: ComposeServices) -> Services:
    boto3.client("sesv2").create_contact_list(ContactListName=LIST)
    services = compose_services(contact_list=LIST)
    services.subscribers.add(new_subscriber(services.plan, BOUNCED, ["api"]))
    services.subscribers.add(new_subscriber(services.plan, "ana.garcia@cliente-uno.example", ["api"]))
    return services


@pytest.fixture(scope="module")
def handler() -> ModuleType:
    return load_handler_module("email_feedback")


def sns_event(*messages: Any) -> dict[str, Any]:
    """A Lambda SNS event as the feedback topic's subscription delivers it: each SES event a JSON string."""
    topic = "arn:aws:sns:eu-west-1:123456789012:incident-comms-EmailFeedbackTopic"
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic}:0f1e2d3c",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": f"9b2c1d3e-0000-4000-8000-00000000000{n}",
                    "TopicArn": topic,
                    "Subject": None,
                    "Message": message if isinstance(message, str) else json.dumps(message),
                    "Timestamp": "2026-11-22T10:31:42.300Z",
                    "SignatureVersion": "1",
                    "Signature": "EXAMPLE",
                    "SigningCertUrl": "",
                    "UnsubscribeUrl": "",
                    "MessageAttributes": {},
                },
            }
            for n, message in enumerate(messages)
        ]
    }


def tagged(message: Message, sample: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event(sample))
    tags = mail_tags(message.incident_id, message.id, message.version, CHANNEL)
    event["mail"]["tags"].update({name: [value] for name, value in tags})
    return event


def feedback_entries(deps: Services, incident_id: str) -> list[TimelineEntry]:
    return [entry for entry in deps.store.timeline(incident_id) if "email_feedback" in entry.data]


def test_a_permanent_bounce_is_recorded_the_address_suppressed_and_counted(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    message = stored_approved_message(deps.store, deps.plan)

    answer = invoke(handler, sns_event(tagged(message, "ses/bounce-permanent.json")), lambda_context)

    (outcome,) = answer["outcomes"]
    assert (outcome["result"], outcome["recorded"], outcome["suppressed"]) == ("recorded", 1, 1)
    (record,) = deps.bounce_ledger.bounces(message.incident_id)
    assert (record.address, record.message_id, record.channel_id) == (BOUNCED, message.id, CHANNEL)
    assert list(deps.subscribers.recipients("api", "customers_es", "es")) == ["ana.garcia@cliente-uno.example"]
    (entry,) = feedback_entries(deps, message.incident_id)
    assert entry.text == f"{CHANNEL}: recipients bounced; see the delivery report"
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["EmailBouncesRecorded"] == 1 and metrics["AddressesSuppressed"] == 1
    assert metrics["EmailFeedbackRejected"] == 0


def test_a_redelivered_notification_counts_once(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    message = stored_approved_message(deps.store, deps.plan)
    event = sns_event(tagged(message, "ses/bounce-permanent.json"))
    invoke(handler, event, lambda_context)
    capsys.readouterr()

    answer = invoke(handler, event, lambda_context)

    assert answer["outcomes"][0]["recorded"] == 0 and answer["outcomes"][0]["duplicates"] == 1
    assert len(deps.bounce_ledger.bounces(message.incident_id)) == 1
    assert len(feedback_entries(deps, message.incident_id)) == 1
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["EmailBouncesRecorded"] == 0 and metrics["EmailFeedbackDuplicates"] == 1


def test_a_complaint_and_a_transient_bounce_in_one_event(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    message = stored_approved_message(deps.store, deps.plan)
    event = sns_event(tagged(message, "ses/complaint.json"), tagged(message, "ses/bounce-transient.json"))

    answer = invoke(handler, event, lambda_context)

    assert [outcome["result"] for outcome in answer["outcomes"]] == ["recorded", "transient"]
    (record,) = deps.bounce_ledger.bounces(message.incident_id)
    assert (record.address, record.kind.value) == ("ana.garcia@cliente-uno.example", "complaint")
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["EmailComplaintsRecorded"] == 1 and metrics["EmailBouncesTransient"] == 1


@pytest.mark.parametrize(
    "event",
    [
        sns_event("{broken"),
        sns_event({"eventType": "Bounce", "mail": {"messageId": "x"}}),
        {"Records": "not a list"},
        {},
    ],
    ids=["bad-json", "bounce-without-bounce", "records-not-a-list", "empty"],
)
def test_malformed_input_is_a_counted_rejection_not_a_retry(
    deps: Services,
    handler: ModuleType,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    event: dict[str, Any],
) -> None:
    message = stored_approved_message(deps.store, deps.plan)

    answer = invoke(handler, event, lambda_context)

    assert [outcome["result"] for outcome in answer["outcomes"]] == ["rejected"]
    assert deps.bounce_ledger.bounces(message.incident_id) == []
    assert len(list(deps.subscribers.recipients("api", "customers_es", "es"))) == 2
    assert emitted_metrics(capsys.readouterr().out)["EmailFeedbackRejected"] == 1
    assert [record.getMessage() for record in caplog.records] == ["email feedback changed nothing"]


def test_feedback_about_an_unknown_message_is_counted_and_changes_nothing(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = invoke(handler, sns_event(load_event("ses/bounce-permanent.json")), lambda_context)

    assert answer["outcomes"][0]["result"] == "unattributed"
    assert len(list(deps.subscribers.recipients("api", "customers_es", "es"))) == 2
    assert emitted_metrics(capsys.readouterr().out)["EmailFeedbackUnattributed"] == 1


# --- the whole loop: sender → SES (mailbox simulator) → SNS → feedback ----------------------------------------------


@pytest.fixture
def ses(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[SesBulkEmail]:
    with moto_server_with_bulk_email() as (bulk, endpoint):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SESV2", endpoint)
        yield bulk


def test_a_batch_sent_through_the_configuration_set_comes_back_as_a_recorded_bounce(
    compose_services: ComposeServices, ses: SesBulkEmail, lambda_context: FakeLambdaContext
) -> None:
    boto3.client("sesv2").create_contact_list(ContactListName=LIST)
    deps = compose_services(
        contact_list=LIST, configuration_set="feedback", approvals_base_url="https://x.example", ses_send_rate=1000.0
    )
    simulator = "bounce+one@simulator.amazonses.com"
    deps.subscribers.add(new_subscriber(deps.plan, simulator, ["api"]))
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name="email-feedback")["TopicArn"]
    queue = sqs.create_queue(QueueName="feedback")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    ses.add_event_destination("feedback", topic, ["BOUNCE"])
    message = stored_approved_message(deps.store, deps.plan)
    batch = EmailBatch(
        incident_id=message.incident_id,
        message_id=message.id,
        version=message.version,
        channel_id=CHANNEL,
        batch=1,
        batches=1,
        recipients=[simulator, "ana.garcia@cliente-uno.example"],
    )
    sent = deps.email_batch_sender.send(batch.model_dump(mode="json"), deps.clock.now())
    (notification,) = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]

    answer = invoke(load_handler_module("email_feedback"), sns_event(notification["Body"]), lambda_context)

    assert sent.record is not None and sent.record.delivered == 2  # SES accepted both; one bounced later
    assert answer["outcomes"][0]["result"] == "recorded"
    (record,) = deps.bounce_ledger.bounces(message.incident_id)
    assert (record.address, record.version, record.channel_id) == (simulator, message.version, CHANNEL)
    assert deps.subscribers.suppress(simulator, "again") is True  # still in the list: kept, not removed
    assert list(deps.subscribers.recipients("api", "customers_es", "es")) == []
