"""The items of the one DynamoDB table (declared in template.yaml): their keys, their (de)serialisation, and the
two accesses the adapters on it share (an incident's items by sort-key prefix, a claim by conditional put). Values
come back as plain Python (numbers as int or float, never Decimal), ready for pydantic to validate.

Items (``pk`` / ``sk``):

- ``INCIDENT#<id>`` / ``META``             the incident; ``gsi1pk=INCIDENTS``, ``gsi1sk=<opened_at>#<id>`` lists them;
  its ``message_sequence`` counts the messages stored, ``published_sequence`` is the last one handed to publishing
- ``INCIDENT#<id>`` / ``META#ALARM#<alarm id>``  the last known state of one of its alarms: an item of its own, so
  an incident of thousands of alarms stays under DynamoDB's 400 KB per item, and under ``META`` so that one query
  (``begins_with(sk, "META")``) reads the incident with its alarms
- ``INCIDENT#<id>`` / ``TL#<at>#<key>``    one timeline entry
- ``INCIDENT#<id>`` / ``MSG#<id>``         one message and its drafts
- ``COMPONENT#<id>`` / ``OPEN``            the lock that keeps one open incident per component (released on resolution)
- ``EVENT#<event key>`` / ``EVENT``        an applied inbound event, expiring by TTL after ``EVENT_TTL``
- ``INCIDENT#<id>`` / ``PUB#<msg>#v<n>``   the hand-off of one message version to publishing
- ``INCIDENT#<id>`` / ``PROMISES``         the promise ledger
  (:class:`~incident_comms.incidents.promises.PromiseLedger`)
- ``INCIDENT#<id>`` / ``DLV#<msg>#v<n>#<channel>``  what publishing one version did on one channel
- ``TOKEN#<fingerprint>`` / ``USED``       a spent approval link, expiring by TTL a day after the link itself
- ``SUBSCRIBE#<sha256>`` / ``CONFIRMATION``  the last subscribe confirmation email to one address, expiring by TTL
  (written by :class:`incident_comms.adapters.subscriptions.DynamoConfirmationLimiter`)
- ``MAINT#<id>`` / ``META``               a scheduled maintenance; ``gsi1pk=MAINTENANCES``, ``gsi1sk=<ends_at>#<id>``
  (:mod:`incident_comms.adapters.dynamodb_maintenance`); its emails' batch records are under ``INCIDENT#<its id>``

Every item a conditional write puts or updates also carries ``attempt``, the id of the attempt that last wrote it
(:mod:`incident_comms.adapters.dynamodb_attempts`); :func:`item_values` leaves it out, so no model ever sees it.

The incident store (:mod:`incident_comms.adapters.dynamodb`) writes and reads the incident's own items; the email
ledgers (:mod:`incident_comms.adapters.email_ledgers`) and the report ledger put theirs under the same incident.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from pydantic import BaseModel

from incident_comms.adapters.dynamodb_attempts import ATTEMPT, put_once
from incident_comms.incidents.models import AlarmSnapshot, Incident

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

    from incident_comms.alarms import Alarm
    from incident_comms.incidents.models import Message

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


def attrs(data: dict[str, Any]) -> dict[str, Any]:
    clean = json.loads(json.dumps(data), parse_float=Decimal)
    return {key: _serializer.serialize(value) for key, value in clean.items()}


def model_attrs(model: BaseModel, **keys: Any) -> dict[str, Any]:
    return attrs({**model.model_dump(mode="json"), **keys})


def item_values(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain Python values (numbers as int or float, not Decimal), for pydantic to validate; the
    id of the attempt that wrote it (:mod:`incident_comms.adapters.dynamodb_attempts`) is the store's, not the
    model's, and is left out."""
    return {key: _plain(_deserializer.deserialize(value)) for key, value in item.items() if key != ATTEMPT}


def record_attrs(record: BaseModel) -> dict[str, Any]:
    """A ledger record's fields as attributes, the fields that are None left out (its key is added by the caller)."""
    data = json.loads(record.model_dump_json())
    return {key: _serializer.serialize(value) for key, value in data.items() if value is not None}


def record_values(item: dict[str, Any]) -> dict[str, Any]:
    """A ledger item's plain values without its key, for the record's model to validate."""
    return {k: v for k, v in item_values(item).items() if k not in ("pk", "sk")}


def string_attr(value: str) -> dict[str, str]:
    return {"S": value}


def incident_key(incident_id: str) -> dict[str, Any]:
    return {"pk": string_attr(f"INCIDENT#{incident_id}"), "sk": string_attr("META")}


META = "META"
ALARM_PREFIX = "META#ALARM#"


def alarm_key(incident_id: str, alarm_id: str) -> dict[str, Any]:
    return {"pk": string_attr(f"INCIDENT#{incident_id}"), "sk": string_attr(f"{ALARM_PREFIX}{alarm_id}")}


def alarm_attrs(incident_id: str, snapshot: AlarmSnapshot) -> dict[str, Any]:
    """One alarm's item: its snapshot's fields (``changed_at`` among them, which writes are conditioned on)."""
    return model_attrs(snapshot, pk=f"INCIDENT#{incident_id}", sk=f"{ALARM_PREFIX}{snapshot.id}")


