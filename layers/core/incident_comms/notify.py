"""Emails to the team: the approval request sent when an incident opens.

Pure: builds :class:`Email` values and talks to an :class:`EmailSender`; SES lives in
:mod:`incident_comms.adapters.ses`. These emails are the system's own (package templates in
``incident_comms/templates``), not the plan's, so they render in a plain Jinja2 environment with
autoescaping on for HTML: alarm names come from monitoring and are untrusted, and must never
become markup in a responder's mail client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import quote
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, ConfigDict, Field, field_validator

from incident_comms.drafting import ALARM_TEXT_MAX, format_datetime, format_elapsed, one_line, truncate
from incident_comms.incidents import Incident, Message
from incident_comms.plan.models import Channel, Phase, Plan, localized

SUBJECT_MAX = 99
"""Subjects stay under 100 characters so every mail client shows the whole line, "approval needed" included."""

_COMPONENT_MIN = 12
_FALLBACK_LOCALE = "en"

_TEXTS: dict[str, dict[str, Any]] = {
    "es": {
        "approval_needed": "aprobación necesaria",
        "intro": "Se ha abierto un incidente. Antes de avisar a los clientes, revise el borrador y apruébelo "
        "(o corríjalo) en la página de aprobación.",
        "review": "Revisar y aprobar",
        "review_unconfigured": "No hay URL de aprobaciones configurada (APPROVALS_BASE_URL); la página está en:",
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
        "phases": {
            Phase.INVESTIGATING: "Investigando",
            Phase.IDENTIFIED: "Identificado",
            Phase.MONITORING: "En observación",
            Phase.UPDATE: "Actualización",
            Phase.RESOLVED: "Resuelto",
            Phase.POSTMORTEM: "Postmortem",
        },
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
    },
    "en": {
        "approval_needed": "approval needed",
        "intro": "An incident has opened. Before customers are told, review the draft and approve it "
        "(or edit it) on the approval page.",
        "review": "Review and approve",
        "review_unconfigured": "No approvals URL is configured (APPROVALS_BASE_URL); the page is at:",
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
        "phases": {
            Phase.INVESTIGATING: "Investigating",
            Phase.IDENTIFIED: "Identified",
            Phase.MONITORING: "Monitoring",
            Phase.UPDATE: "Update",
            Phase.RESOLVED: "Resolved",
            Phase.POSTMORTEM: "Postmortem",
        },
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
    },
}


class Email(BaseModel):
    """One email as the system sends it, whatever carries it (SES in AWS, moto locally)."""

    model_config = ConfigDict(frozen=True)

    sender: str | None = Field(None, description="From address; None: the sender's configured address")
    to: list[str] = Field(min_length=1)
    subject: str
    text: str
    html: str
    headers: dict[str, str] = Field(default_factory=dict)

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


@dataclass(frozen=True)
class ApprovalRequests:
    """What ingest needs to ask for an approval: where the email goes out, and where its link points."""

    sender: EmailSender
    base_url: str = ""

    def send(self, plan: Plan, incident: Incident, message: Message, now: datetime) -> tuple[Email, str]:
        """Build and send the approval request; answers the email and the mail service's message id."""
        email = approval_request_email(plan, incident, message, now, self.base_url)
        return email, self.sender.send(email)


