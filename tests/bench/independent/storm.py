"""An alarm storm: CloudWatch state changes of many alarms on a few components, most delivered more than once (as
EventBridge and SNS redeliver), applied one delivery at a time through the stack's routing to the ingest function.

Baseline: a loop of bare 2-item conditional ``TransactWriteItems`` (two puts, each ``attribute_not_exists(pk)``) on
the same moto endpoint and the storm's own table. The two are interleaved chunk by chunk, so both run on a table of
the same size (moto's transactions slow down as the table grows) and on the same machine load."""

from __future__ import annotations

import copy
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.bench.independent.calls import counting
from tests.bench.independent.drafts import counting_drafts
from tests.bench.independent.report import Figure
from tests.bench.independent.stack import BenchStack, sample

GOAL = 0.5
CHUNK = 25
STORM_START = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
KINDS = (
    ("prod-api-5xx-{}", None),
    ("prod-invoicing-error-rate-{}", "InvoiceSubmitErrors"),
    ("prod-storage-latency-anomaly-{}", None),
)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def change(alarm: int, state: str, at: datetime) -> dict[str, Any]:
    """The sample EventBridge state change, for alarm number ``alarm`` (one of three components) going to ``state``."""
    event = copy.deepcopy(sample("cloudwatch-eventbridge-alarm.json"))
    name_format, metric = KINDS[alarm % len(KINDS)]
    name = name_format.format(alarm)
    event["id"] = f"storm-{alarm:05d}-{state}"
    event["time"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    event["resources"] = [f"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:{name}"]
    detail = event["detail"]
    detail["alarmName"] = name
    previous = "OK" if state == "ALARM" else "ALARM"
    detail["previousState"] = {
        **detail["previousState"],
        "value": previous,
        "timestamp": _stamp(at - timedelta(minutes=1)),
    }
    detail["state"] = {**detail["state"], "value": state, "timestamp": _stamp(at)}
    if metric:
        detail["configuration"]["metrics"][0]["metricStat"]["metric"]["name"] = metric
    return event


def deliveries(alarms: int, seed: int = 16) -> list[tuple[bool, dict[str, Any]]]:
    """(first delivery?, event) in delivery order: every alarm fires, one in three recovers; each change is delivered
    once, then 2 to 5 more times a little later, interleaved with the others."""
    rng = random.Random(seed)
    changes = [
        (STORM_START + timedelta(seconds=2 * alarm), change(alarm, "ALARM", STORM_START + timedelta(seconds=2 * alarm)))
        for alarm in range(alarms)
    ]
    changes += [
        (
            STORM_START + timedelta(minutes=10, seconds=alarm),
            change(alarm, "OK", STORM_START + timedelta(minutes=10, seconds=alarm)),
        )
        for alarm in range(0, alarms, 3)
    ]
    changes.sort(key=lambda pair: pair[0])
    keyed: list[tuple[float, bool, dict[str, Any]]] = []
    for index, (_, event) in enumerate(changes):
        keyed.append((float(index), True, event))
        keyed += [(index + rng.uniform(0.5, 40), False, event) for _ in range(rng.randint(2, 5))]
    keyed.sort(key=lambda item: item[0])
    return [(first, event) for _, first, event in keyed]


def _transaction(client: Any, table: str, number: int) -> None:
    items = [
        {"pk": {"S": f"BENCH#{number}"}, "sk": {"S": "A"}, "n": {"N": str(number)}},
        {"pk": {"S": f"BENCH#{number}"}, "sk": {"S": "B"}, "n": {"N": str(number)}},
    ]
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
            for item in items
        ]
    )


def measure(quick: bool, alarms: int | None = None) -> Figure:
    alarms = alarms or (20 if quick else 200)
    plan = deliveries(alarms)
    duplicates = sum(not first for first, _ in plan)
    figure = Figure("alarm storm", f"deliveries/s >= {GOAL}x a loop of bare 2-item conditional transactions")
    storm_seconds = floor_seconds = 0.0
    transactions = 0
    calls_first = calls_again = drafts_again = 0
    seconds_first = seconds_again = 0.0
    with BenchStack() as bench:
        dynamodb = bench.client("dynamodb")
        with counting() as log, counting_drafts() as drafts:
            for start in range(0, len(plan), CHUNK):
                chunk = plan[start : start + CHUNK]
                started = time.perf_counter()
                for first, event in chunk:
                    before, rendered = log.functions_total(), drafts.rendered
                    one_started = time.perf_counter()
                    bench.event(event)
                    took = time.perf_counter() - one_started
                    if first:
                        calls_first += log.functions_total() - before
                        seconds_first += took
                    else:
                        calls_again += log.functions_total() - before
                        drafts_again += drafts.rendered - rendered
                        seconds_again += took
                bench.drain()
                storm_seconds += time.perf_counter() - started
                started = time.perf_counter()
                for _ in chunk:
                    _transaction(dynamodb, bench.table, transactions)
                    transactions += 1
                floor_seconds += time.perf_counter() - started
        incidents = len(bench.incidents())
    rate, floor = len(plan) / storm_seconds, transactions / floor_seconds
    figure.figure = (
        f"{rate:.1f} deliveries/s ({len(plan)} deliveries, {duplicates} duplicates, {alarms} alarms, "
        f"{incidents} incidents)"
    )
    figure.baseline = f"{floor:.1f} transactions/s ({transactions} bare 2-item TransactWriteItems, interleaved)"
    figure.ratio = rate / floor
    figure.met = figure.ratio >= GOAL
    firsts = len(plan) - duplicates
    figure.details.append(
        f"AWS calls: {calls_first / firsts:.2f} per first delivery, "
        f"{calls_again / max(1, duplicates):.2f} per duplicate; drafts rendered for duplicates: {drafts_again}"
    )
    figure.details.append(
        f"time: {seconds_first / firsts * 1000:.0f} ms per first delivery, "
        f"{seconds_again / max(1, duplicates) * 1000:.0f} ms per duplicate; "
        f"a bare transaction {floor_seconds / transactions * 1000:.0f} ms"
    )
    return figure
