"""DynamoIncidentStore on moto, with the table from template.yaml: one open incident per component, at most once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from incident_comms.adapters.dynamodb import DynamoIncidentStore
from incident_comms.alarms import Alarm, AlarmKind, AlarmSource, AlarmState
from incident_comms.incidents.models import AlarmSnapshot, Incident, TimelineEntry, TimelineKind, new_incident_id
from incident_comms.incidents.store import Applied, Opening

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def make_alarm(name: str = "prod-api-5xx", state: AlarmState = AlarmState.ALARM, minute: int = 0) -> Alarm:
    return Alarm(
        source=AlarmSource.CLOUDWATCH,
        kind=AlarmKind.METRIC,
        id=f"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:{name}",
        name=name,
        state=state,
        changed_at=T0 + timedelta(minutes=minute),
    )


def attempt_open(store: DynamoIncidentStore, alarm: Alarm, component: str = "api", at: datetime = T0):  # type: ignore[no-untyped-def]
    incident = Incident(
        id=new_incident_id(at),
        component_id=component,
        severity_id="SEV1",
        opened_at=at,
        updated_at=at,
        alarms={alarm.id: AlarmSnapshot.of(alarm)},
    )
    opened = TimelineEntry(incident_id=incident.id, at=at, kind=TimelineKind.OPENED, text=f"opened by {alarm.name}")
    joining = TimelineEntry(incident_id="", at=at, kind=TimelineKind.ALARM_JOINED, text=f"{alarm.name} joined")
    return store.open_or_join(incident, alarm, lambda: Opening([opened]), joining)


def test_first_alarm_opens_an_incident_with_its_timeline(store: DynamoIncidentStore) -> None:
    result = attempt_open(store, make_alarm())

    assert result.applied == Applied.OPENED
    assert store.open_incident_id("api") == result.incident_id
    incident = store.get_incident(result.incident_id or "")
    assert incident is not None and incident.component_id == "api"
    assert [entry.kind for entry in store.timeline(incident.id)] == [TimelineKind.OPENED]


def test_redelivered_alarm_changes_nothing(store: DynamoIncidentStore) -> None:
    first = attempt_open(store, make_alarm())
    again = attempt_open(store, make_alarm(), at=T0 + timedelta(seconds=5))

    assert again.applied == Applied.DUPLICATE
    assert again.incident_id == first.incident_id
    assert len(store.list_incidents()) == 1
    assert len(store.timeline(first.incident_id or "")) == 1


def test_second_alarm_for_the_component_joins_the_open_incident(store: DynamoIncidentStore) -> None:
    first = attempt_open(store, make_alarm("prod-api-5xx"))
    second = attempt_open(store, make_alarm("prod-api-latency"), at=T0 + timedelta(minutes=1))

    assert second.applied == Applied.JOINED
    assert second.incident_id == first.incident_id
    incident = store.get_incident(first.incident_id or "")
    assert incident is not None
    assert {snapshot.name for snapshot in incident.alarms.values()} == {"prod-api-5xx", "prod-api-latency"}
    assert [entry.kind for entry in store.timeline(incident.id)] == [TimelineKind.OPENED, TimelineKind.ALARM_JOINED]


def test_other_components_get_their_own_incident(store: DynamoIncidentStore) -> None:
    api = attempt_open(store, make_alarm("prod-api-5xx"), component="api")
    db = attempt_open(store, make_alarm("prod-db-cpu"), component="database")

    assert api.applied == db.applied == Applied.OPENED
    assert api.incident_id != db.incident_id


class AtomicCalls:
    """moto's in-process backend is not thread-safe; DynamoDB makes each request atomic, so do the same here.

    Calls still interleave between requests, which is where a read-then-write race would show.
    """

    def __init__(self, client: object) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> object:
        method = getattr(self._client, name)

        def atomic(*args: object, **kwargs: object) -> object:
            with self._lock:
                return method(*args, **kwargs)

        return atomic


@pytest.mark.parametrize("same_alarm", [False, True], ids=["two-alarms", "one-alarm-redelivered"])
def test_simultaneous_alarms_open_one_incident(table_name: str, same_alarm: bool) -> None:
    store = DynamoIncidentStore(AtomicCalls(boto3.client("dynamodb")), table_name)  # type: ignore[arg-type]
    alarms = [make_alarm("prod-api-5xx" if same_alarm else f"prod-api-{n}") for n in range(8)]
    barrier = threading.Barrier(len(alarms))
    results = []

    def race(alarm: Alarm) -> None:
        barrier.wait()
        results.append(attempt_open(store, alarm))

    threads = [threading.Thread(target=race, args=(alarm,)) for alarm in alarms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [r.applied for r in results].count(Applied.OPENED) == 1
    assert len({r.incident_id for r in results}) == 1
    assert len(store.list_incidents()) == 1
    expected_entries = 1 if same_alarm else len(alarms)
    assert len(store.timeline(results[0].incident_id or "")) == expected_entries


def test_ok_is_recorded_on_the_open_incident_once(store: DynamoIncidentStore) -> None:
    opened = attempt_open(store, make_alarm())
    ok = make_alarm(state=AlarmState.OK, minute=12)
    entry = TimelineEntry(incident_id="", at=T0 + timedelta(minutes=12), kind=TimelineKind.ALARM_STATE, text="OK")

    first = store.record_alarm_state("api", ok, entry)
    again = store.record_alarm_state("api", ok, entry.model_copy(update={"key": "other"}))

    assert first.applied == Applied.RECORDED and first.incident_id == opened.incident_id
    assert again.applied == Applied.DUPLICATE
    incident = store.get_incident(opened.incident_id or "")
    assert incident is not None and incident.alarms[ok.id].state == AlarmState.OK
    assert [e.kind for e in store.timeline(incident.id)] == [TimelineKind.OPENED, TimelineKind.ALARM_STATE]


def test_ok_without_open_incident_is_not_applied(store: DynamoIncidentStore) -> None:
    entry = TimelineEntry(incident_id="", at=T0, kind=TimelineKind.ALARM_STATE, text="OK")

    result = store.record_alarm_state("api", make_alarm(state=AlarmState.OK), entry)

    assert result.applied == Applied.NO_OPEN_INCIDENT
    assert store.list_incidents() == []


def calls_of(store: DynamoIncidentStore) -> list[str]:
    """The names of the AWS calls the store's client makes from now on."""
    made: list[str] = []
    store._client.meta.events.register("before-call", lambda model, **_: made.append(model.name))
    return made


def test_a_redelivered_alarm_is_answered_by_one_read_alone(store: DynamoIncidentStore) -> None:
    """The read that comes before any write finds the event's record, which names the incident it went to: no
    write, no second read (issue 16: a redelivery in one call)."""
    first = attempt_open(store, make_alarm())
    joined = attempt_open(store, make_alarm("prod-api-latency"), at=T0 + timedelta(minutes=1))
    made = calls_of(store)

    again = attempt_open(store, make_alarm(), at=T0 + timedelta(seconds=5))
    rejoined = attempt_open(store, make_alarm("prod-api-latency"), at=T0 + timedelta(minutes=2))

    assert (again.applied, again.incident_id) == (Applied.DUPLICATE, first.incident_id)
    assert (rejoined.applied, rejoined.incident_id) == (Applied.DUPLICATE, joined.incident_id)
    assert made == ["TransactGetItems", "TransactGetItems"]
