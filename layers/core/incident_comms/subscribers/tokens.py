"""The subscribers' signed links: the one-click unsubscribe link (RFC 8058) and the double opt-in confirmation link.

Both are HMAC-SHA256 signed, not encrypted, with a key derived from the approval key under a context of their
own (domain separation: no approval token verifies as either, and neither as the other); both accept only the
canonical unpadded base64url spelling, so one address (one subscription request) has exactly one token, and
both are checked for shape before the signature is compared in constant time. An unsubscribe link never expires
(it must work as long as the email sits in an inbox) and can only ever unsubscribe the one address it names; a
confirmation link expires after :data:`DEFAULT_CONFIRMATION_EXPIRY`. A rejected link raises
:class:`UnsubscribeRejected` or :class:`ConfirmationRejected`, whose text never repeats the token or an address:
safe to show and log.
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

from incident_comms.errors import BadInput
from incident_comms.subscribers.directory import SubscriberDirectory
from incident_comms.subscribers.models import Subscriber, normalise_address

# --- one-click unsubscribe links (RFC 8058) --------------------------------------------------------------------

UNSUBSCRIBE_PATH = "/unsubscribe/"
_UNSUBSCRIBE_CONTEXT = b"incident-comms unsubscribe v1"
"""Domain separation: the link key is derived from the approval key, so no approval token verifies here (and no
unsubscribe token could ever pass for an approval)."""
_TOKEN_MAX = 1024
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_MIN_KEY_BYTES = 32


class UnsubscribeRejected(BadInput):
    """Not a genuine unsubscribe link. Its text never repeats the token or an address: safe to show and log."""

    def __init__(self) -> None:
        super().__init__("unsubscribe link rejected")


def _link_key(key: bytes) -> bytes:
    if not isinstance(key, bytes) or len(key) < _MIN_KEY_BYTES:
        raise ValueError(f"the link key must be at least {_MIN_KEY_BYTES} bytes")
    return hmac.new(key, _UNSUBSCRIBE_CONTEXT, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(part: str) -> bytes:
    try:
        data = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise UnsubscribeRejected from None
    if _b64(data) != part:  # one token per address: no re-encoded variants
        raise UnsubscribeRejected
    return data


def unsubscribe_token(email: str, key: bytes) -> str:
    """A link token for ``email``: signed (HMAC-SHA256 with a key derived from ``key``), not encrypted, no expiry.

    It does not expire because an unsubscribe link must keep working as long as the email sits in an inbox; it
    can only ever unsubscribe the one address it names, and only on POST.
    """
    payload = _b64(json.dumps({"email": normalise_address(email)}, separators=(",", ":")).encode("utf-8"))
    return f"{payload}.{_b64(hmac.new(_link_key(key), payload.encode('ascii'), hashlib.sha256).digest())}"


def verify_unsubscribe_token(token: object, key: bytes) -> str:
    """The address a genuine token names; anything else raises :class:`UnsubscribeRejected`."""
    link_key = _link_key(key)
    if not isinstance(token, str) or len(token) > _TOKEN_MAX or not _TOKEN_SHAPE.fullmatch(token):
        raise UnsubscribeRejected
    payload, signature = token.split(".")
    expected = hmac.new(link_key, payload.encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, _unb64(signature)):
        raise UnsubscribeRejected
    try:
        email = json.loads(_unb64(payload).decode("utf-8"))["email"]
        return normalise_address(email)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise UnsubscribeRejected from None


def unsubscribe_url(base_url: str, email: str, key: bytes) -> str:
    """The one-click link of ``email``: ``{base_url}/unsubscribe/{token}`` (the approvals API serves it)."""
    return f"{base_url.rstrip('/')}{UNSUBSCRIBE_PATH}{unsubscribe_token(email, key)}"


def unsubscribe(directory: SubscriberDirectory, token: str, key: bytes) -> bool:
    """The POST of a one-click link: verify it, then unsubscribe the address it names (False: not in the list).

    Call it only for POST (RFC 8058: mail scanners GET every link; only the person's click, or their mail client's
    one-click POST, may act). Raises :class:`UnsubscribeRejected` for a link that is not genuine.
    """
    return directory.unsubscribe(verify_unsubscribe_token(token, key))


# --- double opt-in: signed subscription confirmation links ------------------------------------------------------

SUBSCRIBE_CONFIRM_PATH = "/subscribe/confirm/"
DEFAULT_CONFIRMATION_EXPIRY = timedelta(hours=48)
"""Long enough for someone who subscribed on Friday evening to confirm on Sunday; short enough that a forgotten
email in an inbox stops being able to subscribe anyone."""
_CONFIRM_CONTEXT = b"incident-comms subscribe-confirm v1"
"""Domain separation, as for unsubscribe links but with its own context: no approval or unsubscribe token verifies
as a confirmation, and no confirmation token verifies as either of them."""
_CONFIRM_TOKEN_MAX = 2048
_CONFIRM_FIELDS = frozenset({"email", "components", "locale", "audience", "expires_at"})


class ConfirmationProblem(StrEnum):
    INVALID = "invalid"
    """Malformed, forged (tampered, another key, another kind of token) or not a subscriber: all alike."""
    EXPIRED = "expired"
    """Genuine, but ``now`` is at or past its expiry."""


class ConfirmationRejected(BadInput):
    """Not a usable confirmation link. Its text names only the problem, never the token or the address: safe to
    show and log."""

    def __init__(self, problem: ConfirmationProblem) -> None:
        self.problem = problem
        super().__init__(f"subscription confirmation link rejected: {problem.value}")


def _confirm_key(key: bytes) -> bytes:
    if not isinstance(key, bytes) or len(key) < _MIN_KEY_BYTES:
        raise ValueError(f"the link key must be at least {_MIN_KEY_BYTES} bytes")
    return hmac.new(key, _CONFIRM_CONTEXT, hashlib.sha256).digest()


def _canonical_b64(part: str) -> bytes:
    """Unpadded base64url, and only its canonical spelling: one subscription request has exactly one token."""
    try:
        data = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise ConfirmationRejected(ConfirmationProblem.INVALID) from None
    if _b64(data) != part:
        raise ConfirmationRejected(ConfirmationProblem.INVALID)
    return data


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now


def confirmation_token(
    subscriber: Subscriber, key: bytes, now: datetime, valid_for: timedelta = DEFAULT_CONFIRMATION_EXPIRY
) -> str:
    """A token that subscribes ``subscriber`` (address, components, locale, audience) when POSTed before
    ``now + valid_for``: signed with HMAC-SHA256 under a key derived from ``key``, not encrypted (it holds nothing
    the person who asked does not know), sent only to the address it names."""
    expires_at = int((_aware(now) + valid_for).timestamp())
    claims = {
        "email": subscriber.email,
        "components": list(subscriber.components),
        "locale": subscriber.locale,
        "audience": subscriber.audience,
        "expires_at": expires_at,
    }
    document = json.dumps(claims, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    payload = _b64(document.encode("utf-8"))
    token = f"{payload}.{_b64(hmac.new(_confirm_key(key), payload.encode('ascii'), hashlib.sha256).digest())}"
    if len(token) > _CONFIRM_TOKEN_MAX:  # a plan within SES's 20 topics never gets here; never issue what fails
        raise ValueError("subscription too large for a confirmation token")
    return token


def verify_confirmation_token(token: object, key: bytes, now: datetime) -> Subscriber:
    """The subscriber a genuine, unexpired token names; anything else raises :class:`ConfirmationRejected`.

    Shape, then the signature in constant time, then the claims, then the expiry (valid while ``now`` is before
    it): a forged or tampered token is INVALID whatever it claims, and only a genuine one can be EXPIRED.
    """
    link_key = _confirm_key(key)
    _aware(now)
    if not isinstance(token, str) or len(token) > _CONFIRM_TOKEN_MAX or not _TOKEN_SHAPE.fullmatch(token):
        raise ConfirmationRejected(ConfirmationProblem.INVALID)
    payload, signature = token.split(".")
    expected = hmac.new(link_key, payload.encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, _canonical_b64(signature)):
        raise ConfirmationRejected(ConfirmationProblem.INVALID)
    try:
        claims = json.loads(_canonical_b64(payload).decode("utf-8"))
        if not isinstance(claims, dict) or set(claims) != _CONFIRM_FIELDS or not isinstance(claims["components"], list):
            raise ValueError("not confirmation claims")
        expires_at = claims.pop("expires_at")
        if not isinstance(expires_at, int) or isinstance(expires_at, bool):
            raise ValueError("expires_at is whole seconds")
        subscriber = Subscriber.model_validate(claims)
    except (ValueError, TypeError):  # pydantic's ValidationError and UnicodeDecodeError are ValueErrors
        raise ConfirmationRejected(ConfirmationProblem.INVALID) from None
    if now >= datetime.fromtimestamp(expires_at, UTC):
        raise ConfirmationRejected(ConfirmationProblem.EXPIRED)
    return subscriber


def confirmation_url(
    base_url: str, subscriber: Subscriber, key: bytes, now: datetime, valid_for: timedelta = DEFAULT_CONFIRMATION_EXPIRY
) -> str:
    """The link of the confirmation email: ``{base_url}/subscribe/confirm/{token}`` (the approvals API serves it)."""
    return f"{base_url.rstrip('/')}{SUBSCRIBE_CONFIRM_PATH}{confirmation_token(subscriber, key, now, valid_for)}"
