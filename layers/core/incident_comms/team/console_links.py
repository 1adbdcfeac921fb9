"""Personal links to the incident console and to the declare page: what each responder clicks to take the wheel.

- **The incident link** (``{base}/console/{token}``) is one per person and incident: every email that person gets
  about the incident carries the same link (the token is deterministic: it expires a fixed
  :data:`CONSOLE_LINK_LIFETIME` after the incident opened). The console itself refuses it once the incident is
  closed, so it is valid "until the incident closes", capped so an archived email cannot act for ever.
- **The declare link** (``{base}/declare/{token}``) is one per person holding the plan's ``declare`` right, sent by
  ``plan announce``; long-lived (:data:`DECLARE_LINK_LIFETIME`).

Both are signed with a key derived from the approval key under their own context (an approval, unsubscribe or
confirmation token never verifies here); rotating the approval key revokes every one of them. Like approval links
they are bearer credentials: never logged (log :func:`link_fingerprint`), and a GET only ever shows.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated
from urllib.parse import quote

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from incident_comms.errors import BadInput
from incident_comms.signing import SignatureRejected, sign_claims, verified_claims

CONSOLE_PATH = "/console/"
DECLARE_PATH = "/declare/"
CONSOLE_LINK_LIFETIME = timedelta(days=60)
"""From the incident's opening: longer than any incident stays open with its postmortem (plan deadline included)."""
DECLARE_LINK_LIFETIME = timedelta(days=400)
"""A year and a bit: ``plan announce`` is re-run at least yearly, when the team or the plan changes."""
_CONTEXT = b"incident-comms console v1"


class ConsoleScope(StrEnum):
    INCIDENT = "incident"
    DECLARE = "declare"


class ConsoleLinkProblem(StrEnum):
    INVALID = "invalid"
    """Malformed, forged, another kind of token or another scope: all alike."""
    EXPIRED = "expired"


class ConsoleLinkRejected(BadInput):
    """A console or declare link that must not be acted on; names only the problem (safe to show and log)."""

    def __init__(self, problem: ConsoleLinkProblem) -> None:
        self.problem = problem
        super().__init__(f"console link rejected: {problem.value}")


_Address = Annotated[str, Field(min_length=3, max_length=254, pattern=r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+$")]


class ConsoleClaims(BaseModel):
    """Who may use the console of which incident (``incident_id`` None for a declare link), until when."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    scope: ConsoleScope
    incident_id: str | None = Field(None, min_length=1, max_length=128)
    recipient: _Address
    expires_at: AwareDatetime


def console_token(key: bytes, incident_id: str, recipient: str, opened_at: datetime) -> str:
    """The one console token of ``recipient`` for the incident opened at ``opened_at``."""
    claims = ConsoleClaims(
        scope=ConsoleScope.INCIDENT,
        incident_id=incident_id,
        recipient=recipient,
        expires_at=_whole_seconds(opened_at + CONSOLE_LINK_LIFETIME),
    )
    return sign_claims(claims.model_dump(mode="json"), key, _CONTEXT)


def console_url(base_url: str, key: bytes, incident_id: str, recipient: str, opened_at: datetime) -> str:
    """``{base_url}/console/{token}``: the personal console link of ``recipient`` for one incident."""
    return _url(base_url, CONSOLE_PATH, console_token(key, incident_id, recipient, opened_at))


def declare_token(key: bytes, recipient: str, issued_at: datetime) -> str:
    """The declare token of ``recipient``, valid :data:`DECLARE_LINK_LIFETIME` from ``issued_at``."""
    claims = ConsoleClaims(
        scope=ConsoleScope.DECLARE, recipient=recipient, expires_at=_whole_seconds(issued_at + DECLARE_LINK_LIFETIME)
    )
    return sign_claims(claims.model_dump(mode="json"), key, _CONTEXT)


def declare_url(base_url: str, key: bytes, recipient: str, issued_at: datetime) -> str:
    """``{base_url}/declare/{token}``: the personal link of a person who may declare incidents by hand."""
    return _url(base_url, DECLARE_PATH, declare_token(key, recipient, issued_at))


def verify_console_token(token: object, key: bytes, now: datetime, scope: ConsoleScope) -> ConsoleClaims:
    """The claims of a genuine, unexpired token of ``scope``; anything else raises :class:`ConsoleLinkRejected`.
    Whether the incident is still open (and the person still engaged) is the console's check, not this one's."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    try:
        claims = ConsoleClaims.model_validate(verified_claims(token, key, _CONTEXT))
    except (SignatureRejected, ValidationError):
        raise ConsoleLinkRejected(ConsoleLinkProblem.INVALID) from None
    if claims.scope != scope or (scope == ConsoleScope.INCIDENT) != (claims.incident_id is not None):
        raise ConsoleLinkRejected(ConsoleLinkProblem.INVALID)
    if now >= claims.expires_at:
        raise ConsoleLinkRejected(ConsoleLinkProblem.EXPIRED)
    return claims


def link_fingerprint(token: str) -> str:
    """What logs and the audit trail may hold of a link: 16 hex digits of its SHA-256."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _whole_seconds(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(microsecond=0)


def _url(base_url: str, path: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{path}{quote(token, safe='')}"
