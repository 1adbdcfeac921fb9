"""A maintenance's email batch through the email sender, as the maintenance timer queues it: the draft is the
maintenance's (read from its own item), each recipient gets it once with their unsubscribe link, and a batch
delivered again sends nothing."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import pytest

from incident_comms.composition import Services
from incident_comms.delivery.email.batches.models import EmailBatch
from incident_comms.local.ses_bulk import SesBulkEmail
from incident_comms.maintenance.transitions import approved
from incident_comms.plan.models import Plan
from tests.conftest import FakeLambdaContext, load_handler_module
from tests.factories import invoke, sent_emails
from tests.handlers.conftest import ComposeServices
from tests.handlers.test_email_sender_handler import BASE_URL, ses  # noqa: F401 - the SES bulk fixture
from tests.unit.maintenance.test_maintenance import NOW, declared

RECIPIENTS = ["ana@cliente.example", "bo@cliente.example"]


@pytest.fixture
def deps(compose_services: ComposeServices, ses: SesBulkEmail) -> Services:  # noqa: F811 - the fixture above
    services = compose_services(approvals_base_url=BASE_URL, ses_send_rate=1000.0)
    services.email_batch_sender.sleep = lambda seconds: None
    return services


@pytest.fixture(scope="module")
def handler() -> ModuleType:
    return load_handler_module("email_sender")


def sqs_event(batch: EmailBatch, receive_count: int = 1) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": "batch-message-1",
                "receiptHandle": "handle",
                "body": json.dumps(batch.model_dump(mode="json")),
                "attributes": {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": "1795000000000"},
                "messageAttributes": {},
                "md5OfBody": "0" * 32,
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:local-EmailBatchQueue",
                "awsRegion": "eu-west-1",
            }
        ]
    }


def test_a_maintenance_batch_is_sent_once_with_the_maintenance_draft(
    deps: Services,
    ses: SesBulkEmail,  # noqa: F811 - the fixture above
    handler: ModuleType,
    lambda_context: FakeLambdaContext,
    plan: Plan,
) -> None:
    maintenance = approved(declared(plan), "marta.ibanez@nubeteca.example", NOW)
    assert maintenance is not None
    deps.maintenance_store.create(maintenance)
    batch = EmailBatch(
        incident_id=maintenance.id,
        message_id="announce-customers_es-20261201T1700",
        version=1,
        channel_id="email-customers-es",
        batch=1,
        batches=1,
        recipients=RECIPIENTS,
    )

    first = invoke(handler, sqs_event(batch), lambda_context)
    again = invoke(handler, sqs_event(batch, receive_count=2), lambda_context)

    assert first == again == {"batchItemFailures": []}
    assert ses.calls == 1
    emails = sent_emails()
    assert sorted(address for email in emails for address in email["to"]) == RECIPIENTS
    for email in emails:
        assert email["subject"].startswith("[Nubeteca] Mantenimiento programado:")
        assert "Le avisamos de un mantenimiento programado" in email["text"]
        assert email["headers"]["List-Unsubscribe"].startswith(f"<{BASE_URL}/unsubscribe/")
        assert email["headers"]["X-Incident-Id"] == maintenance.id
