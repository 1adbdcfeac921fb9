"""What the incident state machine reads and answers: its state, the events it takes, the timers it arms.

:class:`LifecycleState` is what :func:`incident_comms.incidents.machine.advance` knows of one incident; constructing
one checks its invariants (:func:`state_problems`; the plan-dependent one is :func:`plan_problems`), so a state
that breaks them never exists. The events are what can happen to an incident (an alarm change, a classification,
a responder's move, severity change or close, a timer firing, the postmortem's publication); a :class:`Timer` is a
check to schedule, whose firing comes back as its event (:func:`timer_event`); a :class:`Transition` is what one
event did. All frozen; every datetime is timezone-aware and kept in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from incident_comms.alarms import AlarmState
from incident_comms.incidents.models import Incident, IncidentStatus
from incident_comms.plan.models import Phase, Plan

INCIDENT_PHASES = (Phase.INVESTIGATING, Phase.IDENTIFIED, Phase.MONITORING, Phase.RESOLVED, Phase.POSTMORTEM)
OPEN_PHASES = frozenset({Phase.INVESTIGATING, Phase.IDENTIFIED, Phase.MONITORING})
FINISHED_PHASES = frozenset({Phase.RESOLVED, Phase.POSTMORTEM})
MANUAL_TARGETS = (Phase.IDENTIFIED, Phase.MONITORING, Phase.RESOLVED)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must be timezone-aware")
    return value.astimezone(UTC)


class AlarmMark(BaseModel):
    """The last known state of one alarm of the incident, and when the alarm says it changed."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    state: AlarmState
    changed_at: datetime

    @field_validator("changed_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return _utc(value)


class LifecycleState(BaseModel):
    """What the state machine knows of one incident. Constructing one checks its invariants (see ``_valid``)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    phase: Phase = Phase.INVESTIGATING
    status: IncidentStatus = IncidentStatus.OPEN
    severity_id: str
    alarms: dict[str, AlarmMark] = Field(default_factory=dict)
    all_ok_since: datetime | None = Field(None, description="since when every alarm is OK; None while any is not")
    monitoring_since: datetime | None = Field(None, description="when monitoring began (quiet period counts from)")
    calm_monitored: datetime | None = Field(
        None, description="all_ok_since of the calm stretch monitoring was last drafted in: once per stretch"
    )
    postmortem_drafted: bool = False

    @field_validator("all_ok_since", "monitoring_since", "calm_monitored")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _utc(value)

    @model_validator(mode="after")
    def _valid(self) -> LifecycleState:
        problems = state_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @classmethod
    def of_incident(
        cls, incident: Incident, *, monitoring_since: datetime | None = None, postmortem_drafted: bool = False
    ) -> LifecycleState:
        """The state of a stored incident. The incident does not record when monitoring began; without
        ``monitoring_since`` a monitoring incident counts its quiet period from when its alarms went OK (or
        from its last change while an alarm is still not OK)."""
        if incident.phase not in INCIDENT_PHASES:
            raise ValueError(
                f"incident {incident.id} is in phase {incident.phase.value}, which is not an incident phase"
            )
        alarms = {key: AlarmMark(state=snap.state, changed_at=snap.changed_at) for key, snap in incident.alarms.items()}
        since = all_ok_since(alarms, None, None)
        if incident.phase == Phase.MONITORING:
            monitoring_since = monitoring_since or since or incident.updated_at
        else:
            monitoring_since = None
        calm_monitored = since if incident.phase == Phase.MONITORING else None
        return cls(
            phase=incident.phase,
            status=incident.status,
            severity_id=incident.severity_id,
            alarms=alarms,
            all_ok_since=since,
            monitoring_since=monitoring_since,
            calm_monitored=calm_monitored,
            postmortem_drafted=postmortem_drafted,
        )


def state_problems(state: LifecycleState) -> list[str]:
    """Every invariant ``state`` breaks (empty when valid); the plan-dependent one is :func:`plan_problems`."""
    problems = []
    if state.phase not in INCIDENT_PHASES:
        problems.append(f"{state.phase.value} is a message phase, not an incident phase")
    if (state.status == IncidentStatus.RESOLVED) != (state.phase in FINISHED_PHASES):
        problems.append(f"status {state.status.value} does not go with phase {state.phase.value}")
    all_ok = bool(state.alarms) and all(mark.state == AlarmState.OK for mark in state.alarms.values())
    if all_ok != (state.all_ok_since is not None):
        problems.append("all_ok_since must be set exactly when every alarm (at least one) is OK")
    if (state.phase == Phase.MONITORING) != (state.monitoring_since is not None):
        problems.append("monitoring_since must be set exactly while monitoring")
    if state.postmortem_drafted and state.phase not in FINISHED_PHASES:
        problems.append("a postmortem is drafted only after resolution")
    return problems


def plan_problems(state: LifecycleState, plan: Plan) -> list[str]:
    """The invariants that need the plan: the severity is one of the plan's."""
    known = {severity.id for severity in plan.definition.severities}
    return [] if state.severity_id in known else [f"severity {state.severity_id} is not in the plan"]


def all_ok_since(alarms: dict[str, AlarmMark], before: datetime | None, changed_at: datetime | None) -> datetime | None:
    """When every alarm became OK: kept from ``before`` when they already were, else the change that made them
    (or, with no change at hand, the latest alarm change); None while any alarm is not OK."""
    if not alarms or any(mark.state != AlarmState.OK for mark in alarms.values()):
        return None
    if before is not None:
        return before
    return changed_at or max(mark.changed_at for mark in alarms.values())


# --- events -------------------------------------------------------------------------------------------------


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    at: datetime

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return _utc(value)


class AlarmChanged(_Event):
    """An alarm of the incident changed state (``at``: when the alarm says it did). ``severity_id``: what the plan
    classifies the alarm to, for escalation; None when not known."""

    alarm_id: str
    state: AlarmState
    severity_id: str | None = None


class SeverityClassified(_Event):
    """The incident was classified to ``severity_id`` (a later alarm, a responder): escalates when more severe."""

    severity_id: str


class AlarmsSettled(_Event):
    """The settle check fired: have the alarms stayed all OK for the settle time?"""


class QuietPeriodElapsed(_Event):
    """The quiet period check fired: have the alarms stayed all OK for the plan's quiet period while monitoring?"""


class ManualMove(_Event):
    """A responder moves the incident to ``to`` from the approval page."""

    to: Phase
    by: str | None = None


class SeverityChanged(_Event):
    """A responder sets the severity by hand, raising or lowering it, and says why (``reason``)."""

    severity_id: str
    by: str | None = None
    reason: str = ""


class ClosedByHand(_Event):
    """A responder closes a resolved incident. ``postmortem_published``: a postmortem message of the incident was
    handed to publishing already (its publication did not close the incident, or closing it failed)."""

    by: str | None = None
    postmortem_published: bool = False


class PostmortemReminderDue(_Event):
    """The postmortem deadline reminder fired."""


class PostmortemPublished(_Event):
    """The postmortem message was published."""


Event = (
    AlarmChanged
    | SeverityClassified
    | AlarmsSettled
    | QuietPeriodElapsed
    | ManualMove
    | SeverityChanged
    | ClosedByHand
    | PostmortemReminderDue
    | PostmortemPublished
)


class TimerKind(StrEnum):
    SETTLE_CHECK = "settle_check"
    QUIET_CHECK = "quiet_check"
    POSTMORTEM_REMINDER = "postmortem_reminder"


class Timer(BaseModel):
    """A check to schedule at ``at``; when it fires, feed :func:`timer_event` of it back to :func:`advance`."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: TimerKind
    at: datetime


def timer_event(timer: Timer, fired_at: datetime) -> Event:
    """The event a timer's firing at ``fired_at`` stands for."""
    events: dict[TimerKind, type[AlarmsSettled | QuietPeriodElapsed | PostmortemReminderDue]] = {
        TimerKind.SETTLE_CHECK: AlarmsSettled,
        TimerKind.QUIET_CHECK: QuietPeriodElapsed,
        TimerKind.POSTMORTEM_REMINDER: PostmortemReminderDue,
    }
    return events[timer.kind](at=fired_at)


# --- transitions --------------------------------------------------------------------------------------------


class Outcome(StrEnum):
    APPLIED = "applied"
    IGNORED = "ignored"
    REFUSED = "refused"


class Transition(BaseModel):
    """What one event does. ``state`` is the state after it (the same one when ignored or refused)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    outcome: Outcome
    reason: str
    state: LifecycleState
    drafts_to_create: tuple[Phase, ...] = ()
    cadence_restart: bool = Field(False, description="compute the next update due from now and replace the schedule")
    cadence_stop: bool = Field(False, description="the incident is over: delete the update schedule")
    timers: tuple[Timer, ...] = ()
    timers_to_cancel: tuple[TimerKind, ...] = Field((), description="the incident's timers of these kinds to delete")
    supersede_waiting: bool = Field(
        False, description="the incident is closed: every message still awaiting approval dies, none replaces it"
    )
    impact_ended_at: datetime | None = Field(
        None,
        description="set when this resolves the incident: when the last alarm went OK (the impact window's end), or "
        "the resolving instant when an alarm was still not OK; never the quiet period's expiry",
    )

    @property
    def new_phase(self) -> Phase:
        return self.state.phase

    @property
    def new_status(self) -> IncidentStatus:
        return self.state.status

    @property
    def new_severity(self) -> str:
        return self.state.severity_id
