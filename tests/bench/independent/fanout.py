"""Fan-out of one approved message to N email subscribers of its component: the AWS calls of the publisher and the
email sender, from the approval's hand-off until every queue is empty (the sample alarm, approved from the
approval emails, through the stack's own routes).

Subscribers are imported through the subscriber directory (``composition.services().subscribers``), all of the
sample alarm's component in the Spanish customer audience. The baseline is measured too: the number of batches of 50
the sender actually handed to SES (``SendBulkEmail`` calls). The figure is the marginal cost: extra calls between
the smallest and the largest N divided by the extra batches, against the goal of 3 per batch (plus a constant)."""

from __future__ import annotations

import math
import time
from typing import Any

from tests.bench.independent import isolated
from tests.bench.independent.calls import counting, describe
from tests.bench.independent.report import Figure
from tests.bench.independent.stack import BenchStack, sample

GOAL_PER_BATCH = 3
SES_PAGE = 1000
"""The most contacts one SES ListContacts page holds. moto answers every contact in one page whatever the PageSize,
so the listing calls SES would make are estimated apart: one listing per email channel, ceil(N / 1000) pages each."""
COMPONENT = "api"


def one(subscribers: int) -> dict[str, Any]:
    """One fan-out at ``subscribers`` recipients, in this process (run it through :mod:`.isolated`)."""
    from incident_comms.composition import services
    from incident_comms.subscribers.models import Subscriber

    with BenchStack() as bench:
        rows = [
            Subscriber(
                email=f"reader{n:05d}@bench.example", components=(COMPONENT,), locale="es", audience="customers_es"
            )
            for n in range(subscribers)
        ]
        services().subscribers.import_csv(rows)
        seen = len(bench.emails())
        bench.event(sample("cloudwatch-eventbridge-alarm.json"))
        bench.drain()
        with counting() as log:
            started = time.perf_counter()
            approved = bench.approve_all(since=seen)
            bench.drain()
            seconds = time.perf_counter() - started
        operations = log.by_operation()
        by_function = log.by_function()
        customer_emails = sum(
            1 for email in bench.emails() if any(str(to).startswith("reader") for to in email.get("to", []) or [])
        )
    return {
        "subscribers": subscribers,
        "approved": approved,
        "calls": log.functions_total(),
        "by_function": dict(by_function),
        "operations": dict(operations),
        "bulk_sends": operations.get("sesv2.SendBulkEmail", 0),
        "emails_seen": customer_emails,
        "seconds": seconds,
    }


def measure(quick: bool, sizes: list[int] | None = None) -> Figure:
    sizes = sizes or ([100, 1000] if quick else [100, 1000, 10000])
    figure = Figure("email fan-out", f"AWS calls <= {GOAL_PER_BATCH} per batch of 50 + a constant")
    runs = [isolated.run("tests.bench.independent.fanout:one", size) for size in sizes]
    for run in runs:
        expected = math.ceil(run["subscribers"] / 50)
        figure.details.append(
            f"N={run['subscribers']:>6}: {run['calls']} calls ({_listed(run['by_function'])}), "
            f"{run['bulk_sends']} batches sent to SES (ceil(N/50) = {expected}), {run['seconds']:.1f} s"
        )
        figure.details.append(f"          {describe(_counter(run['operations']))}")
    low, high = runs[0], runs[-1]
    extra_batches = high["bulk_sends"] - low["bulk_sends"]
    if extra_batches <= 0:
        figure.why = f"no more batches at N={high['subscribers']} than at N={low['subscribers']}: nothing was sent"
        return figure
    marginal = (high["calls"] - low["calls"]) / extra_batches
    constant = low["calls"] - marginal * low["bulk_sends"]
    span = f"N {low['subscribers']} -> {high['subscribers']}"
    figure.figure = f"{marginal:.2f} AWS calls per extra batch of 50 ({span}), constant ~{constant:.0f}"
    figure.baseline = f"{extra_batches} extra batches handed to SES (SendBulkEmail), measured"
    figure.ratio = marginal / GOAL_PER_BATCH
    channels = low["operations"].get("sesv2.ListContacts", 0)
    if channels:
        pages = channels * (math.ceil(high["subscribers"] / SES_PAGE) - math.ceil(low["subscribers"] / SES_PAGE))
        figure.details.append(
            f"moto lists all contacts in one ListContacts page; SES pages by {SES_PAGE}: {channels} listings make "
            f"{pages} more calls at N={high['subscribers']}, {marginal + pages / extra_batches:.2f} per extra batch"
        )
    all_sent = all(run["bulk_sends"] == math.ceil(run["subscribers"] / 50) for run in runs)
    figure.met = marginal <= GOAL_PER_BATCH and all_sent
    if not all_sent:
        figure.details.append("not every batch of 50 reached SES: see the counts above")
    return figure


def _listed(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))


def _counter(values: dict[str, int]) -> Any:
    from collections import Counter

    return Counter(values)
