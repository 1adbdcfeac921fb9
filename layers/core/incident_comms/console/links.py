"""A console link, ``{base}/console/{token}``: who may open it, checked the same way on every GET, HEAD and POST.

Before anything is shown or done, the link must be genuine and of the incident scope (else INVALID, 404: a genuine
token for an incident that is not there is as good as forged), unexpired (EXPIRED, 410), for an incident that is not
closed (CLOSED, 410: its postmortem published, or closed by hand), and held by a person who still holds a role the
plan engages for the incident's current severity or any approving role (NOT_ENGAGED, 403): the plan, not the link,
says who is on the incident. Every failure is a :class:`ConsoleRefused` with a generic reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from http import HTTPStatus

from incident_comms.incidents.models import Incident
from incident_comms.incidents.store import IncidentStore
from incident_comms.plan.models import Phase, Plan
from incident_comms.team.console_links import (
    ConsoleLinkProblem,
    ConsoleLinkRejected,
    ConsoleScope,
    link_fingerprint,
    verify_console_token,
)


class ConsoleRefusal(StrEnum):
    """Why a console request was refused; each has one status. The first six show the generic refusal page."""

    INVALID = "invalid"
    EXPIRED = "expired"
    CLOSED = "closed"
    NOT_ENGAGED = "not_engaged"
    CROSS_SITE = "cross_site"
    TOO_LARGE = "too_large"
    BAD_FORM = "bad_form"
    """400: the console again, saying what to correct."""
    REFUSED = "refused"
    """409: the lifecycle refused the change (the console again, saying why)."""
    FAILED = "failed"
    """503: the change could not be applied (contention, the store): the console again, saying so."""


REFUSAL_STATUS: dict[ConsoleRefusal, HTTPStatus] = {
    ConsoleRefusal.INVALID: HTTPStatus.NOT_FOUND,
    ConsoleRefusal.EXPIRED: HTTPStatus.GONE,
    ConsoleRefusal.CLOSED: HTTPStatus.GONE,
    ConsoleRefusal.NOT_ENGAGED: HTTPStatus.FORBIDDEN,
    ConsoleRefusal.CROSS_SITE: HTTPStatus.FORBIDDEN,
    ConsoleRefusal.TOO_LARGE: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    ConsoleRefusal.BAD_FORM: HTTPStatus.BAD_REQUEST,
    ConsoleRefusal.REFUSED: HTTPStatus.CONFLICT,
    ConsoleRefusal.FAILED: HTTPStatus.SERVICE_UNAVAILABLE,
}


class ConsoleRefused(Exception):
    """A console link or request that must not be acted on (a generic reason, safe to show and log)."""

    def __init__(self, refusal: ConsoleRefusal) -> None:
        self.refusal = refusal
        super().__init__(refusal.value)


@dataclass(frozen=True)
class ConsoleAccess:
    """A verified link: its person, the incident as read, and the roles that let the person in."""

    recipient: str
    incident: Incident
    roles: list[str]
    fingerprint: str


def console_access(token: str, plan: Plan, store: IncidentStore, key: bytes, now: datetime) -> ConsoleAccess:
    """The person and incident of a console link that may be used now (module doc), else :class:`ConsoleRefused`."""
    try:
        claims = verify_console_token(token, key, now, ConsoleScope.INCIDENT)
    except ConsoleLinkRejected as rejected:
        expired = rejected.problem == ConsoleLinkProblem.EXPIRED
        raise ConsoleRefused(ConsoleRefusal.EXPIRED if expired else ConsoleRefusal.INVALID) from None
    incident = store.get_incident(claims.incident_id or "")
    if incident is None:
        raise ConsoleRefused(ConsoleRefusal.INVALID)
    if closed(incident):
        raise ConsoleRefused(ConsoleRefusal.CLOSED)
    roles = console_roles(plan, claims.recipient, incident.severity_id)
    if not roles:
        raise ConsoleRefused(ConsoleRefusal.NOT_ENGAGED)
    return ConsoleAccess(claims.recipient, incident, roles, link_fingerprint(token))


def closed(incident: Incident) -> bool:
    """Closed for good: the postmortem was published, or a responder closed it (both leave it in ``postmortem``)."""
    return incident.phase == Phase.POSTMORTEM


def console_roles(plan: Plan, recipient: str, severity_id: str) -> list[str]:
    """The roles of ``recipient`` (address compared case-blind) that let them use an incident's console: those the
    plan engages for ``severity_id`` and every role that approves any message; plan order."""
    engaged = set(plan.roles.engage.get(severity_id, []))
    approving = {role_id for rule in plan.roles.approvals for role_id in rule.roles}
    address = recipient.casefold()
    return [
        role.id
        for role in plan.roles.roles
        if role.id in engaged | approving and any(person.email.casefold() == address for person in role.people)
    ]
