"""Conditional writes that recognise their own attempt (issue 14): a write whose answer was lost and was sent again
must not read its own first commit as "someone else did it".

Each logical write gets a fresh attempt id (:func:`new_attempt`), the same for every try of it (the SDK's retries
and ours), and every item it puts or updates carries that id in the attribute :data:`ATTEMPT`. When DynamoDB refuses
the write on a condition, the items it would have written are read back, consistently (``GetItem`` for one item,
one ``TransactGetItems`` for a transaction): if one of them carries our attempt id, the write had committed and the
refusal met our own commit, so the write answers success exactly as if the first answer had arrived.

- A transaction also keeps its ``ClientRequestToken`` (the attempt id itself): real DynamoDB answers a re-send
  within ten minutes with the first commit; moto does not, and the read-back covers both. Every transaction the
  store sends creates or revises at least one item, so its re-send always fails a condition and reaches the check.
- A single-item write adds "not this attempt already" to its condition, so its re-send is refused even when the
  original condition still holds: an ``ADD`` counter is never taken twice by one attempt, a re-sent ``SET`` is not
  applied twice. (If another writer replaced the item between our commit and our re-send, our id is gone from it and
  the re-send applies like any other write: an ``ADD`` then counts twice, which for a rate budget refuses early
  rather than late.)

Items read back carry the attribute; :func:`incident_comms.adapters.dynamodb_items.item_values` drops it before any
model sees it.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from incident_comms.adapters.client_errors import error_code

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

ATTEMPT = "attempt"
"""The attribute holding the id of the attempt that last wrote an item."""
CONDITION_FAILED = "ConditionalCheckFailedException"
_NAME = "#attempt"
_VALUE = ":attempt"
_NOT_THIS_ATTEMPT = f"(attribute_not_exists({_NAME}) OR {_NAME} <> {_VALUE})"


class WriteRefused(RuntimeError):
    """A write that must hold was refused on its condition by an item another attempt wrote."""


_SET = re.compile(r"(?<![#:\w])SET\b", re.IGNORECASE)
"""The SET clause keyword, not a placeholder such as ``#set`` or ``:set``."""


def new_attempt() -> str:
    """A fresh attempt id; a uuid, so it also serves as a transaction's ``ClientRequestToken`` (36 characters)."""
    return str(uuid.uuid4())


def carries(item: dict[str, Any] | None, attempt: str) -> bool:
    """Whether the stored ``item`` was last written by ``attempt``."""
    return item is not None and item.get(ATTEMPT) == {"S": attempt}


def stamped_item(item: dict[str, Any], attempt: str) -> dict[str, Any]:
    return {**item, ATTEMPT: {"S": attempt}}


def stamped_update(update: dict[str, Any], attempt: str) -> dict[str, Any]:
    """An update's parameters (``UpdateExpression`` and its names and values) that also set the attempt id."""
    expression = str(update["UpdateExpression"])
    found = _SET.search(expression)
    if found is None:
        expression = f"{expression} SET {_NAME} = {_VALUE}"
    else:
        expression = f"{expression[: found.end()]} {_NAME} = {_VALUE},{expression[found.end() :]}"
    return {
        **update,
        "UpdateExpression": expression,
        "ExpressionAttributeNames": {**update.get("ExpressionAttributeNames", {}), _NAME: ATTEMPT},
        "ExpressionAttributeValues": {**update.get("ExpressionAttributeValues", {}), _VALUE: {"S": attempt}},
    }


def stamped_transaction(items: list[TransactWriteItemTypeDef], attempt: str) -> list[TransactWriteItemTypeDef]:
    """The transaction with ``attempt`` on every item it puts or updates (condition checks and deletes unchanged)."""
    stamped: list[Any] = []
    for item in items:
        if "Put" in item:
            put: Any = item["Put"]
            stamped.append({"Put": {**put, "Item": stamped_item(dict(put["Item"]), attempt)}})
        elif "Update" in item:
            stamped.append({"Update": stamped_update(dict(item["Update"]), attempt)})
        else:
            stamped.append(item)
    return stamped


