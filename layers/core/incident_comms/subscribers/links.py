"""The subscriber's own signed links besides unsubscribing: the manage link of every customer email and the undo
link shown after unsubscribing.

Both are :mod:`incident_comms.signing` tokens (HMAC-SHA256 over canonical JSON, signed, not encrypted) under a
context of their own, so no approval, unsubscribe or confirmation token verifies as either, nor either as the
other, and both expire:

- a **manage link** names one address and lets whoever holds it see and change that address's components and
  language (never its address, never anyone else's); it is only ever sent to that address, and expires after
  :data:`MANAGE_LINK_VALIDITY` (an old email in an inbox stops being a key to the subscription);
- an **undo link** names the subscription as it was when the person unsubscribed (address, components, locale,
  audience) and subscribes exactly that again, on POST, within :data:`UNDO_VALIDITY`; it is single-use (the use case
  spends it in a ledger) and is shown only on the page that answered the unsubscribe.

A rejected link raises :class:`SubscriptionLinkRejected`, whose text names only the problem: safe to show and log.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from incident_comms.errors import BadInput
from incident_comms.signing import SignatureRejected, sign_claims, verified_claims
from incident_comms.subscribers.models import Subscriber, normalise_address

MANAGE_PATH = "/subscribe/manage/"
UNDO_PATH = "/subscribe/undo/"
MANAGE_LINK_VALIDITY = timedelta(days=90)
"""Every customer email carries a fresh one, so a subscriber always has a working link; an email older than a
quarter no longer opens the subscription."""
UNDO_VALIDITY = timedelta(hours=24)
"""Long enough to notice a mistaken click (even on a page left open overnight); short enough that the undo form
is not a standing way to subscribe someone who meant to leave."""
_MANAGE_CONTEXT = b"incident-comms manage-subscription v1"
_UNDO_CONTEXT = b"incident-comms unsubscribe-undo v1"
_UNDO_FIELDS = frozenset({"email", "components", "locale", "audience", "nonce", "expires_at"})
FINGERPRINT_CHARS = 32


class LinkProblem(StrEnum):
    INVALID = "invalid"
    """Malformed, forged, another kind of token, or claims that are not a subscriber's: all alike (404)."""
    EXPIRED = "expired"
    """Genuine but past its expiry (410)."""


class SubscriptionLinkRejected(BadInput):
    """Not a usable manage or undo link; its text names only the problem, never the token or an address."""

    def __init__(self, problem: LinkProblem) -> None:
        self.problem = problem
        super().__init__(f"subscription link rejected: {problem.value}")


def _expiry(now: datetime, valid_for: timedelta) -> int:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return int((now + valid_for).timestamp())


def _claims(token: object, key: bytes, context: bytes, now: datetime) -> tuple[dict[str, Any], datetime]:
    """The claims of a genuine, unexpired token (without ``expires_at``) and its expiry: the signature first, so
    only a genuine token can be EXPIRED."""
    try:
        claims = verified_claims(token, key, context)
    except SignatureRejected:
        raise SubscriptionLinkRejected(LinkProblem.INVALID) from None
    expires_at = claims.pop("expires_at", None)
    if not isinstance(expires_at, int) or isinstance(expires_at, bool):
        raise SubscriptionLinkRejected(LinkProblem.INVALID)
    expiry = datetime.fromtimestamp(expires_at, UTC)
    if now >= expiry:
        raise SubscriptionLinkRejected(LinkProblem.EXPIRED)
    return claims, expiry


# --- the manage link ---------------------------------------------------------------------------------------------


def manage_token(email: str, key: bytes, now: datetime, valid_for: timedelta = MANAGE_LINK_VALIDITY) -> str:
    """A token that opens the subscription of ``email`` until ``now + valid_for``."""
    claims = {"email": normalise_address(email), "expires_at": _expiry(now, valid_for)}
    return sign_claims(claims, key, _MANAGE_CONTEXT)


def verify_manage_token(token: object, key: bytes, now: datetime) -> str:
    """The address a genuine, unexpired manage token names; else :class:`SubscriptionLinkRejected`."""
    claims, _ = _claims(token, key, _MANAGE_CONTEXT, now)
    try:
        if set(claims) != {"email"}:
            raise ValueError("not manage claims")
        return normalise_address(claims["email"])
    except (ValueError, TypeError, AttributeError):
        raise SubscriptionLinkRejected(LinkProblem.INVALID) from None


def manage_url(base_url: str, email: str, key: bytes, now: datetime) -> str:
    """The manage link of ``email`` for a customer email sent at ``now``: ``{base_url}/subscribe/manage/{token}``."""
    return f"{base_url.rstrip('/')}{MANAGE_PATH}{manage_token(email, key, now)}"


# --- the undo link -----------------------------------------------------------------------------------------------


def undo_token(
    subscriber: Subscriber, key: bytes, now: datetime, valid_for: timedelta = UNDO_VALIDITY, nonce: str | None = None
) -> str:
    """A token that subscribes ``subscriber`` again, exactly as it was, until ``now + valid_for``. Each unsubscribe
    gets its own (a random ``nonce``), so spending one undo never spends the undo of a later unsubscribe."""
    claims = {
        "email": subscriber.email,
        "components": list(subscriber.components),
        "locale": subscriber.locale,
        "audience": subscriber.audience,
        "nonce": nonce or secrets.token_urlsafe(12),
        "expires_at": _expiry(now, valid_for),
    }
    return sign_claims(claims, key, _UNDO_CONTEXT)


def verify_undo_token(token: object, key: bytes, now: datetime) -> tuple[Subscriber, datetime]:
    """The subscription a genuine, unexpired undo token gives back, and when the token expires."""
    claims, expiry = _claims(token, key, _UNDO_CONTEXT, now)
    try:
        if set(claims) != _UNDO_FIELDS - {"expires_at"} or not isinstance(claims.pop("nonce"), str):
            raise ValueError("not undo claims")
        return Subscriber.model_validate(claims), expiry
    except ValueError:
        raise SubscriptionLinkRejected(LinkProblem.INVALID) from None


def token_fingerprint(token: str) -> str:
    """What a ledger keeps of a token (never the token: it is a credential)."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()[:FINGERPRINT_CHARS]
