"""Everything the stack delivered: emails SES accepted and messages published to SNS topics.

It also bridges real AWS clients to the functions: an SQS queue subscribed to each topic the template
routes to a function, and an EventBridge rule (with the template's pattern) targeting a queue, so that
``boto3`` publishing to the embedded endpoint reaches the function as it would in AWS.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from functools import lru_cache, partial
from typing import Any

from incident_comms.local.aws import ACCOUNT_ID, REGION, EmbeddedAws
from incident_comms.local.routing import Delivery, EventRule, QueueSource, Router


def parse_mime(raw: str | bytes) -> dict[str, Any]:
    """The parts a person reads of a raw email: from, to, subject, text, html, headers (a copy the caller may
    change: the outbox is read again after every step of a flow, and each email is parsed only once).

    ``raw`` is parsed as the bytes SES was given, as a mail client parses them: moto keeps a raw email as text
    decoded from UTF-8, and the ``email`` package, given text, garbles an 8-bit body's accents (``pública`` came out
    with a replacement character, an em dash as ``\\u2014``). So text is encoded back to those bytes first; each
    part's content is then decoded by its own charset and transfer encoding."""
    parts = _parsed_mime(raw)
    return {**parts, "to": list(parts["to"]), "headers": dict(parts["headers"])}


@lru_cache(maxsize=8192)
def _parsed_mime(raw: str | bytes) -> dict[str, Any]:
    parsed = message_from_bytes(raw.encode("utf-8") if isinstance(raw, str) else raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    text = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    return {
        "from": str(parsed.get("From", "")),
        "to": [address.strip() for address in str(parsed.get("To", "")).split(",") if address.strip()],
        "subject": str(parsed.get("Subject", "")),
        "text": text.get_content() if text is not None else "",
        "html": html.get_content() if html is not None else "",
        "headers": {key: str(value) for key, value in parsed.items()},
    }


def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """One record of a Lambda SQS event, as the event source mapping builds it from a received message."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def _deliver_rule(deliver: Callable[[list[Delivery]], None], rule: EventRule, event: dict[str, Any]) -> None:
    deliver([Delivery(rule.function, rule.name, event)])


def sent_emails(region: str = REGION, account: str = ACCOUNT_ID) -> list[dict[str, Any]]:
    """Every email moto's SES (v1 and v2 share one backend) accepted, parsed as a person reads it."""
    from moto.ses.models import ses_backends

    found = []
    for sent in list(ses_backends[account][region].sent_messages):
        raw = getattr(sent, "raw_data", None)
        if raw is not None:
            found.append({"kind": "email", "id": sent.id, **parse_mime(raw)})
        else:
            destinations = getattr(sent, "destinations", {})
            found.append(
                {
                    "kind": "email",
                    "id": sent.id,
                    "from": sent.source,
                    "to": list(destinations.get("ToAddresses", [])),
                    "subject": getattr(sent, "subject", ""),
                    "text": "",
                    "html": getattr(sent, "body", ""),
                    "headers": {},
                }
            )
    return found


def _visible_messages(queue_url: str, region: str = REGION, account: str = ACCOUNT_ID) -> int:
    """How many messages a receive would find, read from moto's backend in this process: polling an empty queue
    then costs no request, so the bridge can poll often and a clock move can drain after every firing."""
    from moto.sqs.models import sqs_backends

    queue = sqs_backends[account][region].queues.get(queue_url.rsplit("/", 1)[1])
    return 1 if queue is None else int(queue.approximate_number_of_messages)


class Outbox:
    def __init__(self, aws: EmbeddedAws) -> None:
        self.aws = aws
        self._lock = threading.Lock()
        self._published: list[dict[str, Any]] = []
        self._bridges: list[tuple[str, Callable[[dict[str, Any]], None]]] = []
        self._feeds: list[tuple[str, QueueSource]] = []

    def _queue(self, name: str) -> tuple[str, str]:
        sqs = self.aws.client("sqs")
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def listen(self, router: Router, deliver: Callable[[list[Delivery]], None]) -> None:
        """Subscribe bridge queues: routed topics and rules feed functions, every other topic feeds the outbox."""
        sns, events = self.aws.client("sns"), self.aws.client("events")
        for index, topic in enumerate(router.topics):
            url, arn = self._queue(f"local-bridge-topic-{index}")
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
            self._bridges.append((url, lambda body: deliver(router.sns_deliveries(body))))
        for index, rule in enumerate(router.rules):
            url, arn = self._queue(f"local-bridge-rule-{index}")
            events.put_rule(Name=f"local-bridge-rule-{index}", EventPattern=json.dumps(rule.pattern))
            events.put_targets(Rule=f"local-bridge-rule-{index}", Targets=[{"Id": "bridge", "Arn": arn}])
            self._bridges.append((url, partial(_deliver_rule, deliver, rule)))
        sqs = self.aws.client("sqs")
        for source in router.queues:
            url = sqs.get_queue_url(QueueName=source.queue_arn.rsplit(":", 1)[1])["QueueUrl"]
            self._feeds.append((url, source))
        url, arn = self._queue("local-outbox")
        for topic in sns.list_topics()["Topics"]:
            if topic["TopicArn"] not in router.topics:
                sns.subscribe(TopicArn=topic["TopicArn"], Protocol="sqs", Endpoint=arn)
        self._bridges.append((url, self._record_publish))

    def _record_publish(self, notification: dict[str, Any]) -> None:
        with self._lock:
            self._published.append(
                {
                    "kind": "sns",
                    "topic": notification.get("TopicArn"),
                    "subject": notification.get("Subject"),
                    "message": notification.get("Message"),
                    "attributes": notification.get("MessageAttributes", {}),
                    "at": notification.get("Timestamp"),
                }
            )

    def poll(self) -> int:
        """Move what the bridges and the template's SQS event sources hold on to their functions (or the outbox);
        answers how many messages that was."""
        sqs = self.aws.client("sqs")
        moved = 0
        for url, handle in self._bridges:
            if not _visible_messages(url):
                continue
            for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
                moved += 1
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                try:
                    handle(json.loads(message["Body"]))
                except Exception:  # noqa: BLE001, S112 - a bridged invocation that fails is the function's to report
                    continue

        for url, source in self._feeds:
            if _visible_messages(url):
                moved += self._feed(sqs, url, source)
        return moved

    def _feed(self, sqs: Any, url: str, source: QueueSource) -> int:
        """One poll of an SQS event source mapping, as Lambda does it: a batch in, the messages it did not report
        as failed (``batchItemFailures``) deleted. A function that raises leaves the whole batch to come back after
        the queue's visibility timeout, and to its dead-letter queue after ``maxReceiveCount`` receives."""
        received = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(10, source.batch_size),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return 0
        event = {"Records": [sqs_record(message, source.queue_arn) for message in received]}
        try:
            answer = source.function.invoke(event)
        except Exception as error:  # noqa: BLE001 - the function's failure is reported, the bridge keeps polling
            print(f"warning: {source.function.logical_id} failed: {type(error).__name__}: {error}", flush=True)
            return len(received)
        failures = answer.get("batchItemFailures", []) if isinstance(answer, dict) else []
        failed = {item.get("itemIdentifier") for item in failures}
        for message in received:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return len(received)

    def record_webhook(self, channel: str, headers: dict[str, str], body: bytes) -> None:
        """A chat webhook post the local stack received in place of Slack or Teams."""
        try:
            payload: Any = json.loads(body)
        except ValueError:
            payload = body.decode("utf-8", "replace")
        with self._lock:
            self._published.append(
                {
                    "kind": "webhook",
                    "channel": channel,
                    "content_type": headers.get("Content-Type") or headers.get("content-type"),
                    "payload": payload,
                }
            )

    def emails(self) -> list[dict[str, Any]]:
        return sent_emails()

    def messages(self) -> list[dict[str, Any]]:
        """Emails first in the order sent, then SNS publishes in the order seen."""
        with self._lock:
            published = list(self._published)
        return [*self.emails(), *published]
