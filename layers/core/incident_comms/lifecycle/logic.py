"""Pure functions of the lifecycle: the machine's state of a stored incident, the incident after a transition,
and the timeline entries saved with it.

Nothing here reads or writes: the use case (:mod:`incident_comms.lifecycle.transitions`) saves what these compute,
in one write conditioned on the incident's ``revision``. The machine's state is stored on the incident
(``Incident.lifecycle``), apart from ``Incident.alarms``: ingest records an alarm's new state before the machine
sees the change, and the machine must still see it as a change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from incident_comms.incidents.machine_models import LifecycleState, Transition
from incident_comms.incidents.models import (
    Incident,
    IncidentStatus,
    Message,
    MessageStatus,
    TimelineEntry,
    TimelineKind,
)
from incident_comms.lifecycle.models import Audit
from incident_comms.plan.models import Phase


def state_of(incident: Incident) -> LifecycleState:
    """The machine's state of a stored incident: the one its last transition saved (or ingest stored when it opened
    the incident); for an incident stored before the machine kept its own, what the incident itself says."""
    if incident.lifecycle is not None:
        return LifecycleState.model_validate(incident.lifecycle)
    return LifecycleState.of_incident(incident)


def initial_lifecycle(incident: Incident) -> dict[str, Any]:
    """The machine's state of an incident as it opens (its opening alarm in ALARM), to store with it."""
    return LifecycleState.of_incident(incident).model_dump(mode="json")


def incident_after(incident: Incident, transition: Transition, now: datetime) -> Incident:
    """The incident with the transition's state, one revision later; when this resolves it, ``resolved_at`` is the
    impact window's end the machine decided (the last alarm's OK), ``now`` only when it named none."""
    state = transition.state
    resolving = incident.status == IncidentStatus.OPEN and state.status == IncidentStatus.RESOLVED
    return incident.model_copy(
        update={
            "phase": state.phase,
            "status": state.status,
            "severity_id": state.severity_id,
            "lifecycle": state.model_dump(mode="json"),
            "revision": incident.revision + 1,
            "updated_at": now,
            "resolved_at": (transition.impact_ended_at or now) if resolving else incident.resolved_at,
        }
    )


def transition_entries(
    before: Incident,
    after: Incident,
    transition: Transition,
    event: str,
    now: datetime,
    audit: Audit | None = None,
    cause: Mapping[str, str] | None = None,
    why: str | None = None,
) -> list[TimelineEntry]:
    """The timeline entries saved with a transition: the severity raised (or, by hand, changed either way: who, from
    where and ``why`` they gave), the phase changed (with the machine's reason, and for a responder's move who, from
    where, and the cause they gave, per locale)."""
    data: dict[str, Any] = {"event": event, "reason": transition.reason, **(audit.as_data() if audit else {})}
    if cause:
        data["cause"] = dict(cause)
    if why:
        data["why"] = why
    entries = []
    if after.severity_id != before.severity_id:
        entries.append(
            TimelineEntry(
                incident_id=before.id,
                at=now,
                kind=TimelineKind.SEVERITY_CHANGED if audit else TimelineKind.SEVERITY_ESCALATED,
                text=f"Severity {before.severity_id} → {after.severity_id}: {transition.reason}",
                data={**data, "from": before.severity_id, "to": after.severity_id},
            )
        )
    if after.phase != before.phase:
        who = f" (by {audit.by})" if audit else ""
        entries.append(
            TimelineEntry(
                incident_id=before.id,
                at=now,
                kind=TimelineKind.PHASE_CHANGED,
                text=f"Phase {before.phase.value} → {after.phase.value}{who}: {transition.reason}",
                data={**data, "from": before.phase.value, "to": after.phase.value},
            )
        )
    return entries


REDRAFTED_WHEN_RESOLVED = frozenset({Phase.RESOLVED, Phase.POSTMORTEM})


def facts_redraft(incident: Incident, messages: Sequence[Message]) -> Phase | None:
    """Which message tells customers an incident's changed facts (it supersedes every draft still waiting): the
    phase of the newest draft awaiting approval, redrafted with the new facts; else, while the incident is open, an
    ``update``. A resolved incident redrafts only a waiting ``resolved`` or ``postmortem`` draft (otherwise the facts
    wait for the postmortem); a closed one drafts nothing. None: nothing to draft."""
    if incident.phase == Phase.POSTMORTEM:
        return None
    waiting = [message for message in messages if message.status == MessageStatus.AWAITING_APPROVAL]
    newest = max(waiting, key=lambda message: (message.sequence, message.created_at), default=None)
    if incident.status == IncidentStatus.RESOLVED:
        return newest.phase if newest is not None and newest.phase in REDRAFTED_WHEN_RESOLVED else None
    return newest.phase if newest is not None else Phase.UPDATE


def postmortem_published(messages: Sequence[Message]) -> bool:
    """Whether a postmortem of the incident was handed to publishing (approved, or its holding text published)."""
    return any(message.phase == Phase.POSTMORTEM and message.status == MessageStatus.APPROVED for message in messages)
