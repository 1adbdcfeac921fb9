"""The local stack's SQS event source mappings, on a real moto server: batches in, partial failures kept."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from incident_comms.local.aws import EmbeddedAws
from incident_comms.local.outbox import Outbox
from incident_comms.local.routing import QueueSource


class Consumer:
    """Stands in for a template function: keeps each SQS event, reports the bodies it is told to fail."""

    logical_id = "Consumer"

    def __init__(self, fail: set[str] | None = None, raises: bool = False) -> None:
        self.events: list[dict[str, Any]] = []
        self.fail = fail or set()
        self.raises = raises

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        if self.raises:
            raise RuntimeError("handler bug")
        failed = [r["messageId"] for r in event["Records"] if json.loads(r["body"])["n"] in self.fail]
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}


@pytest.fixture
def aws() -> Iterator[EmbeddedAws]:
    embedded = EmbeddedAws()
    embedded.start()
    yield embedded
    embedded.stop()


def queue(aws: EmbeddedAws) -> tuple[str, str]:
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for n in ("a", "b", "c"):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": n}))
    return url, arn


def remaining(aws: EmbeddedAws, url: str) -> list[str]:
    found = aws.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return sorted({json.loads(message["Body"])["n"] for message in found})


def test_a_batch_is_one_lambda_sqs_event_and_reported_failures_stay(aws: EmbeddedAws) -> None:
    url, arn = queue(aws)
    consumer = Consumer(fail={"b"})
    source = QueueSource(arn, consumer, batch_size=10)  # type: ignore[arg-type]

    Outbox(aws)._feed(aws.client("sqs"), url, source)

    (event,) = consumer.events
    assert sorted(json.loads(r["body"])["n"] for r in event["Records"]) == ["a", "b", "c"]
    assert {r["eventSource"] for r in event["Records"]} == {"aws:sqs"}
    assert {r["eventSourceARN"] for r in event["Records"]} == {arn}
    assert remaining(aws, url) == ["b"]


def test_a_function_that_raises_keeps_the_whole_batch(aws: EmbeddedAws) -> None:
    url, arn = queue(aws)
    source = QueueSource(arn, Consumer(raises=True), batch_size=2)  # type: ignore[arg-type]

    Outbox(aws)._feed(aws.client("sqs"), url, source)

    assert remaining(aws, url) == ["a", "b", "c"]
