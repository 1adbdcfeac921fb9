"""Signed approval tokens: what an approval link carries, so a responder can act from a phone without logging in.

Pure (no boto3, no I/O): the key comes from the caller (Secrets Manager, read once per container, lives at the
edge) and the time from the injected clock.

A token is ``base64url(payload) "." base64url(HMAC-SHA256(key, payload part))``, unpadded, where the payload is
the JSON of :class:`TokenClaims` with sorted keys and no spaces. Why it looks the way it does:

- **It is signed, not encrypted.** Whoever holds the link may read the claims; nothing secret is in them. The
  signature means nobody can make a link for another incident, message, version, person or action.
- **It names the message version.** Editing a draft bumps the version, and the approvals API verifies with
  ``expected_version`` set to the current one: every link sent for an older text dies at once.
- **It expires.** Links sit in inboxes and mail archives; an old one must not approve anything.
- **Verifying it is not acting on it.** Mail scanners (Safe Links, Mimecast, Proofpoint) fetch every link in
  an email, so a GET only ever shows a page. Single use is the store's job: a conditional write keyed on
  :func:`token_fingerprint` (bound to the message version) lets only the first POST through.
- **It is never logged or stored.** It is a bearer credential until it expires. Logs and records carry
  :func:`token_fingerprint` instead, and :class:`TokenRejected` says why a link failed without repeating the
  token or any claim, so it may be shown on the 4xx page and logged as it is.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from incident_comms.errors import BadInput

MIN_KEY_BYTES = 32
"""HMAC-SHA256 keys shorter than the hash output weaken it; a short key is a configuration error."""

MAX_TOKEN_CHARS = 2048
"""Anything longer is rejected before any decoding: a token with the largest claims allowed stays well below."""

DEFAULT_APPROVAL_EXPIRY = timedelta(hours=24)
"""How long an approval link works when the plan does not say otherwise for the severity."""

FINGERPRINT_CHARS = 16

_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_SIGNATURE_BYTES = hashlib.sha256().digest_size


class ApprovalAction(StrEnum):
    """What a link's POST does; each button of the approval email carries its own token."""

    APPROVE = "approve"
    EDIT = "edit"
    REJECT = "reject"


class RejectReason(StrEnum):
    """Why a token was refused. Whether it was already used is not decided here: that is the store's write."""

    MALFORMED = "malformed"
    """Not a token at all: empty, too long, not base64url, not canonical, or its payload is not valid claims."""
    FORGED = "forged"
    """The signature does not match: tampered payload or signature, or signed with another key."""
    EXPIRED = "expired"
    """Genuine, but ``now`` is at or past its ``expires_at``."""
    WRONG_VERSION = "wrong_version"
    """Genuine and unexpired, but for an older (or other) version of the message: the draft changed since."""


class TokenRejected(BadInput):
    """A token that must not be acted on. Its text is safe to show and log: only the reason, never the token."""

    def __init__(self, reason: RejectReason) -> None:
        self.reason = reason
        super().__init__(f"approval link rejected: {reason.value}")


def _whole_seconds_utc(value: datetime) -> datetime:
    if value.microsecond:
        raise ValueError("expires_at must be a whole number of seconds")
    return value.astimezone(UTC)


_Id = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[!-~]+$")]
_ADDRESS_CHAR = r"[^@\s\x00-\x1f\x7f]"
_Address = Annotated[str, Field(max_length=254, pattern=rf"^{_ADDRESS_CHAR}+@{_ADDRESS_CHAR}+\.{_ADDRESS_CHAR}+$")]


class TokenClaims(BaseModel):
    """What a token says: who may do what to which version of which message, until when."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    incident_id: _Id
    message_id: _Id
    message_version: int = Field(ge=1, strict=True)
    recipient: _Address
    """The person the link was sent to: the audit trail's "who decided"."""
    action: ApprovalAction
    expires_at: Annotated[AwareDatetime, AfterValidator(_whole_seconds_utc)]
    """Aware, whole seconds, kept in UTC; the token is valid while ``now < expires_at``."""


