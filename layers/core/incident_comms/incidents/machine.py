"""The incident state machine: what each alarm change, timer and responder step does to an incident's phase.

:func:`advance` is pure: it takes the incident's :class:`LifecycleState`, one event and the plan, and answers a
:class:`Transition` — the new state, the phase messages to draft, whether the update cadence restarts or stops,
and the timers to arm. The caller stores the state, drafts the messages, and schedules each timer so that its
event (:func:`timer_event`) comes back here when it fires. Refused events (a move that makes no sense) and
ignored ones (a duplicate, a stale timer) leave the state exactly as it was and say why. The state, events,
timers and transitions themselves are in :mod:`incident_comms.incidents.machine_models`.

Phases: ``investigating → identified → monitoring → resolved → postmortem``. ``update`` is a message inside any
phase, never an incident phase. The rules:

- **Recovery.** When every alarm of the incident is OK, nothing is drafted at once: a flapping alarm would draft
  ``monitoring`` on every OK. Instead a settle check is armed; if the alarms are still all OK since then when it
  fires (:class:`AlarmsSettled`), ``monitoring`` is drafted. The settle time is :data:`DEFAULT_SETTLE` (capped at
  the plan's quiet period); each ALARM restarts it, so a flapping alarm yields at most one ``monitoring`` draft
  per stretch of calm at least that long (also when a responder moves the incident back to ``identified``
  during the stretch: a late settle check does not overrule them).
- **Resolution.** In ``monitoring``, once the alarms have been all OK for the plan's ``quiet_period`` (counted
  from when they went OK, or from a responder's move to monitoring if later), ``resolved`` is drafted, the
  incident is resolved, the cadence stops and a postmortem reminder is armed at the plan's postmortem deadline.
  The impact ended when the last alarm went OK, not when the quiet period ran out (``impact_ended_at``); a
  responder resolving while an alarm is not OK ends it at their move.
- **Relapse.** A new ALARM (an alarm going to ALARM, not a redelivery) while ``monitoring`` sends the incident
  back to ``identified`` (drafted, since customers were told it was fixed) and restarts the cadence.
- **Escalation.** An ALARM (or a classification) of a more severe severity raises the incident's severity,
  drafts an ``update`` (the new severity's channels and approvers follow) unless a phase message is drafted
  anyway, and restarts the cadence. Severity never lowers automatically.
- **Manual steps.** A responder may move an open incident to ``identified``, ``monitoring`` or ``resolved``
  (each drafts that phase's message); not to the phase it is in, and nothing once it is resolved.
- **Severity by hand.** A responder may raise or lower the severity of an open incident, saying why: an ``update``
  is drafted (the new severity's channels and approvers follow) and the cadence restarts. The same severity, an
  unknown one, or a resolved incident is refused.
- **Postmortem.** The reminder drafts the ``postmortem`` message once; its publication closes the incident for
  good: every later event is refused.
- **Closing by hand.** A responder may close a resolved incident (never an open one: resolve it first). The plan
  expects a postmortem of every resolved incident (one plan-wide ``postmortem_deadline``, nothing per severity says
  otherwise), and its publication is what closes the incident; so a close by hand is refused while that postmortem
  is owed, naming it, and applied only when a postmortem was published already (its publication did not close the
  incident) or the severity needs none: the plan gives it no channel or no postmortem approver, so none could ever
  be published. Closing moves the incident to ``postmortem``, the closed phase, drafts nothing, kills every message
  still awaiting approval and deletes the postmortem reminder.
- **After resolution** an ALARM is refused (the store opens a new incident for it); OK changes are recorded.
- **Order.** An alarm change older than the one known for that alarm is stale and ignored.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from incident_comms.alarms import AlarmState
from incident_comms.durations import format_duration
from incident_comms.incidents.machine_models import (
    MANUAL_TARGETS,
    AlarmChanged,
    AlarmMark,
    AlarmsSettled,
    ClosedByHand,
    Event,
    LifecycleState,
    ManualMove,
    Outcome,
    PostmortemPublished,
    PostmortemReminderDue,
    QuietPeriodElapsed,
    SeverityChanged,
    SeverityClassified,
    Timer,
    TimerKind,
    Transition,
    all_ok_since,
)
from incident_comms.incidents.models import IncidentStatus
from incident_comms.plan.models import Phase, Plan

DEFAULT_SETTLE = timedelta(minutes=5)
"""How long every alarm must stay OK before ``monitoring`` is drafted (never longer than the quiet period)."""


# --- transitions --------------------------------------------------------------------------------------------


def advance(state: LifecycleState, event: Event, plan: Plan, *, settle: timedelta = DEFAULT_SETTLE) -> Transition:
    """Apply ``event`` to ``state`` under the module's rules."""
    if settle < timedelta(0):
        raise ValueError("settle must not be negative")
    if state.phase == Phase.POSTMORTEM:
        return _refused(
            state,
            "the incident is closed (the postmortem is published, or it was closed by hand): nothing changes it",
        )
    settle = min(settle, plan.definition.quiet_period)
    if isinstance(event, AlarmChanged):
        return _alarm_changed(state, event, plan, settle)
    if isinstance(event, SeverityClassified):
        return _classified(state, event, plan)
    if isinstance(event, AlarmsSettled):
        return _settled(state, event, plan, settle)
    if isinstance(event, QuietPeriodElapsed):
        return _quiet(state, event, plan)
    if isinstance(event, ManualMove):
        return _manual(state, event, plan)
    if isinstance(event, SeverityChanged):
        return _severity_changed(state, event, plan)
    if isinstance(event, ClosedByHand):
        return _closed_by_hand(state, event, plan)
    if isinstance(event, PostmortemReminderDue):
        return _postmortem_due(state)
    return _postmortem_published(state, event)


