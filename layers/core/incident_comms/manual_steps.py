"""Use case: a responder moves the incident from the approval page (``POST /approvals/{token}/lifecycle``).

The approval page carries a second form besides the decision: move the incident to ``identified`` (with the cause
in plain words, which the identified draft tells customers), ``monitoring`` or ``resolved``. The same link guards
it as guard the decision: a valid, unexpired, unspent token of a draft still awaiting approval, held by a person of
one of its approving roles, posted from the page itself (another site's form is refused). Moving spends no token:
the draft on the page still needs its decision.

What the move does is the state machine's call (:meth:`incident_comms.incident_lifecycle.IncidentLifecycle.
manual_move`): applied, the phase's draft is created and its approval requested, and the timeline records who
moved it, when and from where; refused (already there, the incident resolved), a 409 page says why and nothing
changed. Only POST reaches here; GET of the page shows the form and never acts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from incident_comms.approvals import (
    HttpRequest,
    LinkRefused,
    Page,
    Refusal,
    _check_open,
    _load,
    _verified,
    holder_roles,
    page_texts,
    record_page,
    refusal_page,
)
from incident_comms.drafting import clean_text
from incident_comms.incident_lifecycle import Audit, IncidentLifecycle, Step, record_step
from incident_comms.incidents import Incident, IncidentStatus
from incident_comms.lifecycle import MANUAL_TARGETS, Outcome
from incident_comms.notify import email_environment
from incident_comms.observability import Logger, Metrics
from incident_comms.plan.models import Phase, Plan
from incident_comms.store import IncidentStore
from incident_comms.tokens import token_fingerprint

MAX_CAUSE_CHARS = 2_000
_FALLBACK_LOCALE = "en"

_TEXTS: dict[str, dict[str, Any]] = {
    "es": {
        "heading": "Cambiar la fase del incidente",
        "lead": "Se redactará el mensaje de la nueva fase y se pedirá su aprobación, como este.",
        "targets": {
            "identified": "Causa identificada",
            "monitoring": "Solución aplicada: en observación",
            "resolved": "Resuelto",
        },
        "cause": "La causa, en palabras sencillas (solo para «causa identificada»; la leerán los clientes)",
        "button": "Cambiar la fase",
        "moved": "Incidente movido a «{phase}»",
        "drafted": "Se ha redactado el mensaje de la nueva fase y se ha pedido su aprobación.",
        "not_drafted": "El cambio consta, pero el mensaje no se ha podido redactar o enviar: {failures}",
        "refused": "No se ha cambiado la fase",
        "failed": "No se ha podido cambiar la fase; inténtelo de nuevo",
        "problems": {
            "step": "Elija una de las fases que ofrece la página.",
            "confirm": "Confirme con el botón de la página.",
            "cause_missing": "Para «causa identificada» hay que explicar la causa.",
            "cause_too_long": f"La causa no puede pasar de {MAX_CAUSE_CHARS} caracteres.",
            "cause_not_here": "La causa solo acompaña a «causa identificada»: bórrela o elija esa fase.",
            "fields": "El formulario trae campos que este cambio no admite.",
        },
        "bad_form": "No se ha podido leer el formulario",
    },
    "en": {
        "heading": "Move the incident to another phase",
        "lead": "That phase's message is drafted and sent for approval, like this one.",
        "targets": {
            "identified": "Cause identified",
            "monitoring": "Fix applied: monitoring",
            "resolved": "Resolved",
        },
        "cause": "The cause, in plain words (for \u201ccause identified\u201d only; customers will read it)",
        "button": "Move the incident",
        "moved": "Incident moved to \u201c{phase}\u201d",
        "drafted": "The new phase's message was drafted and its approval requested.",
        "not_drafted": "The move is recorded, but the message could not be drafted or sent: {failures}",
        "refused": "The phase was not changed",
        "failed": "The phase could not be changed; please try again",
        "problems": {
            "step": "Choose one of the phases the page offers.",
            "confirm": "Confirm with the page's button.",
            "cause_missing": "\u201cCause identified\u201d needs the cause.",
            "cause_too_long": f"The cause cannot be longer than {MAX_CAUSE_CHARS} characters.",
            "cause_not_here": "The cause goes with \u201ccause identified\u201d only: clear it or choose that phase.",
            "fields": "The form has fields this move does not take.",
        },
        "bad_form": "The form could not be read",
    },
}


def step_texts(plan: Plan) -> dict[str, Any]:
    """The move form's wording in the team's language (the plan's main locale), English when we lack it."""
    return _TEXTS.get(plan.main_locale.split("-")[0], _TEXTS[_FALLBACK_LOCALE])


def step_form(plan: Plan, incident: Incident) -> dict[str, Any] | None:
    """What the approval page shows of the move form: the phases the incident can move to now; None once it is
    resolved (nothing to move)."""
    if incident.status == IncidentStatus.RESOLVED:
        return None
    texts = step_texts(plan)
    choices = [
        {"value": phase.value, "label": texts["targets"][phase.value]}
        for phase in MANUAL_TARGETS
        if phase != incident.phase
    ]
    return {"p": texts, "choices": choices, "max_cause": MAX_CAUSE_CHARS, "cause_for": Phase.IDENTIFIED.value}


_Cause = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_CAUSE_CHARS)]


