"""Many alarm changes applied to one open incident in a few writes (:class:`incident_comms.intake.groups.AlarmBatches`).

Why it exists: an Alertmanager group of 1,000 alerts on one component, applied one alarm at a time, costs four items
per alarm (event, incident, lock, entry) and re-reads the incident each time. Here one read of the incident's
alarms answers which changes are new, then each chunk of up to :data:`CHUNK` changes is one transaction: the
incident's ``updated_at``, one item per alarm (``META#ALARM#<id>``, :mod:`incident_comms.adapters.dynamodb_items`)
and one timeline entry naming the chunk's alarms.

The guarantees:

- **At most once, newest wins.** A change is written only when it is newer (``changed_at``) than the alarm's stored
  state, and the write is conditioned on that stored state being still the one read: a redelivered group, or a
  group racing another, applies nothing twice and never overwrites a newer state with an older one. A change no
  newer than the stored one answers DUPLICATE.
- **Only on the open incident.** Every write is conditioned on the incident being open; once it closed, the
  remaining changes come back unapplied for the caller to apply one by one (they may open a new incident).
- **A lost answer is not a failure.** Each transaction carries a ``ClientRequestToken``, so the SDK's retry of a
  committed write is answered as committed; where the retry is refused anyway, finding the chunk's own timeline
  entry (unique to that write) says it committed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from incident_comms.adapters.client_errors import error_code
from incident_comms.adapters.dynamodb_items import (
    ALARM_PREFIX,
    META,
    alarm_attrs,
    incident_items,
    incident_key,
    model_attrs,
    string_attr,
)
from incident_comms.alarms import Alarm, AlarmState
from incident_comms.incidents.models import AlarmSnapshot, IncidentStatus, TimelineEntry, TimelineKind
from incident_comms.incidents.store import Applied

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

CHUNK = 98
"""Alarm changes per transaction: with the incident and the timeline entry, DynamoDB's 100 items a transaction."""
_ATTEMPTS = 4
"""Reads and writes of one chunk when another writer changed one of its alarms in between."""
_NAMES_SHOWN = 10


@dataclass
class BatchApplied:
    """What :meth:`DynamoAlarmBatches.apply_alarms` did with each change, by position in the list it was given."""

    applied: dict[int, Applied] = field(default_factory=dict)
    """JOINED (an ALARM) or RECORDED (any other state), or DUPLICATE (no newer than the stored state)."""
    closed: bool = False
    """The incident was not open (any more): the positions missing from ``applied`` were not written."""


