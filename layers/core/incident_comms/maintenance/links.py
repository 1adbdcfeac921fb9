"""The approval link of a maintenance, ``{base}/maintenance/{token}``: signed for one approver and one maintenance,
under a context of its own (an incident's approval link never opens a maintenance, nor the reverse), expiring when
the window starts or after :data:`LINK_LIFETIME`, whichever comes first. It works once: approving moves the
maintenance out of ``awaiting_approval``, and the store writes that move only if nobody made it first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from incident_comms.errors import BadInput
from incident_comms.maintenance.models import Maintenance
from incident_comms.signing import SignatureRejected, sign_claims, verified_claims

LINK_CONTEXT = b"incident-comms/maintenance-approval/v1"
LINK_LIFETIME = timedelta(days=7)


class MaintenanceLinkExpired(BadInput):
    def __init__(self) -> None:
        super().__init__("link expired")


@dataclass(frozen=True)
class MaintenanceClaims:
    maintenance_id: str
    recipient: str
    expires_at: datetime


def approval_link(base_url: str, key: bytes, maintenance: Maintenance, recipient: str, now: datetime) -> str:
    """The approval link of ``recipient`` for ``maintenance``."""
    expires_at = min(maintenance.starts_at, now + LINK_LIFETIME).astimezone(UTC)
    claims = {"m": maintenance.id, "r": recipient, "exp": int(expires_at.timestamp())}
    return f"{base_url.rstrip('/')}/maintenance/{sign_claims(claims, key, LINK_CONTEXT)}"


def verify_link(token: str, key: bytes, now: datetime) -> MaintenanceClaims:
    """The claims of a genuine, unexpired link; :class:`~incident_comms.signing.SignatureRejected` or
    :class:`MaintenanceLinkExpired` otherwise."""
    claims = verified_claims(token, key, LINK_CONTEXT)
    maintenance_id, recipient, expires = claims.get("m"), claims.get("r"), claims.get("exp")
    if not isinstance(maintenance_id, str) or not isinstance(recipient, str) or not isinstance(expires, int):
        raise SignatureRejected
    expires_at = datetime.fromtimestamp(expires, UTC)
    if now >= expires_at:
        raise MaintenanceLinkExpired
    return MaintenanceClaims(maintenance_id, recipient, expires_at)
