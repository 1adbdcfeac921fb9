"""Emails to the team: the approval request sent to each approver, with that person's own signed links.

Pure: builds :class:`Email` values and talks to an :class:`EmailSender`; SES lives in
:mod:`incident_comms.adapters.ses`. These emails are the system's own (package templates in
``incident_comms/templates``), not the plan's, so they render in a plain Jinja2 environment with
autoescaping on for HTML: alarm names come from monitoring and are untrusted, and must never
become markup in a responder's mail client.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, ConfigDict, Field, field_validator

from incident_comms.drafting import (
    ALARM_TEXT_MAX,
    ChannelDraft,
    error_text,
    format_datetime,
    format_elapsed,
    one_line,
    truncate,
)
from incident_comms.errors import BadInput
from incident_comms.incidents import Incident, Message
from incident_comms.lint import Finding, lint_draft, segments, supports_locale
from incident_comms.plan.models import Channel, Phase, Plan, localized
from incident_comms.tokens import ApprovalAction, TokenClaims, expiry_for, issue_token

if TYPE_CHECKING:
    from incident_comms.conformance import Conformance

SUBJECT_MAX = 99
FINDING_QUOTE_MAX = 80
"""The text a finding is about, quoted in the approval email: enough to find it in the draft, one line."""
"""Subjects stay under 100 characters so every mail client shows the whole line, "approval needed" included."""

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
            "must_reason": "It has errors: approving it as it is takes a written reason on the page.",
            "certain": "Whoever edited it marked the promised fix time or outcome as certain.",
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


class ApprovalTimeouts(Protocol):
    def schedule(self, incident_id: str, message_id: str, due_at: datetime) -> str:
        """Make the approval timeout of ``message_id`` fire once at ``due_at``; answers the schedule's name."""
        ...


@dataclass(frozen=True)
class ApprovalLinks:
    """One approver's three links: each carries its own token, for that person, action and message version."""

    approve: str
    edit: str
    reject: str
    expires_at: datetime


@dataclass(frozen=True)
class SentEmail:
    """One email handed to the mail service (``provider_id``) or refused (``error``, safe to log)."""

    email: Email
    provider_id: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class ApprovalRequests:
    """What ingest needs to ask for an approval: where the email goes out, where its links point, the key that
    signs them (read on first use, so nothing reads the secret until an approval is actually asked for), and
    the approval timeout to arm."""

    sender: EmailSender
    token_key: Callable[[], bytes]
    base_url: str = ""
    timeouts: ApprovalTimeouts | None = None

    def send(
        self,
        plan: Plan,
        incident: Incident,
        message: Message,
        now: datetime,
        roles: list[str] | None = None,
        conformance: Conformance | None = None,
    ) -> list[SentEmail]:
        """Email every person of ``roles`` (default: the roles that must still approve) their own links.

        Each send is tried on its own: one refused address does not keep the others from being asked.
        """
        key = self.token_key()
        expires_at = expiry_for(now, plan.severity(incident.severity_id).approval_expiry)
        sent: list[SentEmail] = []
        for recipient in approver_addresses(plan, message.pending_roles if roles is None else roles):
            links = approval_links(self.base_url, key, message, recipient, expires_at)
            email = approval_request_email(plan, incident, message, now, links, recipient, conformance)
            try:
                sent.append(SentEmail(email, provider_id=self.sender.send(email)))
            except Exception as error:  # noqa: BLE001 - reported per recipient; the others are still asked
                sent.append(SentEmail(email, error=error_text(error)))
        return sent


def approval_links(base_url: str, key: bytes, message: Message, recipient: str, expires_at: datetime) -> ApprovalLinks:
    """Sign one link per action for ``recipient`` and the current version of ``message``."""

    def link(action: ApprovalAction) -> str:
        claims = TokenClaims(
            incident_id=message.incident_id,
            message_id=message.id,
            message_version=message.version,
            recipient=recipient,
            action=action,
            expires_at=expires_at,
        )
        return approval_url(base_url, issue_token(claims, key))

    return ApprovalLinks(
        approve=link(ApprovalAction.APPROVE),
        edit=link(ApprovalAction.EDIT),
        reject=link(ApprovalAction.REJECT),
        expires_at=expires_at,
    )