def _alarm_changed(state: LifecycleState, event: AlarmChanged, plan: Plan, settle: timedelta) -> Transition:
    if event.severity_id is not None and not _known_severity(plan, event.severity_id):
        return _refused(state, f"alarm {event.alarm_id} classifies to severity {event.severity_id}, not in the plan")
    known = state.alarms.get(event.alarm_id)
    if known is not None and event.at < known.changed_at:
        return _ignored(
            state,
            f"alarm {event.alarm_id} {event.state.value} at {event.at.isoformat()} is older than "
            f"its known {known.state.value} at {known.changed_at.isoformat()}",
        )
    if known is not None and known.state == event.state:
        return _ignored(state, f"alarm {event.alarm_id} is already {event.state.value}")
    if state.status == IncidentStatus.RESOLVED and event.state == AlarmState.ALARM:
        return _refused(state, f"the incident is resolved: alarm {event.alarm_id} in ALARM belongs to a new incident")
    alarms = {**state.alarms, event.alarm_id: AlarmMark(state=event.state, changed_at=event.at)}
    since = all_ok_since(alarms, state.all_ok_since, event.at)
    recorded = _with(state, alarms=alarms, all_ok_since=since)
    if state.status == IncidentStatus.RESOLVED:
        return _applied(recorded, f"alarm {event.alarm_id} is {event.state.value} (recorded after resolution)")
    if event.state == AlarmState.ALARM:
        return _alarm_raised(recorded, event, plan)
    if since is None:
        return _applied(recorded, f"alarm {event.alarm_id} is {event.state.value}; not every alarm is OK yet")
    if state.all_ok_since is not None:
        return _applied(recorded, f"alarm {event.alarm_id} is OK, as every other alarm already was")
    if recorded.phase == Phase.MONITORING:
        return _applied(
            recorded,
            "every alarm is OK while monitoring: the quiet period runs",
            timers=(_quiet_timer(recorded, plan, event.at),),
        )
    if settle == timedelta(0):
        return _to_monitoring(recorded, event.at, plan, "every alarm is OK", monitoring_since=since)
    return _applied(
        recorded,
        f"every alarm is OK: monitoring is drafted if they stay OK for {format_duration(settle)}",
        timers=(Timer(kind=TimerKind.SETTLE_CHECK, at=event.at + settle),),
    )


def _alarm_raised(recorded: LifecycleState, event: AlarmChanged, plan: Plan) -> Transition:
    """A new ALARM on an open incident (``recorded`` already holds it): relapse and/or escalation."""
    escalated = event.severity_id is not None and _more_severe(plan, event.severity_id, recorded.severity_id)
    severity = event.severity_id if escalated and event.severity_id else recorded.severity_id
    escalation = f"; severity raised {recorded.severity_id} → {severity}" if escalated else ""
    if recorded.phase == Phase.MONITORING:
        relapsed = _with(recorded, phase=Phase.IDENTIFIED, monitoring_since=None, severity_id=severity)
        return _applied(
            relapsed,
            f"alarm {event.alarm_id} in ALARM while monitoring: back to identified, cadence restarts{escalation}",
            drafts=(Phase.IDENTIFIED,),
            cadence_restart=True,
        )
    if escalated:
        return _applied(
            _with(recorded, severity_id=severity),
            f"alarm {event.alarm_id} in ALARM{escalation}: cadence, channels and approvers follow",
            drafts=(Phase.UPDATE,),
            cadence_restart=True,
        )
    return _applied(recorded, f"alarm {event.alarm_id} is in ALARM")


