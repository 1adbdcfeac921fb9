"""The declare page's wording, in Spanish and English: the form, every refusal and every problem of a declaration.

One entry per refusal and per :class:`incident_comms.intake.declare.ProblemCode` in each language, so the page never
shows a key instead of a sentence; a team whose language is neither reads English. Refusals of the link say what
happened to the link and nothing about any incident.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from incident_comms.intake.declare import ProblemCode
from incident_comms.plan.models import Plan

_FALLBACK_LOCALE = "en"


class DeclareRefusal(StrEnum):
    """Why a declare request was not acted on; each has one HTTP status (``declare_pages.REFUSAL_STATUS``)."""

    INVALID = "invalid"
    """Malformed, forged, or another kind of link: one answer, so it reveals nothing."""
    EXPIRED = "expired"
    NOT_ALLOWED = "not_allowed"
    """The link's person no longer holds a role the plan's ``declare`` names."""
    CROSS_SITE = "cross_site"
    TOO_LARGE = "too_large"
    BAD_FORM = "bad_form"
    ALREADY_OPEN = "already_open"


class FormProblem(StrEnum):
    """What is wrong with the posted form itself (before the declaration is checked)."""

    UNREADABLE = "unreadable"
    UNKNOWN_FIELD = "unknown_field"
    REPEATED_FIELD = "repeated_field"
    NOT_CONFIRMED = "not_confirmed"


_TEXTS: dict[str, dict[str, Any]] = {
    "es": {
        "title": "Declarar un incidente",
        "lead": "Use este formulario cuando un cliente avise de un problema o usted lo vea antes que ninguna alarma. "
        "El incidente se abre como si lo hubiera abierto una alarma: se redacta el primer mensaje con lo que diga "
        "aquí, se pide su aprobación y se convoca a los roles del plan.",
        "declaring_as": "Declara como {recipient}.",
        "component": "Componente afectado",
        "severity": "Severidad",
        "impact": "Qué notan los clientes ({locale})",
        "customer_action": "Qué deben hacer los clientes ({locale}, opcional)",
        "texts_note": "Escriba cada texto en su idioma: cada mensaje usa solo el de su idioma.",
        "button": "Declarar el incidente",
        "maintenance": "¿Es un trabajo planificado? Programe un mantenimiento",
        "problems_title": "Corrija lo siguiente; no se ha declarado nada",
        "fields": {
            "component": "Componente",
            "severity": "Severidad",
            "impact": "Impacto",
            "customer_action": "Qué deben hacer los clientes",
            "by": "Quién declara",
        },
        "console": "Abrir la consola del incidente",
        "refusals": {
            DeclareRefusal.INVALID: ("Este enlace no es válido", "Compruebe que ha abierto el enlace completo."),
            DeclareRefusal.EXPIRED: (
                "Este enlace ha caducado",
                "Pida que le vuelvan a enviar su enlace para declarar.",
            ),
            DeclareRefusal.NOT_ALLOWED: (
                "Ya no puede declarar incidentes",
                "Su rol en el plan ya no permite declarar incidentes. Si es un error, pida que se corrija el plan.",
            ),
            DeclareRefusal.CROSS_SITE: (
                "Petición rechazada",
                "El formulario no se envió desde esta página. No se ha hecho nada.",
            ),
            DeclareRefusal.TOO_LARGE: ("El formulario es demasiado grande", "Acorte los textos y vuelva a enviarlo."),
            DeclareRefusal.BAD_FORM: ("No se ha declarado nada", "Corrija el formulario y vuelva a enviarlo."),
            DeclareRefusal.ALREADY_OPEN: (
                "Ya hay un incidente abierto en {component}",
                "No se ha declarado otro: siga el incidente abierto {incident_id} desde su consola.",
            ),
        },
        "form_problems": {
            FormProblem.UNREADABLE: "No se ha podido leer el formulario.",
            FormProblem.UNKNOWN_FIELD: "El formulario trae un campo que no es de esta página.",
            FormProblem.REPEATED_FIELD: "El formulario trae un campo repetido.",
            FormProblem.NOT_CONFIRMED: "Pulse el botón «Declarar el incidente» para declararlo.",
        },
        "problems": {
            ProblemCode.UNKNOWN_COMPONENT: "{field}: elija uno de la lista.",
            ProblemCode.UNKNOWN_SEVERITY: "{field}: elija una de la lista.",
            ProblemCode.UNKNOWN_LOCALE: "{field}: {value} no es un idioma del plan.",
            ProblemCode.TOO_LONG: "{field} ({value}): más de {max} caracteres.",
            ProblemCode.MISSING_LOCALES: "{field}: escríbalo en todos los idiomas (falta: {value}).",
            ProblemCode.PARTIAL_LOCALES: "{field}: escríbalo en todos los idiomas o en ninguno (falta: {value}).",
            ProblemCode.NO_DECLARER: "No se sabe quién declara.",
        },
    },
    "en": {
        "title": "Declare an incident",
        "lead": "Use this form when a customer reports a problem or you see one before any alarm does. The "
        "incident opens as if an alarm had opened it: the first message is drafted from what you say here, its "
        "approval is asked for and the plan's roles are called in.",
        "declaring_as": "Declaring as {recipient}.",
        "component": "Affected component",
        "severity": "Severity",
        "impact": "What customers notice ({locale})",
        "customer_action": "What customers should do ({locale}, optional)",
        "texts_note": "Write each text in its own language: each message uses only its own language's.",
        "button": "Declare the incident",
        "maintenance": "Planned work? Schedule maintenance",
        "problems_title": "Correct the following; nothing was declared",
        "fields": {
            "component": "Component",
            "severity": "Severity",
            "impact": "Impact",
            "customer_action": "What customers should do",
            "by": "Who declares",
        },
        "console": "Open the incident console",
        "refusals": {
            DeclareRefusal.INVALID: ("This link is not valid", "Check that you opened the whole link."),
            DeclareRefusal.EXPIRED: ("This link has expired", "Ask for your declare link to be sent again."),
            DeclareRefusal.NOT_ALLOWED: (
                "You can no longer declare incidents",
                "Your role in the plan no longer lets you declare incidents. If that is wrong, ask for the plan to "
                "be fixed.",
            ),
            DeclareRefusal.CROSS_SITE: ("Request refused", "The form was not sent from this page. Nothing was done."),
            DeclareRefusal.TOO_LARGE: ("The form is too large", "Shorten the texts and send it again."),
            DeclareRefusal.BAD_FORM: ("Nothing was declared", "Correct the form and send it again."),
            DeclareRefusal.ALREADY_OPEN: (
                "An incident is already open on {component}",
                "No other was declared: follow the open incident {incident_id} from its console.",
            ),
        },
        "form_problems": {
            FormProblem.UNREADABLE: "The form could not be read.",
            FormProblem.UNKNOWN_FIELD: "The form carries a field that is not this page's.",
            FormProblem.REPEATED_FIELD: "The form carries a field twice.",
            FormProblem.NOT_CONFIRMED: "Press the “Declare the incident” button to declare it.",
        },
        "problems": {
            ProblemCode.UNKNOWN_COMPONENT: "{field}: choose one from the list.",
            ProblemCode.UNKNOWN_SEVERITY: "{field}: choose one from the list.",
            ProblemCode.UNKNOWN_LOCALE: "{field}: {value} is not a plan locale.",
            ProblemCode.TOO_LONG: "{field} ({value}): more than {max} characters.",
            ProblemCode.MISSING_LOCALES: "{field}: write it in every language (missing: {value}).",
            ProblemCode.PARTIAL_LOCALES: "{field}: write it in every language or in none (missing: {value}).",
            ProblemCode.NO_DECLARER: "Who declares is unknown.",
        },
    },
}


def declare_texts(plan: Plan) -> dict[str, Any]:
    """The declare page's wording in the team's language (the plan's main locale), English when we lack it."""
    return _TEXTS.get(plan.main_locale.split("-")[0], _TEXTS[_FALLBACK_LOCALE])
