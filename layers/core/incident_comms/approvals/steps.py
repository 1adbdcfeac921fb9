"""The phase form on the approval page: which moves a responder may make from here, and the posted form,
validated, before anything is moved (:mod:`incident_comms.lifecycle.manual` moves the incident).

The cause of ``identified`` is one text box per plan locale (``cause_<locale>``), each required: it becomes the
incident's cause fact, and each locale's drafts tell their own text, never another language's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from incident_comms.incidents.machine_models import MANUAL_TARGETS
from incident_comms.incidents.models import Incident, IncidentStatus
from incident_comms.plan.models import Phase, Plan
from incident_comms.text import clean_text

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
        "cause": "La causa en palabras sencillas, en {locale} (solo para «causa identificada»; la leerán clientes)",
        "button": "Cambiar la fase",
        "moved": "Incidente movido a «{phase}»",
        "drafted": "Se ha redactado el mensaje de la nueva fase y se ha pedido su aprobación.",
        "not_drafted": "El cambio consta, pero el mensaje no se ha podido redactar o enviar: {failures}",
        "refused": "No se ha cambiado la fase",
        "failed": "No se ha podido cambiar la fase; inténtelo de nuevo",
        "problems": {
            "step": "Elija una de las fases que ofrece la página.",
            "confirm": "Confirme con el botón de la página.",
            "cause_missing": "Para «causa identificada» hay que explicar la causa en cada idioma.",
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
        "cause": "The cause in plain words, in {locale} (for \u201ccause identified\u201d only; customers read it)",
        "button": "Move the incident",
        "moved": "Incident moved to \u201c{phase}\u201d",
        "drafted": "The new phase's message was drafted and its approval requested.",
        "not_drafted": "The move is recorded, but the message could not be drafted or sent: {failures}",
        "refused": "The phase was not changed",
        "failed": "The phase could not be changed; please try again",
        "problems": {
            "step": "Choose one of the phases the page offers.",
            "confirm": "Confirm with the page's button.",
            "cause_missing": "\u201cCause identified\u201d needs the cause in every language.",
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
    causes = [
        {"name": f"cause_{locale}", "locale": locale, "label": texts["cause"].format(locale=locale)}
        for locale in plan.definition.locales
    ]
    return {
        "p": texts,
        "choices": choices,
        "causes": causes,
        "max_cause": MAX_CAUSE_CHARS,
        "cause_for": Phase.IDENTIFIED.value,
    }


class StepForm(BaseModel):
    """A posted move: ``step`` (one of the manual targets), ``confirm=yes`` (the page's button) and, for
    ``identified``, the cause in every plan locale (``causes``: locale -> text)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    step: Literal["identified", "monitoring", "resolved"]
    confirm: Literal["yes"]
    causes: dict[str, str] = Field(default_factory=dict, description="locale -> the cause (cause_<locale> boxes)")


class BadStepForm(Exception):
    """A move form that cannot be acted on; ``problem`` keys the text shown to the person (and logged)."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


def parse_step_form(form: Mapping[str, Sequence[str]], locales: Sequence[str]) -> StepForm:
    """Validate a posted move, else :class:`BadStepForm`: every field once, only the form's fields, a cause in
    every one of ``locales`` for ``identified`` and none for any other phase (a cause typed and then another phase
    chosen is a mistake to point out, not a text to drop silently)."""
    if any(len(values) != 1 for values in form.values()):
        raise BadStepForm("fields")
    boxes = {f"cause_{locale}": locale for locale in locales}
    flat = {name: values[0] for name, values in form.items() if name not in boxes}
    cause = {boxes[name]: clean_text(values[0]).strip() for name, values in form.items() if name in boxes}
    cause = {locale: text for locale, text in cause.items() if text}
    if any(len(text) > MAX_CAUSE_CHARS for text in cause.values()):
        raise BadStepForm("cause_too_long")
    try:
        parsed = StepForm.model_validate({**flat, "causes": cause})
    except ValidationError as error:
        first = error.errors()[0]
        where = str(first["loc"][0]) if first["loc"] else ""
        if first["type"] == "extra_forbidden" or not where:
            raise BadStepForm("fields") from None
        raise BadStepForm(where) from None
    if parsed.step == Phase.IDENTIFIED.value and set(parsed.causes) != set(locales):
        raise BadStepForm("cause_missing")
    if parsed.step != Phase.IDENTIFIED.value and parsed.causes:
        raise BadStepForm("cause_not_here")
    return parsed
