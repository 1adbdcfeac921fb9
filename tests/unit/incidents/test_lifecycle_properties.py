"""The incident state machine: recovery, relapse, escalation, manual steps, postmortem, flapping alarms.

Example tests walk the paths the issue names; property tests (hypothesis) throw any sequence of events (with the
timers the machine arms firing when due, and stray or stale firings besides) and check what must always hold.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incident_comms.alarms import AlarmState
from incident_comms.incidents.machine import DEFAULT_SETTLE, advance
from incident_comms.incidents.machine_models import (
    AlarmChanged,
    AlarmMark,
    AlarmsSettled,
    Event,
    LifecycleState,
    ManualMove,
    Outcome,
    PostmortemPublished,
    PostmortemReminderDue,
    QuietPeriodElapsed,
    SeverityClassified,
    Timer,
    TimerKind,
    Transition,
    plan_problems,
    state_problems,
    timer_event,
)
from incident_comms.incidents.models import IncidentStatus
from incident_comms.plan.models import Phase, Plan
from tests.factories import make_alarm, opened_incident

T0 = datetime(2026, 1, 15, 13, 0, tzinfo=UTC)
ALARM, OK, NO_DATA = AlarmState.ALARM, AlarmState.OK, AlarmState.INSUFFICIENT_DATA


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def opened(severity: str = "SEV2", *alarms: str) -> LifecycleState:
    """An incident just opened by ``alarms`` (default one, ``a``), all in ALARM at T0."""
    return LifecycleState(
        severity_id=severity,
        alarms={name: AlarmMark(state=ALARM, changed_at=T0) for name in alarms or ("a",)},
    )


def changed(at: float, state: AlarmState, alarm: str = "a", severity: str | None = None) -> AlarmChanged:
    return AlarmChanged(at=minutes(at), alarm_id=alarm, state=state, severity_id=severity)


@dataclass
class Run:
    """Drives the machine the way the system will: every armed timer fires at its time, before later events."""

    plan: Plan
    state: LifecycleState
    transitions: list[tuple[Event, Transition]] = field(default_factory=list)
    pending: list[Timer] = field(default_factory=list)

    def feed(self, event: Event) -> Transition:
        self.fire_until(event.at)
        return self.apply(event)

    def fire_until(self, until: datetime) -> None:
        while due := sorted((t for t in self.pending if t.at <= until), key=lambda t: t.at):
            self.pending.remove(due[0])
            self.apply(timer_event(due[0], due[0].at))

    def apply(self, event: Event) -> Transition:
        transition = advance(self.state, event, self.plan)
        self.transitions.append((event, transition))
        self.pending.extend(transition.timers)
        self.state = transition.state
        return transition

    def drafts(self) -> list[Phase]:
        return [phase for _, transition in self.transitions for phase in transition.drafts_to_create]


# --- examples -------------------------------------------------------------------------------------------------


def test_ok_then_quiet_period_drafts_monitoring_then_resolved_then_the_postmortem(plan: Plan) -> None:
    run = Run(plan, opened())
    cleared = run.feed(changed(10, OK))
    assert (cleared.drafts_to_create, cleared.timers) == ((), (Timer(kind=TimerKind.SETTLE_CHECK, at=minutes(15)),))
    run.fire_until(minutes(15))
    _, monitoring = run.transitions[-1]
    assert (monitoring.new_phase, monitoring.drafts_to_create) == (Phase.MONITORING, (Phase.MONITORING,))
    quiet = plan.definition.quiet_period
    assert monitoring.timers == (Timer(kind=TimerKind.QUIET_CHECK, at=minutes(10) + quiet),)
    run.fire_until(minutes(10) + quiet)
    _, resolved = run.transitions[-1]
    assert (resolved.new_phase, resolved.new_status, resolved.drafts_to_create, resolved.cadence_stop) == (
        Phase.RESOLVED,
        IncidentStatus.RESOLVED,
        (Phase.RESOLVED,),
        True,
    )
    reminder_at = minutes(10) + quiet + plan.definition.postmortem_deadline
    assert resolved.timers == (Timer(kind=TimerKind.POSTMORTEM_REMINDER, at=reminder_at),)
    run.fire_until(reminder_at)
    assert run.transitions[-1][1].drafts_to_create == (Phase.POSTMORTEM,)
    closed = run.feed(PostmortemPublished(at=reminder_at + timedelta(days=1)))
    assert closed.new_phase == Phase.POSTMORTEM
    assert run.drafts() == [Phase.MONITORING, Phase.RESOLVED, Phase.POSTMORTEM]


def test_a_new_alarm_while_monitoring_goes_back_to_identified_and_restarts_the_cadence(plan: Plan) -> None:
    run = Run(plan, opened())
    run.feed(changed(10, OK))
    run.fire_until(minutes(15))
    relapse = run.feed(changed(20, ALARM))
    assert (relapse.new_phase, relapse.drafts_to_create, relapse.cadence_restart, relapse.outcome) == (
        Phase.IDENTIFIED,
        (Phase.IDENTIFIED,),
        True,
        Outcome.APPLIED,
    )
    stale_quiet = run.feed(QuietPeriodElapsed(at=minutes(10) + plan.definition.quiet_period))
    assert (stale_quiet.outcome, stale_quiet.new_phase) == (Outcome.IGNORED, Phase.IDENTIFIED)


def test_a_flapping_alarm_drafts_monitoring_once_it_stays_ok(plan: Plan) -> None:
    run = Run(plan, opened())
    for step in range(30):  # ALARM → OK every two minutes for an hour: never calm for the settle time
        run.feed(changed(1 + 2 * step, OK))
        run.feed(changed(2 + 2 * step, ALARM))
    assert run.drafts() == []
    settle_checks = [t.outcome for e, t in run.transitions if isinstance(e, AlarmsSettled)]
    assert len(settle_checks) == 28  # each OK armed one; the last two are not due yet at minute 60
    assert set(settle_checks) == {Outcome.IGNORED}
    run.feed(changed(70, OK))
    run.fire_until(minutes(70) + DEFAULT_SETTLE)
    assert run.drafts() == [Phase.MONITORING]


def test_a_settle_check_armed_before_the_alarm_flapped_is_stale(plan: Plan) -> None:
    run = Run(plan, opened())
    armed = run.feed(changed(10, OK)).timers[0]
    run.feed(changed(12, ALARM))
    run.feed(changed(13, OK))
    stale = run.apply(timer_event(armed, armed.at))
    assert (stale.outcome, stale.drafts_to_create) == (Outcome.IGNORED, ())
    assert "only" in stale.reason


def test_a_responder_moving_back_to_identified_is_not_overruled_by_a_late_settle_check(plan: Plan) -> None:
    run = Run(plan, opened())
    run.feed(changed(0, OK))
    run.fire_until(minutes(5))
    moved = run.feed(ManualMove(at=minutes(6), to=Phase.IDENTIFIED))
    assert moved.new_phase == Phase.IDENTIFIED
    duplicate = run.feed(AlarmsSettled(at=minutes(7)))
    assert (duplicate.outcome, duplicate.new_phase) == (Outcome.IGNORED, Phase.IDENTIFIED)
    run.feed(changed(8, ALARM))
    run.feed(changed(9, OK))
    run.fire_until(minutes(9) + DEFAULT_SETTLE)
    assert run.drafts() == [Phase.MONITORING, Phase.IDENTIFIED, Phase.MONITORING]


def test_several_alarms_must_all_be_ok(plan: Plan) -> None:
    run = Run(plan, opened("SEV2", "a", "b"))
    one = run.feed(changed(10, OK, "a"))
    assert (one.timers, one.reason) == ((), "alarm a is OK; not every alarm is OK yet")
    missing_data = run.feed(changed(11, NO_DATA, "b"))
    assert missing_data.timers == ()
    both = run.feed(changed(12, OK, "b"))
    assert both.timers == (Timer(kind=TimerKind.SETTLE_CHECK, at=minutes(12) + DEFAULT_SETTLE),)


def test_a_more_severe_alarm_escalates_and_a_less_severe_one_never_lowers(plan: Plan) -> None:
    state = opened("SEV2")
    escalated = advance(state, changed(5, ALARM, "b", "SEV1"), plan)
    assert (escalated.new_severity, escalated.drafts_to_create, escalated.cadence_restart) == (
        "SEV1",
        (Phase.UPDATE,),
        True,
    )
    lower = advance(escalated.state, SeverityClassified(at=minutes(6), severity_id="SEV3"), plan)
    assert (lower.outcome, lower.new_severity) == (Outcome.IGNORED, "SEV1")
    unknown = advance(escalated.state, SeverityClassified(at=minutes(6), severity_id="SEV9"), plan)
    assert (unknown.outcome, unknown.reason) == (Outcome.REFUSED, "severity SEV9 is not in the plan")


def test_an_escalating_relapse_drafts_only_the_identified_message(plan: Plan) -> None:
    run = Run(plan, opened("SEV3"))
    run.feed(changed(10, OK))
    run.fire_until(minutes(15))
    relapse = run.feed(changed(20, ALARM, "b", "SEV1"))
    assert (relapse.new_phase, relapse.new_severity, relapse.drafts_to_create) == (
        Phase.IDENTIFIED,
        "SEV1",
        (Phase.IDENTIFIED,),
    )


@pytest.mark.parametrize(
    ("phase", "to", "reason"),
    [
        (Phase.INVESTIGATING, Phase.INVESTIGATING, "not to investigating"),
        (Phase.IDENTIFIED, Phase.IDENTIFIED, "already identified"),
        (Phase.INVESTIGATING, Phase.POSTMORTEM, "not to postmortem"),
        (Phase.INVESTIGATING, Phase.UPDATE, "not to update"),
        (Phase.RESOLVED, Phase.INVESTIGATING, "not to investigating"),
        (Phase.RESOLVED, Phase.IDENTIFIED, "is resolved"),
        (Phase.POSTMORTEM, Phase.MONITORING, "postmortem is published"),
    ],
)
def test_invalid_manual_moves_are_refused_with_a_reason_and_change_nothing(
    plan: Plan, phase: Phase, to: Phase, reason: str
) -> None:
    finished = phase in (Phase.RESOLVED, Phase.POSTMORTEM)
    state = opened().model_copy(
        update={"phase": phase, "status": IncidentStatus.RESOLVED if finished else IncidentStatus.OPEN}
    )
    moved = advance(state, ManualMove(at=minutes(30), to=to, by="ana@nubeteca.example"), plan)
    assert (moved.outcome, moved.state, moved.drafts_to_create) == (Outcome.REFUSED, state, ())
    assert reason in moved.reason


def test_manual_moves_draft_their_phase(plan: Plan) -> None:
    state = opened()
    identified = advance(state, ManualMove(at=minutes(5), to=Phase.IDENTIFIED), plan)
    assert (identified.new_phase, identified.drafts_to_create, identified.cadence_restart) == (
        Phase.IDENTIFIED,
        (Phase.IDENTIFIED,),
        False,
    )
    monitoring = advance(identified.state, ManualMove(at=minutes(8), to=Phase.MONITORING), plan)
    assert (monitoring.new_phase, monitoring.drafts_to_create, monitoring.timers) == (
        Phase.MONITORING,
        (Phase.MONITORING,),
        (),  # the alarm is still in ALARM: the quiet period waits for it
    )
    cleared = advance(monitoring.state, changed(12, OK), plan)
    assert cleared.timers == (Timer(kind=TimerKind.QUIET_CHECK, at=minutes(12) + plan.definition.quiet_period),)
    resolved = advance(cleared.state, ManualMove(at=minutes(13), to=Phase.RESOLVED), plan)
    assert (resolved.new_status, resolved.drafts_to_create, resolved.cadence_stop) == (
        IncidentStatus.RESOLVED,
        (Phase.RESOLVED,),
        True,
    )


def test_a_manual_move_to_monitoring_counts_the_quiet_period_from_the_move(plan: Plan) -> None:
    state = advance(opened(), changed(1, OK), plan).state  # all OK since minute 1, settle check never fired
    moved = advance(state, ManualMove(at=minutes(20), to=Phase.MONITORING), plan)
    assert moved.timers == (Timer(kind=TimerKind.QUIET_CHECK, at=minutes(20) + plan.definition.quiet_period),)
    early = advance(moved.state, QuietPeriodElapsed(at=minutes(1) + plan.definition.quiet_period), plan)
    assert early.outcome == Outcome.IGNORED


def test_after_resolution_an_alarm_belongs_to_a_new_incident_and_ok_is_recorded(plan: Plan) -> None:
    resolved = advance(opened("SEV2", "a", "b"), ManualMove(at=minutes(5), to=Phase.RESOLVED), plan).state
    again = advance(resolved, changed(6, OK, "a"), plan)
    assert (again.outcome, again.state.alarms["a"].state, again.drafts_to_create) == (Outcome.APPLIED, OK, ())
    new_alarm = advance(again.state, changed(7, ALARM, "c"), plan)
    assert (new_alarm.outcome, new_alarm.state) == (Outcome.REFUSED, again.state)
    assert "new incident" in new_alarm.reason


def test_stale_and_duplicate_alarm_changes_are_ignored(plan: Plan) -> None:
    state = advance(opened(), changed(10, OK), plan).state
    assert advance(state, changed(9, ALARM), plan).outcome == Outcome.IGNORED
    assert advance(state, changed(11, OK), plan).outcome == Outcome.IGNORED


def test_the_postmortem_is_terminal_and_drafted_once(plan: Plan) -> None:
    resolved = advance(opened(), ManualMove(at=minutes(5), to=Phase.RESOLVED), plan).state
    drafted = advance(resolved, PostmortemReminderDue(at=minutes(60)), plan)
    assert drafted.drafts_to_create == (Phase.POSTMORTEM,)
    assert advance(drafted.state, PostmortemReminderDue(at=minutes(61)), plan).outcome == Outcome.IGNORED
    early = advance(opened(), PostmortemPublished(at=minutes(5)), plan)
    assert (early.outcome, early.reason) == (
        Outcome.REFUSED,
        "a postmortem is published only after resolution; the incident is investigating",
    )
    closed = advance(drafted.state, PostmortemPublished(at=minutes(90)), plan).state
    for event in (
        changed(100, OK),
        ManualMove(at=minutes(100), to=Phase.RESOLVED),
        PostmortemPublished(at=minutes(100)),
    ):
        assert advance(closed, event, plan).outcome == Outcome.REFUSED


def test_without_a_settle_time_every_alarm_ok_drafts_monitoring_at_once(plan: Plan) -> None:
    cleared = advance(opened(), changed(10, OK), plan, settle=timedelta(0))
    assert (cleared.new_phase, cleared.drafts_to_create) == (Phase.MONITORING, (Phase.MONITORING,))


def test_invalid_states_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="message phase"):
        LifecycleState(severity_id="SEV1", phase=Phase.UPDATE)
    with pytest.raises(ValueError, match="does not go with"):
        LifecycleState(severity_id="SEV1", phase=Phase.RESOLVED)
    with pytest.raises(ValueError, match="all_ok_since"):
        LifecycleState(severity_id="SEV1", alarms={"a": AlarmMark(state=OK, changed_at=T0)})
    with pytest.raises(ValueError, match="timezone-aware"):
        AlarmsSettled(at=datetime(2026, 1, 15, 13, 0))


def test_the_state_of_a_stored_incident(plan: Plan) -> None:
    incident, _ = opened_incident(plan, make_alarm(changed_at=T0))
    state = LifecycleState.of_incident(incident)
    assert (state.phase, state.severity_id, state.all_ok_since) == (Phase.INVESTIGATING, "SEV1", None)
    assert [mark.state for mark in state.alarms.values()] == [ALARM]
    with pytest.raises(ValueError, match="not an incident phase"):
        LifecycleState.of_incident(incident.model_copy(update={"phase": Phase.UPDATE}))


# --- properties -----------------------------------------------------------------------------------------------

SEVERITY_IDS = ["SEV1", "SEV2", "SEV3"]
ALARM_IDS = ["a", "b"]

alarm_changes = st.builds(
    lambda alarm, state, severity: ("alarm", alarm, state, severity),
    st.sampled_from(ALARM_IDS),
    st.sampled_from([ALARM, OK, OK, NO_DATA]),
    st.sampled_from([None, None, *SEVERITY_IDS, "SEV9"]),
)
other_events = st.one_of(
    st.tuples(st.just("classified"), st.sampled_from([*SEVERITY_IDS, "SEV9"])),
    st.tuples(st.just("manual"), st.sampled_from(list(Phase))),
    st.sampled_from([("settled",), ("quiet",), ("reminder",), ("postmortem",)]),
)
steps = st.lists(
    st.tuples(st.integers(0, 45), st.one_of(alarm_changes, alarm_changes, other_events)), min_size=1, max_size=40
)


def build_event(at: datetime, spec: tuple[object, ...]) -> Event:
    kind = spec[0]
    if kind == "alarm":
        _, alarm, state, severity = spec
        return AlarmChanged(at=at, alarm_id=str(alarm), state=AlarmState(str(state)), severity_id=severity)  # type: ignore[arg-type]
    if kind == "classified":
        return SeverityClassified(at=at, severity_id=str(spec[1]))
    if kind == "manual":
        return ManualMove(at=at, to=Phase(str(spec[1])))
    simple: dict[object, type[Event]] = {
        "settled": AlarmsSettled,
        "quiet": QuietPeriodElapsed,
        "reminder": PostmortemReminderDue,
        "postmortem": PostmortemPublished,
    }
    return simple[kind](at=at)  # type: ignore[call-arg]


def drive(plan: Plan, severity: str, plan_steps: list[tuple[int, tuple[object, ...]]]) -> Run:
    run = Run(plan, opened(severity))
    at = T0
    for gap, spec in plan_steps:
        at += timedelta(minutes=gap)
        run.feed(build_event(at, spec))
    return run


PROPERTY = settings(max_examples=200, deadline=None)


@PROPERTY
@given(severity=st.sampled_from(SEVERITY_IDS), plan_steps=steps)
def test_no_sequence_of_events_leaves_an_invalid_state(
    plan: Plan, severity: str, plan_steps: list[tuple[int, tuple[object, ...]]]
) -> None:
    run = drive(plan, severity, plan_steps)
    before = opened(severity)
    for event, transition in run.transitions:
        after = transition.state
        assert state_problems(after) == [] and plan_problems(after, plan) == []
        assert transition.reason
        if transition.outcome != Outcome.APPLIED:
            assert (after, transition.drafts_to_create, transition.timers) == (before, (), ())
            assert not (transition.cadence_restart or transition.cadence_stop)
        assert all(timer.at >= event.at for timer in transition.timers)
        if after.phase != before.phase and after.phase != Phase.POSTMORTEM:
            assert after.phase in transition.drafts_to_create, transition.reason
        assert transition.cadence_stop == (
            before.status == IncidentStatus.OPEN and after.status == IncidentStatus.RESOLVED
        )
        before = after


@PROPERTY
@given(severity=st.sampled_from(SEVERITY_IDS), plan_steps=steps)
def test_severity_never_decreases_and_resolution_and_postmortem_never_undo(
    plan: Plan, severity: str, plan_steps: list[tuple[int, tuple[object, ...]]]
) -> None:
    run = drive(plan, severity, plan_steps)
    ranks = [plan.severity_rank(t.state.severity_id) for _, t in run.transitions]
    assert ranks == sorted(ranks, reverse=True)
    statuses = [t.state.status for _, t in run.transitions]
    assert statuses == sorted(statuses, key=lambda status: status == IncidentStatus.RESOLVED)
    closed = [i for i, (_, t) in enumerate(run.transitions) if t.state.phase == Phase.POSTMORTEM]
    if closed:
        later = run.transitions[closed[0] + 1 :]
        assert all(t.outcome == Outcome.REFUSED and t.state.phase == Phase.POSTMORTEM for _, t in later)


@PROPERTY
@given(severity=st.sampled_from(SEVERITY_IDS), plan_steps=steps)
def test_monitoring_is_drafted_at_most_once_per_calm_stretch(
    plan: Plan, severity: str, plan_steps: list[tuple[int, tuple[object, ...]]]
) -> None:
    run = drive(plan, severity, plan_steps)
    before = opened(severity)
    calm_stretches = 0
    for event, transition in run.transitions:
        if before.all_ok_since is None and transition.state.all_ok_since is not None:
            calm_stretches += 1
        if Phase.MONITORING in transition.drafts_to_create and isinstance(event, AlarmsSettled):
            assert before.all_ok_since is not None and event.at - before.all_ok_since >= DEFAULT_SETTLE
        before = transition.state
    automatic = sum(Phase.MONITORING in t.drafts_to_create for e, t in run.transitions if not isinstance(e, ManualMove))
    assert automatic <= calm_stretches
    monitoring_drafts = [i for i, (_, t) in enumerate(run.transitions) if Phase.MONITORING in t.drafts_to_create]
    for first, second in itertools.pairwise(monitoring_drafts):
        left = [t.state.phase for _, t in run.transitions[first + 1 : second]]
        assert Phase.IDENTIFIED in left  # a second monitoring draft needs a relapse in between


@PROPERTY
@given(
    flaps=st.lists(st.integers(1, 4), min_size=2, max_size=30),
    strays=st.lists(st.integers(0, 200), max_size=10),
)
def test_a_flapping_alarm_yields_no_monitoring_draft_until_it_settles(
    plan: Plan, flaps: list[int], strays: list[int]
) -> None:
    """OK and ALARM alternate with gaps shorter than the settle time, while settle checks fire now and then
    (stale schedules, duplicates): nothing is drafted until the alarm stays OK, then exactly one monitoring."""
    run = Run(plan, opened())
    at, state = T0, OK
    events: list[Event] = []
    for gap in flaps:
        at += timedelta(minutes=gap)
        events.append(changed((at - T0).total_seconds() / 60, state))
        state = ALARM if state == OK else OK
    events += [AlarmsSettled(at=T0 + timedelta(minutes=stray)) for stray in strays if minutes(stray) <= at]
    for event in sorted(events, key=lambda e: e.at):
        run.feed(event)
    assert run.drafts() == []
    last_ok = at + timedelta(minutes=1)
    run.feed(changed((last_ok - T0).total_seconds() / 60, OK))
    run.fire_until(last_ok + DEFAULT_SETTLE)
    run.feed(AlarmsSettled(at=last_ok + DEFAULT_SETTLE + timedelta(minutes=1)))
    assert run.drafts() == [Phase.MONITORING]