def _classified(state: LifecycleState, event: SeverityClassified, plan: Plan) -> Transition:
    if not _known_severity(plan, event.severity_id):
        return _refused(state, f"severity {event.severity_id} is not in the plan")
    if state.status == IncidentStatus.RESOLVED:
        return _refused(state, "the incident is resolved: its severity no longer changes")
    if not _more_severe(plan, event.severity_id, state.severity_id):
        return _ignored(
            state,
            f"classified {event.severity_id}, not more severe than {state.severity_id}: never lowered automatically",
        )
    return _applied(
        _with(state, severity_id=event.severity_id),
        f"severity raised {state.severity_id} → {event.severity_id}: cadence, channels and approvers follow",
        drafts=(Phase.UPDATE,),
        cadence_restart=True,
    )


def _settled(state: LifecycleState, event: AlarmsSettled, plan: Plan, settle: timedelta) -> Transition:
    if state.phase not in (Phase.INVESTIGATING, Phase.IDENTIFIED):
        return _ignored(state, f"settle check in phase {state.phase.value}: nothing to draft")
    if state.all_ok_since is None:
        return _ignored(state, "settle check: an alarm is not OK")
    if state.calm_monitored == state.all_ok_since:
        return _ignored(state, "settle check: monitoring was drafted in this calm stretch already (moved back by hand)")
    calm = event.at - state.all_ok_since
    if calm < settle:
        return _ignored(
            state,
            f"settle check: alarms OK for {format_duration(calm)} only, "
            f"{format_duration(settle)} needed (an alarm changed since the check was armed)",
        )
    reason = f"every alarm stayed OK for {format_duration(calm)}"
    return _to_monitoring(state, event.at, plan, reason, monitoring_since=state.all_ok_since)


def _quiet(state: LifecycleState, event: QuietPeriodElapsed, plan: Plan) -> Transition:
    if state.phase != Phase.MONITORING or state.monitoring_since is None:
        return _ignored(state, f"quiet period check in phase {state.phase.value}: only monitoring resolves")
    if state.all_ok_since is None:
        return _ignored(state, "quiet period check: an alarm is not OK")
    quiet_from = max(state.all_ok_since, state.monitoring_since)
    if event.at < quiet_from + plan.definition.quiet_period:
        return _ignored(state, f"quiet period check: quiet only since {quiet_from.isoformat()}")
    return _resolve(
        state, event.at, plan, f"no ALARM for the quiet period ({format_duration(plan.definition.quiet_period)})"
    )


def _manual(state: LifecycleState, event: ManualMove, plan: Plan) -> Transition:
    who = f" by {event.by}" if event.by else ""
    if event.to not in MANUAL_TARGETS:
        targets = ", ".join(phase.value for phase in MANUAL_TARGETS)
        return _refused(state, f"a responder can move an incident to {targets}; not to {event.to.value}")
    if state.status == IncidentStatus.RESOLVED:
        return _refused(state, f"the incident is resolved: it cannot move to {event.to.value}")
    if event.to == state.phase:
        return _refused(state, f"the incident is already {event.to.value}: publish an update instead")
    if event.to == Phase.RESOLVED:
        return _resolve(state, event.at, plan, f"resolved{who}")
    if event.to == Phase.MONITORING:
        return _to_monitoring(state, event.at, plan, f"moved to monitoring{who}", monitoring_since=event.at)
    relapse = state.phase == Phase.MONITORING
    return _applied(
        _with(state, phase=Phase.IDENTIFIED, monitoring_since=None),
        f"moved to identified{who}" + (": cadence restarts" if relapse else ""),
        drafts=(Phase.IDENTIFIED,),
        cadence_restart=relapse,
    )


def _severity_changed(state: LifecycleState, event: SeverityChanged, plan: Plan) -> Transition:
    if not _known_severity(plan, event.severity_id):
        return _refused(state, f"severity {event.severity_id} is not in the plan")
    if state.status == IncidentStatus.RESOLVED:
        return _refused(state, "the incident is resolved: its severity no longer changes")
    if event.severity_id == state.severity_id:
        return _refused(state, f"the severity is {state.severity_id} already")
    how = "raised" if _more_severe(plan, event.severity_id, state.severity_id) else "lowered"
    who = f" by {event.by}" if event.by else ""
    why = f" ({event.reason})" if event.reason else ""
    return _applied(
        _with(state, severity_id=event.severity_id),
        f"severity {how} {state.severity_id} → {event.severity_id}{who}{why}: cadence, channels and approvers follow",
        drafts=(Phase.UPDATE,),
        cadence_restart=True,
    )


