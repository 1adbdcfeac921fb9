"""The alert webhook use case: token first, then the payload, then kept and queued (never applied here)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from incident_comms.clock import ManualClock
from incident_comms.intake.webhooks import (
    WEBHOOK_MAX_BYTES,
    WebhookReference,
    accept_webhook,
    bearer_token_matches,
    record_answer,
)
from tests.conftest import EVENTS

TOKEN = "s3cr3t-token-of-enough-length-0123456789"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f"Bearer {TOKEN}", True),
        (f"bearer {TOKEN}", True),
        (f"Bearer {TOKEN}x", False),
        (f"Basic {TOKEN}", False),
        ("Bearer ", False),
        (None, False),
        ("", False),
    ],
)
def test_bearer_token_matches_only_the_exact_token(header: str | None, expected: bool) -> None:
    assert bearer_token_matches(header, TOKEN) is expected


def test_an_empty_expected_token_never_matches() -> None:
    assert not bearer_token_matches("Bearer ", "")


NOW = datetime(2026, 11, 22, 10, 20, tzinfo=UTC)


class Kept:
    """The body store and the queue at once: what was kept, what was queued."""

    def __init__(self) -> None:
        self.bodies: dict[str, bytes] = {}
        self.queued: list[WebhookReference] = []

    def put(self, key: str, body: bytes) -> None:
        self.bodies[key] = body

    def get(self, key: str) -> bytes:
        return self.bodies[key]

    def send(self, reference: WebhookReference) -> None:
        self.queued.append(reference)


def answer(authorization: str | None, body: bytes, plan: Any, kept: Kept | None = None) -> Any:
    kept = kept or Kept()
    return accept_webhook(authorization, body, TOKEN, kept, kept, ManualClock(NOW))


def test_without_the_token_it_is_401_and_nothing_is_read(plan: Any) -> None:
    result = answer(None, (EVENTS / "alertmanager-firing.json").read_bytes(), plan)

    assert result.status == 401
    assert result.unauthorized
    assert result.rejected is None


def test_without_the_token_nothing_is_kept_or_queued(plan: Any) -> None:
    kept = Kept()

    answer("Bearer wrong", (EVENTS / "alertmanager-firing.json").read_bytes(), plan, kept)

    assert kept.bodies == {} and kept.queued == []


def test_a_webhook_is_kept_as_sent_and_queued_by_reference_with_a_202(plan: Any) -> None:
    kept = Kept()
    body = (EVENTS / "alertmanager-firing.json").read_bytes()

    result = answer(f"Bearer {TOKEN}", body, plan, kept)

    assert result.status == 202
    (reference,) = kept.queued
    assert kept.bodies == {reference.key: body}
    assert reference.received_at == NOW and reference.shape == "alertmanager" and reference.alerts == 2
    assert result.body == {"accepted": reference.model_dump(mode="json")}


def test_a_body_over_256_kb_is_accepted_and_one_over_the_lambda_limit_is_not(plan: Any) -> None:
    kept = Kept()
    large = json.loads((EVENTS / "alertmanager-firing.json").read_text())
    large["alerts"] = large["alerts"] * 400
    body = json.dumps(large).encode()
    assert len(body) > 256 * 1024

    accepted = answer(f"Bearer {TOKEN}", body, plan, kept)
    refused = answer(f"Bearer {TOKEN}", b" " * (WEBHOOK_MAX_BYTES + 1), plan, kept)

    assert accepted.status == 202 and kept.queued[0].alerts == 800
    assert refused.status == 400 and "larger than" in refused.body["error"]
    assert len(kept.queued) == 1


@pytest.mark.parametrize(
    "body",
    [b"", b"{nope", json.dumps({"source": "aws.cloudwatch", "detail-type": "CloudWatch Alarm State Change"}).encode()],
    ids=["empty", "not-json", "not-a-webhook"],
)
def test_a_payload_we_cannot_take_is_400_with_a_reason_and_counted(plan: Any, body: bytes) -> None:

    kept = Kept()
    result = answer(f"Bearer {TOKEN}", body, plan, kept)

    assert result.status == 400
    assert result.body["error"]
    assert result.rejected == result.body["error"]
    assert kept.bodies == {} and kept.queued == []


class Told:
    """Logger and metrics at once: what was warned, and each metric's value."""

    def __init__(self) -> None:
        self.warnings: list[dict[str, Any]] = []
        self.metrics: dict[str, float] = {}

    def warning(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self.warnings.append({"msg": msg, **kwargs.get("extra", {})})

    def info(self, msg: str, *args: Any, **kwargs: Any) -> None:
        return None

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        self.metrics[name] = value


@pytest.mark.parametrize(
    ("header", "body", "counted"),
    [
        (f"Bearer {TOKEN}", b"{nope", "EventsRejected"),
        ("Bearer wrong", b"{}", "WebhookUnauthorized"),
        (f"Bearer {TOKEN}", None, "WebhooksQueued"),
    ],
    ids=["refused", "unauthorized", "queued"],
)
def test_each_answer_is_counted_once_with_the_others_at_zero_and_a_refusal_logged_with_its_reason(
    plan: Any, header: str, body: bytes | None, counted: str
) -> None:
    told = Told()
    result = answer(header, body or (EVENTS / "alertmanager-firing.json").read_bytes(), plan)

    record_answer(result, told, told, "Count")

    assert told.metrics == {
        name: int(name == counted) for name in ("EventsRejected", "WebhookUnauthorized", "WebhooksQueued")
    }
    assert told.warnings == ([{"msg": "inbound event rejected", "reason": result.rejected}] if result.rejected else [])