def incident_attrs(incident: Incident, **keys: Any) -> dict[str, Any]:
    """The incident's own item, without its alarms (each is an item of its own: :func:`alarm_attrs`)."""
    return attrs({**incident.model_dump(mode="json", exclude={"alarms"}), **keys})


def incident_of(items: list[dict[str, Any]]) -> Incident | None:
    """The incident from its ``META`` item and its ``META#ALARM#`` items (raw, as a query answers them); None when
    the ``META`` item is not among them. An ``alarms`` map left on the ``META`` item by an earlier version is read
    too, the alarm items winning."""
    meta: dict[str, Any] | None = None
    alarms: dict[str, Any] = {}
    for item in items:
        values = item_values(item)
        if values.get("sk") == META:
            meta = values
        elif str(values.get("sk", "")).startswith(ALARM_PREFIX):
            alarms[values["id"]] = {key: value for key, value in values.items() if key not in ("pk", "sk")}
    if meta is None:
        return None
    return Incident.model_validate({**meta, "alarms": {**(meta.get("alarms") or {}), **alarms}})


def event_key(alarm: Alarm) -> dict[str, Any]:
    return {"pk": string_attr(f"EVENT#{alarm.event_key}"), "sk": string_attr("EVENT")}


def lock_key(component_id: str) -> dict[str, Any]:
    return {"pk": string_attr(f"COMPONENT#{component_id}"), "sk": string_attr("OPEN")}


def message_key(incident_id: str, message_id: str) -> dict[str, Any]:
    return {"pk": string_attr(f"INCIDENT#{incident_id}"), "sk": string_attr(f"MSG#{message_id}")}


def promises_key(incident_id: str) -> dict[str, Any]:
    return {"pk": string_attr(f"INCIDENT#{incident_id}"), "sk": string_attr("PROMISES")}


def token_key(fingerprint: str) -> dict[str, Any]:
    return {"pk": string_attr(f"TOKEN#{fingerprint}"), "sk": string_attr("USED")}


def incident_items(client: DynamoDBClient, table: str, incident_id: str, prefix: str) -> list[dict[str, Any]]:
    """Every item of the incident whose sort key starts with ``prefix``, read consistently, page by page."""
    paginator = client.get_paginator("query")
    pages = paginator.paginate(
        TableName=table,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": string_attr(f"INCIDENT#{incident_id}"), ":prefix": string_attr(prefix)},
        ConsistentRead=True,
    )
    return [dict(item) for page in pages for item in page.get("Items", [])]


def claim_item(
    client: DynamoDBClient, table: str, item: dict[str, Any], condition: str, **expression: Any
) -> dict[str, Any] | None:
    """Put ``item`` when ``condition`` holds: None when it was put (the claim is ours, even when the answer to the
    try that put it was lost), else the item that stood in its way (read again, consistently, when DynamoDB did not
    answer it with the refusal)."""
    old = put_once(client, table, item, condition, **expression)
    if old == {}:
        raise LookupError(f"claim of {item['pk']['S']} {item['sk']['S']} refused by an item no longer there")
    return old


def counter_update(table: str, incident: Incident, sequence: int) -> TransactWriteItemTypeDef:
    """Move ``incident``'s message counter to ``sequence``, on the condition that it is still the one read (an
    incident stored before messages were sequenced has no counter: it reads 0)."""
    unset = "attribute_not_exists(message_sequence) OR " if incident.message_sequence == 0 else ""
    return {
        "Update": {
            "TableName": table,
            "Key": incident_key(incident.id),
            "UpdateExpression": "SET message_sequence = :sequence",
            "ConditionExpression": f"attribute_exists(pk) AND ({unset}message_sequence = :before)",
            "ExpressionAttributeValues": attrs({":sequence": sequence, ":before": incident.message_sequence}),
        }
    }


def published_update(table: str, message: Message, *, holding: bool) -> TransactWriteItemTypeDef:
    """Make ``message`` its incident's last published one, on the condition that it is not
    :func:`~incident_comms.incidents.ordering.outdated` (the same rule, as a condition): nothing of a higher sequence
    was handed to publishing, and for a holding text not even its own draft (a holding text ranks just below it). An
    incident that handed nothing over since messages were sequenced has no published sequence: anything may go."""
    condition = "attribute_not_exists(published_sequence) OR published_sequence <= :sequence"
    values: dict[str, Any] = {":sequence": message.sequence, ":message": message.id}
    if holding:
        condition = (
            "attribute_not_exists(published_sequence) OR published_sequence < :sequence OR "
            "(published_sequence = :sequence AND (attribute_not_exists(published_message_id) OR "
            "attribute_type(published_message_id, :null) OR published_message_id = :message))"
        )
        values[":null"] = "NULL"
    return {
        "Update": {
            "TableName": table,
            "Key": incident_key(message.incident_id),
            "UpdateExpression": "SET published_sequence = :sequence, published_message_id = :message",
            "ConditionExpression": f"attribute_exists(pk) AND ({condition})",
            "ExpressionAttributeValues": attrs(values),
        }
    }
