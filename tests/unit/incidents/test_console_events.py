"""The state machine's console events: a responder changes the severity either way, or closes a resolved incident.

The rules (``incidents.machine``): a severity change by hand needs an open incident and another plan severity, and
drafts an update whatever the direction; alarms still never lower it. Closing needs a resolved incident whose
postmortem the plan no longer expects (published already, or a severity that could never publish one); a closed
incident refuses every later event.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from incident_comms.alarms import AlarmState
from incident_comms.incidents.machine import advance, postmortem_expected
from incident_comms.incidents.machine_models import (
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
    TimerKind,
)
from incident_comms.incidents.models import IncidentStatus
from incident_comms.plan.models import ApprovalRule, Phase, Plan

T0 = datetime(2026, 1, 15, 13, 0, tzinfo=UTC)
ANA = "ana@nubeteca.example"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def opened(severity: str = "SEV2") -> LifecycleState:
    return LifecycleState(severity_id=severity, alarms={"a": AlarmMark(state=AlarmState.ALARM, changed_at=T0)})


def resolved(severity: str = "SEV2") -> LifecycleState:
    return LifecycleState(
        severity_id=severity,
        phase=Phase.RESOLVED,
        status=IncidentStatus.RESOLVED,
        alarms={"a": AlarmMark(state=AlarmState.OK, changed_at=at(10))},
        all_ok_since=at(10),
    )


def change(severity: str, reason: str = "customers report failed invoices") -> SeverityChanged:
    return SeverityChanged(at=at(20), severity_id=severity, by=ANA, reason=reason)


def without_postmortem_approvers(plan: Plan, severity: str) -> Plan:
    """``plan`` where no role approves a ``severity`` postmortem: such a postmortem could never be published."""
    others = [phase for phase in Phase if phase != Phase.POSTMORTEM]
    approvals = [
        ApprovalRule(severities=[severity], phases=others, roles=["communications_lead"]),
        *(
            ApprovalRule(severities=[s.id], roles=["communications_lead"])
            for s in plan.definition.severities
            if s.id != severity
        ),
    ]
    return plan.model_copy(update={"roles": plan.roles.model_copy(update={"approvals": approvals})})


# --- severity by hand -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("before", "after", "how"), [("SEV2", "SEV1", "raised"), ("SEV1", "SEV3", "lowered")])
def test_a_responder_raises_or_lowers_the_severity_and_an_update_follows(
    plan: Plan, before: str, after: str, how: str
) -> None:
    moved = advance(opened(before), change(after), plan)

    assert moved.outcome == Outcome.APPLIED and moved.new_severity == after
    assert moved.drafts_to_create == (Phase.UPDATE,) and moved.cadence_restart
    assert moved.new_phase == Phase.INVESTIGATING and not moved.cadence_stop
    assert f"{how} {before} → {after} by {ANA}" in moved.reason
    assert "customers report failed invoices" in moved.reason


def test_an_alarm_still_never_lowers_the_severity(plan: Plan) -> None:
    lowered_by_hand = advance(opened("SEV1"), change("SEV3"), plan).state

    classified = advance(lowered_by_hand, SeverityClassified(at=at(30), severity_id="SEV3"), plan)
    less_severe = advance(opened("SEV1"), SeverityClassified(at=at(30), severity_id="SEV3"), plan)

    assert classified.outcome == Outcome.IGNORED
    assert (less_severe.outcome, less_severe.new_severity) == (Outcome.IGNORED, "SEV1")


@pytest.mark.parametrize(
    ("state", "severity", "reason"),
    [
        (opened("SEV2"), "SEV2", "SEV2 already"),
        (opened("SEV2"), "SEV9", "not in the plan"),
        (resolved("SEV2"), "SEV1", "resolved"),
    ],
    ids=["same", "unknown", "resolved"],
)
def test_a_severity_change_that_makes_no_sense_is_refused_and_changes_nothing(
    plan: Plan, state: LifecycleState, severity: str, reason: str
) -> None:
    refused = advance(state, change(severity), plan)

    assert (refused.outcome, refused.state, refused.drafts_to_create) == (Outcome.REFUSED, state, ())
    assert not refused.cadence_restart and reason in refused.reason


# --- closing by hand -----------------------------------------------------------------------------------------------


def test_an_open_incident_cannot_be_closed(plan: Plan) -> None:
    state = opened()

    refused = advance(state, ClosedByHand(at=at(20), by=ANA, postmortem_published=True), plan)

    assert (refused.outcome, refused.state) == (Outcome.REFUSED, state)
    assert "resolve it before closing it" in refused.reason
    assert not refused.supersede_waiting and refused.timers_to_cancel == ()


def test_a_resolved_incident_whose_postmortem_is_owed_is_not_closed_by_hand(plan: Plan) -> None:
    state = resolved()
    assert postmortem_expected(plan, "SEV2")

    refused = advance(state, ClosedByHand(at=at(20), by=ANA), plan)

    assert (refused.outcome, refused.state) == (Outcome.REFUSED, state)
    assert "expects a postmortem" in refused.reason and "publish the postmortem" in refused.reason


def test_a_resolved_incident_whose_postmortem_was_published_closes_and_its_drafts_and_reminder_die(
    plan: Plan,
) -> None:
    closed = advance(resolved(), ClosedByHand(at=at(20), by=ANA, postmortem_published=True), plan)

    assert closed.outcome == Outcome.APPLIED
    assert (closed.new_phase, closed.new_status) == (Phase.POSTMORTEM, IncidentStatus.RESOLVED)
    assert closed.drafts_to_create == () and closed.timers == ()
    assert closed.supersede_waiting and closed.timers_to_cancel == (TimerKind.POSTMORTEM_REMINDER,)
    assert f"closed by {ANA}" in closed.reason


def test_a_severity_that_could_never_publish_a_postmortem_closes_by_hand(plan: Plan) -> None:
    lenient = without_postmortem_approvers(plan, "SEV3")
    assert not postmortem_expected(lenient, "SEV3") and postmortem_expected(lenient, "SEV2")

    closed = advance(resolved("SEV3"), ClosedByHand(at=at(20), by=ANA), lenient)

    assert (closed.outcome, closed.new_phase) == (Outcome.APPLIED, Phase.POSTMORTEM)


LATER_EVENTS: list[Event] = [
    AlarmChanged(at=at(40), alarm_id="a", state=AlarmState.ALARM, severity_id="SEV1"),
    AlarmChanged(at=at(40), alarm_id="b", state=AlarmState.OK),
    SeverityClassified(at=at(40), severity_id="SEV1"),
    SeverityChanged(at=at(40), severity_id="SEV1", by=ANA, reason="worse than we thought"),
    ManualMove(at=at(40), to=Phase.IDENTIFIED, by=ANA),
    ClosedByHand(at=at(40), by=ANA, postmortem_published=True),
    AlarmsSettled(at=at(40)),
    QuietPeriodElapsed(at=at(40)),
    PostmortemReminderDue(at=at(40)),
    PostmortemPublished(at=at(40)),
]


@pytest.mark.parametrize("event", LATER_EVENTS, ids=lambda event: type(event).__name__)
def test_a_closed_incident_refuses_every_later_event(plan: Plan, event: Event) -> None:
    closed = advance(resolved(), ClosedByHand(at=at(20), by=ANA, postmortem_published=True), plan).state

    later = advance(closed, event, plan)

    assert (later.outcome, later.state, later.drafts_to_create, later.timers) == (Outcome.REFUSED, closed, (), ())
    assert "closed" in later.reason
