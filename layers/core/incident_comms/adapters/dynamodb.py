"""``IncidentStore`` on one DynamoDB table (declared in template.yaml).

Items (``pk`` / ``sk``):

- ``INCIDENT#<id>`` / ``META``             the incident; ``gsi1pk=INCIDENTS``, ``gsi1sk=<opened_at>#<id>`` lists them
- ``INCIDENT#<id>`` / ``TL#<at>#<key>``    one timeline entry
- ``INCIDENT#<id>`` / ``MSG#<id>``         one message and its drafts
- ``COMPONENT#<id>`` / ``OPEN``            the lock that keeps one open incident per component (released on resolution)
- ``EVENT#<event key>`` / ``EVENT``        an applied inbound event, expiring by TTL after ``EVENT_TTL``
- ``INCIDENT#<id>`` / ``PUB#<msg>#v<n>``   the hand-off of one message version to publishing
- ``INCIDENT#<id>`` / ``PROMISES``         the promise ledger (:class:`~incident_comms.promises.PromiseLedger`)
- ``INCIDENT#<id>`` / ``DLV#<msg>#v<n>#<channel>``  what publishing one version did on one channel
- ``TOKEN#<fingerprint>`` / ``USED``       a spent approval link, expiring by TTL a day after the link itself
- ``SUBSCRIBE#<sha256>`` / ``CONFIRMATION``  the last subscribe confirmation email to one address, expiring by TTL
  (written by :class:`incident_comms.adapters.subscriptions.DynamoConfirmationLimiter`)

Every change is one transaction guarded by conditions, never read-then-write: the event item makes a
redelivery fail its condition, the component lock makes the second of two simultaneous alarms join.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError
from pydantic import BaseModel

from incident_comms.alarms import Alarm
from incident_comms.incidents.models import (
    AlarmSnapshot,
    Delivery,
    Incident,
    IncidentStatus,
    Message,
    MessageStatus,
    Publication,
    TimelineEntry,
)
from incident_comms.incidents.promises import PromiseLedger
from incident_comms.incidents.store import Applied, DecisionSaved, StoreResult

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

EVENT_TTL = timedelta(days=30)
USED_TOKEN_TTL_MARGIN = timedelta(days=1)
"""A spent link is remembered a day past its expiry; after that the expiry alone refuses it."""
_JOIN_ATTEMPTS = 4
_APPENDED_ORDER = 999
"""Sort position of an entry added on its own: after any batch written at the same instant (orders 0, 1, ...)."""
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_plain(v) for v in value]
    return value


def _attrs(data: dict[str, Any]) -> dict[str, Any]:
    clean = json.loads(json.dumps(data), parse_float=Decimal)
    return {key: _serializer.serialize(value) for key, value in clean.items()}


def _model_attrs(model: BaseModel, **keys: Any) -> dict[str, Any]:
    return _attrs({**model.model_dump(mode="json"), **keys})


def item_values(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain Python values (numbers as int or float, not Decimal), for pydantic to validate."""
    return {key: _plain(_deserializer.deserialize(value)) for key, value in item.items()}


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _incident_key(incident_id: str) -> dict[str, Any]:
    return {"pk": _s(f"INCIDENT#{incident_id}"), "sk": _s("META")}


def _lock_key(component_id: str) -> dict[str, Any]:
    return {"pk": _s(f"COMPONENT#{component_id}"), "sk": _s("OPEN")}


def _message_key(incident_id: str, message_id: str) -> dict[str, Any]:
    return {"pk": _s(f"INCIDENT#{incident_id}"), "sk": _s(f"MSG#{message_id}")}


def _promises_key(incident_id: str) -> dict[str, Any]:
    return {"pk": _s(f"INCIDENT#{incident_id}"), "sk": _s("PROMISES")}


def _token_key(fingerprint: str) -> dict[str, Any]:
    return {"pk": _s(f"TOKEN#{fingerprint}"), "sk": _s("USED")}


