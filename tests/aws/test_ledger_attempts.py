"""The ledgers beside the incident store know their own attempt too (issue 14, item 1): a claim, finish or record
whose answer was lost and which the SDK sent again is ours, a budget unit re-sent is taken once, and another writer's
item is still a refusal."""

from __future__ import annotations

from datetime import datetime, timedelta

import boto3
import pytest

from incident_comms.adapters.delivery_reports import DynamoReportLedger
from incident_comms.adapters.dynamodb_attempts import ATTEMPT, stamped_update
from incident_comms.adapters.email_ledgers import DynamoBatchLedger, DynamoBounceLedger
from incident_comms.adapters.subscriptions import DynamoConfirmationLimiter
from incident_comms.delivery.email.batches.models import BatchRecord, BatchState
from incident_comms.delivery.email.bounces import BounceRecord
from incident_comms.delivery.email.feedback import FeedbackKind
from incident_comms.delivery.report.models import ReportClaim
from tests.aws.test_store_attempts import lose, sent_twice
from tests.aws.test_store_decisions import NOW

pytestmark = pytest.mark.usefixtures("no_retry_waits")


# --- the ledgers on the same table ------------------------------------------------------------------------------


def batch_record(claimed_at: datetime = NOW) -> BatchRecord:
    return BatchRecord(
        incident_id="INC-1", message_id="m-1", version=1, channel_id="email", batch=1, batches=1, claimed_at=claimed_at
    )


def test_email_batch_claims_finishes_and_releases_whose_answers_were_lost_are_ours(table_name: str) -> None:
    ledger = DynamoBatchLedger(boto3.client("dynamodb"), table_name)
    record = batch_record()
    faults = lose(ledger._client, "PutItem")
    assert ledger.claim(record) is None
    assert sent_twice(faults, "PutItem")

    faults.lose_answer("PutItem")
    ledger.release(record)
    assert ledger.batches("INC-1")[0].state == BatchState.RELEASED

    faults.lose_answer("PutItem")
    assert ledger.claim(batch_record(NOW + timedelta(minutes=1))) is None
    faults.lose_answer("PutItem")
    ledger.finish(record.model_copy(update={"state": BatchState.SENT, "delivered": 1}))

    assert faults.injected["PutItem"] == 4
    (stored,) = ledger.batches("INC-1")
    assert stored.state == BatchState.SENT and stored.delivered == 1
    assert ledger.claim(batch_record(NOW + timedelta(minutes=2))) == stored, "another writer's claim is refused"


def test_a_bounce_whose_answer_was_lost_is_recorded_once(table_name: str) -> None:
    ledger = DynamoBounceLedger(boto3.client("dynamodb"), table_name)
    record = BounceRecord(
        incident_id="INC-1",
        message_id="m-1",
        version=1,
        channel_id="email",
        address="ana@cliente.example",
        kind=FeedbackKind.BOUNCE,
        at=NOW,
        detail="Permanent/General",
    )
    faults = lose(ledger._client, "PutItem")

    assert ledger.record_bounce(record) is True
    assert sent_twice(faults, "PutItem")
    assert ledger.bounces("INC-1") == [record]
    assert ledger.record_bounce(record) is False, "a redelivered notification still records nothing"


def test_a_report_claim_whose_answer_was_lost_is_ours(table_name: str) -> None:
    ledger = DynamoReportLedger(boto3.client("dynamodb"), table_name)
    claim = ReportClaim(incident_id="INC-1", message_id="m-1", version=1, claimed_at=NOW, summary="s")
    faults = lose(ledger._client, "PutItem")

    assert ledger.claim_report(claim) is None
    assert sent_twice(faults, "PutItem")
    faults.lose_answer("PutItem")
    ledger.finish_report(claim)
    assert faults.injected["PutItem"] == 2
    later = claim.model_copy(update={"claimed_at": NOW + timedelta(minutes=1)})
    earlier = ledger.claim_report(later)
    assert earlier is not None and earlier.claimed_at == NOW, "another firing's claim is still refused"


def test_a_confirmation_claim_whose_answer_was_lost_is_ours(table_name: str) -> None:
    limiter = DynamoConfirmationLimiter(boto3.client("dynamodb"), table_name)
    faults = lose(limiter._client, "PutItem")

    assert limiter.claim("ana@cliente.example", NOW) is True
    assert sent_twice(faults, "PutItem")
    assert limiter.claim("ana@cliente.example", NOW + timedelta(minutes=1)) is False


def budget_count(table_name: str, key: str) -> int:
    items = boto3.client("dynamodb").scan(TableName=table_name)["Items"]
    return sum(int(item["count"]["N"]) for item in items if item["pk"]["S"] == key)


def test_a_budget_unit_whose_answer_was_lost_is_taken_once(table_name: str) -> None:
    limiter = DynamoConfirmationLimiter(boto3.client("dynamodb"), table_name)
    faults = lose(limiter._client, "UpdateItem")

    assert limiter.admit("203.0.113.7", NOW) is True

    assert faults.injected["UpdateItem"] == 1 and faults.committed["UpdateItem"] == 3, "client's ADD twice, ALL's once"
    assert budget_count(table_name, "SUBSCRIBE#BUDGET#ALL") == 1, "the re-sent ADD must not count twice"
    assert limiter.admit("203.0.113.8", NOW) is True
    assert budget_count(table_name, "SUBSCRIBE#BUDGET#ALL") == 2, "another request still takes its own unit"


# --- the attempt stamped on an update ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "stamped"),
    [
        ("SET a = :a", "SET #attempt = :attempt, a = :a"),
        ("ADD #count :one SET expires_at = :e", "ADD #count :one SET #attempt = :attempt, expires_at = :e"),
        ("ADD #count :one", "ADD #count :one SET #attempt = :attempt"),
        ("ADD #set :set", "ADD #set :set SET #attempt = :attempt"),
    ],
)
def test_every_update_sets_the_attempt_whatever_its_clauses(expression: str, stamped: str) -> None:
    update = stamped_update({"UpdateExpression": expression, "ExpressionAttributeNames": {"#count": "count"}}, "a-1")

    assert update["UpdateExpression"] == stamped
    assert update["ExpressionAttributeNames"] == {"#count": "count", "#attempt": ATTEMPT}
    assert update["ExpressionAttributeValues"] == {":attempt": {"S": "a-1"}}
