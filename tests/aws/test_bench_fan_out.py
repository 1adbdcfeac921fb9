"""The fan-out bench stays runnable (issue 16, part 5): ``tests.bench.fan_out`` at tiny sizes on moto counts the calls
of a real fan-out (everyone emailed once), and its goal check answers both ways. The bench itself is never collected
by pytest."""

from __future__ import annotations

from collections import Counter

from tests.bench import fan_out
from tests.bench.fan_out import GOAL_CONSTANT, FanOut, met, report, slope


def figures(subscribers: int, batches: int, **calls: int) -> FanOut:
    counted = Counter({name.replace("__", "."): count for name, count in calls.items()})
    return FanOut(subscribers, batches, counted, subscribers, 0.1)


def test_the_fan_out_bench_counts_the_calls_of_a_real_fan_out(aws: None) -> None:
    small, large = fan_out.measure([3, 60])

    assert (small.batches, small.emailed, large.batches, large.emailed) == (1, 3, 2, 60)
    assert large.calls["sesv2.SendBulkEmail"] == 2, "one bulk call per batch of 50"
    assert large.calls["dynamodb.PutItem"] == 4, "each batch claimed and recorded"
    assert large.calls["sqs.SendMessageBatch"] == 1 and large.ses_pages == 1
    assert large.total == sum(large.calls.values())
    assert slope([small, large]) == large.total - small.total
    assert met(small) and met(large)
    assert report([small, large])[-1] == "    overall: MET"


def test_the_goal_is_three_calls_a_batch_plus_a_constant() -> None:
    within = figures(10_000, 200, dynamodb__PutItem=400, sesv2__SendBulkEmail=200, sesv2__ListContacts=1)
    over = figures(10_000, 200, dynamodb__PutItem=400, sesv2__SendBulkEmail=200, sqs__SendMessageBatch=20)

    assert within.total == 600 + 10, "ListContacts is counted as the ten pages SES answers, not moto's one"
    assert met(within)
    assert over.total == 3 * 200 + GOAL_CONSTANT + 20 and not met(over)
    lines = report([figures(100, 2, dynamodb__PutItem=4), over])
    assert "NOT MET" in lines[-1] and "each added batch costs" in lines[-2]
