"""The incident store's reads on the one DynamoDB table: every read of an item or of an incident's items is
consistent (``ConsistentRead``), so a use case reads what the last committed write left; the listing of incidents
(the ``gsi1`` index, newest first) is the one eventually consistent read.

The writes, each one transaction guarded by conditions, are :class:`incident_comms.adapters.dynamodb.
DynamoIncidentStore`, built on these reads; the items and their keys are :mod:`incident_comms.adapters.dynamodb_items`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from incident_comms.adapters.client_errors import error_code
from incident_comms.adapters.dynamodb_items import (
    META,
    event_key,
    incident_items,
    incident_of,
    item_values,
    lock_key,
    message_key,
    promises_key,
    string_attr,
    token_key,
)
from incident_comms.alarms import Alarm
from incident_comms.incidents.models import Delivery, Incident, Message, Publication, TimelineEntry
from incident_comms.incidents.promises import PromiseLedger

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


class DynamoIncidentReads:
    """The reads of :class:`incident_comms.incidents.store.IncidentStore` on the table ``table_name``."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _query_prefix(self, incident_id: str, prefix: str) -> list[dict[str, Any]]:
        return [item_values(item) for item in incident_items(self._client, self._table, incident_id, prefix)]

    def open_incident_id(self, component_id: str) -> str | None:
        item = self._client.get_item(TableName=self._table, Key=lock_key(component_id), ConsistentRead=True).get("Item")
        return item["incident_id"]["S"] if item else None

    def _event_and_lock(self, alarm: Alarm, component_id: str) -> tuple[dict[str, Any] | None, str | None]:
        """The alarm event's record (None: not applied yet) and the component's open incident (None: none), in one
        consistent ``TransactGetItems`` (IAM governs it as ``GetItem``): what decides, before anything is rendered or
        written, whether an alarm is a redelivery, joins or opens. A read cancelled by a concurrent transaction on
        either item falls back to one consistent ``GetItem`` each; the two need not be one snapshot, since every
        write that follows is conditioned on both (the event item is created once, the lock is checked)."""
        keys = [event_key(alarm), lock_key(component_id)]
        try:
            found: Any = self._client.transact_get_items(
                TransactItems=[{"Get": {"TableName": self._table, "Key": key}} for key in keys]
            )["Responses"]
        except ClientError as error:
            if error_code(error) != "TransactionCanceledException":
                raise
            found = [self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True) for key in keys]
        event, lock = (response.get("Item") for response in found)
        return (dict(event) if event else None), (str(lock["incident_id"]["S"]) if lock else None)

    def _incident_of_event(self, alarm: Alarm, event: dict[str, Any] | None) -> str | None:
        """The incident a recorded event went to: from its record when the refusal returned it, else read."""
        if event is not None:
            return str(event["incident_id"]["S"]) if "incident_id" in event else None
        return self._event_incident(alarm)

    def _event_incident(self, alarm: Alarm) -> str | None:
        item = self._client.get_item(TableName=self._table, Key=event_key(alarm), ConsistentRead=True).get("Item")
        return item["incident_id"]["S"] if item else None

    def get_incident(self, incident_id: str) -> Incident | None:
        """The incident and its alarms, in one consistent query (one call until they pass 1 MB)."""
        return incident_of(incident_items(self._client, self._table, incident_id, META))

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
            ExpressionAttributeValues={":all": string_attr("INCIDENTS")},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [Incident.model_validate(item_values(item)) for item in response.get("Items", [])]

    def get_message(self, incident_id: str, message_id: str) -> Message | None:
        item = self._client.get_item(
            TableName=self._table, Key=message_key(incident_id, message_id), ConsistentRead=True
        ).get("Item")
        return Message.model_validate(item_values(item)) if item else None

    def token_used(self, fingerprint: str) -> bool:
        found = self._client.get_item(TableName=self._table, Key=token_key(fingerprint), ConsistentRead=True)
        return "Item" in found

    def publications(self, incident_id: str) -> list[Publication]:
        return [Publication.model_validate(item) for item in self._query_prefix(incident_id, "PUB#")]

    def deliveries(self, incident_id: str) -> list[Delivery]:
        return [Delivery.model_validate(item) for item in self._query_prefix(incident_id, "DLV#")]

    def promise_ledger(self, incident_id: str) -> PromiseLedger:
        item = self._client.get_item(TableName=self._table, Key=promises_key(incident_id), ConsistentRead=True).get(
            "Item"
        )
        return PromiseLedger.model_validate(item_values(item)) if item else PromiseLedger(incident_id=incident_id)
