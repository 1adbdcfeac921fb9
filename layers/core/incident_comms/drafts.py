"""Draft a phase (or ``update``) message for an open incident and ask for its approval: one call shared by the
update prompter (holding updates when a promise falls due) and the lifecycle (monitoring, resolved, postmortem,
identified, escalation updates), so every draft after the first is made, stored and requested the same way the
first one is (:func:`incident_comms.ingest.first_message` / :func:`incident_comms.ingest.request_approval`).

The draft promises the next update (``next_update_at``) by the cadence of the incident's *current* severity
(:func:`incident_comms.cadence.next_update_due`), counted from the drafting instant, and remembers that promise on
the message (``Message.promise``); a message that ends the conversation (``resolved``, ``postmortem``) promises
nothing. Publishing records the promise in the ledger, and promises anew when approval took longer than the
promise (see :mod:`incident_comms.promise_keeping`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from incident_comms.alarms import Alarm, AlarmKind, AlarmState
from incident_comms.cadence import DuePromise, audience_dues, next_update_due, promise_audiences
from incident_comms.drafting import MessageFacts, error_text, render_drafts
from incident_comms.incidents import (
    AlarmSnapshot,
    Incident,
    Message,
    TimelineEntry,
    TimelineKind,
    new_message_id,
    notification_failed,
)
from incident_comms.ingest import request_approval
from incident_comms.notify import ApprovalRequests
from incident_comms.plan.models import Phase, Plan
from incident_comms.store import IncidentStore

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
    what the caller knows besides (``facts_update``: cause, actions taken, impact window, ...).

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
        "started_at": incident.opened_at,
        "now": now,
        "next_update_at": promise.due_at if promise is not None else None,
        "next_update_by_audience": dict(by_audience or {}) if promise is not None else {},
        "alarms": [_alarm_of(snapshot) for snapshot in incident.alarms.values()],
    }
    return MessageFacts.model_validate({**base, **extra})


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


def draft_and_request(
    plan: Plan,
    store: IncidentStore,
    approvals: ApprovalRequests,
    incident: Incident,
    phase: Phase,
    now: datetime,
    *,
    facts_update: Mapping[str, Any] | None = None,
) -> Message | None:
    """Render ``phase``'s drafts for every channel of the incident's current severity, store the message with its
    DRAFT_CREATED timeline entry, and email the approvers (:func:`incident_comms.ingest.request_approval`: links,
    approval timeout, timeline). Answers the stored message.

    None when nothing could be drafted — the plan's templates fail, or the severity reaches no channel — and the
    reason is on the timeline (``notification_failed``, notification ``draft``): a draft that silently never
    appears is the one failure the team could not see. Raises ValueError for a bad ``facts_update`` (a caller
    bug), before anything is stored.
    """
    promise = draft_promise(plan, incident, phase, now)
    dues = audience_dues(plan.severity(incident.severity_id), promise_audiences(plan, incident.severity_id), now)
    facts = draft_facts(incident, now, promise, facts_update, dues)
    what = f"The {phase.value} draft"
    try:
        drafts = render_drafts(plan, phase, facts)
        if not drafts:
            raise LookupError(f"severity {incident.severity_id} reaches no channel")
    except Exception as error:  # noqa: BLE001 - a plan template failing must show on the incident, not vanish
        store.add_timeline_entry(notification_failed(incident.id, now, "draft", what, error_text(error), phase=phase))
        return None
    message = Message(
        id=new_message_id(phase),
        incident_id=incident.id,
        phase=phase,
        created_at=now,
        approvers=plan.approvers_for(incident.severity_id, phase),
        drafts=drafts,
        promise=promise,
    )
    promised = f"; next update promised by {promise.due_at.isoformat()}" if promise else ""
    created = TimelineEntry(
        incident_id=incident.id,
        at=now,
        kind=TimelineKind.DRAFT_CREATED,
        text=f"{phase.value.capitalize()} message drafted for {len(drafts)} channels, awaiting approval{promised}",
        data={
            "message_id": message.id,
            "phase": phase.value,
            "approvers": message.approvers,
            "promise": promise.model_dump(mode="json") if promise else None,
        },
    )
    if not store.add_message(message, [created]):
        raise RuntimeError(f"message id {message.id} already stored for incident {incident.id}")
    request_approval(plan, store, approvals, incident, message, now)
    return message
