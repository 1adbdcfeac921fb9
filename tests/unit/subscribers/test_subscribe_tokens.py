"""Subscription confirmation links (double opt-in): signed, expiring, canonical, and never another kind of token."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from incident_comms.approvals.tokens import ApprovalAction, TokenClaims, TokenRejected, issue_token, verify_token
from incident_comms.plan.models import Plan
from incident_comms.subscribers import tokens as subscribers
from incident_comms.subscribers.models import Subscriber, new_subscriber
from incident_comms.subscribers.tokens import (
    ConfirmationProblem,
    ConfirmationRejected,
    UnsubscribeRejected,
    confirmation_token,
    confirmation_url,
    unsubscribe_token,
    verify_confirmation_token,
    verify_unsubscribe_token,
)

KEY = b"k" * 64
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
ANA = "ana@cliente.example"


@pytest.fixture
def ana(plan: Plan) -> Subscriber:
    return new_subscriber(plan, "Ana@Cliente.example", ["api", "web"], "es")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed(claims: object) -> str:
    """A token for any claims, signed as the module signs (to test what a genuine signature over bad claims does)."""
    payload = _b64(json.dumps(claims).encode())
    key = subscribers._confirm_key(KEY)
    return f"{payload}.{_b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())}"


def test_a_token_carries_the_whole_subscription_and_verifies_until_it_expires(ana: Subscriber) -> None:
    token = confirmation_token(ana, KEY, NOW)

    assert verify_confirmation_token(token, KEY, NOW) == ana
    assert verify_confirmation_token(token, KEY, NOW + timedelta(hours=48) - timedelta(seconds=1)) == ana
    with pytest.raises(ConfirmationRejected) as raised:
        verify_confirmation_token(token, KEY, NOW + timedelta(hours=48))
    assert raised.value.problem == ConfirmationProblem.EXPIRED


def test_the_expiry_can_be_chosen_and_the_url_points_at_the_api(ana: Subscriber) -> None:
    token = confirmation_token(ana, KEY, NOW, timedelta(minutes=10))

    assert verify_confirmation_token(token, KEY, NOW + timedelta(minutes=9)) == ana
    with pytest.raises(ConfirmationRejected):
        verify_confirmation_token(token, KEY, NOW + timedelta(minutes=10))
    assert confirmation_url("https://api.example/prod/", ana, KEY, NOW) == (
        f"https://api.example/prod/subscribe/confirm/{confirmation_token(ana, KEY, NOW)}"
    )


def _tampered(token: str, other: str) -> Iterator[object]:
    payload, signature = token.split(".")
    yield f"{other.split('.')[0]}.{signature}"  # another subscription under this signature
    yield f"{payload}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}"
    yield f"{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}.{signature}"
    yield f"{payload}.{signature}="  # padded: not canonical
    yield f"{payload}=.{signature}"
    yield token + ".x"
    yield ""
    yield None
    yield 42
    yield "x" * 5000


def test_a_tampered_forged_or_malformed_token_is_invalid_and_the_error_repeats_nothing(
    ana: Subscriber, plan: Plan
) -> None:
    token = confirmation_token(ana, KEY, NOW)
    eve = confirmation_token(new_subscriber(plan, "eve@evil.example", ["api"], "en"), KEY, NOW)
    other_key = confirmation_token(ana, b"z" * 64, NOW)

    for bad in [*_tampered(token, eve), other_key]:
        with pytest.raises(ConfirmationRejected) as raised:
            verify_confirmation_token(bad, KEY, NOW)
        assert raised.value.problem == ConfirmationProblem.INVALID
        assert str(raised.value) == "subscription confirmation link rejected: invalid"


def test_an_expired_forgery_is_invalid_not_expired(ana: Subscriber) -> None:
    payload, signature = confirmation_token(ana, KEY, NOW).split(".")
    forged = f"{payload}.{signature[::-1]}"

    with pytest.raises(ConfirmationRejected) as raised:
        verify_confirmation_token(forged, KEY, NOW + timedelta(days=30))
    assert raised.value.problem == ConfirmationProblem.INVALID


@pytest.mark.parametrize(
    "claims",
    [
        {"email": ANA, "components": ["api"], "locale": "es", "audience": "customers_es"},  # no expiry
        {"email": ANA, "components": [], "locale": "es", "audience": "customers_es", "expires_at": 2_000_000_000},
        {"email": ANA, "components": "api", "locale": "es", "audience": "customers_es", "expires_at": 2_000_000_000},
        {"email": "ana", "components": ["api"], "locale": "es", "audience": "customers_es", "expires_at": 2000000000},
        {"email": ANA, "components": ["api"], "locale": "es", "audience": "customers_es", "expires_at": "soon"},
        {
            "email": ANA,
            "components": ["api"],
            "locale": "es",
            "audience": "customers_es",
            "expires_at": 2_000_000_000,
            "admin": 1,
        },
        ["not", "an", "object"],
    ],
)
def test_genuinely_signed_claims_that_are_no_subscription_are_invalid(claims: object) -> None:
    with pytest.raises(ConfirmationRejected) as raised:
        verify_confirmation_token(signed(claims), KEY, NOW)
    assert raised.value.problem == ConfirmationProblem.INVALID


def test_unsubscribe_and_approval_tokens_are_no_confirmation_and_a_confirmation_is_neither(
    ana: Subscriber,
) -> None:
    claims = TokenClaims(
        incident_id="INC-1",
        message_id="m-1",
        message_version=1,
        recipient=ANA,
        action=ApprovalAction.APPROVE,
        expires_at=NOW + timedelta(hours=1),
    )
    approval = issue_token(claims, KEY)
    unsubscribe = unsubscribe_token(ANA, KEY)
    confirmation = confirmation_token(ana, KEY, NOW)

    for foreign in (approval, unsubscribe):
        with pytest.raises(ConfirmationRejected):
            verify_confirmation_token(foreign, KEY, NOW)
    with pytest.raises(UnsubscribeRejected):
        verify_unsubscribe_token(confirmation, KEY)
    with pytest.raises(TokenRejected):
        verify_token(confirmation, KEY, NOW)


def test_a_short_key_and_a_naive_now_are_the_callers_bugs(ana: Subscriber) -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        confirmation_token(ana, b"short", NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        confirmation_token(ana, KEY, NOW.replace(tzinfo=None))
    with pytest.raises(ValueError, match="timezone-aware"):
        verify_confirmation_token(confirmation_token(ana, KEY, NOW), KEY, NOW.replace(tzinfo=None))
