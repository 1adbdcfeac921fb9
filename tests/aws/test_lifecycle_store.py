"""Lifecycle transitions on DynamoDB (moto) and their timers on Scheduler: optimistic revision, the component
released on resolution, one schedule per timer kind and incident, replaced when armed again."""

from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest

from incident_comms.adapters.dynamodb import DynamoIncidentStore
from incident_comms.adapters.scheduler import SchedulerLifecycleTimers, lifecycle_schedule_name
from incident_comms.alarms import AlarmState
from incident_comms.incidents.facts import DataLoss, FactsError, IncidentFacts
from incident_comms.incidents.machine import advance
from incident_comms.incidents.machine_models import AlarmChanged, ManualMove, Timer, TimerKind
from incident_comms.incidents.models import IncidentStatus, TimelineKind
from incident_comms.lifecycle.facts import change_facts
from incident_comms.lifecycle.logic import incident_after, initial_lifecycle, state_of
from incident_comms.plan.models import Phase, Plan
from tests.factories import OPENED, make_alarm, stored_incident

GROUP = "incident-schedules"
TARGET = "arn:aws:lambda:eu-west-1:123456789012:function:lifecycle-timer"
ROLE = "arn:aws:iam::123456789012:role/scheduler"


def test_two_transitions_from_one_revision_save_once(store: DynamoIncidentStore, plan: Plan) -> None:
    alarm = make_alarm()
    incident, _ = stored_incident(store, plan, alarm, at=OPENED)
    incident = incident.model_copy(update={"lifecycle": initial_lifecycle(incident)})
    ok = AlarmChanged(at=OPENED + timedelta(minutes=5), alarm_id=alarm.id, state=AlarmState.OK)
    moved = ManualMove(at=OPENED + timedelta(minutes=5), to=Phase.IDENTIFIED, by="marta")
    afters = [
        incident_after(incident, advance(state_of(incident), event, plan), OPENED + timedelta(minutes=5))
        for event in (ok, moved)
    ]

    # Both computed from revision 0, as two handlers running at once would: DynamoDB evaluates each condition
    # atomically, so whichever write comes second finds revision 1 (moto serialises nothing across threads, so
    # the two writes are made one after the other here).
    saved = [store.save_lifecycle(incident, after, []) for after in afters]

    assert saved == [True, False]
    stored = store.get_incident(incident.id)
    assert stored is not None and stored.revision == 1
    assert stored.phase == Phase.INVESTIGATING and stored.lifecycle == afters[0].lifecycle


def test_resolving_frees_the_component_for_a_new_incident(store: DynamoIncidentStore, plan: Plan) -> None:
    incident, _ = stored_incident(store, plan, make_alarm(), at=OPENED)
    resolve = ManualMove(at=OPENED + timedelta(hours=1), to=Phase.RESOLVED, by="marta")
    after = incident_after(incident, advance(state_of(incident), resolve, plan), resolve.at)

    assert store.save_lifecycle(incident, after, [])

    stored = store.get_incident(incident.id)
    assert stored is not None and stored.status == IncidentStatus.RESOLVED and stored.resolved_at == resolve.at
    assert store.open_incident_id("api") is None
    assert not store.save_lifecycle(incident, after, []), "a stale revision must not save"


def test_a_resolution_stores_the_impact_end_at_the_last_ok_not_the_resolving_instant(
    store: DynamoIncidentStore, plan: Plan
) -> None:
    alarm = make_alarm()
    incident, _ = stored_incident(store, plan, alarm, at=OPENED)
    incident = incident.model_copy(update={"lifecycle": initial_lifecycle(incident)})
    ok = AlarmChanged(at=OPENED + timedelta(minutes=6), alarm_id=alarm.id, state=AlarmState.OK)
    cleared = incident_after(incident, advance(state_of(incident), ok, plan), ok.at)
    assert store.save_lifecycle(incident, cleared, [])
    resolve = ManualMove(at=OPENED + timedelta(minutes=50), to=Phase.RESOLVED, by="marta")

    resolved = incident_after(cleared, advance(state_of(cleared), resolve, plan), resolve.at)
    assert store.save_lifecycle(cleared, resolved, [])

    stored = store.get_incident(incident.id)
    assert stored is not None and stored.resolved_at == ok.at and stored.updated_at == resolve.at


