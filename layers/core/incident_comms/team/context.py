"""What the team's emails and pages show about one incident and one of its messages, as plain values the
templates autoescape: component, severity and phase in the team's language, times in the team's zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from incident_comms.drafting.models import ALARM_TEXT_MAX
from incident_comms.incidents.models import Incident, Message
from incident_comms.plan.models import Channel, Plan, localized
from incident_comms.team.emails import approval_subject, team_texts, team_zone
from incident_comms.text import format_datetime, format_elapsed, one_line, truncate


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


def _channel_name(channel: Channel | None, channel_id: str, locale: str) -> str:
    return localized(channel.name, locale, locale) if channel is not None else channel_id
