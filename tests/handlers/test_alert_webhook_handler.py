"""The alert webhook and its worker on moto: a group of 1, 100 or 1,000 alerts is answered 202 at once, kept and
queued, and once the queue drains every alert is applied, once."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import boto3
import pytest

from incident_comms.composition import Services
from incident_comms.incidents.models import TimelineKind
from tests.conftest import FakeLambdaContext, load_handler_module
from tests.factories import alert_webhook_request, invoke, sent_emails, stored_incidents
from tests.factories import alertmanager_group as group
from tests.handlers.conftest import ComposeServices

TOKEN = "webhook-token-of-enough-length-0123456789"


@pytest.fixture(scope="module")
def webhook() -> ModuleType:
    return load_handler_module("alert_webhook")


@pytest.fixture(scope="module")
def worker() -> ModuleType:
    return load_handler_module("alert_worker")


@pytest.fixture
def deps(compose_services: ComposeServices) -> Services:
    boto3.client("s3").create_bucket(Bucket="intake", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    queue = boto3.client("sqs").create_queue(QueueName="intake", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    boto3.client("ssm").put_parameter(Name="/incident-comms/test/webhook-token", Value=TOKEN, Type="SecureString")
    return compose_services(
        webhook_bucket="intake",
        webhook_queue_url=queue,
        webhook_token_parameter="/incident-comms/test/webhook-token",
        approvals_base_url="https://incidents.example.com",
    )


def post(webhook: ModuleType, body: bytes, token: str = TOKEN) -> dict[str, Any]:
    return invoke(webhook, alert_webhook_request(body, token), FakeLambdaContext())


def queued(deps: Services) -> list[dict[str, Any]]:
    """Take every message on the intake queue, as SQS records of a Lambda event."""
    sqs = boto3.client("sqs")
    found = sqs.receive_message(QueueUrl=deps.settings.webhook_queue_url, MaxNumberOfMessages=10)
    return [
        {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": {},
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:intake",
            "awsRegion": "eu-west-1",
        }
        for message in found.get("Messages", [])
    ]


def drain(deps: Services, worker: ModuleType) -> list[dict[str, Any]]:
    """Run the worker on what the webhook queued, as the SQS event source mapping would (one message a batch)."""
    records = queued(deps)
    for record in records:
        answer = invoke(worker, {"Records": [record]}, FakeLambdaContext())
        assert answer == {"batchItemFailures": []}
    return records


@pytest.mark.parametrize("size", [1, 100])  # 1,000: tests/outside/test_intake_outside.py, over the local stack
def test_a_group_is_accepted_at_once_and_every_alert_applied_when_the_queue_drains(
    deps: Services, webhook: ModuleType, worker: ModuleType, size: int
) -> None:
    body = json.dumps(group(size)).encode()

    answer = post(webhook, body)

    assert answer["statusCode"] == 202
    assert json.loads(answer["body"])["accepted"]["alerts"] == size
    assert deps.store.list_incidents() == [], "the webhook applies nothing itself"
    assert len(drain(deps, worker)) == 1, "one queued message per webhook"
    (incident,) = stored_incidents(deps.store)
    assert incident.component_id == "invoicing" and incident.severity_id == "SEV1"
    assert sorted(incident.alarms) == [f"{n:016x}" for n in range(size)]
    assert set((incident.lifecycle or {})["alarms"]) == set(incident.alarms), "the state machine saw every alert"
    approvals = [email for email in sent_emails() if email["subject"].endswith("aprobación necesaria")]
    recipients = [address for email in approvals for address in email["to"]]
    assert recipients and len(recipients) == len(set(recipients)), "one approval request, each approver once"


def test_a_redelivered_group_applies_nothing_twice(deps: Services, webhook: ModuleType, worker: ModuleType) -> None:
    post(webhook, json.dumps(group(60)).encode())
    (record,) = queued(deps)
    invoke(worker, {"Records": [record]}, FakeLambdaContext())
    (incident,) = stored_incidents(deps.store)
    timeline, emails = deps.store.timeline(incident.id), sent_emails()

    again = invoke(worker, {"Records": [record]}, FakeLambdaContext())

    assert again == {"batchItemFailures": []}
    assert stored_incidents(deps.store) == [deps.store.get_incident(incident.id)]
    assert deps.store.get_incident(incident.id) == incident
    assert deps.store.timeline(incident.id) == timeline
    assert sent_emails() == emails


def test_a_group_over_256_kb_is_accepted_and_applied(deps: Services, webhook: ModuleType, worker: ModuleType) -> None:
    body = json.dumps(group(400)).encode()
    assert len(body) > 256 * 1024

    assert post(webhook, body)["statusCode"] == 202
    drain(deps, worker)

    (incident,) = stored_incidents(deps.store)
    assert len(incident.alarms) == 400


def test_alerts_of_a_group_the_plan_ignores_or_ranks_lower_are_applied_each_as_the_plan_says(
    deps: Services, webhook: ModuleType, worker: ModuleType
) -> None:
    payload = group(3)
    payload["alerts"][1]["labels"]["service"] = "staging-only"
    payload["alerts"][2]["labels"]["severity"] = "warning"

    post(webhook, json.dumps(payload).encode())
    drain(deps, worker)

    (incident,) = stored_incidents(deps.store)
    assert sorted(incident.alarms) == [f"{0:016x}", f"{2:016x}"]
    assert incident.severity_id == "SEV1", "a less severe alert never lowers the incident"


def test_a_resolved_alert_in_a_later_group_is_recorded_on_the_open_incident(
    deps: Services, webhook: ModuleType, worker: ModuleType
) -> None:
    post(webhook, json.dumps(group(5)).encode())
    drain(deps, worker)
    resolved = group(5)
    resolved["status"] = "resolved"
    for alert in resolved["alerts"][:2]:
        alert["status"] = "resolved"
        alert["endsAt"] = "2026-11-22T10:30:00Z"
    resolved["alerts"] = resolved["alerts"][:2]

    post(webhook, json.dumps(resolved).encode())
    drain(deps, worker)

    (incident,) = stored_incidents(deps.store)
    states = {alarm_id: snapshot.state for alarm_id, snapshot in incident.alarms.items()}
    assert [states[f"{n:016x}"] for n in range(5)] == ["OK", "OK", "ALARM", "ALARM", "ALARM"]
    kinds = [entry.kind for entry in deps.store.timeline(incident.id)]
    assert TimelineKind.ALARM_STATE in kinds


def test_without_the_token_nothing_is_kept_or_queued(deps: Services, webhook: ModuleType) -> None:
    answer = post(webhook, json.dumps(group(1)).encode(), token="not-the-token")

    assert answer["statusCode"] == 401
    assert queued(deps) == []
    assert boto3.client("s3").list_objects_v2(Bucket="intake").get("KeyCount") == 0


def test_a_message_whose_body_is_gone_is_rejected_not_retried(
    deps: Services, webhook: ModuleType, worker: ModuleType
) -> None:
    post(webhook, json.dumps(group(1)).encode())
    (record,) = queued(deps)
    key = json.loads(record["body"])["key"]
    boto3.client("s3").delete_object(Bucket="intake", Key=key)

    answer = invoke(worker, {"Records": [record]}, FakeLambdaContext())

    assert answer == {"batchItemFailures": []}
    assert deps.store.list_incidents() == []
