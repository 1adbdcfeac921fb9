"""Use case: a responder moves the incident from the approval page (``POST /approvals/{token}/lifecycle``).

The approval page carries a second form besides the decision: move the incident to ``identified`` (with the cause
in plain words, one text per plan locale, saved as the incident's cause fact with the move, so the drafts of each
locale tell their own), ``monitoring`` or ``resolved``. The same link guards
it as guard the decision: a valid, unexpired, unspent token of a draft still awaiting approval, held by a person of
one of its approving roles, posted from the page itself (another site's form is refused). Moving spends no token:
the draft on the page still needs its decision.

What the move does is the state machine's call (:meth:`incident_comms.lifecycle.transitions.IncidentLifecycle.
manual_move`): applied, the phase's draft is created and its approval requested, and the timeline records who
moved it, when and from where; refused (already there, the incident resolved), a 409 page says why and nothing
changed. Only POST reaches here; GET of the page shows the form and never acts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any

from incident_comms.approvals.links import check_open, linked_message, verified_claims
from incident_comms.approvals.logic import holder_roles
from incident_comms.approvals.pages import Page, record_page, refusal_page
from incident_comms.approvals.steps import BadStepForm, parse_step_form, step_texts
from incident_comms.approvals.texts import page_texts
from incident_comms.approvals.tokens import token_fingerprint
from incident_comms.incidents.machine_models import Outcome
from incident_comms.incidents.models import Incident
from incident_comms.incidents.store import IncidentStore
from incident_comms.lifecycle.models import Audit, Step
from incident_comms.lifecycle.transitions import IncidentLifecycle, record_step
from incident_comms.observability import Logger, Metrics
from incident_comms.plan.models import Phase, Plan
from incident_comms.team.emails import email_environment
from incident_comms.web import HttpRequest, LinkRefused, Refusal


@dataclass(frozen=True)
class StepPage(Page):
    """The answer to a move: the page, and what the state machine did (None when the request was refused first)."""

    step: Step | None = None


def move_incident(
    token: str,
    request: HttpRequest,
    plan: Plan,
    store: IncidentStore,
    key: bytes,
    now: datetime,
    lifecycle: IncidentLifecycle,
) -> StepPage:
    """Act on a posted move form (see the module doc). Refusals of the link or the request answer the approval
    pages' refusal pages (403, 404, 409, 410, 413); a form that cannot be acted on, 400 with what to correct."""
    fingerprint = token_fingerprint(token)
    try:
        if request.is_cross_site():
            raise LinkRefused(Refusal.CROSS_SITE)
        form = request.form()
        claims = verified_claims(token, key, now)
        incident, message = linked_message(store, claims)
        check_open(store, claims, incident, message, fingerprint)
        if not holder_roles(plan, claims.recipient, message):
            raise LinkRefused(Refusal.NOT_APPROVER)
        parsed = parse_step_form(form, plan.definition.locales)
    except LinkRefused as refused:
        page = refusal_page(plan, refused.refusal, refused.problem, fingerprint)
        return StepPage(**{name: getattr(page, name) for name in Page.__dataclass_fields__})
    except BadStepForm as bad:
        texts = step_texts(plan)
        html = _outcome_html(plan, texts["bad_form"], texts["problems"][bad.problem], refused=True)
        return StepPage(int(HTTPStatus.BAD_REQUEST), html, Refusal.BAD_FORM, token_fingerprint=fingerprint)
    meta = request.meta
    audit = Audit(by=claims.recipient, source_ip=meta.source_ip, user_agent=meta.user_agent)
    step = lifecycle.manual_move(incident.id, Phase(parsed.step), audit, now, cause=parsed.causes or None)
    return _answer(plan, incident, step, fingerprint)


def _answer(plan: Plan, incident: Incident, step: Step, fingerprint: str) -> StepPage:
    texts = step_texts(plan)
    if step.outcome == Outcome.APPLIED:
        target = texts["targets"].get(step.phase.value if step.phase else "", "")
        lead = texts["drafted"] if not step.failures else texts["not_drafted"].format(failures="; ".join(step.failures))
        html = _outcome_html(plan, texts["moved"].format(phase=target), lead, incident_id=incident.id)
        return StepPage(int(HTTPStatus.OK), html, token_fingerprint=fingerprint, incident_id=incident.id, step=step)
    if step.outcome is None:
        html = _outcome_html(plan, texts["failed"], step.reason, refused=True)
        return StepPage(
            int(HTTPStatus.SERVICE_UNAVAILABLE), html, token_fingerprint=fingerprint, incident_id=incident.id, step=step
        )
    html = _outcome_html(plan, texts["refused"], step.reason, refused=True)
    return StepPage(int(HTTPStatus.CONFLICT), html, token_fingerprint=fingerprint, incident_id=incident.id, step=step)


def _outcome_html(plan: Plan, title: str, lead: str, *, refused: bool = False, incident_id: str | None = None) -> str:
    context: dict[str, Any] = {
        "locale": plan.main_locale,
        "p": page_texts(plan),
        "title": title,
        "lead": lead,
        "detail": None,
        "refused": refused,
    }
    if incident_id is not None:
        context["incident_id"] = incident_id
    return email_environment().get_template("approval_outcome.html.j2").render(context)


def record_move(page: StepPage, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log and count a move: a refused link or request as the approval pages count theirs, else what the state
    machine did (``Lifecycle*`` metrics, a refused move as a warning with its reason)."""
    if page.step is None:
        record_page(page, logger, metrics, unit)
        return
    record_step(page.step, logger, metrics, unit)
