"""The email sender handler on moto: an SQS event of one email batch in, customer emails out, once.

SES is a moto server fronted by :class:`~incident_comms.local.ses_bulk.SesBulkEmail` (moto lacks SendBulkEmail);
the handler's own SES client reaches it through ``AWS_ENDPOINT_URL_SESV2``, with botocore's retries off so the
sender's retries are the ones that run. Everything else is mock_aws, sharing the same backends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from incident_comms.composition import Services
from incident_comms.delivery.email.batches.models import EmailBatch
from incident_comms.incidents.models import Message, TimelineKind
from incident_comms.local.ses_bulk import SesBulkEmail, moto_server_with_bulk_email
from incident_comms.subscribers.tokens import verify_unsubscribe_token
from tests.conftest import APPROVAL_KEY, FakeLambdaContext, load_handler_module
from tests.factories import emitted_metrics, invoke, sent_emails, stored_approved_message
from tests.handlers.conftest import ComposeServices

BASE_URL = "https://incidents.example.com"
RECIPIENTS = ["ana@cliente.example", "bo@cliente.example", "cy@cliente.example"]


@pytest.fixture
def ses(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[SesBulkEmail]:
    with moto_server_with_bulk_email() as (bulk, endpoint):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SESV2", endpoint)
        monkeypatch.setenv("AWS_RETRY_MODE", "standard")
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
        yield bulk


@pytest.fixture
def deps(compose_services: ComposeServices, ses: SesBulkEmail) -> Services:
    services = compose_services(approvals_base_url=BASE_URL, ses_send_rate=1000.0)
    services.email_batch_sender.sleep = lambda seconds: None  # backoff without waiting
    return services


@pytest.fixture(scope="module")
def handler() -> ModuleType:
    return load_handler_module("email_sender")


def sqs_event(message: Message, receive_count: int = 1, body: Any = None) -> dict[str, Any]:
    batch = EmailBatch(
        incident_id=message.incident_id,
        message_id=message.id,
        version=message.version,
        channel_id="email-customers-es",
        batch=1,
        batches=1,
        recipients=RECIPIENTS,
    ).model_dump(mode="json")
    return {
        "Records": [
            {
                "messageId": "batch-message-1",
                "receiptHandle": "handle",
                "body": json.dumps(batch if body is None else body),
                "attributes": {
                    "ApproximateReceiveCount": str(receive_count),
                    "SentTimestamp": "1795000000000",
                    "SenderId": "AIDAEXAMPLE",
                    "ApproximateFirstReceiveTimestamp": "1795000000000",
                },
                "messageAttributes": {},
                "md5OfBody": "0" * 32,
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:local-EmailBatchQueue",
                "awsRegion": "eu-west-1",
            }
        ]
    }


def test_a_batch_is_sent_to_each_recipient_with_a_one_click_unsubscribe(
    deps: Services,
    ses: SesBulkEmail,
    handler: ModuleType,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    message = stored_approved_message(deps.store, deps.plan)

    answer = invoke(handler, sqs_event(message), lambda_context)

    assert answer == {"batchItemFailures": []}
    assert ses.calls == 1
    emails = sent_emails()
    assert sorted(address for email in emails for address in email["to"]) == RECIPIENTS
    for email in emails:
        url = email["headers"]["List-Unsubscribe"].strip("<>")
        assert url.startswith(f"{BASE_URL}/unsubscribe/")
        assert verify_unsubscribe_token(url.rsplit("/", 1)[1], APPROVAL_KEY.encode()) == email["to"][0]
        assert email["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["EmailBatchesSent"] == 1 and metrics["EmailsDelivered"] == 3 and metrics["SesBulkCalls"] == 1


def test_a_redelivered_batch_emails_nobody_twice(
    deps: Services,
    ses: SesBulkEmail,
    handler: ModuleType,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    message = stored_approved_message(deps.store, deps.plan)
    invoke(handler, sqs_event(message), lambda_context)
    capsys.readouterr()

    answer = invoke(handler, sqs_event(message, receive_count=2), lambda_context)

    assert answer == {"batchItemFailures": []}
    assert ses.calls == 1 and len(sent_emails()) == 3
    assert emitted_metrics(capsys.readouterr().out)["EmailBatchesDuplicate"] == 1


def test_a_throttled_batch_goes_back_to_the_queue_and_is_sent_when_redelivered(
    deps: Services,
    ses: SesBulkEmail,
    handler: ModuleType,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    message = stored_approved_message(deps.store, deps.plan)
    ses.throttle(4)

    answer = invoke(handler, sqs_event(message), lambda_context)

    assert answer == {"batchItemFailures": [{"itemIdentifier": "batch-message-1"}]}
    assert sent_emails() == []
    assert emitted_metrics(capsys.readouterr().out)["EmailBatchesRetried"] == 1
    assert invoke(handler, sqs_event(message, receive_count=2), lambda_context) == {"batchItemFailures": []}
    assert len(sent_emails()) == 3 and ses.calls == 5


def test_on_the_last_delivery_a_persistent_throttle_is_on_the_timeline_not_in_the_dead_letter_queue(
    deps: Services, ses: SesBulkEmail, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    message = stored_approved_message(deps.store, deps.plan)
    ses.throttle(100)

    answer = invoke(handler, sqs_event(message, receive_count=5), lambda_context)

    assert answer == {"batchItemFailures": []}
    (entry,) = [e for e in deps.store.timeline(message.incident_id) if e.kind == TimelineKind.DELIVERY_FAILED]
    assert (
        "0 of 3 emails accepted by SES, 3 failed (still refused after 4 SES calls (throttling or transient failures))"
        in entry.text
    )


def test_a_body_that_is_not_a_batch_is_logged_and_counted_not_retried(
    deps: Services,
    ses: SesBulkEmail,
    handler: ModuleType,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    message = stored_approved_message(deps.store, deps.plan)

    answer = invoke(handler, sqs_event(message, body={"recipients": ["everyone@example.com"]}), lambda_context)

    assert answer == {"batchItemFailures": []}
    out = capsys.readouterr().out
    assert emitted_metrics(out)["EmailBatchesRejected"] == 1
    assert "everyone@example.com" not in out
    assert ses.calls == 0
