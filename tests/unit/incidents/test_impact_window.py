"""The impact window customers are told: it ends when the last alarm went OK, never when the quiet period ran out
(that would overstate the impact customers may claim credits for)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from incident_comms.alarms import AlarmState
from incident_comms.incidents.machine import advance
from incident_comms.incidents.machine_models import (
    AlarmChanged,
    AlarmMark,
    AlarmsSettled,
    LifecycleState,
    ManualMove,
    QuietPeriodElapsed,
)
from incident_comms.incidents.models import IncidentStatus
from incident_comms.lifecycle.logic import incident_after, initial_lifecycle
from incident_comms.plan.models import Phase, Plan
from tests.factories import make_alarm, opened_incident

T0 = datetime(2026, 1, 15, 13, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def two_alarms() -> LifecycleState:
    return LifecycleState(
        severity_id="SEV2",
        alarms={name: AlarmMark(state=AlarmState.ALARM, changed_at=T0) for name in ("a", "b")},
    )


def test_resolution_by_the_quiet_period_ends_the_impact_at_the_last_ok(plan: Plan) -> None:
    state = advance(two_alarms(), AlarmChanged(at=at(6), alarm_id="a", state=AlarmState.OK), plan).state
    state = advance(state, AlarmChanged(at=at(11), alarm_id="b", state=AlarmState.OK), plan).state
    state = advance(state, AlarmsSettled(at=at(16)), plan).state
    quiet_end = at(11) + plan.definition.quiet_period

    resolved = advance(state, QuietPeriodElapsed(at=quiet_end), plan)

    assert resolved.new_status == IncidentStatus.RESOLVED
    assert resolved.impact_ended_at == at(11)


def test_a_responder_resolving_after_the_alarms_cleared_ends_the_impact_at_the_last_ok(plan: Plan) -> None:
    state = advance(two_alarms(), AlarmChanged(at=at(3), alarm_id="b", state=AlarmState.OK), plan).state
    state = advance(state, AlarmChanged(at=at(4), alarm_id="a", state=AlarmState.OK), plan).state

    resolved = advance(state, ManualMove(at=at(20), to=Phase.RESOLVED, by="marta"), plan)

    assert resolved.impact_ended_at == at(4)


def test_a_responder_resolving_while_an_alarm_is_not_ok_ends_the_impact_at_their_move(plan: Plan) -> None:
    resolved = advance(two_alarms(), ManualMove(at=at(20), to=Phase.RESOLVED, by="marta"), plan)

    assert resolved.impact_ended_at == at(20)


def test_transitions_that_do_not_resolve_name_no_impact_end(plan: Plan) -> None:
    moved = advance(two_alarms(), ManualMove(at=at(5), to=Phase.IDENTIFIED), plan)

    assert moved.impact_ended_at is None


def test_the_resolved_incident_stores_the_impact_end_not_the_resolving_instant(plan: Plan) -> None:
    alarm = make_alarm()
    incident, _ = opened_incident(plan, alarm, at=T0)
    incident = incident.model_copy(update={"lifecycle": initial_lifecycle(incident)})
    cleared_at = alarm.changed_at + timedelta(minutes=11)
    cleared = advance(
        LifecycleState.model_validate(incident.lifecycle),
        AlarmChanged(at=cleared_at, alarm_id=alarm.id, state=AlarmState.OK),
        plan,
    )
    resolving_at = cleared_at + timedelta(minutes=37)

    after = incident_after(
        incident, advance(cleared.state, ManualMove(at=resolving_at, to=Phase.RESOLVED), plan), resolving_at
    )

    assert (after.status, after.resolved_at, after.updated_at) == (IncidentStatus.RESOLVED, cleared_at, resolving_at)


def test_the_impact_starts_at_the_first_alarm_change_or_when_an_older_record_opened(plan: Plan) -> None:
    incident, _ = opened_incident(plan, make_alarm(), at=T0)
    assert incident.impact_start == T0
    earlier = incident.model_copy(update={"impact_started_at": T0 - timedelta(minutes=4)})
    assert earlier.impact_start == T0 - timedelta(minutes=4)
