"""Many alarm changes written onto one open incident (adapters.dynamodb_alarms): newest state wins, at most once,
only while open, and a lost answer is not a failure."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3

from incident_comms.adapters.dynamodb import DynamoIncidentStore
from incident_comms.adapters.dynamodb_alarms import CHUNK, DynamoAlarmBatches
from incident_comms.alarms import Alarm, AlarmState
from incident_comms.incidents.store import Applied
from tests.factories import OPENED, make_alarm, stored_incident
from tests.faults import Faults

NOW = OPENED + timedelta(minutes=5)


def alarms(count: int, *, minutes: int = 1, state: AlarmState = AlarmState.ALARM) -> list[Alarm]:
    return [
        make_alarm(f"prod-api-{n}", OPENED + timedelta(minutes=minutes)).model_copy(update={"state": state})
        for n in range(count)
    ]


def test_changes_are_written_in_chunks_and_a_second_time_are_duplicates(store: DynamoIncidentStore, plan: Any) -> None:
    incident, _ = stored_incident(store, plan, make_alarm(), at=OPENED)
    batches = DynamoAlarmBatches(store._client, store._table)
    changes = alarms(CHUNK + 5)

    first = batches.apply_alarms(incident.id, changes, NOW)
    again = batches.apply_alarms(incident.id, changes, NOW)

    assert set(first.applied.values()) == {Applied.JOINED} and len(first.applied) == len(changes)
    assert set(again.applied.values()) == {Applied.DUPLICATE} and not again.closed
    stored = store.get_incident(incident.id)
    assert stored is not None and len(stored.alarms) == len(changes) + 1
    chunk_entries = [entry for entry in store.timeline(incident.id) if "alarms" in entry.data]
    assert [len(entry.data["alarms"]) for entry in chunk_entries] == [CHUNK, 5]


def test_an_older_change_never_overwrites_a_newer_one(store: DynamoIncidentStore, plan: Any) -> None:
    incident, _ = stored_incident(store, plan, make_alarm(), at=OPENED)
    batches = DynamoAlarmBatches(store._client, store._table)
    newer = alarms(1, minutes=3, state=AlarmState.OK)
    older = alarms(1, minutes=2)

    batches.apply_alarms(incident.id, newer, NOW)
    late = batches.apply_alarms(incident.id, older, NOW)

    assert late.applied == {0: Applied.DUPLICATE}
    stored = store.get_incident(incident.id)
    assert stored is not None and stored.alarms[newer[0].id].state == AlarmState.OK


def test_within_one_group_the_newest_change_of_an_alarm_wins(store: DynamoIncidentStore, plan: Any) -> None:
    incident, _ = stored_incident(store, plan, make_alarm(), at=OPENED)
    batches = DynamoAlarmBatches(store._client, store._table)
    resolved, firing = alarms(1, minutes=3, state=AlarmState.OK)[0], alarms(1, minutes=2)[0]

    result = batches.apply_alarms(incident.id, [resolved, firing], NOW)

    assert result.applied == {0: Applied.RECORDED, 1: Applied.DUPLICATE}
    stored = store.get_incident(incident.id)
    assert stored is not None and stored.alarms[resolved.id].state == AlarmState.OK


def test_nothing_is_written_on_an_incident_that_is_not_open(store: DynamoIncidentStore, plan: Any) -> None:
    batches = DynamoAlarmBatches(store._client, store._table)

    result = batches.apply_alarms("INC-none", alarms(3), NOW)

    assert result.closed and result.applied == {}


def test_a_lost_answer_is_retried_by_the_sdk_and_counts_as_written_once(
    table_name: str, plan: Any, no_retry_waits: None
) -> None:
    client = boto3.client("dynamodb")
    store = DynamoIncidentStore(client, table_name)
    incident, _ = stored_incident(store, plan, make_alarm(), at=OPENED)
    faults = Faults(client).lose_answer("TransactWriteItems")

    result = DynamoAlarmBatches(client, table_name).apply_alarms(incident.id, alarms(3), NOW)

    assert set(result.applied.values()) == {Applied.JOINED}
    assert faults.committed["TransactWriteItems"] == 2, "committed, then the SDK's retry answered by its token"
    chunk_entries = [entry for entry in store.timeline(incident.id) if "alarms" in entry.data]
    assert len(chunk_entries) == 1


def item_bytes(item: dict[str, Any]) -> int:
    """DynamoDB's size of an item, near enough: names and string values in UTF-8, the rest as its text."""
    return sum(len(name.encode()) + len(str(value).encode()) for name, value in item.items())


def test_an_incident_of_many_long_named_alarms_stays_one_small_item_and_reads_whole(
    store: DynamoIncidentStore, plan: Any
) -> None:
    """Issue 14: alarms with 256-character names and ids took about 800 bytes each in the incident item, so 600 of
    them (about 480 KB) passed DynamoDB's 400 KB. Each alarm is now an item of its own; the incident is read back
    with every one of them. (600, not more: moto copies the whole table once per item of a transaction.)"""
    incident, _ = stored_incident(store, plan, make_alarm(), at=OPENED)
    batches = DynamoAlarmBatches(store._client, store._table)
    long = [
        make_alarm(f"{'x' * 240}-{n:05d}", OPENED + timedelta(minutes=1)).model_copy(
            update={"id": f"{'i' * 240}-{n:05d}", "name": f"{'N' * 240}-{n:05d}"}
        )
        for n in range(600)
    ]

    result = batches.apply_alarms(incident.id, long, NOW)

    assert set(result.applied.values()) == {Applied.JOINED} and len(result.applied) == 600
    meta = store._client.get_item(
        TableName=store._table, Key={"pk": {"S": f"INCIDENT#{incident.id}"}, "sk": {"S": "META"}}
    )["Item"]
    assert item_bytes(meta) < 20_000
    stored = store.get_incident(incident.id)
    assert stored is not None and len(stored.alarms) == 601
    assert {alarm.id for alarm in long} <= set(stored.alarms)
    assert [listed.alarms for listed in store.list_incidents() if listed.id == incident.id] == [{}]
