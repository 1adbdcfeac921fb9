"""What the status page shows, before any locale: only what was approved, and for how long.

A message shows once it is approved and its version has a publication (the hand-off the approval wrote). A holding
text stands in for its draft until the draft itself is published: from then on the page shows the draft, never the
holding text beside it (the publisher refuses a holding text handed over before its draft but reached after it, so
the page must not be the one place that tells it). An incident nobody has published anything about yet is not on
the page, and a component's status comes from published
incidents only; the phase shown is the one the last published update announced (an ``update`` keeps the phase
before it). An incident counts as resolved once a ``resolved`` (or ``postmortem``) update is published, or once the
store says it is resolved; it stays in the history :data:`HISTORY_DAYS` after its last activity. Pure.
"""

from __future__ import annotations

from datetime import datetime

from incident_comms.delivery.status_page.models import PublishedUpdate, ShownIncident, SiteIncident
from incident_comms.incidents.models import IncidentStatus, MessageStatus
from incident_comms.plan.models import Phase, Plan

HISTORY_DAYS = 90
"""Resolved incidents stay in the history this long after their last resolution or update."""

_CLOSED_PHASES = (Phase.RESOLVED, Phase.POSTMORTEM)


def published_updates(record: SiteIncident) -> list[PublishedUpdate]:
    """The incident's approved messages whose current version has a publication, oldest first."""
    handed_off: dict[tuple[str, int], datetime] = {}
    for publication in record.publications:
        key = (publication.message_id, publication.version)
        handed_off[key] = min(publication.requested_at, handed_off.get(key, publication.requested_at))
    published = [
        message
        for message in record.messages
        if message.status == MessageStatus.APPROVED and (message.id, message.version) in handed_off
    ]
    out = {message.id for message in published}
    updates = [
        PublishedUpdate(message, handed_off[(message.id, message.version)])
        for message in published
        if not (message.holding and message.replaces in out)
    ]
    return sorted(updates, key=lambda update: (update.published_at, update.message.created_at, update.message.id))


def shown_incident(record: SiteIncident) -> ShownIncident | None:
    updates = published_updates(record)
    if not updates:
        return None
    announced = [update.message.phase for update in updates if update.message.phase != Phase.UPDATE]
    phase = announced[-1] if announced else Phase.INVESTIGATING
    closing = [update.published_at for update in updates if update.message.phase in _CLOSED_PHASES]
    resolved_at: datetime | None = None
    ended = record.incident.facts.impact_ended_at or record.incident.resolved_at
    if closing:
        resolved_at = ended or closing[0]
    elif record.incident.status == IncidentStatus.RESOLVED:
        resolved_at = ended or record.incident.updated_at
        phase = Phase.RESOLVED
    return ShownIncident(record.incident, updates, phase, resolved_at)


def severity_rank(plan: Plan, severity_id: str) -> int:
    """0 is the most severe; a severity the plan no longer has ranks below all of them."""
    ids = [severity.id for severity in plan.definition.severities]
    return ids.index(severity_id) if severity_id in ids else len(ids)
