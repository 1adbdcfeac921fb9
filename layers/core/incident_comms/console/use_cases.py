"""Use cases of the console link: look at the incident (GET, HEAD) and change it (POST).

What this module guarantees:

- **Looking changes nothing.** :func:`show_console` only reads: mail scanners and link previews fetch every link.
- **Changing takes a person, on this site.** :func:`act_on_console` acts only on a POST of the page's own form
  (``confirm=yes``), refuses another site's (403), and checks the link as a GET does (404, 410, 403) before it reads
  the form.
- **Bad input changes nothing.** The form is validated whole first (400, what to correct); what the lifecycle finds
  unfit (a fact, a reason) raises before it writes, also 400; what the state machine refuses is 409 with its reason.
- **Audited.** Every change reaches the lifecycle with an :class:`~incident_comms.lifecycle.models.Audit` (who: the
  link's recipient; source IP; user agent) and ``now``, and the lifecycle records it on the timeline.

The lifecycle is a port (:class:`ConsoleLifecycle`), so the console depends on four operations, not on how they are
applied. Pure otherwise: the store, the key, ``now`` and the approvals base URL come from the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any, Protocol

from incident_comms.console.forms import (
    BadConsoleForm,
    CloseIncident,
    ComponentAdded,
    ConsoleProblem,
    ConsoleRequest,
    LevelChange,
    PhaseChange,
    SeverityChange,
    parse_console_form,
)
from incident_comms.console.links import ConsoleAccess, ConsoleRefusal, ConsoleRefused, console_access
from incident_comms.console.pages import ConsolePage, Notice, problem_text, refusal_page, render_console, step_notice
from incident_comms.console.texts import console_texts
from incident_comms.console.view import console_view
from incident_comms.incidents.facts import FactsError
from incident_comms.incidents.store import IncidentStore
from incident_comms.lifecycle.models import Audit, Step
from incident_comms.plan.models import OutageLevel, Phase, Plan
from incident_comms.team.console_links import link_fingerprint
from incident_comms.team.emails import team_zone
from incident_comms.web import BadForm, FormProblem, HttpRequest, LinkRefused, Refusal


class ConsoleLifecycle(Protocol):
    """The lifecycle operations the console calls (:class:`incident_comms.lifecycle.transitions.IncidentLifecycle`).
    Each answers a Step; bad input raises ValueError (FactsError among them) before anything is written."""

    def manual_move(
        self, incident_id: str, to: Phase, audit: Audit, now: datetime, *, cause: Mapping[str, str] | None = None
    ) -> Step: ...

    def change_severity(self, incident_id: str, severity_id: str, reason: str, audit: Audit, now: datetime) -> Step: ...

    def close(self, incident_id: str, audit: Audit, now: datetime) -> Step: ...

    def change_facts(
        self, incident_id: str, changes: Mapping[str, Any], audit: Audit, now: datetime, *, tell_customers: bool = True
    ) -> Step: ...


@dataclass(frozen=True)
class _Console:
    """What rendering one person's console needs besides the incident."""

    plan: Plan
    store: IncidentStore
    key: bytes
    now: datetime
    token: str
    approvals_base_url: str

    def html(self, access: ConsoleAccess, notice: Notice | None = None) -> str:
        incident = access.incident
        view = console_view(
            self.plan,
            incident,
            self.store.timeline(incident.id),
            self.store.messages(incident.id),
            self.store.deliveries(incident.id),
            access.recipient,
            access.roles,
            self.now,
            approvals_base_url=self.approvals_base_url,
            key=self.key,
        )
        return render_console(self.plan, view, self.token, notice)

    def bad_form(self, access: ConsoleAccess, bad: BadConsoleForm, action: str | None) -> ConsolePage:
        texts = console_texts(self.plan)
        notice = Notice("bad_form", texts["notice_bad_form"], [problem_text(self.plan, bad.problem, bad.detail)])
        return ConsolePage(
            status=int(HTTPStatus.BAD_REQUEST),
            html=self.html(access, notice),
            refusal=ConsoleRefusal.BAD_FORM,
            problem=bad.problem,
            fingerprint=access.fingerprint,
            incident_id=access.incident.id,
            action=action,
        )


def show_console(
    token: str, plan: Plan, store: IncidentStore, key: bytes, now: datetime, approvals_base_url: str
) -> ConsolePage:
    """The console of a link (GET and HEAD): reads only."""
    fingerprint = link_fingerprint(token)
    try:
        access = console_access(token, plan, store, key, now)
    except ConsoleRefused as refused:
        return refusal_page(plan, refused.refusal, fingerprint)
    html = _Console(plan, store, key, now, token, approvals_base_url).html(access)
    return ConsolePage(int(HTTPStatus.OK), html, fingerprint=fingerprint, incident_id=access.incident.id)


