"""An approval link, ``{base}/approvals/{token}``: signed for one person, one action and one message version,
and checked the same way on every use.

The token (:mod:`incident_comms.approvals.tokens`) names the incident, the message and its version, the person it
was sent to, one action and an expiry, and is the whole credential: the path carries nothing else. Before anything
is shown or done, a link must be genuine and unexpired (:func:`verified_claims`), name a message that exists
(:func:`linked_message`) and still be open for it (:func:`check_open`): unspent, of a draft no newer message
replaced, for its current version, still awaiting approval and not older than a message already published. Every
failure is a :class:`LinkRefused` with a generic reason, never a detail of the incident behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from incident_comms.approvals.tokens import (
    ApprovalAction,
    RejectReason,
    TokenClaims,
    TokenRejected,
    issue_token,
    verify_token,
)
from incident_comms.incidents.models import Incident, Message, MessageStatus
from incident_comms.incidents.ordering import outdated
from incident_comms.incidents.store import IncidentStore
from incident_comms.web import LinkRefused, Refusal

_TOKEN_REFUSAL = {
    RejectReason.MALFORMED: Refusal.INVALID,
    RejectReason.FORGED: Refusal.INVALID,
    RejectReason.EXPIRED: Refusal.EXPIRED,
    RejectReason.WRONG_VERSION: Refusal.SUPERSEDED,
}


@dataclass(frozen=True)
class ApprovalLinks:
    """One approver's three links: each carries its own token, for that person, action and message version."""

    approve: str
    edit: str
    reject: str
    expires_at: datetime


def approval_links(base_url: str, key: bytes, message: Message, recipient: str, expires_at: datetime) -> ApprovalLinks:
    """Sign one link per action for ``recipient`` and the current version of ``message``."""

    def link(action: ApprovalAction) -> str:
        claims = TokenClaims(
            incident_id=message.incident_id,
            message_id=message.id,
            message_version=message.version,
            recipient=recipient,
            action=action,
            expires_at=expires_at,
        )
        return approval_url(base_url, issue_token(claims, key))

    return ApprovalLinks(
        approve=link(ApprovalAction.APPROVE),
        edit=link(ApprovalAction.EDIT),
        reject=link(ApprovalAction.REJECT),
        expires_at=expires_at,
    )


def approval_url(base_url: str, token: str) -> str:
    """The page of one approval link: ``{base_url}/approvals/{token}``. The token is the whole credential and
    names incident, message and action itself, so the path carries nothing else."""
    return f"{base_url.rstrip('/')}/approvals/{quote(token, safe='')}"


def verified_claims(token: str, key: bytes, now: datetime) -> TokenClaims:
    """The token's claims; a malformed, forged, expired or superseded token is refused with its generic reason."""
    try:
        return verify_token(token, key, now)
    except TokenRejected as rejected:
        raise LinkRefused(_TOKEN_REFUSAL[rejected.reason]) from None


def linked_message(store: IncidentStore, claims: TokenClaims) -> tuple[Incident, Message]:
    """The token's incident and message; a genuine token for something that is not there is as good as forged."""
    message = store.get_message(claims.incident_id, claims.message_id)
    incident = store.get_incident(claims.incident_id) if message is not None else None
    if message is None or incident is None:
        raise LinkRefused(Refusal.INVALID)
    return incident, message


def check_open(
    store: IncidentStore, claims: TokenClaims, incident: Incident, message: Message, fingerprint: str
) -> None:
    """Used first (your own edit's link says "used", not "changed"), then replaced by a newer message (whatever the
    link's version: no email has a link that still works), then version, then status, then order (nothing older than
    what customers were last told)."""
    if store.token_used(fingerprint):
        raise LinkRefused(Refusal.USED)
    if message.status == MessageStatus.SUPERSEDED:
        raise LinkRefused(Refusal.REPLACED)
    if claims.message_version != message.version:
        raise LinkRefused(Refusal.SUPERSEDED)
    if message.status != MessageStatus.AWAITING_APPROVAL:
        raise LinkRefused(Refusal.REJECTED if message.status == MessageStatus.REJECTED else Refusal.DECIDED)
    if outdated(incident, message):
        raise LinkRefused(Refusal.OUTDATED)
