"""The alert webhook handler on moto with the groups monitoring really sends: one bad alert is rejected alone (logged
and counted with its position), the valid ones open their incident, and the answer says how many of each."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest

from incident_comms.composition import Services
from incident_comms.incidents.models import TimelineKind
from tests.conftest import FakeLambdaContext, load_event, load_handler_module
from tests.factories import emitted_metrics, invoke
from tests.handlers.conftest import ComposeServices

TOKEN = "group-webhook-token-0123456789abcdef"
API_HOST = "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"


@pytest.fixture
def deps(compose_services: ComposeServices) -> Services:
    secret = boto3.client("secretsmanager").create_secret(
        Name="webhook-token", SecretString=json.dumps({"token": TOKEN})
    )
    return compose_services(webhook_token_secret=secret["ARN"])


@pytest.fixture(scope="module")
def handler() -> ModuleType:
    return load_handler_module("alert_webhook")


def post(handler: ModuleType, payload: Any) -> tuple[int, dict[str, Any]]:
    event = {
        "version": "2.0",
        "routeKey": "POST /webhooks/alerts",
        "rawPath": "/webhooks/alerts",
        "rawQueryString": "",
        "headers": {"host": API_HOST, "authorization": f"Bearer {TOKEN}", "content-type": "application/json"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "a1b2c3d4e5",
            "domainName": API_HOST,
            "http": {"method": "POST", "path": "/webhooks/alerts", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9"},
            "requestId": "Kx2RlhPukpFFQex=",
            "routeKey": "POST /webhooks/alerts",
            "stage": "$default",
        },
        "body": json.dumps(payload),
        "isBase64Encoded": False,
    }
    answer = invoke(handler, event, FakeLambdaContext())
    return answer["statusCode"], json.loads(answer["body"])


def test_a_group_with_one_bad_alert_applies_the_others_and_says_so(
    deps: Services, handler: ModuleType, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)

    status, body = post(handler, load_event("alertmanager-one-bad-alert.json"))

    assert status == 202
    assert (body["accepted"], body["rejected_count"]) == (2, 1)
    assert body["rejected_alerts"] == [
        {"position": "alerts[1]", "reason": "Alertmanager webhook: alerts[1].labels.alertname is missing"}
    ]
    assert [outcome["applied"] for outcome in body["outcomes"]] == ["opened", "joined"]
    metrics = emitted_metrics(capsys.readouterr().out)
    assert (metrics["AlertsRejected"], metrics["AlarmsReceived"], metrics["IncidentsOpened"]) == (1, 2, 1)
    (warning,) = [record for record in caplog.records if record.message == "alert rejected"]
    assert warning.position == "alerts[1]"  # type: ignore[attr-defined]
    (incident,) = deps.store.list_incidents()
    assert {snapshot.name for snapshot in incident.alarms.values()} == {"BillingHighErrorRate", "BillingInvoiceBacklog"}


def test_a_group_of_only_bad_alerts_is_accepted_with_every_alert_rejected(deps: Services, handler: ModuleType) -> None:
    payload = load_event("alertmanager-firing.json")
    for alert in payload["alerts"]:
        alert["startsAt"] = "not a time"

    status, body = post(handler, payload)

    assert status == 202
    assert (body["accepted"], body["rejected_count"]) == (0, 2)
    assert deps.store.list_incidents() == []


def test_a_body_that_is_not_a_webhook_is_still_400(deps: Services, handler: ModuleType) -> None:
    payload = load_event("alertmanager-firing.json")
    payload["alerts"] = []

    status, body = post(handler, payload)

    assert status == 400
    assert body["error"] == "Alertmanager webhook: alerts is empty"


def test_a_zero_ends_at_recovery_is_dated_when_received(deps: Services, handler: ModuleType) -> None:
    post(handler, load_event("alertmanager-firing.json"))
    received = deps.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]

    status, body = post(handler, load_event("alertmanager-resolved-zero-endsat.json"))

    assert status == 202
    (outcome,) = body["outcomes"]
    assert outcome["applied"] == "recorded"
    (incident,) = deps.store.list_incidents()
    snapshot = incident.alarms["6e4d3c2b1a0f9e8d"]
    assert (snapshot.state, snapshot.changed_at) == ("OK", received)
    entries = [entry for entry in deps.store.timeline(incident.id) if entry.kind == TimelineKind.ALARM_STATE]
    assert entries[-1].data["changed_at"] == received.isoformat()
