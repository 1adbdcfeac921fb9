"""Approval tokens: round trip, every reason a link is refused, and that nothing but TokenRejected ever escapes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import traceback
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from incident_comms.approvals.tokens import (
    MAX_TOKEN_CHARS,
    ApprovalAction,
    RejectReason,
    TokenClaims,
    TokenRejected,
    expiry_for,
    issue_token,
    token_fingerprint,
    verify_token,
)
from incident_comms.errors import BadInput

KEY = b"k" * 32
OTHER_KEY = b"o" * 32
NOW = datetime(2026, 11, 22, 18, 47, tzinfo=UTC)
EXPIRES = NOW + timedelta(hours=24)


def claims(**changes: object) -> TokenClaims:
    values: dict[str, object] = {
        "incident_id": "INC-20261122-1847-3fa9c2",
        "message_id": "investigating-0a1b2c3d",
        "message_version": 2,
        "recipient": "ana@example.com",
        "action": ApprovalAction.APPROVE,
        "expires_at": EXPIRES,
    }
    values.update(changes)
    return TokenClaims.model_validate(values)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def rejection(
    token: str, *, now: datetime = NOW, key: bytes = KEY, expected_version: int | None = None
) -> RejectReason:
    with pytest.raises(TokenRejected) as caught:
        verify_token(token, key, now, expected_version=expected_version)
    return caught.value.reason


def flip(part: str, index: int) -> str:
    """``part`` with one base64url character changed, so the decoded bytes differ."""
    replacement = "B" if part[index] != "B" else "C"
    return part[:index] + replacement + part[index + 1 :]


# --- round trip and format ---------------------------------------------------------------------------------------


def test_round_trip() -> None:
    original = claims(action=ApprovalAction.EDIT)
    token = issue_token(original, KEY)
    assert verify_token(token, KEY, NOW) == original
    assert verify_token(token, KEY, NOW, expected_version=2) == original


def test_token_is_url_safe_compact_and_deterministic() -> None:
    token = issue_token(claims(), KEY)
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", token)
    assert token == issue_token(claims(), KEY)
    payload, signature = token.split(".")
    document = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert b" " not in document
    assert list(json.loads(document)) == sorted(json.loads(document))
    expected = hmac.new(KEY, payload.encode("ascii"), hashlib.sha256).digest()
    assert signature == b64(expected)


def test_each_action_and_version_gives_a_different_token() -> None:
    tokens = {issue_token(claims(action=action), KEY) for action in ApprovalAction}
    tokens.add(issue_token(claims(message_version=3), KEY))
    assert len(tokens) == len(ApprovalAction) + 1


def test_largest_claims_still_fit() -> None:
    big = claims(incident_id="I" * 128, message_id="M" * 128, recipient="😀" * 120 + "@" + "é" * 120 + ".com")
    token = issue_token(big, KEY)
    assert len(token) <= MAX_TOKEN_CHARS
    assert verify_token(token, KEY, NOW) == big


# --- claims --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"message_version": 0},
        {"message_version": "2"},
        {"recipient": "not-an-address"},
        {"recipient": "a b@example.com"},
        {"action": "publish"},
        {"expires_at": datetime(2026, 11, 23, 18, 47)},  # naive
        {"expires_at": EXPIRES + timedelta(microseconds=1)},
        {"incident_id": ""},
        {"incident_id": "INC 1"},
        {"message_id": "m" * 129},
        {"extra": "field"},
    ],
)
def test_claims_refuse_bad_values(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        claims(**changes)


def test_claims_keep_expiry_in_utc() -> None:
    madrid = timezone(timedelta(hours=1))
    assert claims(expires_at=datetime(2026, 11, 23, 19, 47, tzinfo=madrid)).expires_at == EXPIRES
    assert claims(expires_at=EXPIRES).expires_at.tzinfo == UTC


def test_claims_are_frozen() -> None:
    with pytest.raises(ValidationError):
        claims().message_version = 3  # type: ignore[misc]


# --- rejections ----------------------------------------------------------------------------------------------------


def test_tampered_payload_is_forged() -> None:
    payload, signature = issue_token(claims(), KEY).split(".")
    assert rejection(f"{flip(payload, 10)}.{signature}") is RejectReason.FORGED


def test_other_claims_under_a_copied_signature_are_forged() -> None:
    genuine = issue_token(claims(), KEY)
    promoted = issue_token(claims(message_version=9), KEY)
    assert rejection(f"{promoted.split('.')[0]}.{genuine.split('.')[1]}") is RejectReason.FORGED


def test_tampered_signature_is_forged() -> None:
    payload, signature = issue_token(claims(), KEY).split(".")
    assert rejection(f"{payload}.{flip(signature, 5)}") is RejectReason.FORGED


def test_other_key_is_forged() -> None:
    assert rejection(issue_token(claims(), OTHER_KEY)) is RejectReason.FORGED


def test_self_signed_claims_with_a_guessed_key_are_forged() -> None:
    payload = b64(json.dumps(claims().model_dump(mode="json"), sort_keys=True, separators=(",", ":")).encode())
    signature = b64(hmac.new(b"\0" * 32, payload.encode(), hashlib.sha256).digest())
    assert rejection(f"{payload}.{signature}") is RejectReason.FORGED


def test_valid_until_just_before_expiry_and_expired_at_the_instant() -> None:
    """Decided: a token is valid while ``now < expires_at``; at ``expires_at`` exactly it is dead."""
    token = issue_token(claims(), KEY)
    assert verify_token(token, KEY, EXPIRES - timedelta(microseconds=1)) == claims()
    assert rejection(token, now=EXPIRES) is RejectReason.EXPIRED
    assert rejection(token, now=EXPIRES + timedelta(days=365)) is RejectReason.EXPIRED


def test_expiry_compares_instants_across_time_zones() -> None:
    token = issue_token(claims(), KEY)
    madrid_at_expiry = EXPIRES.astimezone(timezone(timedelta(hours=1)))
    assert rejection(token, now=madrid_at_expiry) is RejectReason.EXPIRED


def test_wrong_version_when_the_draft_changed() -> None:
    token = issue_token(claims(message_version=2), KEY)
    assert rejection(token, expected_version=3) is RejectReason.WRONG_VERSION
    assert rejection(token, expected_version=1) is RejectReason.WRONG_VERSION


def test_expired_is_reported_before_wrong_version() -> None:
    assert rejection(issue_token(claims(), KEY), now=EXPIRES, expected_version=3) is RejectReason.EXPIRED


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda token: token[:-1], id="truncated-signature"),
        pytest.param(lambda token: token[: token.index(".")], id="payload-only"),
        pytest.param(lambda token: token[: token.index(".") + 1], id="empty-signature"),
        pytest.param(lambda token: token[token.index(".") :], id="empty-payload"),
        pytest.param(lambda token: token[:20], id="truncated-payload"),
        pytest.param(lambda token: "", id="empty"),
        pytest.param(lambda token: ".", id="dot"),
        pytest.param(lambda token: token + ".x", id="three-parts"),
        pytest.param(lambda token: token + "=", id="padded"),
        pytest.param(lambda token: token.replace("-", "+").replace("_", "/") + "+/", id="standard-alphabet"),
        pytest.param(lambda token: "not base64!.@@@", id="non-base64"),
        pytest.param(lambda token: f" {token}", id="leading-space"),
        pytest.param(lambda token: f"{token}\n", id="trailing-newline"),
        pytest.param(lambda token: "A" * (MAX_TOKEN_CHARS + 1), id="huge"),
        pytest.param(lambda token: token + "A" * MAX_TOKEN_CHARS, id="huge-valid-prefix"),
        pytest.param(lambda token: "ñ" + token, id="non-ascii"),
    ],
)
def test_malformed(mangle: object) -> None:
    assert callable(mangle)
    assert rejection(mangle(issue_token(claims(), KEY))) is RejectReason.MALFORMED


def test_non_canonical_encoding_of_a_genuine_signature_is_malformed() -> None:
    """The last character of a 32-byte signature has two unused bits: changing them must not give a second
    working token for the same claims (it would dodge a single-use write keyed on the fingerprint)."""
    token = issue_token(claims(), KEY)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(token[-1])
    assert last % 4 == 0
    twin = token[:-1] + alphabet[last + 1]
    assert base64.urlsafe_b64decode(twin.split(".")[1] + "=") == base64.urlsafe_b64decode(token.split(".")[1] + "=")
    assert rejection(twin) is RejectReason.MALFORMED


@pytest.mark.parametrize(
    "document",
    [b"", b"not json", b"[1, 2]", b'"text"', b"{}", b"\xff\xfe", b'{"incident_id": 1}', b"[" * 500 + b"]" * 500],
)
def test_genuinely_signed_garbage_is_malformed(document: bytes) -> None:
    """Even with the right key (a bug or a future format), a payload that is not claims is MALFORMED."""
    payload = b64(document)
    if not payload:
        return  # an empty payload is caught by the shape check (test_malformed)
    signature = b64(hmac.new(KEY, payload.encode(), hashlib.sha256).digest())
    assert rejection(f"{payload}.{signature}") is RejectReason.MALFORMED


def test_non_string_token_is_malformed() -> None:
    assert rejection(None) is RejectReason.MALFORMED  # type: ignore[arg-type]
    assert rejection(issue_token(claims(), KEY).encode()) is RejectReason.MALFORMED  # type: ignore[arg-type]


# --- what the rejection reveals ------------------------------------------------------------------------------------


def _claim_texts(original: TokenClaims) -> list[str]:
    return [
        original.incident_id,
        original.message_id,
        original.recipient,
        original.expires_at.isoformat(),
        original.expires_at.strftime("%Y-%m-%dT%H:%M:%S"),
    ]


@pytest.mark.parametrize("reason", list(RejectReason))
def test_rejection_text_reveals_neither_token_nor_claims(reason: RejectReason) -> None:
    original = claims()
    token = issue_token(original, KEY)
    payload, signature = token.split(".")
    cases = {
        RejectReason.MALFORMED: (token[:-1], NOW, None),
        RejectReason.FORGED: (f"{payload}.{flip(signature, 3)}", NOW, None),
        RejectReason.EXPIRED: (token, EXPIRES, None),
        RejectReason.WRONG_VERSION: (token, NOW, 7),
    }
    candidate, now, expected_version = cases[reason]
    with pytest.raises(TokenRejected) as caught:
        verify_token(candidate, KEY, now, expected_version=expected_version)
    error = caught.value
    assert error.reason is reason
    assert isinstance(error, BadInput)
    shown = [str(error), repr(error), "".join(traceback.format_exception(error))]
    for text in shown:
        for secret in [token, payload, signature, candidate, *_claim_texts(original)]:
            assert secret not in text


def test_malformed_claims_do_not_leak_through_a_chained_exception() -> None:
    """pydantic quotes the input in its errors; the rejection must not carry one as its context."""
    document = json.dumps({"incident_id": "SECRET-INCIDENT", "recipient": "ana@example.com"}).encode()
    payload = b64(document)
    token = f"{payload}.{b64(hmac.new(KEY, payload.encode(), hashlib.sha256).digest())}"
    with pytest.raises(TokenRejected) as caught:
        verify_token(token, KEY, NOW)
    assert caught.value.reason is RejectReason.MALFORMED
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    logged = "".join(traceback.format_exception(caught.value))
    assert "SECRET-INCIDENT" not in logged
    assert "ana@example.com" not in logged


# --- properties ----------------------------------------------------------------------------------------------------


@settings(max_examples=500)
@given(st.text(max_size=3000))
def test_any_text_is_refused_with_token_rejected_only(text: str) -> None:
    with pytest.raises(TokenRejected) as caught:
        verify_token(text, KEY, NOW, expected_version=2)
    # The text depends on the reason alone, so it cannot carry any part of the input.
    assert str(caught.value) == f"approval link rejected: {caught.value.reason.value}"
    assert caught.value.args == (str(caught.value),)


@settings(max_examples=300)
@given(st.binary(max_size=600), st.binary(min_size=0, max_size=40))
def test_well_shaped_random_tokens_are_refused_with_token_rejected_only(payload: bytes, signature: bytes) -> None:
    token = f"{b64(payload)}.{b64(signature)}"
    with pytest.raises(TokenRejected) as caught:
        verify_token(token, KEY, NOW)
    assert caught.value.reason in {RejectReason.MALFORMED, RejectReason.FORGED}
    assert str(caught.value) == f"approval link rejected: {caught.value.reason.value}"


@settings(max_examples=200)
@given(st.text(min_size=1, max_size=400), st.integers(min_value=0, max_value=400))
def test_any_edit_of_a_genuine_token_is_refused(insert: str, position: int) -> None:
    token = issue_token(claims(), KEY)
    position = min(position, len(token))
    edited = token[:position] + insert + token[position:]
    with pytest.raises(TokenRejected) as caught:
        verify_token(edited, KEY, NOW)
    assert str(caught.value) == f"approval link rejected: {caught.value.reason.value}"


@given(
    st.builds(
        TokenClaims,
        incident_id=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=128),
        message_id=st.from_regex(r"[a-z]{1,20}-[0-9a-f]{8}", fullmatch=True),
        message_version=st.integers(min_value=1, max_value=2**31),
        recipient=st.from_regex(r"[a-z0-9.]{1,30}@[a-z]{1,20}\.[a-z]{2,6}", fullmatch=True),
        action=st.sampled_from(ApprovalAction),
        expires_at=st.datetimes(
            min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
        ).map(lambda moment: moment.replace(microsecond=0)),
    )
)
def test_round_trip_property(original: TokenClaims) -> None:
    token = issue_token(original, KEY)
    assert len(token) <= MAX_TOKEN_CHARS
    before = original.expires_at - timedelta(seconds=1)
    assert verify_token(token, KEY, before, expected_version=original.message_version) == original


# --- fingerprint, expiry, key --------------------------------------------------------------------------------------


def test_fingerprint_is_a_short_sha256_prefix_that_does_not_contain_the_token() -> None:
    token = issue_token(claims(), KEY)
    fingerprint = token_fingerprint(token)
    assert fingerprint == hashlib.sha256(token.encode()).hexdigest()[:16]
    assert re.fullmatch(r"[0-9a-f]{16}", fingerprint)
    assert fingerprint == token_fingerprint(token)
    assert fingerprint != token_fingerprint(issue_token(claims(action=ApprovalAction.REJECT), KEY))
    assert len(token_fingerprint("\ud800")) == 16  # never raises, whatever arrives


def test_expiry_for_is_utc_whole_seconds_never_later_than_asked() -> None:
    now = datetime(2026, 11, 22, 19, 47, 5, 999_999, tzinfo=timezone(timedelta(hours=1)))
    expiry = expiry_for(now, timedelta(hours=24))
    assert expiry == datetime(2026, 11, 23, 18, 47, 5, tzinfo=UTC)
    assert expiry.tzinfo == UTC
    assert expiry <= now + timedelta(hours=24)
    assert claims(expires_at=expiry).expires_at == expiry


@pytest.mark.parametrize("expiry", [timedelta(0), timedelta(seconds=-1)])
def test_expiry_for_refuses_non_positive_durations(expiry: timedelta) -> None:
    with pytest.raises(ValueError, match="positive"):
        expiry_for(NOW, expiry)


def test_naive_now_is_a_caller_bug() -> None:
    token = issue_token(claims(), KEY)
    with pytest.raises(ValueError, match="aware"):
        verify_token(token, KEY, datetime(2026, 11, 22))
    with pytest.raises(ValueError, match="aware"):
        expiry_for(datetime(2026, 11, 22), timedelta(hours=1))


@pytest.mark.parametrize("key", [b"", b"k" * 31, "k" * 32])
def test_short_or_non_bytes_key_is_refused(key: bytes) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        issue_token(claims(), key)
    with pytest.raises(ValueError, match="32 bytes"):
        verify_token("x.y", key, NOW)
