"""Customer email's ledgers on the incidents table, next to the incident they are about: each write is one
conditional put, so a redelivered request or notification claims or records nothing twice; each put recognises its
own attempt (:mod:`incident_comms.adapters.dynamodb_attempts`), so a put re-sent after a lost answer is ours.

- :class:`DynamoBatchLedger` is :class:`incident_comms.delivery.email.batches.store.BatchLedger`:
  ``INCIDENT#<id>`` / ``BATCH#<msg>#v<n>#<channel>#<batch>``, claimed with a conditional put.
- :class:`DynamoBounceLedger` is :class:`incident_comms.delivery.email.bounces.BounceLedger`:
  ``INCIDENT#<id>`` / ``BOUNCE#<msg>#v<n>#<channel>#<address hash>``, one conditional put per recipient.

The table's other items are listed in :mod:`incident_comms.adapters.dynamodb_items`.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from incident_comms.adapters.dynamodb_attempts import put_once, put_required
from incident_comms.adapters.dynamodb_items import claim_item, incident_items, record_attrs, record_values
from incident_comms.delivery.email.batches.models import BatchRecord, BatchState
from incident_comms.delivery.email.bounces import BounceRecord

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

BOUNCE_PREFIX = "BOUNCE#"
NOTICE_PREFIX = "BOUNCENOTICE#"


class DynamoBatchLedger:
    """Email batch claims on the incidents table: one item per batch, next to the incident it belongs to."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @staticmethod
    def _key(record: BatchRecord) -> dict[str, Any]:
        sort = f"BATCH#{record.message_id}#v{record.version:04d}#{record.channel_id}#{record.batch:05d}"
        return {"pk": {"S": f"INCIDENT#{record.incident_id}"}, "sk": {"S": sort}}

    def _item(self, record: BatchRecord) -> dict[str, Any]:
        return {**record_attrs(record), **self._key(record)}

    @staticmethod
    def _record(item: dict[str, Any]) -> BatchRecord:
        return BatchRecord.model_validate(record_values(item))

    def claim(self, record: BatchRecord) -> BatchRecord | None:
        old = claim_item(
            self._client,
            self._table,
            self._item(record),
            "attribute_not_exists(pk) OR #state = :released",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={":released": {"S": BatchState.RELEASED.value}},
        )
        return self._record(old) if old is not None else None

    def finish(self, record: BatchRecord) -> None:
        item = self._item(record)
        put_required(self._client, self._table, item, "attribute_exists(pk)", f"batch {item['sk']['S']}")

    def release(self, record: BatchRecord) -> None:
        item = self._item(record.model_copy(update={"state": BatchState.RELEASED}))
        put_required(
            self._client,
            self._table,
            item,
            "#state = :sending",
            f"release of batch {item['sk']['S']}",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={":sending": {"S": BatchState.SENDING.value}},
        )

    def batches(self, incident_id: str) -> list[BatchRecord]:
        return [self._record(item) for item in incident_items(self._client, self._table, incident_id, "BATCH#")]


class DynamoBounceLedger:
    """Bounce and complaint records on the incidents table (:class:`incident_comms.delivery.email.bounces.
    BounceLedger`, and the :class:`incident_comms.delivery.email.feedback.FeedbackLedger` notice claims), next to the
    incident they are about.

    One item per recipient and message version and channel: ``BOUNCE#<message>#v<version>#<channel>#<hash>``, the
    hash being the first 32 hex digits of the address's SHA-256 (a key of fixed length, whatever the address),
    written with a conditional put so a redelivered notification records nothing. The per-channel notice claim
    is ``BOUNCENOTICE#<message>#v<version>#<channel>`` (outside the ``BOUNCE#`` prefix :meth:`bounces` reads).
    """

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @staticmethod
    def _key(record: BounceRecord) -> dict[str, Any]:
        digest = hashlib.sha256(record.address.encode("utf-8")).hexdigest()[:32]
        sort = f"{BOUNCE_PREFIX}{record.message_id}#v{record.version:04d}#{record.channel_id}#{digest}"
        return {"pk": {"S": f"INCIDENT#{record.incident_id}"}, "sk": {"S": sort}}

    def _put_new(self, item: dict[str, Any]) -> bool:
        return put_once(self._client, self._table, item, "attribute_not_exists(pk)") is None

    def record_bounce(self, record: BounceRecord) -> bool:
        return self._put_new({**record_attrs(record), **self._key(record)})

    def bounces(self, incident_id: str) -> list[BounceRecord]:
        items = incident_items(self._client, self._table, incident_id, BOUNCE_PREFIX)
        return [BounceRecord.model_validate(record_values(item)) for item in items]

    def claim_notice(self, incident_id: str, message_id: str, version: int, channel_id: str) -> bool:
        sort = f"{NOTICE_PREFIX}{message_id}#v{version:04d}#{channel_id}"
        return self._put_new({"pk": {"S": f"INCIDENT#{incident_id}"}, "sk": {"S": sort}})
