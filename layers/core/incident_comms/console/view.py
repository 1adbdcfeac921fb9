"""What the console shows, pure: the incident, its facts with every locale side by side, its timeline, every message
with its status and what each channel published, the drafts awaiting approval (with this person's own approval
links when they are one of its approvers and their role has yet to approve), and the forms that change it.

Plain values for an autoescaped template: alarm and draft text are never markup. Times are in the team's zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from incident_comms.approvals.links import approval_links
from incident_comms.approvals.logic import holder_roles, role_names
from incident_comms.approvals.tokens import expiry_for
from incident_comms.console.forms import FACT_BOXES, MAX_REASON_CHARS, SETTABLE_LEVELS
from incident_comms.console.links import closed
from incident_comms.incidents.facts import MAX_FACT_CHARS
from incident_comms.incidents.machine_models import MANUAL_TARGETS
from incident_comms.incidents.models import (
    Delivery,
    Incident,
    IncidentStatus,
    Message,
    MessageStatus,
    TimelineEntry,
)
from incident_comms.plan.models import OutageLevel, Plan, localized
from incident_comms.team.emails import team_texts, team_zone
from incident_comms.text import format_datetime, format_elapsed

_LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


def console_view(
    plan: Plan,
    incident: Incident,
    timeline: Sequence[TimelineEntry],
    messages: Sequence[Message],
    deliveries: Sequence[Delivery],
    recipient: str,
    roles: Sequence[str],
    now: datetime,
    *,
    approvals_base_url: str,
    key: bytes,
) -> dict[str, Any]:
    """The template context of one person's console (module doc)."""
    locale = plan.main_locale
    zone = team_zone(plan)
    team = team_texts(plan)
    locales = list(plan.definition.locales)
    facts = incident.facts
    ordered = sorted(messages, key=lambda message: (message.sequence, message.created_at))
    expiry = plan.severity(incident.severity_id).approval_expiry
    return {
        "locale": locale,
        "organisation": plan.definition.organisation.name,
        "recipient": recipient,
        "roles": role_names(plan, roles),
        "locales": locales,
        "zone": zone.key,
        "incident": _incident(plan, incident, now, team),
        "facts": [
            {
                "name": fact,
                "texts": [facts.texts(fact).get(item, "") for item in locales],
                "boxes": [
                    {"name": f"{fact}_{item}", "locale": item, "value": facts.texts(fact).get(item, "")}
                    for item in locales
                ],
            }
            for fact in FACT_BOXES
        ],
        "data_loss": facts.data_loss.value,
        "impact_started_at": _local(facts.impact_started_at, zone),
        "impact_ended_at": _local(facts.impact_ended_at, zone),
        "pending": [
            _pending(plan, message, recipient, now, approvals_base_url, key, expiry, team)
            for message in ordered
            if message.status == MessageStatus.AWAITING_APPROVAL
        ],
        "messages": [_message(plan, message, deliveries, team) for message in ordered],
        "timeline": [{"at": format_datetime(entry.at, zone, locale), "text": entry.text} for entry in timeline],
        "forms": _forms(plan, incident),
        "max_text": MAX_FACT_CHARS,
        "max_reason": MAX_REASON_CHARS,
    }


def _incident(plan: Plan, incident: Incident, now: datetime, team: dict[str, Any]) -> dict[str, Any]:
    locale = plan.main_locale
    zone = team_zone(plan)
    components = incident.facts.components or [incident.component_id]
    status = "closed" if closed(incident) else incident.status.value
    return {
        "id": incident.id,
        "component": localized(plan.component(incident.component_id).name, locale, locale),
        "components": [_component_name(plan, component_id) for component_id in components],
        "severity": incident.severity_id,
        "severity_name": localized(plan.severity(incident.severity_id).name, locale, locale),
        "phase": team["phases"][incident.phase],
        "status": status,
        "opened_at": format_datetime(incident.opened_at, zone, locale),
        "open_for": format_elapsed(now - incident.opened_at),
        "impact_start": format_datetime(incident.impact_start, zone, locale),
        "impact_end": format_datetime(end, zone, locale)
        if (end := incident.facts.impact_ended_at or incident.resolved_at)
        else None,
    }