class DynamoIncidentStore:
    """DynamoDB implementation of :class:`incident_comms.store.IncidentStore`."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _put(self, item: dict[str, Any], *, new: bool = True, revision: int | None = None) -> TransactWriteItemTypeDef:
        """A put that creates (``new``) or replaces the stored ``revision`` of the item, never anything else."""
        put: dict[str, Any] = {"TableName": self._table, "Item": item}
        if revision is not None:
            put["ConditionExpression"] = "revision = :revision"
            put["ExpressionAttributeValues"] = {":revision": {"N": str(revision)}}
        elif new:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        return {"Put": put}  # type: ignore[typeddict-item]

    def _event_put(self, alarm: Alarm, incident_id: str, at_epoch: int) -> TransactWriteItemTypeDef:
        item = _attrs(
            {
                "pk": f"EVENT#{alarm.event_key}",
                "sk": "EVENT",
                "incident_id": incident_id,
                "expires_at": at_epoch + int(EVENT_TTL.total_seconds()),
            }
        )
        return self._put(item)

    def _entry_put(self, entry: TimelineEntry, order: int = 0) -> TransactWriteItemTypeDef:
        sort = f"TL#{entry.at.isoformat()}#{order:03d}#{entry.key}"
        return self._put(_model_attrs(entry, pk=f"INCIDENT#{entry.incident_id}", sk=sort))

    def _message_put(self, message: Message, *, replacing: int | None = None) -> TransactWriteItemTypeDef:
        item = _model_attrs(message, pk=f"INCIDENT#{message.incident_id}", sk=f"MSG#{message.id}")
        return self._put(item, revision=replacing)

    def _publication_put(self, publication: Publication) -> TransactWriteItemTypeDef:
        sort = f"PUB#{publication.message_id}#v{publication.version:04d}"
        return self._put(_model_attrs(publication, pk=f"INCIDENT#{publication.incident_id}", sk=sort))

    def _transact(self, items: list[TransactWriteItemTypeDef]) -> list[str] | None:
        """Run one transaction; None when it committed, else the cancellation reason code of every item."""
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons") or []
            return [str(reason.get("Code", "None")) for reason in reasons] or ["Unknown"] * len(items)
        return None

    def open_or_join(
        self,
        candidate: Incident,
        alarm: Alarm,
        opening: list[TimelineEntry],
        joining: TimelineEntry,
        message: Message | None,
    ) -> StoreResult:
        now_epoch = int(candidate.opened_at.timestamp())
        for _ in range(_JOIN_ATTEMPTS):
            items = [
                self._event_put(alarm, candidate.id, now_epoch),
                self._put({**_lock_key(candidate.component_id), "incident_id": _s(candidate.id)}),
                self._put(
                    _model_attrs(
                        candidate,
                        pk=f"INCIDENT#{candidate.id}",
                        sk="META",
                        gsi1pk="INCIDENTS",
                        gsi1sk=f"{candidate.opened_at.isoformat()}#{candidate.id}",
                    )
                ),
                *(self._entry_put(entry, order) for order, entry in enumerate(opening)),
            ]
            if message is not None:
                items.append(self._message_put(message))
            reasons = self._transact(items)
            if reasons is None:
                return StoreResult(Applied.OPENED, candidate.id)
            if reasons[0] == "ConditionalCheckFailed":
                return StoreResult(Applied.DUPLICATE, self._event_incident(alarm))
            open_id = self.open_incident_id(candidate.component_id)
            if open_id is None:
                continue
            entry = joining.model_copy(update={"incident_id": open_id})
            result = self._apply_to_open(candidate.component_id, open_id, alarm, entry, now_epoch, Applied.JOINED)
            if result is not None:
                return result
        raise RuntimeError(f"could not open or join an incident for {candidate.component_id} under contention")

    def record_alarm_state(self, component_id: str, alarm: Alarm, entry: TimelineEntry) -> StoreResult:
        for _ in range(_JOIN_ATTEMPTS):
            open_id = self.open_incident_id(component_id)
            if open_id is None:
                return StoreResult(Applied.NO_OPEN_INCIDENT)
            located = entry.model_copy(update={"incident_id": open_id})
            epoch = int(entry.at.timestamp())
            result = self._apply_to_open(component_id, open_id, alarm, located, epoch, Applied.RECORDED)
            if result is not None:
                return result
        raise RuntimeError(f"could not record the alarm on {component_id}'s incident under contention")

    def _apply_to_open(
        self, component_id: str, incident_id: str, alarm: Alarm, entry: TimelineEntry, epoch: int, applied: Applied
    ) -> StoreResult | None:
        """Add the alarm's state to an open incident; None when the incident closed meanwhile (try again)."""
        snapshot = _attrs({"s": AlarmSnapshot.of(alarm).model_dump(mode="json"), "t": entry.at.isoformat()})
        items: list[TransactWriteItemTypeDef] = [
            self._event_put(alarm, incident_id, epoch),
            {
                "Update": {
                    "TableName": self._table,
                    "Key": _incident_key(incident_id),
                    "UpdateExpression": "SET alarms.#alarm = :snapshot, updated_at = :at",
                    "ConditionExpression": "#status = :open",
                    "ExpressionAttributeNames": {"#alarm": alarm.id, "#status": "status"},
                    "ExpressionAttributeValues": {
                        ":snapshot": snapshot["s"],
                        ":at": snapshot["t"],
                        ":open": _s(IncidentStatus.OPEN.value),
                    },
                }
            },
            {
                "ConditionCheck": {
                    "TableName": self._table,
                    "Key": _lock_key(component_id),
                    "ConditionExpression": "incident_id = :incident",
                    "ExpressionAttributeValues": {":incident": _s(incident_id)},
                }
            },
            self._entry_put(entry),
        ]
        reasons = self._transact(items)
        if reasons is None:
            return StoreResult(applied, incident_id)
        if reasons[0] == "ConditionalCheckFailed":
            return StoreResult(Applied.DUPLICATE, self._event_incident(alarm))
        return None

    def add_timeline_entry(self, entry: TimelineEntry) -> None:
        item = self._entry_put(entry, _APPENDED_ORDER)["Put"]
        self._client.put_item(TableName=self._table, Item=item["Item"], ConditionExpression="attribute_not_exists(pk)")

    def _event_incident(self, alarm: Alarm) -> str | None:
        item = self._client.get_item(
            TableName=self._table, Key={"pk": _s(f"EVENT#{alarm.event_key}"), "sk": _s("EVENT")}, ConsistentRead=True
        ).get("Item")
        return item["incident_id"]["S"] if item else None

    def open_incident_id(self, component_id: str) -> str | None:
        item = self._client.get_item(TableName=self._table, Key=_lock_key(component_id), ConsistentRead=True).get(
            "Item"
        )
        return item["incident_id"]["S"] if item else None

    def get_incident(self, incident_id: str) -> Incident | None:
        item = self._client.get_item(TableName=self._table, Key=_incident_key(incident_id), ConsistentRead=True).get(
            "Item"
        )
        return Incident.model_validate(item_values(item)) if item else None

    def _query_prefix(self, incident_id: str, prefix: str) -> list[dict[str, Any]]:
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": _s(f"INCIDENT#{incident_id}"), ":prefix": _s(prefix)},
            ConsistentRead=True,
        )
        return [item_values(item) for page in pages for item in page.get("Items", [])]

    def timeline(self, incident_id: str) -> list[TimelineEntry]:
        return [TimelineEntry.model_validate(item) for item in self._query_prefix(incident_id, "TL#")]

    def messages(self, incident_id: str) -> list[Message]:
        found = [Message.model_validate(item) for item in self._query_prefix(incident_id, "MSG#")]
        return sorted(found, key=lambda message: message.created_at)

    def list_incidents(self, limit: int = 100) -> list[Incident]:
        response = self._client.query(
            TableName=self._table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :all",
            ExpressionAttributeValues={":all": _s("INCIDENTS")},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [Incident.model_validate(item_values(item)) for item in response.get("Items", [])]

    def get_message(self, incident_id: str, message_id: str) -> Message | None:
        item = self._client.get_item(
            TableName=self._table, Key=_message_key(incident_id, message_id), ConsistentRead=True
        ).get("Item")
        return Message.model_validate(item_values(item)) if item else None

    def token_used(self, fingerprint: str) -> bool:
        found = self._client.get_item(TableName=self._table, Key=_token_key(fingerprint), ConsistentRead=True)
        return "Item" in found

    def save_decision(
        self,
        before: Message,
        after: Message,
        token_fingerprint: str,
        token_expires_at: datetime,
        entries: list[TimelineEntry],
        publication: Publication | None,
    ) -> DecisionSaved:
        if after.revision != before.revision + 1 or (after.incident_id, after.id) != (before.incident_id, before.id):
            raise ValueError("a decision replaces the message it was computed from, one revision later")
        spent = _attrs(
            {
                "incident_id": before.incident_id,
                "message_id": before.id,
                "expires_at": int((token_expires_at + USED_TOKEN_TTL_MARGIN).timestamp()),
            }
        )
        items = [
            self._put({**_token_key(token_fingerprint), **spent}),
            self._message_put(after, replacing=before.revision),
            *(self._entry_put(entry, order) for order, entry in enumerate(entries)),
        ]
        if publication is not None:
            items.append(self._publication_put(publication))
        reasons = self._transact(items)
        if reasons is None:
            return DecisionSaved.SAVED
        if reasons[0] == "ConditionalCheckFailed":
            return DecisionSaved.TOKEN_USED
        if reasons[1] == "ConditionalCheckFailed":
            return DecisionSaved.MESSAGE_CHANGED
        raise RuntimeError(f"decision not saved: {', '.join(reasons)}")

    def save_holding(
        self, waiting: Message, holding: Message, entries: list[TimelineEntry], publication: Publication
    ) -> bool:
        items: list[TransactWriteItemTypeDef] = [
            {
                "ConditionCheck": {
                    "TableName": self._table,
                    "Key": _message_key(waiting.incident_id, waiting.id),
                    "ConditionExpression": "#status = :awaiting",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {":awaiting": _s(MessageStatus.AWAITING_APPROVAL.value)},
                }
            },
            self._message_put(holding),
            *(self._entry_put(entry, order) for order, entry in enumerate(entries)),
            self._publication_put(publication),
        ]
        reasons = self._transact(items)
        if reasons is None:
            return True
        if "ConditionalCheckFailed" in reasons[:2]:
            return False
        raise RuntimeError(f"holding message not saved: {', '.join(reasons)}")

    def publications(self, incident_id: str) -> list[Publication]:
        return [Publication.model_validate(item) for item in self._query_prefix(incident_id, "PUB#")]

    def _delivery_item(self, delivery: Delivery) -> dict[str, Any]:
        sort = f"DLV#{delivery.message_id}#v{delivery.version:04d}#{delivery.channel_id}"
        return _model_attrs(delivery, pk=f"INCIDENT#{delivery.incident_id}", sk=sort)

    def claim_delivery(self, delivery: Delivery) -> Delivery | None:
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._delivery_item(delivery),
                ConditionExpression="attribute_not_exists(pk)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            old = error.response.get("Item")
            if isinstance(old, dict) and old:
                return Delivery.model_validate(item_values(old))
            item = self._delivery_item(delivery)
            key = {"pk": item["pk"], "sk": item["sk"]}
            found = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True)
            return Delivery.model_validate(item_values(found["Item"]))
        return None

    def finish_delivery(self, delivery: Delivery) -> None:
        item = self._delivery_item(delivery)
        self._client.put_item(
            TableName=self._table,
            Item=item,
            ConditionExpression="attribute_exists(pk)",
        )

    def deliveries(self, incident_id: str) -> list[Delivery]:
        return [Delivery.model_validate(item) for item in self._query_prefix(incident_id, "DLV#")]

    def save_lifecycle(self, before: Incident, after: Incident, entries: list[TimelineEntry]) -> bool:
        if after.id != before.id or after.revision != before.revision + 1:
            raise ValueError("a lifecycle transition replaces the incident it was computed from, one revision later")
        values = _attrs(
            {
                ":phase": after.phase.value,
                ":status": after.status.value,
                ":severity": after.severity_id,
                ":lifecycle": after.lifecycle,
                ":revision": after.revision,
                ":before": before.revision,
                ":updated": after.updated_at.isoformat(),
                ":resolved": after.resolved_at.isoformat() if after.resolved_at else None,
            }
        )
        unrevised = "attribute_not_exists(revision) OR " if before.revision == 0 else ""
        items: list[TransactWriteItemTypeDef] = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": _incident_key(before.id),
                    "UpdateExpression": "SET phase = :phase, #status = :status, severity_id = :severity, "
                    "lifecycle = :lifecycle, revision = :revision, updated_at = :updated, resolved_at = :resolved",
                    "ConditionExpression": f"attribute_exists(pk) AND ({unrevised}revision = :before)",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": values,
                }
            },
            *(self._entry_put(entry, order) for order, entry in enumerate(entries)),
        ]
        if before.status == IncidentStatus.OPEN and after.status == IncidentStatus.RESOLVED:
            items.append(
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": _lock_key(before.component_id),
                        "ConditionExpression": "attribute_not_exists(pk) OR incident_id = :incident",
                        "ExpressionAttributeValues": {":incident": _s(before.id)},
                    }
                }
            )
        reasons = self._transact(items)
        if reasons is None:
            return True
        if reasons[0] == "ConditionalCheckFailed":
            return False
        raise RuntimeError(f"lifecycle transition of {before.id} not saved: {', '.join(reasons)}")

    def add_message(self, message: Message, entries: list[TimelineEntry]) -> bool:
        items = [self._message_put(message), *(self._entry_put(entry, order) for order, entry in enumerate(entries))]
        reasons = self._transact(items)
        if reasons is None:
            return True
        if reasons[0] == "ConditionalCheckFailed":
            return False
        raise RuntimeError(f"message {message.id} not saved: {', '.join(reasons)}")

    def promise_ledger(self, incident_id: str) -> PromiseLedger:
        item = self._client.get_item(TableName=self._table, Key=_promises_key(incident_id), ConsistentRead=True).get(
            "Item"
        )
        return PromiseLedger.model_validate(item_values(item)) if item else PromiseLedger(incident_id=incident_id)

    def save_promise_ledger(self, before: PromiseLedger, after: PromiseLedger, entries: list[TimelineEntry]) -> bool:
        if after.revision != before.revision + 1 or after.incident_id != before.incident_id:
            raise ValueError("a ledger write replaces the ledger it was computed from, one revision later")
        item = _model_attrs(after, pk=f"INCIDENT#{after.incident_id}", sk="PROMISES")
        put = self._put(item, revision=before.revision or None)
        reasons = self._transact([put, *(self._entry_put(entry, order) for order, entry in enumerate(entries))])
        if reasons is None:
            return True
        if reasons[0] == "ConditionalCheckFailed":
            return False
        raise RuntimeError(f"promise ledger of {after.incident_id} not saved: {', '.join(reasons)}")
