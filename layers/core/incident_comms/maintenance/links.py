"""The approval link of a maintenance, ``{base}/maintenance/{token}``: signed for one approver and one maintenance,
under a context of its own (an incident's approval link never opens a maintenance, nor the reverse), expiring when
the window starts or after :data:`LINK_LIFETIME`, whichever comes first. It works once: approving moves the
maintenance out of ``awaiting_approval``, and the store writes that move only if nobody made it first.

A link may also approve the email of a step (the start, the completion) when the plan wants those approved: it names
the step, and works once too (the store claims the step's sending once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from incident_comms.errors import BadInput
from incident_comms.maintenance.models import Maintenance, MaintenanceStep
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
    step: MaintenanceStep | None = None
    """None: the link approves the window; a step: it approves the email of that step (the plan's
    ``maintenance.approve_progress``)."""


def approval_link(
    base_url: str,
    key: bytes,
    maintenance: Maintenance,
    recipient: str,
    now: datetime,
    step: MaintenanceStep | None = None,
) -> str:
    """The approval link of ``recipient`` for ``maintenance`` (or for the email of its ``step``, which lives
    :data:`LINK_LIFETIME`: the window has started by then)."""
    ends = now + LINK_LIFETIME if step else min(maintenance.starts_at, now + LINK_LIFETIME)
    claims: dict[str, object] = {"m": maintenance.id, "r": recipient, "exp": int(ends.astimezone(UTC).timestamp())}
    if step is not None:
        claims["s"] = step.value
    return f"{base_url.rstrip('/')}/maintenance/{sign_claims(claims, key, LINK_CONTEXT)}"


def verify_link(token: str, key: bytes, now: datetime) -> MaintenanceClaims:
    """The claims of a genuine, unexpired link; :class:`~incident_comms.signing.SignatureRejected` or
    :class:`MaintenanceLinkExpired` otherwise."""
    claims = verified_claims(token, key, LINK_CONTEXT)
    maintenance_id, recipient, expires = claims.get("m"), claims.get("r"), claims.get("exp")
    if not isinstance(maintenance_id, str) or not isinstance(recipient, str) or not isinstance(expires, int):
        raise SignatureRejected
    step = claims.get("s")
    if step is not None and step not in (MaintenanceStep.START, MaintenanceStep.COMPLETE):
        raise SignatureRejected
    expires_at = datetime.fromtimestamp(expires, UTC)
    if now >= expires_at:
        raise MaintenanceLinkExpired
    return MaintenanceClaims(maintenance_id, recipient, expires_at, MaintenanceStep(step) if step else None)