def transaction_committed(client: DynamoDBClient, items: list[TransactWriteItemTypeDef], attempt: str) -> bool:
    """Whether a transaction refused on a condition had in fact committed under ``attempt``: the items it puts or
    updates, read in one ``TransactGetItems`` (serializable, so consistent; IAM governs it as ``GetItem``, which every
    function that writes may call, where ``BatchGetItem`` is granted to none), else one ``GetItem`` each when a
    concurrent transaction cancels that read."""
    keys: list[tuple[str, dict[str, Any]]] = []
    for item in items:
        written: Any = item.get("Put") or item.get("Update")
        if written is not None:
            key = written["Key"] if "Key" in written else {"pk": written["Item"]["pk"], "sk": written["Item"]["sk"]}
            if (written["TableName"], key) not in keys:
                keys.append((written["TableName"], key))
    if not keys:
        return False
    try:
        found: Any = client.transact_get_items(
            TransactItems=[{"Get": {"TableName": table, "Key": key}} for table, key in keys]
        )["Responses"]
    except ClientError as error:
        if error_code(error) != "TransactionCanceledException":
            raise
        found = (client.get_item(TableName=table, Key=key, ConsistentRead=True) for table, key in keys)
    return any(carries(response.get("Item"), attempt) for response in found)


def put_once(
    client: DynamoDBClient, table: str, item: dict[str, Any], condition: str, **expression: Any
) -> dict[str, Any] | None:
    """Put ``item`` when ``condition`` holds: None when it is written by this call (even when the answer to the try
    that wrote it was lost), else the item that stood in its way (``{}`` when it was gone by the time it was read)."""
    attempt = new_attempt()
    try:
        client.put_item(
            TableName=table,
            Item=stamped_item(item, attempt),
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
            **_guarded(condition, attempt, expression),
        )
    except ClientError as error:
        if error_code(error) != CONDITION_FAILED:
            raise
        old = _standing(client, table, {"pk": item["pk"], "sk": item["sk"]}, error)
        return None if carries(old, attempt) else old
    return None


def put_required(
    client: DynamoDBClient, table: str, item: dict[str, Any], condition: str, what: str, **expression: Any
) -> None:
    """:func:`put_once` for a write that must hold (finishing what we claimed): its refusal is raised."""
    if put_once(client, table, item, condition, **expression) is not None:
        raise WriteRefused(f"{what} not written: its condition failed ({condition})")


def update_once(client: DynamoDBClient, table: str, key: dict[str, Any], condition: str, **update: Any) -> bool:
    """Apply one conditional update: True when this call applied it (once, even when an answer was lost and the
    update sent again), False when ``condition`` refused it."""
    attempt = new_attempt()
    stamped = stamped_update(update, attempt)
    try:
        client.update_item(
            TableName=table,
            Key=key,
            UpdateExpression=stamped["UpdateExpression"],
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
            **_guarded(condition, attempt, stamped),
        )
    except ClientError as error:
        if error_code(error) != CONDITION_FAILED:
            raise
        return carries(_standing(client, table, key, error), attempt)
    return True


def _guarded(condition: str, attempt: str, expression: dict[str, Any]) -> dict[str, Any]:
    """The condition, names and values of a single-item write, with "not already written by this attempt" added."""
    return {
        "ConditionExpression": f"({condition}) AND {_NOT_THIS_ATTEMPT}",
        "ExpressionAttributeNames": {**expression.get("ExpressionAttributeNames", {}), _NAME: ATTEMPT},
        "ExpressionAttributeValues": {**expression.get("ExpressionAttributeValues", {}), _VALUE: {"S": attempt}},
    }


def _standing(client: DynamoDBClient, table: str, key: dict[str, Any], refusal: ClientError) -> dict[str, Any]:
    """The item that refused a write: as DynamoDB returned it with the refusal, else read again, consistently."""
    old: Any = refusal.response.get("Item")
    if isinstance(old, dict) and old:
        return dict(old)
    return dict(client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item") or {})