class StepForm(BaseModel):
    """A posted move: ``step`` (one of the manual targets), ``confirm=yes`` (the page's button) and, for
    ``identified``, the ``cause``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    step: Literal["identified", "monitoring", "resolved"]
    confirm: Literal["yes"]
    cause: _Cause = ""


class BadStepForm(Exception):
    """A move form that cannot be acted on; ``problem`` keys the text shown to the person (and logged)."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


def parse_step_form(form: Mapping[str, Sequence[str]]) -> StepForm:
    """Validate a posted move, else :class:`BadStepForm`: every field once, only the form's fields, a cause for
    ``identified`` and none for any other phase (a cause typed and then another phase chosen is a mistake to
    point out, not a text to drop silently)."""
    if any(len(values) != 1 for values in form.values()):
        raise BadStepForm("fields")
    flat = {name: values[0] for name, values in form.items()}
    try:
        parsed = StepForm.model_validate(flat)
    except ValidationError as error:
        first = error.errors()[0]
        where = str(first["loc"][0]) if first["loc"] else ""
        if first["type"] == "extra_forbidden" or not where:
            raise BadStepForm("fields") from None
        raise BadStepForm({"cause": "cause_too_long"}.get(where, where)) from None
    if parsed.step == Phase.IDENTIFIED.value and not parsed.cause:
        raise BadStepForm("cause_missing")
    if parsed.step != Phase.IDENTIFIED.value and parsed.cause:
        raise BadStepForm("cause_not_here")
    return parsed


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
        claims = _verified(token, key, now)
        incident, message = _load(store, claims)
        _check_open(store, claims, message, fingerprint)
        if not holder_roles(plan, claims.recipient, message):
            raise LinkRefused(Refusal.NOT_APPROVER)
        parsed = parse_step_form(form)
    except LinkRefused as refused:
        page = refusal_page(plan, refused.refusal, refused.problem, fingerprint)
        return StepPage(**{name: getattr(page, name) for name in Page.__dataclass_fields__})
    except BadStepForm as bad:
        texts = step_texts(plan)
        html = _outcome_html(plan, texts["bad_form"], texts["problems"][bad.problem], refused=True)
        return StepPage(int(HTTPStatus.BAD_REQUEST), html, Refusal.BAD_FORM, token_fingerprint=fingerprint)
    meta = request.meta
    audit = Audit(by=claims.recipient, source_ip=meta.source_ip, user_agent=meta.user_agent)
    step = lifecycle.manual_move(incident.id, Phase(parsed.step), audit, now, cause=clean_text(parsed.cause) or None)
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
