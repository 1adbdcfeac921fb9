"""The alert webhook and its worker when AWS fails the way it does (issue 16, part 5): a lost S3 or SQS answer, a
throttled put or send, a throttled write while the worker applies the group. Alertmanager retries a 5xx and SQS
redelivers a failed record, so in every case the group must end up applied, and applied once: every alert on the
one incident, one approval request, no timeline entry twice."""

from __future__ import annotations

import json
from collections import Counter
from types import ModuleType
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.exceptions import ClientError

from incident_comms.composition import Services
from tests.conftest import FakeLambdaContext
from tests.factories import alertmanager_group as group
from tests.factories import invoke, sent_emails, stored_incidents
from tests.faults import FOR_GOOD, Faults, no_retry_waits
from tests.handlers.test_alert_webhook_handler import deps, drain, post, queued, webhook, worker

__all__ = ["deps", "no_retry_waits", "webhook", "worker"]

SIZE = 120
"""More than one chunk of the alarm batches (98 changes a transaction), so a fault can strike between two chunks."""


def applied_once(deps: Services, size: int = SIZE) -> None:
    """The group is on one incident, every alert once, the state machine saw each, one approval request went out,
    and no timeline entry is there twice."""
    (incident,) = stored_incidents(deps.store)
    assert sorted(incident.alarms) == [f"{n:016x}" for n in range(size)]
    assert set((incident.lifecycle or {})["alarms"]) == set(incident.alarms)
    entries = Counter((entry.kind, entry.text) for entry in deps.store.timeline(incident.id))
    assert max(entries.values()) == 1, f"a timeline entry written twice: {entries.most_common(1)}"
    approvals = [email for email in sent_emails() if email["subject"].endswith("aprobación necesaria")]
    recipients = [address for email in approvals for address in email["to"]]
    assert recipients and len(recipients) == len(set(recipients)), "one approval request, each approver once"


def kept_bodies() -> int:
    return int(boto3.client("s3").list_objects_v2(Bucket="intake").get("KeyCount", 0))


@pytest.mark.usefixtures("no_retry_waits")
def test_a_lost_queue_answer_queues_the_group_twice_and_it_is_applied_once(
    deps: Services, webhook: ModuleType, worker: ModuleType
) -> None:
    faults = Faults(deps.sqs).lose_answer("SendMessage")

    answer = post(webhook, json.dumps(group(SIZE)).encode())
    records = drain(deps, worker)

    assert answer["statusCode"] == 202
    assert faults.committed["SendMessage"] == 2, "the SDK re-sent the message whose answer was lost"
    assert len(records) == 2 and len({record["body"] for record in records}) == 1
    applied_once(deps)


@pytest.mark.usefixtures("no_retry_waits")
def test_a_lost_s3_answer_keeps_the_body_once_and_the_group_is_applied_once(
    deps: Services, webhook: ModuleType, worker: ModuleType
) -> None:
    faults = Faults(deps.s3).lose_answer("PutObject")

    answer = post(webhook, json.dumps(group(SIZE)).encode())
    records = drain(deps, worker)

    assert answer["statusCode"] == 202
    assert faults.committed["PutObject"] == 2 and kept_bodies() == 1, "re-put under the same key"
    assert len(records) == 1
    applied_once(deps)


@pytest.mark.parametrize(("service", "operation"), [("s3", "PutObject"), ("sqs", "SendMessage")])
def test_a_throttled_put_or_send_is_a_5xx_and_the_retried_post_is_applied_once(
    deps: Services, webhook: ModuleType, worker: ModuleType, service: str, operation: str
) -> None:
    faults = Faults(getattr(deps, service)).refuse(operation, FOR_GOOD)
    body = json.dumps(group(SIZE)).encode()

    with pytest.raises(ClientError, match="ThrottlingException"):
        post(webhook, body)  # Lambda fails the invocation: API Gateway answers 500, which Alertmanager retries

    assert queued(deps) == [], "nothing queued, so nothing was answered 2xx"
    faults.clear()
    assert post(webhook, body)["statusCode"] == 202
    drain(deps, worker)
    applied_once(deps)


def test_a_write_throttled_between_chunks_fails_the_record_and_its_redelivery_applies_the_rest_once(
    deps: Services, webhook: ModuleType, worker: ModuleType
) -> None:
    faults = Faults(deps.dynamodb)
    chunks: list[str] = []

    def throttle_the_second_chunk(**_: Any) -> None:  # transactions: the opening, the first chunk, the second…
        chunks.append("written")
        if len(chunks) == 2:
            faults.refuse("TransactWriteItems", FOR_GOOD)

    post(webhook, json.dumps(group(SIZE)).encode())
    (record,) = queued(deps)
    deps.dynamodb.meta.events.register("after-call.dynamodb.TransactWriteItems", throttle_the_second_chunk)
    with pytest.raises(BatchProcessingError, match="ThrottlingException"):  # the invocation fails: SQS redelivers
        invoke(worker, {"Records": [record]}, FakeLambdaContext())

    assert faults.injected["TransactWriteItems"] >= 1
    (incident,) = stored_incidents(deps.store)
    assert 1 < len(incident.alarms) < SIZE, "the fault struck while the group was half applied"

    faults.clear()
    again = invoke(worker, {"Records": [record]}, FakeLambdaContext())

    assert again == {"batchItemFailures": []}
    applied_once(deps)
