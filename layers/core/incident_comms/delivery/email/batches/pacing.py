"""Pacing: one sender kept under its share of the account's SES send rate.

A burst of one batch is allowed, the sustained rate is not exceeded; the clock and ``sleep`` can be injected.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Pacer:
    """Keeps one sender under ``rate`` emails per second, across the batches a warm container sends.

    Before a call of ``n`` emails it waits until the previous calls' emails have "drained" at ``rate``: a burst of
    one batch is allowed, the sustained rate is not exceeded. Divide the account's rate by the number of senders
    that may run at once (the queue's maximum concurrency).
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("the send rate must be positive")
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._free_at: float | None = None

    def wait_for(self, emails: int) -> float:
        """Wait (if needed) before sending ``emails``; answers how long it waited."""
        now = self._clock()
        waited = 0.0
        if self._free_at is not None and now < self._free_at:
            waited = self._free_at - now
            self._sleep(waited)
            now = self._free_at
        self._free_at = now + emails / self.rate
        return waited
