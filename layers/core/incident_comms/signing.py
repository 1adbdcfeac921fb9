"""Signed claims for links a person clicks: HMAC-SHA256 over canonical JSON, signed and not encrypted.

Each kind of link derives its own key from the deployment's link key under a context of its own (domain
separation: a token of one kind never verifies as another). Only the canonical unpadded base64url spelling is
accepted, so one set of claims has exactly one token, and the shape is checked before the signature is compared
in constant time. :class:`SignatureRejected` never repeats the token or a claim: safe to show and log.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from typing import Any

from incident_comms.errors import BadInput

MIN_KEY_BYTES = 32
MAX_TOKEN_CHARS = 2048
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


class SignatureRejected(BadInput):
    """Not a genuine token of this kind: malformed, tampered, another key or another context."""

    def __init__(self) -> None:
        super().__init__("link rejected")


def derived_key(key: bytes, context: bytes) -> bytes:
    """The key of one kind of link, derived from the deployment's link key (rotating that key revokes them all)."""
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the link key must be at least {MIN_KEY_BYTES} bytes")
    return hmac.new(key, context, hashlib.sha256).digest()


def sign_claims(claims: dict[str, Any], key: bytes, context: bytes) -> str:
    """``base64url(json) "." base64url(hmac)``: deterministic, the same claims give the same token."""
    document = json.dumps(claims, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    payload = _b64encode(document.encode("utf-8"))
    signature = hmac.new(derived_key(key, context), payload.encode("ascii"), hashlib.sha256).digest()
    token = f"{payload}.{_b64encode(signature)}"
    if len(token) > MAX_TOKEN_CHARS:
        raise ValueError("claims too large for a token")
    return token


def verified_claims(token: object, key: bytes, context: bytes) -> dict[str, Any]:
    """The claims of a genuine token of ``context``, else :class:`SignatureRejected` (whatever ``token`` is)."""
    link_key = derived_key(key, context)
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or not _TOKEN_SHAPE.fullmatch(token):
        raise SignatureRejected
    payload, signature_part = token.split(".")
    signature = _b64decode(signature_part)
    expected = hmac.new(link_key, payload.encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        raise SignatureRejected
    try:
        claims = json.loads(_b64decode(payload).decode("utf-8"))
    except (ValueError, RecursionError):
        raise SignatureRejected from None
    if not isinstance(claims, dict):
        raise SignatureRejected
    return claims


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(part: str) -> bytes:
    try:
        data = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise SignatureRejected from None
    if _b64encode(data) != part:
        raise SignatureRejected
    return data
