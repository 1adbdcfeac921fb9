"""Use case: many alarm changes of one open incident fed to its state machine with one read and one write.

Why: :meth:`~incident_comms.lifecycle.transitions.IncidentLifecycle.alarm_changed` reads and saves the incident once
per change, and the incident (with every alarm's state) grows with each one: a group of 1,000 alerts cost a
thousand growing reads and writes. Most changes of a large group only record an alarm's new state in the machine's
state ("quiet" transitions: no phase, status or severity change, nothing to draft, arm, stop or retire). Those are
folded in memory, in order, and saved together on the incident's revision; the first change that does more is
handed, after them, to ``alarm_changed`` itself, so it is applied exactly as on the one-by-one path. The result is
the same state as feeding the changes one by one; a lost race re-reads and folds again.
"""

from __future__ import annotations

from datetime import datetime

from incident_comms.alarms import Alarm, AlarmState
from incident_comms.incidents.machine import advance
from incident_comms.incidents.machine_models import (
    AlarmChanged,
    LifecycleState,
    Outcome,
    SeverityClassified,
    Transition,
)
from incident_comms.lifecycle.logic import state_of
from incident_comms.lifecycle.models import Step
from incident_comms.lifecycle.transitions import SAVE_ATTEMPTS, IncidentLifecycle


def quiet(before: LifecycleState, transition: Transition) -> bool:
    """An applied transition that only records alarm states: saving it needs no timeline entry and no follow-up."""
    after = transition.state
    return (
        transition.outcome == Outcome.APPLIED
        and (after.phase, after.status, after.severity_id) == (before.phase, before.status, before.severity_id)
        and not transition.drafts_to_create
        and not transition.timers
        and not transition.timers_to_cancel
        and not transition.cadence_restart
        and not transition.cadence_stop
        and not transition.supersede_waiting
    )


def alarms_changed(
    lifecycle: IncidentLifecycle, incident_id: str, changes: list[tuple[Alarm, str]], now: datetime
) -> list[Step]:
    """Feed ``changes`` (alarm, the severity the plan classifies it to), recorded on the open incident
    ``incident_id``, to its state machine; one Step per change, in order (module doc). Never raises, like
    ``alarm_changed``: a failure is a failed Step per change not applied."""
    steps: list[Step] = []
    pending = list(changes)
    attempts = 0
    while pending:
        try:
            folded = _fold(lifecycle, incident_id, pending, now)
        except Exception as error:  # noqa: BLE001 - the alarms are recorded; the failure must show, not be lost
            return steps + [lifecycle._failed(incident_id, "AlarmChanged", error, now) for _ in pending]
        if folded is None:
            attempts += 1
            if attempts >= SAVE_ATTEMPTS:
                reason = f"another change kept landing first ({SAVE_ATTEMPTS} attempts)"
                return steps + [Step("AlarmChanged", incident_id, None, reason) for _ in pending]
            continue
        done, rest = folded
        steps.extend(done)
        if rest:
            alarm, severity = rest[0]
            steps.append(lifecycle.alarm_changed(incident_id, alarm, severity, now))
            rest = rest[1:]
        pending = rest
    return steps


def _fold(
    lifecycle: IncidentLifecycle, incident_id: str, pending: list[tuple[Alarm, str]], now: datetime
) -> tuple[list[Step], list[tuple[Alarm, str]]] | None:
    """Fold the leading quiet and ignored changes and save them: (their steps, the changes from the first that does
    more); None when the save lost a race (read again)."""
    incident = lifecycle.store.get_incident(incident_id)
    if incident is None:
        return [Step("AlarmChanged", incident_id, None, "no such incident") for _ in pending], []
    start = state_of(incident)
    state, steps, stop = start, [], len(pending)
    for position, (alarm, severity) in enumerate(pending):
        event = AlarmChanged(at=alarm.changed_at, alarm_id=alarm.id, state=alarm.state, severity_id=severity)
        transition = advance(state, event, lifecycle.plan, settle=lifecycle.settle)
        if transition.outcome == Outcome.APPLIED and quiet(state, transition):
            state = transition.state
        elif transition.outcome != Outcome.IGNORED or _escalates(lifecycle, state, alarm, severity, now):
            stop = position
            break
        steps.append(
            Step("AlarmChanged", incident_id, transition.outcome, transition.reason, state.phase, state.severity_id)
        )
    if state != start:
        after = incident.model_copy(
            update={"lifecycle": state.model_dump(mode="json"), "revision": incident.revision + 1, "updated_at": now}
        )
        if not lifecycle.store.save_lifecycle(incident, after, []):
            return None
    return steps, pending[stop:]


def _escalates(lifecycle: IncidentLifecycle, state: LifecycleState, alarm: Alarm, severity: str, now: datetime) -> bool:
    """An ALARM the machine already knew that classifies more severe still escalates (as ``alarm_changed`` does)."""
    if alarm.state != AlarmState.ALARM:
        return False
    return advance(state, SeverityClassified(at=now, severity_id=severity), lifecycle.plan).outcome == Outcome.APPLIED