def _component_name(plan: Plan, component_id: str) -> str:
    known = {component.id: component for component in plan.definition.components}
    component = known.get(component_id)
    return localized(component.name, plan.main_locale, plan.main_locale) if component else component_id


def _pending(
    plan: Plan,
    message: Message,
    recipient: str,
    now: datetime,
    base_url: str,
    key: bytes,
    expiry: timedelta,
    team: dict[str, Any],
) -> dict[str, Any]:
    """A draft awaiting approval; ``links`` are this person's when a role of theirs has yet to approve it (signed
    for the message's current version, expiring when its approval request's links do)."""
    locale = plan.main_locale
    acting = [role for role in holder_roles(plan, recipient, message) if role in message.pending_roles]
    links = None
    expired = False
    if acting:
        expires_at = expiry_for(message.created_at, expiry)
        expired = expires_at <= now
        links = None if expired else approval_links(base_url, key, message, recipient, expires_at)
    channels = {channel.id: channel for channel in plan.channels.channels}
    return {
        "id": message.id,
        "phase": team["phases"][message.phase],
        "sequence": message.sequence,
        "version": message.version,
        "approvers": role_names(plan, message.pending_roles),
        "mine": bool(acting),
        "links": links,
        "expires": format_datetime(links.expires_at, team_zone(plan), locale) if links else None,
        "expired": expired,
        "drafts": [
            {
                "channel": localized(channels[draft.channel_id].name, locale, locale)
                if draft.channel_id in channels
                else draft.channel_id,
                "locale": draft.locale,
                "subject": draft.subject,
                "text": draft.text,
            }
            for draft in message.drafts
        ],
    }


def _message(plan: Plan, message: Message, deliveries: Sequence[Delivery], team: dict[str, Any]) -> dict[str, Any]:
    zone = team_zone(plan)
    return {
        "id": message.id,
        "sequence": message.sequence,
        "phase": team["phases"][message.phase],
        "version": message.version,
        "status": message.status.value,
        "holding": message.holding,
        "created": format_datetime(message.created_at, zone, plan.main_locale),
        "deliveries": [
            {
                "channel": delivery.channel_id,
                "attempted": delivery.attempted,
                "delivered": delivery.delivered,
                "failed": delivery.failed,
                "bounced": delivery.bounced,
            }
            for delivery in deliveries
            if delivery.message_id == message.id
        ],
    }


def _forms(plan: Plan, incident: Incident) -> dict[str, Any]:
    """Which forms the page offers now: moves and severity while open, close once resolved, facts until closed."""
    locale = plan.main_locale
    is_open = incident.status == IncidentStatus.OPEN and not closed(incident)
    affected = set(incident.facts.components or [incident.component_id])
    return {
        "facts": not closed(incident),
        "targets": [phase.value for phase in MANUAL_TARGETS if phase != incident.phase] if is_open else [],
        "severities": [
            {"id": severity.id, "name": localized(severity.name, locale, locale)}
            for severity in plan.definition.severities
            if severity.id != incident.severity_id
        ]
        if is_open
        else [],
        "components": [
            {"id": component.id, "name": localized(component.name, locale, locale)}
            for component in plan.definition.components
            if component.id not in affected
        ]
        if not closed(incident)
        else [],
        "levels": _levels(plan, incident) if is_open else [],
        "level_choices": [level.value for level in SETTABLE_LEVELS],
        "resolve": is_open,
        "close": incident.status == IncidentStatus.RESOLVED and not closed(incident),
    }


def _levels(plan: Plan, incident: Incident) -> list[dict[str, Any]]:
    """Every plan component with the level the status page shows it at while the incident is open: the one a
    responder set, else the severity's for an affected component, else operational."""
    locale = plan.main_locale
    affected = set(incident.facts.components or [incident.component_id])
    default = plan.definition.outage_level(incident.severity_id)
    return [
        {
            "id": component.id,
            "name": localized(component.name, locale, locale),
            "level": incident.facts.component_levels.get(
                component.id, default if component.id in affected else OutageLevel.OPERATIONAL
            ).value,
        }
        for component in plan.definition.components
    ]


def _local(value: datetime | None, zone: Any) -> str:
    """A corrected instant as a datetime-local box shows it, in the team's zone; empty when there is none."""
    return value.astimezone(zone).strftime(_LOCAL_MINUTE) if value is not None else ""
