"""Emails to people of the team: the message model, the sender port, the package's own templates and
the team's wording.

Every email the system sends (approval requests, engagement, delivery reports, reminders) is an
:class:`Email` handed to an :class:`EmailSender`; the templates autoescape HTML, so alarm text can never
become markup, and subjects are kept to one line of :data:`SUBJECT_MAX` characters.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from incident_comms.plan.models import Plan
from incident_comms.plan.phase_labels import phase_labels
from incident_comms.text import one_line, truncate

if TYPE_CHECKING:
    from jinja2 import Environment

SUBJECT_MAX = 99


_COMPONENT_MIN = 12


_FALLBACK_LOCALE = "en"


_TEXTS: dict[str, dict[str, Any]] = {
    "es": {
        "approval_needed": "aprobación necesaria",
        "intro": "Se ha abierto un incidente. Antes de avisar a los clientes, revise el borrador y apruébelo "
        "(o corríjalo) en la página de aprobación.",
        "review": "Revisar y aprobar",
        "edit": "Corregir",
        "reject": "Rechazar",
        "console": "Su consola del incidente (ver todo y cambiar fase, severidad o datos)",
        "links_note": "Los enlaces son personales, sirven una sola vez y caducan el {expires}. "
        "Abrirlos no aprueba nada: la decisión se toma con un botón en la página.",
        "review_unconfigured": "No hay URL de aprobaciones configurada (APPROVALS_BASE_URL); "
        "las páginas están en estas rutas:",
        "incident": "Incidente",
        "component": "Componente",
        "severity": "Severidad",
        "phase": "Fase",
        "opened": "Abierto",
        "open_for": "Abierto desde hace",
        "approvers": "Deben aprobar",
        "alarms": "Alarmas",
        "drafts": "Borradores, tal como los verá cada canal",
        "channel": "Canal",
        "locale": "Idioma",
        "subject": "Asunto / título",
        "text": "Texto",
        "answers": "Lo que este mensaje debe responder",
        "why": "Recibe este correo porque tiene uno de estos roles en el plan de comunicación de incidentes",
        "conformance": "Cómo cumplimos el plan en este incidente",
        "conformance_names": {
            "first_message": "De la primera alarma al primer mensaje a clientes",
            "not_yet": "aún ninguno",
            "promises": "Actualizaciones prometidas: hechas / cumplidas a tiempo / tarde / pendientes",
            "reach": "Avisados por canal (mensajes, destinatarios, fallos)",
        },
        "phases": phase_labels("es"),
        "answer_names": {
            "impact": "Impacto en los clientes",
            "data_loss": "Pérdida de datos (sí / no / aún no se sabe)",
            "customer_action": "Qué deben hacer los clientes",
            "next_update": "Hora de la próxima actualización",
            "cause": "Causa",
            "actions_taken": "Qué se ha hecho",
            "actions_planned": "Qué se va a hacer",
            "impact_window": "Inicio y fin del impacto",
            "root_cause": "Causa raíz",
            "lessons": "Lecciones aprendidas",
            "contact": "A quién contactar",
        },
        "findings": {
            "heading": "Revisión del borrador",
            "none": "No se han encontrado problemas",
            "errors": ("1 error", "{count} errores"),
            "warnings": ("1 aviso", "{count} avisos"),
            "levels": {"error": "error", "warning": "aviso"},
            "values_label": "Valores del plan",
            "whole": "Sobre el texto entero",
            "marked": "Marcados en el texto",
            "not_checked": "Sin revisar: no hay comprobaciones para el idioma {locale}.",
            "sms": "SMS: {parts} parte(s) facturada(s), {encoding}, {length} caracteres (el canal admite {max_parts})",
            "sms_cost": " · coste: {cost} {currency} por destinatario",
            "must_reason": "Tiene errores: para aprobarlo tal cual habrá que escribir el motivo en la página.",
            "certain": "Quien lo corrigió marcó como seguros la hora o el resultado de la solución que se promete.",
        },
    },
    "en": {
        "approval_needed": "approval needed",
        "intro": "An incident has opened. Before customers are told, review the draft and approve it "
        "(or edit it) on the approval page.",
        "review": "Review and approve",
        "edit": "Edit",
        "reject": "Reject",
        "console": "Your incident console (see everything; change the phase, severity or facts)",
        "links_note": "These links are yours alone, work once and expire on {expires}. "
        "Opening one approves nothing: you decide with a button on the page.",
        "review_unconfigured": "No approvals URL is configured (APPROVALS_BASE_URL); the pages are at these paths:",
        "incident": "Incident",
        "component": "Component",
        "severity": "Severity",
        "phase": "Phase",
        "opened": "Opened",
        "open_for": "Open for",
        "approvers": "Must approve",
        "alarms": "Alarms",
        "drafts": "Drafts, as each channel will show them",
        "channel": "Channel",
        "locale": "Locale",
        "subject": "Subject / title",
        "text": "Text",
        "answers": "What this message must answer",
        "why": "You get this email because you hold one of these roles in the incident communication plan",
        "conformance": "How this incident kept to the plan",
        "conformance_names": {
            "first_message": "From the first alarm to the first customer message",
            "not_yet": "none yet",
            "promises": "Promised updates: made / kept on time / late / open",
            "reach": "Notified per channel (messages, recipients, failures)",
        },
        "phases": phase_labels("en"),
        "answer_names": {
            "impact": "Impact on customers",
            "data_loss": "Data loss (yes / no / not known yet)",
            "customer_action": "What customers should do",
            "next_update": "Time of the next update",
            "cause": "Cause",
            "actions_taken": "What has been done",
            "actions_planned": "What will be done",
            "impact_window": "When the impact started and ended",
            "root_cause": "Root cause",
            "lessons": "Lessons learned",
            "contact": "Who to contact",
        },
        "findings": {
            "heading": "Draft checks",
            "none": "No problems found",
            "errors": ("1 error", "{count} errors"),
            "warnings": ("1 warning", "{count} warnings"),
            "levels": {"error": "error", "warning": "warning"},
            "values_label": "Plan values",
            "whole": "About the whole text",
            "marked": "Marked in the text",
            "not_checked": "Not checked: there are no checks for the language {locale}.",
            "sms": "SMS: {parts} billed part(s), {encoding}, {length} characters (the channel allows {max_parts})",
            "sms_cost": " · cost: {cost} {currency} per recipient",
            "must_reason": "It has errors: approving it as it is takes a written reason on the page.",
            "certain": "Whoever edited it marked the promised fix time or outcome as certain.",
        },
    },
}


class Email(BaseModel):
    """One email as the system sends it, whatever carries it (SES in AWS, moto locally)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    sender: str | None = Field(None, description="From address; None: the sender's configured address")
    to: list[str] = Field(min_length=1)
    subject: str
    text: str
    html: str
    headers: dict[str, str] = Field(default_factory=dict)
    thread: str | None = Field(
        None, description="the mail thread it belongs to (mail_threads.thread_key); the sender adds its headers"
    )

    @field_validator("subject")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\r" in value or "\n" in value:
            raise ValueError("a subject is one header line: no CR or LF")
        return value


