"""A transaction DynamoDB cancels for a concurrent one is tried again, under the same idempotency token; a failed
condition is not (issue 14: a real ``TransactionConflict`` on concurrent decisions surfaced as a 500)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from incident_comms.adapters.dynamodb import TRANSACTION_ATTEMPTS, DynamoIncidentStore
from incident_comms.incidents.store import DecisionSaved
from incident_comms.plan.models import Plan
from tests.aws.test_store_decisions import NOW, approved, snapshot, stored_message


def cancelled(*codes: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
            "CancellationReasons": [{"Code": code} for code in codes],
        },
        "TransactWriteItems",
    )


class Conflicts:
    """A botocore hook: the first ``times`` TransactWriteItems calls are cancelled before they reach the table, with
    one reason per item as DynamoDB gives them (``codes`` for the first items, "None" for the rest); every call's
    idempotency token is kept."""

    def __init__(self, store: DynamoIncidentStore, times: int, codes: tuple[str, ...]) -> None:
        self.left, self.codes, self.tokens = times, codes, []
        self.waits: list[float] = []
        store.sleep = self.waits.append  # type: ignore[method-assign]
        store._client.meta.events.register("before-parameter-build.dynamodb.TransactWriteItems", self)

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        self.tokens.append(params["ClientRequestToken"])
        if self.left:
            self.left -= 1
            items = len(params["TransactItems"])
            raise cancelled(*self.codes[:items], *["None"] * (items - len(self.codes)))


def test_a_decision_cancelled_by_a_concurrent_transaction_is_saved_on_a_later_try(
    store: DynamoIncidentStore, plan: Plan
) -> None:
    message = stored_message(store, plan)
    after, entries, publication = approved(message)
    conflicts = Conflicts(store, 2, ("None", "TransactionConflict", "None"))

    saved = store.save_decision(message, after, "fp-1", NOW + timedelta(hours=24), entries, publication)

    assert saved == DecisionSaved.SAVED
    assert store.get_message(message.incident_id, message.id) == after
    assert len(conflicts.tokens) == 3 and len(set(conflicts.tokens)) == 1, "one idempotency token for every try"
    assert len(conflicts.waits) == 2 and all(wait >= 0 for wait in conflicts.waits)


def test_conflicts_that_never_end_are_raised_after_the_last_try_and_write_nothing(
    store: DynamoIncidentStore, plan: Plan
) -> None:
    message = stored_message(store, plan)
    before = snapshot(store, message.incident_id)
    after, entries, publication = approved(message)
    conflicts = Conflicts(store, TRANSACTION_ATTEMPTS, ("TransactionConflict",))

    with pytest.raises(RuntimeError, match="TransactionConflict"):
        store.save_decision(message, after, "fp-1", NOW + timedelta(hours=24), entries, publication)

    assert len(conflicts.tokens) == TRANSACTION_ATTEMPTS
    assert snapshot(store, message.incident_id) == before and not store.token_used("fp-1")


def test_a_failed_condition_is_answered_at_once_not_retried(store: DynamoIncidentStore, plan: Plan) -> None:
    message = stored_message(store, plan)
    after, entries, publication = approved(message)
    conflicts = Conflicts(store, 1, ("ConditionalCheckFailed", "TransactionConflict"))

    saved = store.save_decision(message, after, "fp-1", NOW + timedelta(hours=24), entries, publication)

    assert saved != DecisionSaved.SAVED
    assert len(conflicts.tokens) == 1 and conflicts.waits == []