def approval_request_email(
    plan: Plan,
    incident: Incident,
    message: Message,
    now: datetime,
    links: ApprovalLinks,
    recipient: str,
    conformance: Conformance | None = None,
) -> Email:
    """The email asking one approver to review ``message`` before any customer sees it.

    It carries everything needed to decide from a phone: the incident facts, every channel's draft as
    that channel will show it, the questions the phase must answer, and three links (review and approve,
    edit, reject) signed for this recipient. Opening a link only shows a page; the decision is a button.

    Written in the plan's main locale (the team's language).
    """
    locale = plan.main_locale
    texts = team_texts(plan)
    zone = team_zone(plan)
    context = {
        **incident_context(plan, incident, message, now, texts),
        "checks": checks_context(plan, message, draft_checks(plan, message, incident.severity_id), texts),
        "links": links,
        "links_note": texts["links_note"].format(expires=format_datetime(links.expires_at, zone, locale)),
        "links_are_absolute": links.approve.startswith(("https://", "http://")),
        "conformance": conformance_lines(conformance, texts) if message.phase == Phase.POSTMORTEM else None,
    }
    environment = email_environment()
    return Email(
        to=[recipient],
        subject=context["subject"],
        text=environment.get_template("approval_request.txt.j2").render(context).strip() + "\n",
        html=environment.get_template("approval_request.html.j2").render(context),
        headers={"X-Incident-Id": incident.id, "X-Incident-Message-Id": message.id},
    )


def incident_context(
    plan: Plan, incident: Incident, message: Message, now: datetime, texts: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What the approval email and the approval page show about an incident and one message, as text values
    (autoescaped where they become HTML): alarm names are truncated to one line, times are in the team's zone."""
    locale = plan.main_locale
    texts = texts or team_texts(plan)
    zone = team_zone(plan)
    severity = plan.severity(incident.severity_id)
    component_name = localized(plan.component(incident.component_id).name, locale, locale)
    phase_name = texts["phases"][message.phase]
    channels = {channel.id: channel for channel in plan.channels.channels}
    return {
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
                "format": draft.format.value,
                "locale": draft.locale,
                "subject": draft.subject,
                "text": draft.text,
            }
            for draft in message.drafts
        ],
        "answers": [texts["answer_names"].get(answer, answer) for answer in plan.phases.phases[message.phase].answers],
        "message": {"id": message.id, "version": message.version},
    }


@dataclass(frozen=True)
class DraftCheck:
    """What the draft checks (:mod:`incident_comms.lint`) found in one channel's draft; ``checked`` is False for
    a language the checks do not know, which the page and the email say rather than claim "no problems"."""

    draft: ChannelDraft
    findings: tuple[Finding, ...]
    checked: bool = True

    @property
    def errors(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.level == "error"]


def draft_checks(plan: Plan, message: Message, severity_id: str) -> list[DraftCheck]:
    """Check every channel's draft of ``message`` as its approvers will see it: the message's phase, the incident's
    current severity ``severity_id`` (one the plan dropped since: the checks that need one are skipped) and whether
    an editor vouched for the promised fix (``Message.certain``)."""
    severities = {severity.id for severity in plan.definition.severities}
    severity = severity_id if severity_id in severities else None
    checks: list[DraftCheck] = []
    for draft in message.drafts:
        if not supports_locale(draft.locale):
            checks.append(DraftCheck(draft, (), checked=False))
            continue
        try:
            findings = lint_draft(plan, draft, message.phase, severity, certain=message.certain)
        except BadInput:  # only an unknown locale or severity, both excluded above; never hide the draft for it
            checks.append(DraftCheck(draft, (), checked=False))
            continue
        checks.append(DraftCheck(draft, tuple(findings)))
    return checks


def error_checks(checks: list[DraftCheck]) -> list[str]:
    """The ids of the checks that found errors, each once, in the order they were found."""
    return list(dict.fromkeys(finding.check for check in checks for finding in check.errors))


def findings_summary(errors: int, warnings: int, texts: dict[str, Any]) -> str:
    """``2 errors, 1 warning`` in the team's language; the "no problems" line when both are zero."""
    words = texts["findings"]
    parts = [
        (words[kind][0] if count == 1 else words[kind][1].format(count=count))
        for kind, count in (("errors", errors), ("warnings", warnings))
        if count
    ]
    return ", ".join(parts) or words["none"]


