"""The subscribe form's rate limit on the incidents table: one confirmation email per address per interval, and a
budget per client and for the whole form per window.

Budget items ``SUBSCRIBE#BUDGET#<client hash or ALL>`` / ``WINDOW#<window start>``: a counter taken by one
conditional ``ADD`` (never read-then-write), expiring by TTL after its window. An ``ADD`` re-sent after a lost answer
would count twice, so the item keeps the id of the attempt that last took from it and the ``ADD`` is refused when
that is its own (:mod:`incident_comms.adapters.dynamodb_attempts`): one request takes one unit, even through the
SDK's retries. Only when another request took a unit between our commit and our re-send does ours count twice; a
budget then closes a unit early, never late.

Item ``SUBSCRIBE#<sha256 of the address>`` / ``CONFIRMATION``: ``sent_at`` and ``expires_at`` (epoch seconds, the
table's TTL attribute, so DynamoDB deletes old items by itself). The key holds a hash, not the address: the limiter
only needs to recognise an address again, and the table then holds nobody's address who never confirmed.

A claim is one conditional put, never read-then-write: two simultaneous requests for one address send one email, and
a claim re-sent after its answer was lost is recognised as ours (so the one email still goes out).
TTL deletion runs up to a couple of days late, so the condition compares ``expires_at`` with now itself.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from incident_comms.adapters.dynamodb_attempts import put_once, update_once
from incident_comms.subscribers.subscribe import BUDGET_WINDOW, CLIENT_BUDGET, CONFIRMATION_INTERVAL, GLOBAL_BUDGET

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

_CONDITION_FAILED = "ConditionalCheckFailedException"


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class DynamoConfirmationLimiter:
    """:class:`incident_comms.subscribers.subscribe.ConfirmationLimiter` on the incidents table ``table_name``."""

    def __init__(self, client: DynamoDBClient, table_name: str, interval: timedelta = CONFIRMATION_INTERVAL) -> None:
        if interval <= timedelta(0):
            raise ValueError("the interval between confirmation emails must be positive")
        self._client = client
        self._table = table_name
        self._interval = int(interval.total_seconds())

    @staticmethod
    def _key(email: str) -> dict[str, Any]:
        digest = hashlib.sha256(email.encode("utf-8")).hexdigest()
        return {"pk": {"S": f"SUBSCRIBE#{digest}"}, "sk": {"S": "CONFIRMATION"}}

    def claim(self, email: str, now: datetime) -> bool:
        at = int(now.timestamp())
        item = {**self._key(email), "sent_at": {"N": str(at)}, "expires_at": {"N": str(at + self._interval)}}
        condition = "attribute_not_exists(pk) OR expires_at <= :now"
        return (
            put_once(self._client, self._table, item, condition, ExpressionAttributeValues={":now": {"N": str(at)}})
            is None
        )

    def admit(self, client: str | None, now: datetime) -> bool:
        window = int(BUDGET_WINDOW.total_seconds())
        start = int(now.timestamp()) // window * window
        who = hashlib.sha256((client or "unknown").encode("utf-8")).hexdigest()[:32]
        return self._take(f"SUBSCRIBE#BUDGET#{who}", start, window, CLIENT_BUDGET) and self._take(
            "SUBSCRIBE#BUDGET#ALL", start, window, GLOBAL_BUDGET
        )

    def _take(self, key: str, start: int, window: int, budget: int) -> bool:
        return update_once(
            self._client,
            self._table,
            {"pk": {"S": key}, "sk": {"S": f"WINDOW#{start}"}},
            "attribute_not_exists(#count) OR #count < :budget",
            UpdateExpression="ADD #count :one SET expires_at = :expires",
            ExpressionAttributeNames={"#count": "count"},
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":budget": {"N": str(budget)},
                ":expires": {"N": str(start + 2 * window)},
            },
        )

    def release(self, email: str, now: datetime) -> None:
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=self._key(email),
                ConditionExpression="sent_at = :at",
                ExpressionAttributeValues={":at": {"N": str(int(now.timestamp()))}},
            )
        except ClientError as error:
            if _code(error) != _CONDITION_FAILED:  # another request's claim by now: theirs to keep
                raise


class DynamoUndoLedger:
    """:class:`incident_comms.subscribers.manage.UndoLedger` on the incidents table: item ``SUBSCRIBE#UNDO#<token
    fingerprint>`` / ``SPENT``, put once on condition that it is not there, expiring (TTL) with the token itself.

    A put re-sent after its answer was lost is recognised as ours (:func:`put_once`): the undo is still this
    request's to make. The key holds a fingerprint of the token, never the token or an address."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @staticmethod
    def _key(fingerprint: str) -> dict[str, Any]:
        return {"pk": {"S": f"SUBSCRIBE#UNDO#{fingerprint}"}, "sk": {"S": "SPENT"}}

    def spend(self, fingerprint: str, expires_at: datetime, now: datetime) -> bool:
        item = {
            **self._key(fingerprint),
            "spent_at": {"N": str(int(now.timestamp()))},
            "expires_at": {"N": str(int(expires_at.timestamp()))},
        }
        return put_once(self._client, self._table, item, "attribute_not_exists(pk)") is None

    def restore(self, fingerprint: str) -> None:
        self._client.delete_item(TableName=self._table, Key=self._key(fingerprint))
