"""One Alertmanager webhook group through the real handlers, in-process over moto (issue 16, part 5):

(a) **accepted**: the POST the alert webhook function answers (token, parse, body to S3, reference to SQS, 202) for a
    group of 1,000 alerts, in seconds (goal ≤ 2 s) and as a ratio to a group of 10 posted in the same run;
(b) **applied**: the alert worker applying the queued group of 10, 100 and 1,000 alerts, per alert, as a ratio to one
    bare conditional write (a new item on ``attribute_not_exists``) looped on the same table right after (goal:
    flat, no size more than :data:`FLAT_TOLERANCE` times the ratio of the size below it), with the AWS calls per
    alert, which moto does not blur.

The bare write is measured twice. moto deep-copies the whole table for every item of a transaction (AWS does not),
so on moto a transaction item costs in proportion to the table, and the worker's transactions cost more as its own
writes fill the table. The flat goal is judged against the like-for-like loop: as many bare conditional puts as the
group has alerts, in transactions of :data:`~incident_comms.adapters.dynamodb_alarms.CHUNK` (the worker's size), on a
fresh table they fill as the group fills its own (the ratio). A loop of ``PutItem`` on the group's own table, which
moto does not copy, is printed beside it (the put ratio): it shows what moto's copies add.

Run: ``.venv/bin/python -m tests.bench.alert_group [sizes...]`` (default 10 100 1000; the first and last size are the
two of (a)). Each size of (b) runs on a fresh table: moto copies the whole table on every transaction item, so a
table left from a previous size would be measured too. ``tests.bench.webhook_groups`` times the same group through
:func:`~incident_comms.intake.groups.ingest_group` alone (no S3, no handler) against a 2-item transaction, and the
one-by-one path beside it.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import logging
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import tests.conftest as suite  # noqa: F401 - sets the test AWS environment before boto3 is used
from incident_comms.adapters.dynamodb_alarms import CHUNK
from tests.bench.webhook_groups import fresh_table
from tests.conftest import APPROVAL_KEY, REPO, FakeLambdaContext, load_handler_module
from tests.factories import alert_webhook_request
from tests.factories import alertmanager_group as group

GOAL_ACCEPT_SECONDS = 2.0
"""Issue 16: a group of 1,000 alerts is answered within 2 s (API Gateway waits 29 s; Alertmanager's default is 10 s)."""
FLAT_TOLERANCE = 1.5
"""How much the per-alert ratio may grow from one size to the next (tenfold) and still count as flat: moto's
timings wobble by a few tens of percent between runs; a cost per alert that grows with the group grows far more."""
ACCEPT_REPEATS = 5
BASELINE_ROUNDS = 200
TOKEN = "bench-webhook-token-0123456789abcdef"
SENDER = "incidents@example.com"
STARTED = datetime(2026, 11, 22, 10, 5, tzinfo=UTC)


@dataclass(frozen=True)
class Accepted:
    alerts: int
    seconds: float
    """Median over :data:`ACCEPT_REPEATS` posts, the handler warm."""


@dataclass(frozen=True)
class Applied:
    alerts: int
    seconds: float
    put: float
    """Seconds per bare conditional ``PutItem``, looped on the table the group was applied to."""
    item: float
    """Seconds per item of ``alerts`` bare conditional puts in transactions of ``CHUNK``, on a fresh table."""
    calls: Counter[str]
    """AWS calls the worker made for the group, by ``service.Operation``."""

    @property
    def per_alert(self) -> float:
        return self.seconds / self.alerts

    @property
    def ratio(self) -> float:
        """Per alert, against a transaction item (the flat goal's ratio)."""
        return self.per_alert / self.item

    @property
    def put_ratio(self) -> float:
        return self.per_alert / self.put

    @property
    def calls_per_alert(self) -> float:
        return sum(self.calls.values()) / self.alerts


def accept_met(largest: Accepted) -> bool:
    return largest.seconds <= GOAL_ACCEPT_SECONDS


def flat(applied: list[Applied]) -> bool:
    """No size's per-alert ratio is more than :data:`FLAT_TOLERANCE` times that of the size below it."""
    ordered = sorted(applied, key=lambda figures: figures.alerts)
    return all(later.ratio <= FLAT_TOLERANCE * earlier.ratio for earlier, later in itertools.pairwise(ordered))


def verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"


@dataclass
class Intake:
    """The two handlers over one table, with the bucket, queue and secrets their template gives them."""

    webhook: ModuleType
    worker: ModuleType
    services: Any
    calls: Counter[str]

    def post(self, body: bytes) -> dict[str, Any]:
        event = alert_webhook_request(body, TOKEN)
        answer: dict[str, Any] = self.webhook.lambda_handler(event, FakeLambdaContext())
        if answer["statusCode"] != 202:
            raise RuntimeError(f"the webhook answered {answer['statusCode']}: {answer.get('body')}")
        return answer

    def take_queued(self) -> list[dict[str, Any]]:
        """Every message on the intake queue, as the SQS records of a worker event (and off the queue)."""
        import boto3

        sqs, url = boto3.client("sqs"), self.services.settings.webhook_queue_url
        records = []
        while found := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in found:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                records.append({"messageId": message["MessageId"], "body": message["Body"], "eventSource": "aws:sqs"})
        return records

    def apply(self, record: dict[str, Any]) -> None:
        answer = self.worker.lambda_handler({"Records": [record]}, FakeLambdaContext())
        if answer != {"batchItemFailures": []}:
            raise RuntimeError(f"the worker failed the group: {answer}")


class Sink(io.TextIOBase):
    """Where the handlers' logs and metrics go while measured: nowhere."""

    def write(self, text: str) -> int:
        return len(text)


SINK = Sink()
WARM = ("plan", "store", "alarm_batches", "approval_requests", "lifecycle", "webhook_bodies", "webhook_queue")
"""What a warm container of the worker and the webhook has built already (the cold start is not measured here)."""


@contextlib.contextmanager
def intake(table: str) -> Iterator[Intake]:
    """The handlers, their services installed over ``table`` (uninstalled after), their logs and metrics silenced
    while they run (a bench prints its figures, not a thousand log lines)."""
    import boto3

    from incident_comms.clock import ManualClock
    from incident_comms.composition import Services, Settings, use_services

    stamp = time.perf_counter_ns()
    boto3.client("sesv2").create_email_identity(EmailIdentity=SENDER)
    boto3.client("s3").create_bucket(
        Bucket=f"intake-{stamp}", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    queue = boto3.client("sqs").create_queue(QueueName=f"intake-{stamp}")["QueueUrl"]
    ssm = boto3.client("ssm")
    token, key = f"/incident-comms/bench-{stamp}/webhook-token", f"/incident-comms/bench-{stamp}/approval-key"
    ssm.put_parameter(Name=token, Value=TOKEN, Type="SecureString")
    ssm.put_parameter(Name=key, Value=APPROVAL_KEY, Type="SecureString")
    services = Services(
        Settings(
            table_name=table,
            plan_dir=REPO / "plan",
            sender_address=SENDER,
            approval_key_parameter=key,
            webhook_bucket=f"intake-{stamp}",
            webhook_queue_url=queue,
            webhook_token_parameter=token,
            approvals_base_url="https://incidents.example.com",
        ),
        ManualClock(STARTED),
    )
    calls: Counter[str] = Counter()
    for client in (services.dynamodb, services.s3, services.sqs, services.sesv2, services.ssm):
        client.meta.events.register(
            "before-call", lambda model, **_: calls.update([f"{model.service_model.service_name}.{model.name}"])
        )
    for warm in WARM:
        getattr(services, warm)
    use_services(services)
    handlers = Intake(load_handler_module("alert_webhook"), load_handler_module("alert_worker"), services, calls)
    streams = [  # a handler's Logger writes to the stream it was first given; it gets it back after
        (handler, handler.setStream(SINK))
        for handler in logging.getLogger(os.environ["POWERTOOLS_SERVICE_NAME"]).handlers
        if isinstance(handler, logging.StreamHandler)
    ]
    try:
        with contextlib.redirect_stdout(SINK):
            yield handlers
    finally:
        for handler, stream in streams:
            handler.setStream(stream)
        use_services(None)


def measure_accept(sizes: list[int], repeats: int = ACCEPT_REPEATS) -> list[Accepted]:
    """Seconds the webhook takes to answer a group of each size, after one warm-up post (the cold start reads the
    token secret and makes the clients: ``tests.bench.cold_start`` measures that)."""
    _, table = fresh_table()
    figures = []
    with intake(table) as handlers:
        handlers.post(json.dumps(group(1)).encode())
        for size in sizes:
            body = json.dumps(group(size)).encode()
            timings = []
            for _ in range(repeats):
                started = time.perf_counter()
                handlers.post(body)
                timings.append(time.perf_counter() - started)
            figures.append(Accepted(size, statistics.median(timings)))
    return figures


def bare_writes(client: Any, table: str, rounds: int = BASELINE_ROUNDS) -> float:
    """Seconds per bare conditional ``PutItem`` (a new item on ``attribute_not_exists``), looped on ``table``."""
    started = time.perf_counter()
    for n in range(rounds):
        client.put_item(
            TableName=table,
            Item={"pk": {"S": f"BENCH#{time.perf_counter_ns()}"}, "sk": {"S": str(n)}},
            ConditionExpression="attribute_not_exists(pk)",
        )
    return (time.perf_counter() - started) / rounds


def bare_transactions(size: int) -> float:
    """Seconds per item of ``size`` new items, each on ``attribute_not_exists``, written in transactions of ``CHUNK``
    on a fresh table."""
    client, table = fresh_table()
    started = time.perf_counter()
    for start in range(0, size, CHUNK):
        client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": table,
                        "Item": {"pk": {"S": f"BENCH#{n}"}, "sk": {"S": "A"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
                for n in range(start, min(size, start + CHUNK))
            ]
        )
    return (time.perf_counter() - started) / size


def measure_apply(sizes: list[int], rounds: int = BASELINE_ROUNDS) -> list[Applied]:
    """Seconds the worker takes to apply a queued group of each size, each on a fresh table, with the AWS calls it
    made and the bare-write baseline on that table after. Each size has its own services, built warm (:data:`WARM`)."""
    figures = []
    for size in [1, *sizes]:  # the first, thrown away, imports and compiles what the process has not yet used
        client, table = fresh_table()
        with intake(table) as handlers:
            handlers.post(json.dumps(group(size)).encode())
            (record,) = handlers.take_queued()
            handlers.calls.clear()
            started = time.perf_counter()
            handlers.apply(record)
            elapsed = time.perf_counter() - started
            calls = Counter(handlers.calls)
            (incident,) = handlers.services.store.list_incidents()
            applied = handlers.services.store.get_incident(incident.id)
            if applied is None or len(applied.alarms) != size:
                raise RuntimeError(f"the group of {size} was not applied whole")
        put = bare_writes(client, table, rounds)
        figures.append(Applied(size, elapsed, put, bare_transactions(size), calls))
    return figures[1:]


def report(accepted: list[Accepted], applied: list[Applied]) -> list[str]:
    lines = []
    if accepted:
        smallest, largest = accepted[0], accepted[-1]
        lines.append(
            f"(a) webhook accepted {largest.alerts} alerts in {largest.seconds:.3f} s"
            f" (goal <= {GOAL_ACCEPT_SECONDS:g} s): {verdict(accept_met(largest))};"
            f" {largest.seconds / smallest.seconds:.1f}x the {smallest.alerts}-alert group"
            f" ({smallest.seconds * 1000:.1f} ms)"
        )
    if applied:
        lines.append(
            "(b) worker applying the group, per alert, vs one bare conditional write: as many in transactions of"
            f" {CHUNK} on a fresh table (ratio), a PutItem on the group's table (put ratio)"
        )
        lines.append(
            f"    {'alerts':>6} {'seconds':>8} {'ms/alert':>9} {'ms/item':>8} {'ratio':>6}"
            f" {'ms/put':>7} {'put ratio':>9} {'calls/alert':>11}"
        )
        for figures in applied:
            lines.append(
                f"    {figures.alerts:>6} {figures.seconds:>8.2f} {figures.per_alert * 1000:>9.2f}"
                f" {figures.item * 1000:>8.2f} {figures.ratio:>6.2f} {figures.put * 1000:>7.2f}"
                f" {figures.put_ratio:>9.2f} {figures.calls_per_alert:>11.2f}"
            )
        busiest = max(applied, key=lambda figures: figures.alerts)
        top = ", ".join(f"{name} {count}" for name, count in busiest.calls.most_common(4))
        lines.append(f"    calls for {busiest.alerts} alerts: {sum(busiest.calls.values())} ({top})")
        lines.append(
            f"    flat (each size <= {FLAT_TOLERANCE:g}x the ratio of the size below): {verdict(flat(applied))}"
        )
    return lines


def main(argv: list[str]) -> None:
    from moto import mock_aws

    sizes = sorted(int(arg) for arg in argv if arg.isdigit()) or [10, 100, 1000]
    with mock_aws():
        accepted = measure_accept([sizes[0], sizes[-1]])
        applied = measure_apply(sizes)
    print("\n".join(report(accepted, applied)))


if __name__ == "__main__":
    main(sys.argv[1:])