class DynamoAlarmBatches:
    """Alarm changes of one component written onto its open incident, in chunks (module doc)."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def apply_alarms(self, incident_id: str, alarms: list[Alarm], now: datetime) -> BatchApplied:
        result = BatchApplied()
        stored = self._stored_alarms(incident_id)
        for start in range(0, len(alarms), CHUNK):
            chunk = list(range(start, min(start + CHUNK, len(alarms))))
            for _ in range(_ATTEMPTS):
                if stored is None:
                    result.closed = True
                    return result
                if self._apply_chunk(incident_id, alarms, chunk, stored, now, result):
                    break
                stored = self._stored_alarms(incident_id)
            else:
                raise RuntimeError(f"alarm changes on {incident_id} not applied: other writers kept landing first")
        return result

    def _apply_chunk(
        self,
        incident_id: str,
        alarms: list[Alarm],
        chunk: list[int],
        stored: dict[str, dict[str, Any]],
        now: datetime,
        result: BatchApplied,
    ) -> bool:
        """Write the chunk's changes newer than ``stored`` (the alarm map as last read, kept up to date with what
        this writes); False when another writer moved one of them or closed the incident (read again)."""
        newest: dict[str, int] = {}
        for position in chunk:
            alarm = alarms[position]
            seen = stored.get(alarm.id)
            kept = newest.get(alarm.id)
            if (seen is not None and alarm.changed_at <= _changed_at(seen)) or (
                kept is not None and alarm.changed_at <= alarms[kept].changed_at
            ):
                result.applied[position] = Applied.DUPLICATE
                continue
            if kept is not None:
                result.applied[kept] = Applied.DUPLICATE
            newest[alarm.id] = position
        if not newest:
            return True
        written = {alarm_id: alarms[position] for alarm_id, position in newest.items()}
        snapshots = {alarm_id: alarm_attrs(incident_id, AlarmSnapshot.of(alarm)) for alarm_id, alarm in written.items()}
        if not self._write(incident_id, list(written.values()), snapshots, stored, now):
            return False
        for alarm_id, position in newest.items():
            stored[alarm_id] = snapshots[alarm_id]
            joined = alarms[position].state == AlarmState.ALARM
            result.applied[position] = Applied.JOINED if joined else Applied.RECORDED
        return True

    def _stored_alarms(self, incident_id: str) -> dict[str, dict[str, Any]] | None:
        """The incident's alarm items as stored (raw attribute values), or None when it is not open."""
        items = incident_items(self._client, self._table, incident_id, META)
        meta = next((item for item in items if item["sk"]["S"] == META), None)
        if meta is None or meta.get("status", {}).get("S") != IncidentStatus.OPEN.value:
            return None
        return {item["id"]["S"]: item for item in items if item["sk"]["S"].startswith(ALARM_PREFIX)}

    def _write(
        self,
        incident_id: str,
        alarms: list[Alarm],
        snapshots: dict[str, dict[str, Any]],
        stored: dict[str, dict[str, Any]],
        now: datetime,
    ) -> bool:
        """One transaction: the incident still open, each alarm's item only if its stored state did not move, and
        the chunk's timeline entry. False when one moved (read again); raises on anything else."""
        entry = chunk_entry(incident_id, alarms, now)
        items: list[TransactWriteItemTypeDef] = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": incident_key(incident_id),
                    "UpdateExpression": "SET updated_at = :at",
                    "ConditionExpression": "#status = :open",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {
                        ":open": string_attr(IncidentStatus.OPEN.value),
                        ":at": string_attr(now.isoformat()),
                    },
                }
            },
            *(self._alarm_put(snapshots[alarm.id], stored.get(alarm.id)) for alarm in alarms),
            {
                "Put": {
                    "TableName": self._table,
                    "Item": model_attrs(
                        entry, pk=f"INCIDENT#{incident_id}", sk=f"TL#{entry.at.isoformat()}#000#{entry.key}"
                    ),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ]
        try:
            self._client.transact_write_items(TransactItems=items, ClientRequestToken=str(uuid.uuid4()))
        except ClientError as error:
            if error_code(error) not in ("TransactionCanceledException", "TransactionConflictException"):
                raise
            return self._committed(items[-1])
        return True

    def _alarm_put(self, item: dict[str, Any], seen: dict[str, Any] | None) -> TransactWriteItemTypeDef:
        """The alarm's item, put only over the state read (or where there was none)."""
        if seen is None:
            return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
        return {
            "Put": {
                "TableName": self._table,
                "Item": item,
                "ConditionExpression": "changed_at = :seen",
                "ExpressionAttributeValues": {":seen": seen["changed_at"]},
            }
        }

    def _committed(self, entry_put: TransactWriteItemTypeDef) -> bool:
        """Whether a cancelled try met our own earlier commit (its answer lost, the retry not recognised by its
        token): the chunk's timeline entry, unique to this write, is there."""
        item = entry_put["Put"]["Item"]
        found = self._client.get_item(
            TableName=self._table, Key={"pk": item["pk"], "sk": item["sk"]}, ConsistentRead=True
        )
        return "Item" in found


def _changed_at(stored: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(stored["changed_at"]["S"])


def chunk_entry(incident_id: str, alarms: list[Alarm], now: datetime) -> TimelineEntry:
    """One timeline entry for a chunk of alarm changes: how many, the first names, and every alarm's change in
    ``data`` (the per-alarm entries of the one-by-one path, folded)."""
    joined = sum(alarm.state == AlarmState.ALARM for alarm in alarms)
    shown = ", ".join(f"{alarm.name} ({alarm.state})" for alarm in alarms[:_NAMES_SHOWN])
    more = f" and {len(alarms) - _NAMES_SHOWN} more" if len(alarms) > _NAMES_SHOWN else ""
    return TimelineEntry(
        incident_id=incident_id,
        at=now,
        kind=TimelineKind.ALARM_JOINED if joined else TimelineKind.ALARM_STATE,
        text=f"{len(alarms)} alarm changes from one group: {shown}{more}",
        data={
            "alarms": [
                {"alarm_id": alarm.id, "state": alarm.state, "changed_at": alarm.changed_at.isoformat()}
                for alarm in alarms
            ]
        },
    )
