"""One Alertmanager webhook with 1,000 alerts, accepted: the HTTP API route of the local stack posted to over HTTP
with the template's bearer token, timed until the handler's answer arrives (the worker applies it later).

Baseline: the least the handler must do with such a body, by hand on the same endpoint: put it in the intake
bucket and send one SQS message (bare boto3). The goal is absolute (2 s); the ratio says how far from that floor."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

from tests.bench.independent.calls import counting, describe
from tests.bench.independent.report import Figure, median
from tests.bench.independent.stack import BenchStack, sample

GOAL_SECONDS = 2.0


def group(alerts: int, round_: int) -> dict[str, Any]:
    """The sample Alertmanager group grown to ``alerts`` alerts (critical and warning billing alerts, each its own
    alertname and fingerprint, as a large group of many instances looks)."""
    payload = sample("alertmanager-firing.json")
    models = payload["alerts"]
    grown = []
    for index in range(alerts):
        alert = copy.deepcopy(models[index % len(models)])
        alert["labels"]["alertname"] = f"{alert['labels']['alertname']}{index}"
        alert["labels"]["instance"] = f"billing-{index}.prod:9100"
        alert["fingerprint"] = f"{round_:04x}{index:012x}"
        grown.append(alert)
    payload["alerts"] = grown
    payload["groupKey"] = f"{payload['groupKey']}-{round_}"
    return payload


def measure(quick: bool, alerts: int = 1000) -> Figure:
    runs = 3 if quick else 5
    figure = Figure("alert webhook", f"one Alertmanager webhook of {alerts} alerts accepted <= {GOAL_SECONDS:.0f} s")
    with BenchStack() as bench:
        headers = {**bench.stack.webhook_headers(), "Content-Type": "application/json"}
        bucket = bench.stack.resources["WebhookIntakeBucket"]
        intake = bench.stack.resources["WebhookIntakeQueue"]
        s3, sqs = bench.client("s3"), bench.client("sqs")
        queue = sqs.create_queue(QueueName="bench-floor")["QueueUrl"]
        accepted: list[float] = []
        floor: list[float] = []
        statuses = []
        size = 0
        for round_ in range(runs):
            body = json.dumps(group(alerts, round_)).encode()
            size = len(body)
            with counting() as log:
                started = time.perf_counter()
                status, _ = bench.http("POST", "/webhooks/alerts", body, **headers)
                accepted.append(time.perf_counter() - started)
            statuses.append(status)
            started = time.perf_counter()
            s3.put_object(Bucket=bucket, Key=f"bench/{round_}", Body=body)
            sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"bench": round_}))
            floor.append(time.perf_counter() - started)
            _take_back(sqs, intake)
        seconds, baseline = median(accepted), median(floor)
        figure.details.append(
            f"answers {statuses}; body {size / 1e6:.2f} MB; calls of the handler: {describe(log.by_operation())}"
        )
        figure.details.append(f"each run: {', '.join(f'{s * 1000:.0f} ms' for s in accepted)}")
        worker = "" if quick else _worker(bench, alerts)
        if worker:
            figure.details.append(worker)
    figure.figure = f"{seconds * 1000:.0f} ms to 202 (median of {runs})"
    figure.baseline = f"{baseline * 1000:.0f} ms to put the body in S3 and send one SQS message by hand"
    figure.ratio = seconds / baseline
    figure.met = all(status == 202 for status in statuses) and seconds <= GOAL_SECONDS
    return figure


def _take_back(sqs: Any, url: str) -> None:
    """Remove what the handler queued, so the worker measured below applies one group only."""
    for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def _worker(bench: BenchStack, alerts: int) -> str:
    """For the record, not the goal: one more group accepted and applied by the worker (the queue drained)."""
    body = json.dumps(group(alerts, 999)).encode()
    headers = {**bench.stack.webhook_headers(), "Content-Type": "application/json"}
    status, _ = bench.http("POST", "/webhooks/alerts", body, **headers)
    if status != 202:
        return f"worker not measured: the webhook answered {status}"
    with counting() as log:
        started = time.perf_counter()
        bench.drain()
        seconds = time.perf_counter() - started
    return (
        f"worker applying one {alerts}-alert group (not part of the goal): {seconds:.2f} s, "
        f"{log.functions_total()} AWS calls ({describe(log.by_operation())})"
    )