def _closed_by_hand(state: LifecycleState, event: ClosedByHand, plan: Plan) -> Transition:
    if state.status != IncidentStatus.RESOLVED:
        return _refused(state, f"the incident is {state.phase.value}: resolve it before closing it")
    if postmortem_expected(plan, state.severity_id) and not event.postmortem_published:
        return _refused(
            state,
            f"the plan expects a postmortem of this {state.severity_id} incident: publish the postmortem, "
            "whose publication closes the incident",
        )
    who = f" by {event.by}" if event.by else ""
    closed = _applied(_with(state, phase=Phase.POSTMORTEM), f"closed{who}: pending drafts die, no reminder follows")
    return closed.model_copy(update={"supersede_waiting": True, "timers_to_cancel": (TimerKind.POSTMORTEM_REMINDER,)})


def postmortem_expected(plan: Plan, severity_id: str) -> bool:
    """Whether the plan expects a postmortem of a resolved incident of ``severity_id``: always, unless the severity
    reaches no channel or no role approves its postmortem (then none could ever be published)."""
    return bool(plan.channels_for(severity_id)) and bool(plan.approvers_for(severity_id, Phase.POSTMORTEM))


def _postmortem_due(state: LifecycleState) -> Transition:
    if state.phase != Phase.RESOLVED:
        return _ignored(state, f"postmortem reminder in phase {state.phase.value}: not resolved")
    if state.postmortem_drafted:
        return _ignored(state, "the postmortem is drafted already")
    return _applied(
        _with(state, postmortem_drafted=True), "postmortem deadline: postmortem drafted", drafts=(Phase.POSTMORTEM,)
    )


def _postmortem_published(state: LifecycleState, event: PostmortemPublished) -> Transition:
    if state.phase != Phase.RESOLVED:
        return _refused(state, f"a postmortem is published only after resolution; the incident is {state.phase.value}")
    return _applied(_with(state, phase=Phase.POSTMORTEM), f"postmortem published at {event.at.isoformat()}")


def _to_monitoring(
    state: LifecycleState, at: datetime, plan: Plan, reason: str, *, monitoring_since: datetime
) -> Transition:
    calm = state.all_ok_since if state.all_ok_since is not None else state.calm_monitored
    monitoring = _with(state, phase=Phase.MONITORING, monitoring_since=monitoring_since, calm_monitored=calm)
    timers = (_quiet_timer(monitoring, plan, at),) if monitoring.all_ok_since is not None else ()
    return _applied(monitoring, f"{reason}: monitoring drafted", drafts=(Phase.MONITORING,), timers=timers)


def _quiet_timer(monitoring: LifecycleState, plan: Plan, now: datetime) -> Timer:
    """The quiet period check of a monitoring incident whose alarms are all OK (fires at once if already due)."""
    quiet_from = max(monitoring.all_ok_since or now, monitoring.monitoring_since or now)
    due = quiet_from + plan.definition.quiet_period
    return Timer(kind=TimerKind.QUIET_CHECK, at=max(due, now))


def _resolve(state: LifecycleState, at: datetime, plan: Plan, reason: str) -> Transition:
    resolved = _with(state, phase=Phase.RESOLVED, status=IncidentStatus.RESOLVED, monitoring_since=None)
    reminder = Timer(kind=TimerKind.POSTMORTEM_REMINDER, at=at + plan.definition.postmortem_deadline)
    ended = state.all_ok_since if state.all_ok_since is not None and state.all_ok_since <= at else at
    transition = _applied(
        resolved,
        f"{reason}: resolved drafted, cadence stops, postmortem due {reminder.at.isoformat()}",
        drafts=(Phase.RESOLVED,),
        cadence_stop=True,
        timers=(reminder,),
    )
    return transition.model_copy(update={"impact_ended_at": ended})


def _known_severity(plan: Plan, severity_id: str) -> bool:
    return any(severity.id == severity_id for severity in plan.definition.severities)


def _more_severe(plan: Plan, candidate: str, current: str) -> bool:
    return plan.severity_rank(candidate) < plan.severity_rank(current)


def _with(state: LifecycleState, **changes: Any) -> LifecycleState:
    """A validated copy (``model_copy`` would skip the invariants)."""
    return LifecycleState.model_validate({**dict(state), **changes})


def _applied(
    state: LifecycleState,
    reason: str,
    *,
    drafts: tuple[Phase, ...] = (),
    cadence_restart: bool = False,
    cadence_stop: bool = False,
    timers: tuple[Timer, ...] = (),
) -> Transition:
    return Transition(
        outcome=Outcome.APPLIED,
        reason=reason,
        state=state,
        drafts_to_create=drafts,
        cadence_restart=cadence_restart,
        cadence_stop=cadence_stop,
        timers=timers,
    )


def _ignored(state: LifecycleState, reason: str) -> Transition:
    return Transition(outcome=Outcome.IGNORED, reason=reason, state=state)


def _refused(state: LifecycleState, reason: str) -> Transition:
    return Transition(outcome=Outcome.REFUSED, reason=reason, state=state)
