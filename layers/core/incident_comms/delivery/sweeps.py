"""Sweeps on demand: the publication sweeper runs when something may need it, not every five minutes.

The sweeper (:mod:`incident_comms.delivery.sweeper`) looks for publications whose hand-off never arrived and for
channel deliveries a publisher left unfinished. Both can only exist after a publication was requested, so a sweep is
armed where that work begins, as a one-time schedule ``STALL_AFTER`` later:

- the publisher arms one when it starts on a publication (before it claims a channel): if it stops half-way, the
  sweep finds the claims whose lease expired;
- a hand-off the publish queue refused arms one (:class:`SweptPublishQueue`): the sweep asks the queue again;
- the sweep arms the next one while anything it watches is still open (a publication not yet started, a claim
  whose lease has not expired, a refusal that still stands, an approval timeout it could not re-arm).

When nothing happens, nothing runs: the template keeps one hourly run as a backstop for a sweep that could not be
armed (Scheduler refused too): 720 runs a month where the five-minute rule made 8,640.

Sweeps share a schedule per minute (:func:`sweep_slot`): every request in the same minute meets the schedule already
there (its name and input are the slot's), so a burst of publications arms one sweep, not one each, and the sweep
runs between five and six minutes after the request, as the five-minute rule did on average.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict

from incident_comms.observability import Logger, Metrics
from incident_comms.text import error_text

if TYPE_CHECKING:
    from incident_comms.clock import Clock
    from incident_comms.delivery.publishing import PublishQueue
    from incident_comms.incidents.models import Publication

STALL_AFTER = timedelta(minutes=5)
"""How long a requested publication or a claimed delivery may take before the sweep takes it over (its lease)."""
SLOT = timedelta(minutes=1)
"""Scheduler fires an ``at()`` within the minute anyway: requests in the same minute share their sweep."""
SWEEP_EVENT_KIND = "publication_sweep"


class SweepEvent(BaseModel):
    """What a sweep's schedule hands the sweeper: the slot it was armed for (its identity, so the same slot's
    schedule is recognised as the same one)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    kind: str = SWEEP_EVENT_KIND
    slot: datetime


class SweepSchedule(Protocol):
    def arm(self, slot: datetime) -> str:
        """Make the sweeper run once at ``slot`` (one schedule per slot: arming a slot twice arms it once); answers
        the schedule's name. Raises when the scheduler refused."""
        ...


def sweep_slot(now: datetime, after: timedelta = STALL_AFTER) -> datetime:
    """The first slot boundary at least ``after`` from ``now``: the sweep then sees everything requested up to
    ``now`` as due, and every request within one slot shares its sweep."""
    earliest = (now + after).astimezone(UTC)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    slots, remainder = divmod(earliest - epoch, SLOT)
    return epoch + (slots + (1 if remainder else 0)) * SLOT


def arm_sweep(sweeps: SweepSchedule | None, now: datetime, after: timedelta = STALL_AFTER) -> str | None:
    """Arm the sweep that follows ``now`` by ``after``; answers why it could not be armed (None when it was, or when
    there is no scheduler outside the template). Never raises: the hourly backstop sweeps what an unarmed sweep
    would have found, so the caller logs and counts the reason and goes on with its own work."""
    if sweeps is None:
        return None
    try:
        sweeps.arm(sweep_slot(now, after))
    except Exception as error:  # noqa: BLE001 - the backstop covers it; the caller's work must not fail for it
        return error_text(error)
    return None


def record_sweep_armed(unarmed: str | None, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log and count a sweep that could not be armed (``unarmed`` is its reason); nothing when it was."""
    if unarmed is not None:
        logger.warning("sweep not armed; the hourly backstop will sweep", extra={"reason": unarmed})
    metrics.add_metric(name="SweepArmFailed", unit=unit, value=0 if unarmed is None else 1)


class SweptPublishQueue:
    """A publish queue whose refusals arm a sweep: the approved publication the queue would not take is asked for
    again ``STALL_AFTER`` later, by the sweeper. The refusal is still raised to the caller (who puts it on the
    timeline); a sweep that could not be armed either is left to the backstop."""

    def __init__(self, queue: PublishQueue, sweeps: SweepSchedule, clock: Clock) -> None:
        self._queue = queue
        self._sweeps = sweeps
        self._clock = clock

    def request(self, publication: Publication) -> None:
        try:
            self._queue.request(publication)
        except Exception:
            arm_sweep(self._sweeps, self._clock.now())
            raise
