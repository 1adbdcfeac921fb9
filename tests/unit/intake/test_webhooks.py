"""The alert webhook use case: token first, then the payload, then ingest."""

from __future__ import annotations

import json
from typing import Any

import pytest

from incident_comms.intake.ingest import IngestReport
from incident_comms.intake.webhooks import accept_webhook, bearer_token_matches
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


class ExplodingStore:
    """A store that fails any use: the webhook must not reach it before the token and payload are good."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"store.{name} used")


def answer(authorization: str | None, body: bytes, plan: Any) -> Any:
    return accept_webhook(authorization, body, TOKEN, plan, ExplodingStore(), None, None)  # type: ignore[arg-type]


def test_without_the_token_it_is_401_and_nothing_is_read(plan: Any) -> None:
    result = answer(None, (EVENTS / "alertmanager-firing.json").read_bytes(), plan)

    assert result.status == 401
    assert result.unauthorized
    assert result.report == IngestReport()


@pytest.mark.parametrize(
    "body",
    [b"", b"{nope", json.dumps({"source": "aws.cloudwatch", "detail-type": "CloudWatch Alarm State Change"}).encode()],
    ids=["empty", "not-json", "not-a-webhook"],
)
def test_a_payload_we_cannot_take_is_400_with_a_reason_and_counted(plan: Any, body: bytes) -> None:
    result = answer(f"Bearer {TOKEN}", body, plan)

    assert result.status == 400
    assert result.body["error"]
    assert result.report.counts()["EventsRejected"] == 1