def test_a_timer_kind_is_one_schedule_per_incident_replaced_when_armed_again(aws: None) -> None:
    client = boto3.client("scheduler")
    client.create_schedule_group(Name=GROUP)
    timers = SchedulerLifecycleTimers(client, group=GROUP, target_arn=TARGET, role_arn=ROLE)
    incident_id = "INC-20261122-1015-abc123"

    first = timers.schedule(incident_id, Timer(kind=TimerKind.SETTLE_CHECK, at=OPENED + timedelta(minutes=5)))
    second = timers.schedule(incident_id, Timer(kind=TimerKind.SETTLE_CHECK, at=OPENED + timedelta(minutes=9)))
    timers.schedule(incident_id, Timer(kind=TimerKind.QUIET_CHECK, at=OPENED + timedelta(minutes=40)))

    assert first == second == f"settle_check-{incident_id}"
    names = sorted(item["Name"] for item in client.list_schedules(GroupName=GROUP)["Schedules"])
    assert names == [f"quiet_check-{incident_id}", f"settle_check-{incident_id}"]
    settle = client.get_schedule(GroupName=GROUP, Name=first)
    assert settle["ScheduleExpression"] == "at(2026-11-22T10:24:00)"
    assert settle["ActionAfterCompletion"] == "DELETE"
    assert json.loads(settle["Target"]["Input"])["timer"]["at"] == "2026-11-22T10:24:00Z"


def test_schedule_names_fit_scheduler_whatever_the_incident_id() -> None:
    plain = lifecycle_schedule_name(TimerKind.POSTMORTEM_REMINDER, "INC-20261122-1015-abc123")
    odd = lifecycle_schedule_name(TimerKind.POSTMORTEM_REMINDER, "INC/" + "x" * 80)

    assert plain == "postmortem_reminder-INC-20261122-1015-abc123"
    assert odd.startswith("postmortem_reminder-") and len(odd) <= 64 and "/" not in odd


def test_facts_are_saved_on_the_incident_only_from_the_revision_they_were_set_on(
    store: DynamoIncidentStore, plan: Plan
) -> None:
    incident, _ = stored_incident(store, plan, make_alarm(), at=OPENED)
    now = OPENED + timedelta(minutes=20)
    cause = {"es": "Un cambio de configuración.", "en": "A configuration change."}

    saved = change_facts(store, plan, incident.id, {"cause": cause, "data_loss": "none"}, "marta", now)

    stored = store.get_incident(incident.id)
    assert stored is not None and stored == saved
    assert (stored.facts.cause, stored.facts.data_loss, stored.revision) == (cause, DataLoss.NONE, 1)
    (entry,) = [entry for entry in store.timeline(incident.id) if entry.kind == TimelineKind.FACTS_SET]
    assert entry.data == {"by": "marta", "facts": ["cause", "data_loss"]}
    stale = incident.model_copy(update={"facts": IncidentFacts(), "revision": 1})
    assert not store.save_facts(incident, stale, []), "a stale revision must not overwrite newer facts"
    assert store.get_incident(incident.id) == stored


def test_bad_facts_change_nothing_in_the_store(store: DynamoIncidentStore, plan: Plan) -> None:
    incident, _ = stored_incident(store, plan, make_alarm(), at=OPENED)

    with pytest.raises(FactsError):
        change_facts(store, plan, incident.id, {"data_loss": "some"}, "marta", OPENED)

    assert store.get_incident(incident.id) == incident
    assert TimelineKind.FACTS_SET not in [entry.kind for entry in store.timeline(incident.id)]


def test_a_closed_incidents_timer_is_deleted_once(aws: None) -> None:
    client = boto3.client("scheduler")
    client.create_schedule_group(Name=GROUP)
    timers = SchedulerLifecycleTimers(client, group=GROUP, target_arn=TARGET, role_arn=ROLE)
    incident_id = "INC-20261122-1015-abc123"
    timers.schedule(incident_id, Timer(kind=TimerKind.POSTMORTEM_REMINDER, at=OPENED + timedelta(days=5)))

    deleted, again = (timers.cancel(incident_id, TimerKind.POSTMORTEM_REMINDER) for _ in range(2))

    assert (deleted, again) == (True, False)
    assert client.list_schedules(GroupName=GROUP)["Schedules"] == []