def approval_request_email(plan: Plan, incident: Incident, message: Message, now: datetime, base_url: str) -> Email:
    """The email asking the approving roles to review ``message`` before any customer sees it.

    It carries everything needed to decide from a phone: the incident facts, every channel's draft as
    that channel will show it, the questions the phase must answer, and a link to the approval page.
    The link is a plain one for now: the approvals API with signed, single-use tokens comes later, and
    then the link gains its token; nothing here pretends to be one.

    Written in the plan's main locale (the team's language). Raises ``ValueError`` (pydantic's
    ``ValidationError``) when the approving roles have nobody with an address, so the caller records it.
    """
    locale = plan.main_locale
    texts = _TEXTS.get(locale.split("-")[0], _TEXTS[_FALLBACK_LOCALE])
    zone = team_zone(plan)
    severity = plan.severity(incident.severity_id)
    component_name = localized(plan.component(incident.component_id).name, locale, locale)
    phase_name = texts["phases"][message.phase]
    review_url = approval_url(base_url, incident.id, message.id)
    channels = {channel.id: channel for channel in plan.channels.channels}
    context = {
        "locale": locale,
        "t": texts,
        "organisation": plan.definition.organisation.name,
        "subject": approval_subject(incident.severity_id, phase_name, component_name, texts["approval_needed"]),
        "incident": {
            "id": incident.id,
            "component": component_name,
            "severity": incident.severity_id,
            "severity_name": localized(severity.name, locale, locale),
            "phase": phase_name,
            "opened_at": format_datetime(incident.opened_at, zone, locale),
            "open_for": format_elapsed(now - incident.opened_at),
        },
        "alarms": [
            {
                "name": truncate(one_line(snapshot.name), ALARM_TEXT_MAX),
                "state": snapshot.state.value,
                "changed_at": format_datetime(snapshot.changed_at, zone, locale),
            }
            for snapshot in sorted(incident.alarms.values(), key=lambda snapshot: snapshot.changed_at)
        ],
        "approvers": [localized(plan.role(role_id).name, locale, locale) for role_id in message.approvers],
        "drafts": [
            {
                "channel": _channel_name(channels.get(draft.channel_id), draft.channel_id, locale),
                "channel_id": draft.channel_id,
                "locale": draft.locale,
                "subject": draft.subject,
                "text": draft.text,
            }
            for draft in message.drafts
        ],
        "answers": [texts["answer_names"].get(answer, answer) for answer in plan.phases.phases[message.phase].answers],
        "review_url": review_url,
        "review_url_is_absolute": review_url.startswith(("https://", "http://")),
    }
    environment = email_environment()
    return Email(
        to=approver_addresses(plan, message.approvers),
        subject=context["subject"],
        text=environment.get_template("approval_request.txt.j2").render(context).strip() + "\n",
        html=environment.get_template("approval_request.html.j2").render(context),
        headers={"X-Incident-Id": incident.id, "X-Incident-Message-Id": message.id},
    )


def approval_subject(severity_id: str, phase_name: str, component_name: str, approval_needed: str) -> str:
    """``[SEV1][Investigando] API pública — aprobación necesaria``: one line, under 100 characters.

    The component name is what gets shortened when the line is too long, so the severity, the phase
    and the call to act always show in the inbox.
    """
    prefix = f"[{one_line(severity_id)}][{one_line(phase_name)}] "
    suffix = f" — {approval_needed}"
    room = max(_COMPONENT_MIN, SUBJECT_MAX - len(prefix) - len(suffix))
    return one_line(prefix + truncate(one_line(component_name), room) + suffix)


def approval_url(base_url: str, incident_id: str, message_id: str) -> str:
    """Where a responder reviews ``message_id``: ``{base_url}/approvals/{incident_id}/{message_id}``."""
    return f"{base_url.rstrip('/')}/approvals/{quote(incident_id, safe='')}/{quote(message_id, safe='')}"


def approver_addresses(plan: Plan, role_ids: list[str]) -> list[str]:
    """Every person of every approving role, each address once, in plan order (primary first)."""
    addresses: dict[str, None] = {}
    for role_id in role_ids:
        for person in plan.role(role_id).people:
            addresses.setdefault(person.email, None)
    return list(addresses)


def team_zone(plan: Plan) -> ZoneInfo:
    """The time zone the team reads times in: the first internal audience's, else the first audience's."""
    audiences = plan.channels.audiences
    internal = [audience for audience in audiences if audience.internal]
    return ZoneInfo((internal or audiences)[0].timezone)


def _channel_name(channel: Channel | None, channel_id: str, locale: str) -> str:
    return localized(channel.name, locale, locale) if channel is not None else channel_id


@lru_cache(maxsize=1)
def email_environment() -> Environment:
    """The package's own email templates: HTML (and anything unknown) autoescaped; text is never read as markup."""
    return Environment(
        loader=PackageLoader("incident_comms", "templates"),
        autoescape=select_autoescape(
            enabled_extensions=("html", "html.j2"), disabled_extensions=("txt.j2",), default=True
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
