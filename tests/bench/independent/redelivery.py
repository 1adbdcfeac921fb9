"""A redelivered ALARM event and a redelivered OK: the same event twice through the stack's routing (EventBridge
here, as AWS redelivers it), the second counted: AWS calls of the functions and drafts rendered.

Baseline: the first delivery of the same event, measured the same way."""

from __future__ import annotations

import time
from typing import Any

from tests.bench.independent.calls import counting, describe
from tests.bench.independent.drafts import counting_drafts
from tests.bench.independent.report import Figure
from tests.bench.independent.stack import BenchStack, sample

GOAL_CALLS = 1


def _delivered(bench: BenchStack, event: dict[str, Any]) -> tuple[int, str, int, float]:
    with counting() as log, counting_drafts() as drafts:
        started = time.perf_counter()
        bench.event(event)
        bench.drain()
        elapsed = time.perf_counter() - started
    return log.functions_total(), describe(log.by_operation()), drafts.rendered, elapsed


def measure(quick: bool) -> Figure:
    figure = Figure(
        "redelivery", f"a duplicate ALARM and a duplicate OK: {GOAL_CALLS} AWS call each, no drafts rendered"
    )
    worst = 0
    firsts = []
    with BenchStack() as bench:
        for name in ("cloudwatch-eventbridge-alarm.json", "cloudwatch-eventbridge-ok.json"):
            event = sample(name)
            state = event["detail"]["state"]["value"]
            calls, ops, drafts, seconds = _delivered(bench, event)
            again, again_ops, again_drafts, again_seconds = _delivered(bench, event)
            firsts.append(calls)
            figure.details.append(
                f"{state:<5} first: {calls} calls ({ops}), {drafts} drafts, {seconds * 1000:.1f} ms; "
                f"again: {again} calls ({again_ops}), {again_drafts} drafts, {again_seconds * 1000:.1f} ms"
            )
            worst = max(worst, again)
            figure.met = (figure.met is not False) and again <= GOAL_CALLS and again_drafts == 0
    figure.figure = f"worst duplicate: {worst} AWS calls"
    figure.baseline = f"first deliveries: {' and '.join(str(c) for c in firsts)} AWS calls"
    figure.ratio = worst / max(1, max(firsts))
    return figure
