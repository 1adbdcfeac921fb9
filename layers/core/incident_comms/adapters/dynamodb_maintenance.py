"""Maintenances on the incidents table (:class:`~incident_comms.maintenance.store.MaintenanceStore`).

- ``MAINT#<id>`` / ``META``          the maintenance; ``gsi1pk=MAINTENANCES``, ``gsi1sk=<ends_at>#<id>`` lists them by
  the end of their window, so the page reads only those it may still show
- ``MAINT#<id>`` / ``SENT#<step>``  the approved email of a step (start, completion) was claimed for sending

Every write is one conditional put that recognises its own attempt
(:mod:`incident_comms.adapters.dynamodb_attempts`): a put re-sent after a lost answer is ours, never a refusal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from incident_comms.adapters.dynamodb_attempts import put_once
from incident_comms.adapters.dynamodb_items import item_values, model_attrs, string_attr
from incident_comms.maintenance.models import Maintenance, MaintenanceStatus

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

LIST_KEY = "MAINTENANCES"


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class DynamoMaintenanceStore:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @staticmethod
    def _key(maintenance_id: str, sort: str = "META") -> dict[str, Any]:
        return {"pk": string_attr(f"MAINT#{maintenance_id}"), "sk": string_attr(sort)}

    def _item(self, maintenance: Maintenance) -> dict[str, Any]:
        return {
            **model_attrs(maintenance, gsi1pk=LIST_KEY, gsi1sk=f"{_utc(maintenance.ends_at)}#{maintenance.id}"),
            **self._key(maintenance.id),
        }

    @staticmethod
    def _maintenance(item: dict[str, Any]) -> Maintenance:
        values = item_values(item)
        return Maintenance.model_validate(
            {key: value for key, value in values.items() if key not in ("pk", "sk", "gsi1pk", "gsi1sk")}
        )

    def create(self, maintenance: Maintenance) -> None:
        if put_once(self._client, self._table, self._item(maintenance), "attribute_not_exists(pk)") is not None:
            raise ValueError(f"maintenance {maintenance.id} already exists")

    def get(self, maintenance_id: str) -> Maintenance | None:
        item = self._client.get_item(TableName=self._table, Key=self._key(maintenance_id), ConsistentRead=True)
        return self._maintenance(item["Item"]) if "Item" in item else None

    def recent(self, ends_after: datetime) -> list[Maintenance]:
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :list AND gsi1sk >= :after",
            ExpressionAttributeValues={":list": string_attr(LIST_KEY), ":after": string_attr(_utc(ends_after))},
        )
        found = [self._maintenance(item) for page in pages for item in page.get("Items", [])]
        return sorted(found, key=lambda maintenance: (maintenance.starts_at, maintenance.id))

    def replace(self, maintenance: Maintenance, expected: MaintenanceStatus) -> bool:
        refused = put_once(
            self._client,
            self._table,
            self._item(maintenance),
            "#status = :expected",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":expected": string_attr(expected.value)},
        )
        return refused is None

    def claim_step(self, maintenance_id: str, step: str, now: datetime) -> bool:
        item = {**self._key(maintenance_id, f"SENT#{step}"), "claimed_at": string_attr(_utc(now))}
        return put_once(self._client, self._table, item, "attribute_not_exists(pk)") is None