def checks_context(plan: Plan, message: Message, checks: list[DraftCheck], texts: dict[str, Any]) -> dict[str, Any]:
    """What the approval page and email show of the findings, as plain values the templates escape.

    Per channel: every finding numbered (``id`` ``f<draft>-<n>``, unique on the page), its level, check id,
    message, the plan values it stands for and the text it is about (quoted, one line, at most
    :data:`FINDING_QUOTE_MAX` characters); the subject and text cut into segments so the page can mark each span
    (``segments``); findings about the whole text (something missing) listed apart (``whole``), above the text.
    """
    words = texts["findings"]
    locale = plan.main_locale
    value_names = {value.id: localized(value.name, locale, locale) for value in plan.values.values}
    channels: dict[str, dict[str, Any]] = {}
    for index, check in enumerate(checks, start=1):
        draft = check.draft
        parts = {"subject": draft.subject or "", "text": draft.text}
        listed: list[dict[str, Any]] = []
        spans: dict[str, list[tuple[Finding, dict[str, Any]]]] = {"subject": [], "text": []}
        for number, finding in enumerate(check.findings, start=1):
            source = parts[finding.part]
            whole = finding.part == "text" and finding.start <= 0 and finding.end >= len(source)
            quote = truncate(one_line(source[finding.start : finding.end]), FINDING_QUOTE_MAX)
            item = {
                "id": f"f{index}-{number}",
                "number": number,
                "level": finding.level,
                "level_name": words["levels"][finding.level],
                "check": finding.check,
                "message": finding.message,
                "value_names": [value_names.get(value, value) for value in finding.values],
                "part": finding.part,
                "whole": whole,
                "quote": None if whole or not quote or f"«{quote}»" in finding.message else quote,
            }
            listed.append(item)
            if not whole:
                spans[finding.part].append((finding, item))
        channels[draft.channel_id] = {
            "checked": check.checked,
            "not_checked": None if check.checked else words["not_checked"].format(locale=draft.locale),
            "findings": listed,
            "whole": [item for item in listed if item["whole"]],
            "spanned": [item for item in listed if not item["whole"]],
            "summary": findings_summary(len(check.errors), len(check.findings) - len(check.errors), texts),
            "errors": len(check.errors),
            "subject_segments": _marked(parts["subject"], spans["subject"]) if draft.subject else None,
            "segments": _marked(draft.text, spans["text"]),
        }
    errors = sum(len(check.errors) for check in checks)
    warnings = sum(len(check.findings) for check in checks) - errors
    return {
        "summary": findings_summary(errors, warnings, texts),
        "errors": errors,
        "warnings": warnings,
        "error_checks": error_checks(checks),
        "certain": message.certain,
        "channels": channels,
        "f": words,
    }


def _marked(text: str, spans: list[tuple[Finding, dict[str, Any]]]) -> list[dict[str, Any]]:
    """``text`` in runs, each with the ids of the findings covering it, its strongest level, their check ids, and
    the numbers of the findings that end with it (the page puts ``[n]`` there)."""
    by_finding = {id(finding): item for finding, item in spans}
    runs = []
    for segment in segments(text, [finding for finding, _ in spans]):
        end = segment.start + len(segment.text)
        covering = [by_finding[id(finding)] for finding in segment.findings]
        runs.append(
            {
                "text": segment.text,
                "ids": [item["id"] for item in covering],
                "checks": list(dict.fromkeys(item["check"] for item in covering)),
                "level": "error" if any(item["level"] == "error" for item in covering) else "warning",
                "ends": [by_finding[id(finding)]["number"] for finding in segment.findings if finding.end == end],
            }
        )
    return runs


def conformance_lines(report: Conformance | None, texts: dict[str, Any]) -> list[tuple[str, str]] | None:
    """The conformance report as (label, value) lines for the postmortem's approval email; None without one."""
    if report is None:
        return None
    names = texts["conformance_names"]
    promises = report.promises
    reach = "; ".join(
        f"{channel.channel_id}: {channel.messages}, {channel.delivered}, {channel.failed}"
        for channel in report.channels
    )
    return [
        (names["first_message"], report.time_to_first_message or names["not_yet"]),
        (
            names["promises"],
            f"{promises.made} / {promises.kept_on_time} / {promises.kept_late} / {promises.open}",
        ),
        (names["reach"], reach or names["not_yet"]),
    ]


def approval_subject(severity_id: str, phase_name: str, component_name: str, approval_needed: str) -> str:
    """``[SEV1][Investigando] API pública — aprobación necesaria``: one line, under 100 characters.

    The component name is what gets shortened when the line is too long, so the severity, the phase
    and the call to act always show in the inbox.
    """
    prefix = f"[{one_line(severity_id)}][{one_line(phase_name)}] "
    suffix = f" — {approval_needed}"
    room = max(_COMPONENT_MIN, SUBJECT_MAX - len(prefix) - len(suffix))
    return one_line(prefix + truncate(one_line(component_name), room) + suffix)


def approval_url(base_url: str, token: str) -> str:
    """The page of one approval link: ``{base_url}/approvals/{token}``. The token is the whole credential and
    names incident, message and action itself, so the path carries nothing else."""
    return f"{base_url.rstrip('/')}/approvals/{quote(token, safe='')}"


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