class EmailSender(Protocol):
    def send(self, email: Email) -> str:
        """Hand ``email`` to the mail service; answers the service's message id. Raises when it is refused."""
        ...


def approval_subject(severity_id: str, phase_name: str, component_name: str, approval_needed: str) -> str:
    """``[SEV1][Investigando] API pública — aprobación necesaria``: one line, under 100 characters.

    The component name is what gets shortened when the line is too long, so the severity, the phase
    and the call to act always show in the inbox.
    """
    prefix = f"[{one_line(severity_id)}][{one_line(phase_name)}] "
    suffix = f" — {approval_needed}"
    room = max(_COMPONENT_MIN, SUBJECT_MAX - len(prefix) - len(suffix))
    return one_line(prefix + truncate(one_line(component_name), room) + suffix)


def approver_addresses(plan: Plan, role_ids: list[str]) -> list[str]:
    """Every person of every approving role, each address once, in plan order (primary first)."""
    addresses: dict[str, None] = {}
    for role_id in role_ids:
        for person in plan.role(role_id).people:
            addresses.setdefault(person.email, None)
    return list(addresses)


def team_texts(plan: Plan) -> dict[str, Any]:
    """The system's own wording in the team's language (the plan's main locale), English when we lack it."""
    return _TEXTS.get(plan.main_locale.split("-")[0], _TEXTS[_FALLBACK_LOCALE])


def team_zone(plan: Plan) -> ZoneInfo:
    """The time zone the team reads times in: the first internal audience's, else the first audience's."""
    audiences = plan.channels.audiences
    internal = [audience for audience in audiences if audience.internal]
    return ZoneInfo((internal or audiences)[0].timezone)


@lru_cache(maxsize=1)
def email_environment() -> Environment:
    """The package's own email templates: HTML (and anything unknown) autoescaped; text is never read as markup.

    Jinja loads here, on the first email or page rendered: every function imports this module for :class:`Email`
    and :class:`EmailSender`, and those that render nothing (the email feedback, most sends) need no template
    engine at their cold start (issue 16)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("incident_comms", "templates"),
        autoescape=select_autoescape(
            enabled_extensions=("html", "html.j2"), disabled_extensions=("txt.j2",), default=True
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
