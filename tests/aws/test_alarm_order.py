"""Alarm changes reach an open incident in any order (SNS and EventBridge deliver one alarm either way round): the
incident keeps each alarm's newest state, an older change is recorded as ignored, and a redelivery is a duplicate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3

from incident_comms.adapters.dynamodb import DynamoIncidentStore
from incident_comms.alarms import Alarm, AlarmState
from incident_comms.incidents.models import TimelineEntry, TimelineKind
from incident_comms.incidents.store import Applied, StoreResult
from tests.aws.test_store import T0, attempt_open, make_alarm
from tests.faults import Faults


def change(state: AlarmState, at: timedelta) -> Alarm:
    return make_alarm(state=state).model_copy(update={"changed_at": T0 + at})


def record(store: DynamoIncidentStore, alarm: Alarm) -> StoreResult:
    entry = TimelineEntry(
        incident_id="",
        at=T0 + timedelta(hours=1),
        kind=TimelineKind.ALARM_STATE,
        text=f"Alarm {alarm.name} is {alarm.state}",
        data={"alarm_id": alarm.id, "state": alarm.state},
    )
    return store.record_alarm_state("api", alarm, entry)


def recorded(store: DynamoIncidentStore, incident_id: str, alarm: Alarm) -> tuple[AlarmState, timedelta]:
    incident = store.get_incident(incident_id)
    assert incident is not None
    snapshot = incident.alarms[alarm.id]
    return snapshot.state, snapshot.changed_at - T0


def test_an_older_ok_after_a_newer_alarm_leaves_the_alarm_at_its_newest_state(store: DynamoIncidentStore) -> None:
    opened = attempt_open(store, change(AlarmState.ALARM, timedelta(0)))
    incident_id = opened.incident_id or ""
    assert record(store, change(AlarmState.OK, timedelta(minutes=20))).applied == Applied.RECORDED
    relapse = attempt_open(store, change(AlarmState.ALARM, timedelta(minutes=40)), at=T0 + timedelta(minutes=41))
    assert relapse.applied == Applied.JOINED

    late = record(store, change(AlarmState.OK, timedelta(minutes=30)))

    assert (late.applied, late.incident_id) == (Applied.OUTDATED, incident_id)
    assert recorded(store, incident_id, make_alarm()) == (AlarmState.ALARM, timedelta(minutes=40))
    ignored = [entry for entry in store.timeline(incident_id) if entry.data.get("ignored")]
    assert len(ignored) == 1 and "older than the state already recorded" in ignored[0].text


def test_an_older_alarm_joining_after_a_newer_ok_is_ignored(store: DynamoIncidentStore) -> None:
    opened = attempt_open(store, change(AlarmState.ALARM, timedelta(0)))
    record(store, change(AlarmState.OK, timedelta(minutes=30)))

    late = attempt_open(store, change(AlarmState.ALARM, timedelta(minutes=10)), at=T0 + timedelta(minutes=31))

    assert late.applied == Applied.OUTDATED
    assert recorded(store, opened.incident_id or "", make_alarm()) == (AlarmState.OK, timedelta(minutes=30))


def test_the_outdated_change_redelivered_is_a_duplicate(store: DynamoIncidentStore) -> None:
    opened = attempt_open(store, change(AlarmState.ALARM, timedelta(0)))
    record(store, change(AlarmState.OK, timedelta(minutes=30)))
    older = change(AlarmState.INSUFFICIENT_DATA, timedelta(minutes=10))
    assert record(store, older).applied == Applied.OUTDATED
    entries = len(store.timeline(opened.incident_id or ""))

    again = record(store, older)

    assert (again.applied, again.incident_id) == (Applied.DUPLICATE, opened.incident_id)
    assert len(store.timeline(opened.incident_id or "")) == entries


def test_sub_second_times_compare_as_times_not_as_text(store: DynamoIncidentStore) -> None:
    """Stored JSON drops a zero fraction (``:05Z``) and keeps any other (``:05.500000Z``); as text ``.`` sorts
    before ``Z``, so half a second later would read as earlier."""
    opened = attempt_open(store, change(AlarmState.ALARM, timedelta(seconds=5)))
    incident_id = opened.incident_id or ""

    later = record(store, change(AlarmState.OK, timedelta(seconds=5, milliseconds=500)))
    earlier = record(store, change(AlarmState.INSUFFICIENT_DATA, timedelta(seconds=5)))
    same_instant = record(store, change(AlarmState.INSUFFICIENT_DATA, timedelta(seconds=5, milliseconds=500)))

    assert (later.applied, earlier.applied, same_instant.applied) == (
        Applied.RECORDED,
        Applied.OUTDATED,
        Applied.RECORDED,
    )
    assert recorded(store, incident_id, make_alarm()) == (
        AlarmState.INSUFFICIENT_DATA,
        timedelta(seconds=5, milliseconds=500),
    )


def test_a_newer_whole_second_after_a_fraction_is_applied(store: DynamoIncidentStore) -> None:
    opened = attempt_open(store, change(AlarmState.ALARM, timedelta(seconds=5, microseconds=1)))

    result = record(store, change(AlarmState.OK, timedelta(seconds=6)))

    assert result.applied == Applied.RECORDED
    assert recorded(store, opened.incident_id or "", make_alarm()) == (AlarmState.OK, timedelta(seconds=6))


def test_a_lost_answer_on_the_ignored_write_is_still_outdated_not_a_duplicate(
    table_name: str, no_retry_waits: None
) -> None:
    client = boto3.client("dynamodb")
    store = DynamoIncidentStore(client, table_name)
    opened = attempt_open(store, change(AlarmState.ALARM, timedelta(0)))
    record(store, change(AlarmState.OK, timedelta(minutes=30)))
    faults = Faults(client)

    def lose_the_next_answer(**_: Any) -> None:
        client.meta.events.unregister("after-call.dynamodb.TransactWriteItems", lose_the_next_answer)
        faults.lose_answer("TransactWriteItems")

    client.meta.events.register("after-call.dynamodb.TransactWriteItems", lose_the_next_answer)
    late = record(store, change(AlarmState.ALARM, timedelta(minutes=10)))

    assert faults.injected["TransactWriteItems"] == 1
    assert (late.applied, late.incident_id) == (Applied.OUTDATED, opened.incident_id)
    assert recorded(store, opened.incident_id or "", make_alarm()) == (AlarmState.OK, timedelta(minutes=30))
