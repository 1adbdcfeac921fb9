"""The status page benchmark stays runnable and keeps measuring what issue 16 asks (tiny sizes: calls, not time)."""

from __future__ import annotations

import pytest

from tests.bench import status_page
from tests.bench.status_page import measure


def test_a_publication_makes_the_same_calls_with_a_longer_history_and_the_old_way_did_not(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(status_page, "RUNS", 3)  # the median is a publication after the first, which writes every file
    calls_alone, _, shown_alone, _ = measure(1, old=False)
    calls_with_history, _, shown_with_history, by_operation = measure(30, old=False)
    old_alone, *_ = measure(1, old=True)
    old_with_history, *_ = measure(30, old=True)

    assert (shown_alone, shown_with_history) == (1, 21)  # the 20 recent ones and its own; the 9 older are by month
    assert calls_with_history == calls_alone
    assert "Scan" not in by_operation
    assert old_with_history > old_alone + 2 * 20  # two queries per incident shown, as before the view
