"""What a new draft is written from: the incident's facts as stored, and the next update it promises; shared by the
update prompter (holding updates when a promise falls due) and the lifecycle (monitoring, resolved, postmortem,
identified, escalation updates), so every draft after the first is made, stored and requested the same way the
first one is (:func:`incident_comms.intake.ingest.first_message` /
:func:`incident_comms.approvals.requests.request_approval`).

The draft promises the next update (``next_update_at``) by the cadence of the incident's *current* severity
(:func:`incident_comms.cadence.due.next_update_due`), counted from the drafting instant, and remembers that promise on
the message (``Message.promise``); a message that ends the conversation (``resolved``, ``postmortem``) promises
nothing. Publishing records the promise in the ledger, and promises anew when approval took longer than the
promise (see :mod:`incident_comms.cadence.keeping`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from incident_comms.alarms import Alarm, AlarmKind, AlarmState
from incident_comms.cadence.due import next_update_due, promise_audiences
from incident_comms.drafting.models import MessageFacts
from incident_comms.incidents.facts import draft_values
from incident_comms.incidents.models import (
    AlarmSnapshot,
    Incident,
    IncidentStatus,
)
from incident_comms.incidents.promises import DuePromise
from incident_comms.plan.models import Phase, Plan

PROMISE_FREE_PHASES = frozenset({Phase.RESOLVED, Phase.POSTMORTEM})
"""Phases whose message promises no next update: the incident is over for customers."""

FACTS_SET_HERE = frozenset(
    {"incident_id", "component_id", "severity_id", "started_at", "now", "next_update_at", "next_update_by_audience"}
)
"""Facts that come from the incident, the clock and the cadence; ``facts_update`` may not override them."""


def draft_promise(plan: Plan, incident: Incident, phase: Phase, now: datetime) -> DuePromise | None:
    """The next update a ``phase`` draft made ``now`` promises: by the incident's current severity's cadence and
    its customer audiences' office hours; None for phases that end the conversation or severities without a
    cadence (updates on change only)."""
    if phase in PROMISE_FREE_PHASES:
        return None
    audiences = promise_audiences(plan, incident.severity_id)
    if not audiences:
        return None
    return next_update_due(plan.severity(incident.severity_id), audiences, now)


def draft_facts(
    incident: Incident,
    now: datetime,
    promise: DuePromise | None,
    facts_update: Mapping[str, Any] | None = None,
    by_audience: Mapping[str, datetime] | None = None,
) -> MessageFacts:
    """The facts a draft is written from: the incident as stored, its alarms' last known states, the promise, and
    what the caller knows besides (``facts_update``: actions taken, impact window, ...); the facts stored on the
    incident (:mod:`incident_comms.incidents.facts`: data loss, texts per locale, a corrected window) win over
    what the caller computed, and the cause is told once the incident is past investigating.

    Raises ValueError naming any ``facts_update`` key that is not a fact, or that the incident itself decides.
    """
    extra = dict(facts_update or {})
    unknown = sorted(set(extra) - set(MessageFacts.model_fields))
    if unknown:
        raise ValueError(f"not message facts: {', '.join(unknown)}")
    fixed = sorted(set(extra) & FACTS_SET_HERE)
    if fixed:
        raise ValueError(f"facts decided by the incident, not the caller: {', '.join(fixed)}")
    base: dict[str, Any] = {
        "incident_id": incident.id,
        "component_id": incident.component_id,
        "severity_id": incident.severity_id,
        "started_at": incident.impact_start,
        "now": now,
        "next_update_at": promise.due_at if promise is not None else None,
        "next_update_by_audience": dict(by_audience or {}) if promise is not None else {},
        "alarms": [_alarm_of(snapshot) for snapshot in incident.alarms.values()],
    }
    stored = draft_values(incident.facts, told_cause=incident.phase != Phase.INVESTIGATING)
    if incident.status != IncidentStatus.RESOLVED:
        stored.pop("resolved_at", None)  # a corrected end is told once the incident is over, not before
    return MessageFacts.model_validate({**base, **extra, **stored})


def _alarm_of(snapshot: AlarmSnapshot) -> Alarm:
    """An alarm's last known state as the drafts show it (name, state, when) to internal audiences."""
    return Alarm(
        source=snapshot.source,
        kind=AlarmKind.METRIC,
        id=snapshot.id,
        name=snapshot.name,
        state=AlarmState(snapshot.state),
        changed_at=snapshot.changed_at,
    )
