"""The alert group benches stay runnable (issue 16, part 5): ``tests.bench.alert_group`` and ``tests.bench.
webhook_groups`` at tiny sizes on moto compute their figures, and the goal checks answer both ways. The benches
themselves are never collected by pytest (their files are not ``test_*``); the timings they print are not asserted."""

from __future__ import annotations

from collections import Counter

from tests.bench import alert_group, webhook_groups
from tests.bench.alert_group import Accepted, Applied, accept_met, flat, report


def applied(alerts: int, ratio: float) -> Applied:
    """Figures whose per-alert cost is ``ratio`` bare transaction items."""
    return Applied(alerts, seconds=alerts * ratio * 0.001, put=0.001, item=0.001, calls=Counter({"dynamodb.Query": 1}))


def test_the_alert_group_bench_measures_the_webhook_and_the_worker(aws: None) -> None:
    accepted = alert_group.measure_accept([1, 3], repeats=1)
    groups = alert_group.measure_apply([1, 3], rounds=2)

    assert [figures.alerts for figures in accepted] == [1, 3] and all(figures.seconds > 0 for figures in accepted)
    assert [figures.alerts for figures in groups] == [1, 3]
    for figures in groups:
        assert figures.seconds > 0 and figures.put > 0 and figures.item > 0
        assert figures.calls["dynamodb.TransactWriteItems"] >= 1, "the worker's writes are counted"
        assert figures.calls["s3.GetObject"] == 1, "the worker read the body the webhook kept"
    lines = report(accepted, groups)
    assert lines[0].startswith("(a) webhook accepted 3 alerts") and ": MET;" in lines[0]
    assert lines[-1].endswith("MET")


def test_the_accept_goal_is_two_seconds() -> None:
    assert accept_met(Accepted(1000, 1.9))
    assert not accept_met(Accepted(1000, 2.1))
    assert "NOT MET" in report([Accepted(10, 0.01), Accepted(1000, 2.1)], [])[0]


def test_a_per_alert_cost_that_grows_with_the_group_is_not_flat() -> None:
    assert flat([applied(10, 5.0), applied(100, 1.0), applied(1000, 1.4)])
    assert not flat([applied(10, 1.0), applied(100, 1.2), applied(1000, 2.0)])
    assert not flat([applied(1000, 2.0), applied(10, 1.0)]), "judged by size, whatever the order given"
    assert report([], [applied(10, 1.0), applied(1000, 2.0)])[-1].endswith("NOT MET")


def test_the_webhook_groups_bench_applies_a_group(aws: None) -> None:
    per_alert = webhook_groups.timed_group(2, webhook_groups.grouped)

    assert per_alert > 0 and webhook_groups.baseline() > 0