_STEP_REFUSAL = {HTTPStatus.CONFLICT: ConsoleRefusal.REFUSED, HTTPStatus.SERVICE_UNAVAILABLE: ConsoleRefusal.FAILED}


def act_on_console(
    token: str,
    request: HttpRequest,
    plan: Plan,
    store: IncidentStore,
    key: bytes,
    now: datetime,
    lifecycle: ConsoleLifecycle,
    approvals_base_url: str,
) -> ConsolePage:
    """Act on a posted console form (module doc): the console again with a notice, 200 applied, 400 bad form, 409
    refused, 503 not applied; the link's and the request's refusals as their generic pages."""
    fingerprint = link_fingerprint(token)
    console = _Console(plan, store, key, now, token, approvals_base_url)
    try:
        if request.is_cross_site():
            raise ConsoleRefused(ConsoleRefusal.CROSS_SITE)
        access = console_access(token, plan, store, key, now)
        form = _form(request)
    except ConsoleRefused as refused:
        return refusal_page(plan, refused.refusal, fingerprint)
    except BadConsoleForm as bad:
        return console.bad_form(access, bad, None)
    action = form.get("action", [""])[0]
    try:
        parsed = parse_console_form(form, plan, team_zone(plan))
        audit = Audit(by=access.recipient, source_ip=request.meta.source_ip, user_agent=request.meta.user_agent)
        step = _apply(parsed, access, lifecycle, audit, now)
    except BadConsoleForm as bad:
        return console.bad_form(access, bad, action)
    except FactsError as error:
        return console.bad_form(access, BadConsoleForm(ConsoleProblem.FACTS, "; ".join(error.problems)), action)
    except ValueError as error:  # the lifecycle's BadInput: what was sent cannot be acted on, nothing was written
        return console.bad_form(access, BadConsoleForm(ConsoleProblem.LIFECYCLE, str(error)), action)
    status, notice = step_notice(plan, parsed.action, step)
    return ConsolePage(
        status=int(status),
        html=console.html(_reread(store, access), notice),
        refusal=_STEP_REFUSAL.get(status),
        fingerprint=fingerprint,
        incident_id=access.incident.id,
        action=parsed.action,
        step=step,
    )


def _apply(
    parsed: ConsoleRequest, access: ConsoleAccess, lifecycle: ConsoleLifecycle, audit: Audit, now: datetime
) -> Step:
    """The one lifecycle call a parsed form makes."""
    incident = access.incident
    if isinstance(parsed, PhaseChange):
        return lifecycle.manual_move(incident.id, Phase(parsed.phase), audit, now, cause=parsed.cause or None)
    if isinstance(parsed, SeverityChange):
        return lifecycle.change_severity(incident.id, parsed.severity_id, parsed.reason, audit, now)
    if isinstance(parsed, CloseIncident):
        return lifecycle.close(incident.id, audit, now)
    if isinstance(parsed, LevelChange):
        levels = {**incident.facts.component_levels, parsed.component_id: parsed.level}
        changes: dict[str, Any] = {"component_levels": levels}
        affected = list(incident.facts.components or [incident.component_id])
        if parsed.component_id not in affected and parsed.level != OutageLevel.OPERATIONAL:
            changes["components"] = [*affected, parsed.component_id]
        return lifecycle.change_facts(incident.id, changes, audit, now)
    if isinstance(parsed, ComponentAdded):
        affected = list(incident.facts.components or [incident.component_id])
        if parsed.component_id in affected:
            raise BadConsoleForm(ConsoleProblem.COMPONENT_KNOWN)
        return lifecycle.change_facts(incident.id, {"components": [*affected, parsed.component_id]}, audit, now)
    return lifecycle.change_facts(incident.id, parsed.changes, audit, now, tell_customers=parsed.tell_customers)


def _form(request: HttpRequest) -> dict[str, list[str]]:
    """The posted fields; a body too large is refused, one that is not a form is a bad form."""
    try:
        return request.form()
    except BadForm as bad:
        problem = ConsoleProblem.ENCODING if bad.problem == FormProblem.ENCODING else ConsoleProblem.UNREADABLE
        raise BadConsoleForm(problem) from None
    except LinkRefused as refused:
        if refused.refusal == Refusal.TOO_LARGE:
            raise ConsoleRefused(ConsoleRefusal.TOO_LARGE) from None
        raise BadConsoleForm(ConsoleProblem.UNREADABLE) from None


def _reread(store: IncidentStore, access: ConsoleAccess) -> ConsoleAccess:
    """The access with the incident as stored now (after a change), or as it was read when it is gone."""
    incident = store.get_incident(access.incident.id) or access.incident
    return ConsoleAccess(access.recipient, incident, access.roles, access.fingerprint)
