"""The alert webhook and its worker on moto with the groups monitoring really sends: one bad alert is rejected alone
(logged and counted with its position) and the valid ones open their incident; a resolved alert with a zero
``endsAt`` is dated when the webhook received it; only a body that is no webhook at all is refused (400)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from types import ModuleType

import pytest

from incident_comms.composition import Services
from tests.conftest import EVENTS, load_event
from tests.factories import emitted_metrics, stored_incidents
from tests.handlers.test_alert_webhook_handler import deps, drain, post, webhook, worker

__all__ = ["deps", "webhook", "worker"]


def test_a_group_with_one_bad_alert_applies_the_others_and_counts_the_bad_one(
    deps: Services,
    webhook: ModuleType,
    worker: ModuleType,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)

    answer = post(webhook, (EVENTS / "alertmanager-one-bad-alert.json").read_bytes())
    drain(deps, worker)

    assert answer["statusCode"] == 202
    metrics = emitted_metrics(capsys.readouterr().out)
    assert (metrics["AlertsRejected"], metrics["AlarmsReceived"], metrics["IncidentsOpened"]) == (1, 2, 1)
    (warning,) = [record for record in caplog.records if record.message == "alert rejected"]
    assert warning.position == "alerts[1]"  # type: ignore[attr-defined]
    (incident,) = stored_incidents(deps.store)
    assert {snapshot.name for snapshot in incident.alarms.values()} == {"BillingHighErrorRate", "BillingInvoiceBacklog"}


def test_a_group_of_only_bad_alerts_changes_nothing_and_counts_each(
    deps: Services, webhook: ModuleType, worker: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = load_event("alertmanager-firing.json")
    for alert in payload["alerts"]:
        alert["startsAt"] = "not a time"

    assert post(webhook, json.dumps(payload).encode())["statusCode"] == 202
    drain(deps, worker)

    assert emitted_metrics(capsys.readouterr().out)["AlertsRejected"] == len(payload["alerts"])
    assert deps.store.list_incidents() == []


def test_a_body_that_is_not_a_webhook_is_refused_and_nothing_is_queued(
    deps: Services, webhook: ModuleType, worker: ModuleType
) -> None:
    answer = post(webhook, b'{"receiver": "incident-comms", "status": "firing"}')

    assert answer["statusCode"] == 400
    assert "error" in json.loads(answer["body"])
    assert drain(deps, worker) == []


def test_a_zero_ends_at_recovery_is_dated_when_received(
    deps: Services, webhook: ModuleType, worker: ModuleType
) -> None:
    post(webhook, (EVENTS / "alertmanager-firing.json").read_bytes())
    drain(deps, worker)
    received = deps.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]

    post(webhook, (EVENTS / "alertmanager-resolved-zero-endsat.json").read_bytes())
    deps.clock.advance(timedelta(minutes=3))  # type: ignore[attr-defined]
    drain(deps, worker)

    (incident,) = stored_incidents(deps.store)
    snapshot = incident.alarms["6e4d3c2b1a0f9e8d"]
    assert (snapshot.state, snapshot.changed_at) == ("OK", received), "dated at receipt, not year 1 nor when applied"