def issue_token(claims: TokenClaims, key: bytes) -> str:
    """Sign ``claims`` into a URL-safe token. Deterministic: the same claims and key give the same token."""
    _check_key(key)
    document = json.dumps(claims.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    payload = _b64encode(document.encode("utf-8"))
    token = f"{payload}.{_b64encode(_sign(key, payload))}"
    if len(token) > MAX_TOKEN_CHARS:  # cannot happen within TokenClaims' limits; never issue what verify refuses
        raise ValueError("claims too large for a token")
    return token


def verify_token(token: str, key: bytes, now: datetime, *, expected_version: int | None = None) -> TokenClaims:
    """The claims of a genuine, unexpired token (of ``expected_version``, when given), else :class:`TokenRejected`.

    Any string (anything at all, in fact) as ``token`` either verifies or raises :class:`TokenRejected`: links
    arrive from the internet. Checks run in this order, and the first failure is the reason: shape and
    encoding (MALFORMED), signature in constant time (FORGED), claims (MALFORMED), expiry (EXPIRED: valid while
    ``now < expires_at``, so a link is dead at its expiry instant), version (WRONG_VERSION). Only canonical
    unpadded base64url is accepted, so one set of claims has exactly one token and :func:`token_fingerprint`
    cannot be dodged by re-encoding a link.

    ``key`` shorter than :data:`MIN_KEY_BYTES` or a naive ``now`` are the caller's bugs: ``ValueError``.
    """
    _check_key(key)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    payload, signature = _split(token)
    if not hmac.compare_digest(_sign(key, payload), signature):
        raise TokenRejected(RejectReason.FORGED)
    claims = _claims(payload)
    if now >= claims.expires_at:
        raise TokenRejected(RejectReason.EXPIRED)
    if expected_version is not None and claims.message_version != expected_version:
        raise TokenRejected(RejectReason.WRONG_VERSION)
    return claims


def token_fingerprint(token: str) -> str:
    """The first 16 hex digits of the token's SHA-256: what logs, records and the single-use write may hold."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()[:FINGERPRINT_CHARS]


def expiry_for(now: datetime, approval_expiry: timedelta) -> datetime:
    """When a link issued at ``now`` stops working: UTC, cut down to whole seconds (never later than asked)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if approval_expiry <= timedelta(0):
        raise ValueError("approval_expiry must be positive")
    return (now.astimezone(UTC) + approval_expiry).replace(microsecond=0)


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the token key must be at least {MIN_KEY_BYTES} bytes")


def _sign(key: bytes, payload: str) -> bytes:
    return hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(part: str) -> bytes:
    """Strict: unpadded, and canonical (the unused low bits of the last character must be zero)."""
    try:
        data = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise TokenRejected(RejectReason.MALFORMED) from None
    if _b64encode(data) != part:
        raise TokenRejected(RejectReason.MALFORMED)
    return data


def _split(token: object) -> tuple[str, bytes]:
    """The payload part (as signed) and the decoded signature, or MALFORMED."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or not _TOKEN_SHAPE.fullmatch(token):
        raise TokenRejected(RejectReason.MALFORMED)
    payload, signature_part = token.split(".")
    signature = _b64decode(signature_part)
    _b64decode(payload)
    if len(signature) != _SIGNATURE_BYTES:
        raise TokenRejected(RejectReason.MALFORMED)
    return payload, signature


def _claims(payload: str) -> TokenClaims:
    # Only reached with a valid signature; still, nothing from here may escape but TokenRejected, and no chained
    # exception may carry claim values (pydantic's errors quote the input) into a logged traceback.
    try:
        return TokenClaims.model_validate(json.loads(_b64decode(payload).decode("utf-8")))
    except (ValueError, TypeError, RecursionError):
        raise TokenRejected(RejectReason.MALFORMED) from None
