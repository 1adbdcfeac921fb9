"""Sweeps on demand, without AWS: which slot a sweep is armed for, and what arming does when the scheduler refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from incident_comms.clock import ManualClock
from incident_comms.delivery.sweeps import SweptPublishQueue, arm_sweep, record_sweep_armed, sweep_slot
from incident_comms.incidents.models import Publication, PublicationReason

NOW = datetime(2026, 12, 6, 6, 31, 12, tzinfo=UTC)


class RecordingSweeps:
    def __init__(self, refusal: Exception | None = None) -> None:
        self.armed: list[datetime] = []
        self.refusal = refusal

    def arm(self, slot: datetime) -> str:
        if self.refusal is not None:
            raise self.refusal
        self.armed.append(slot)
        return f"sweep-{slot:%H%M}"


class RefusingQueue:
    def __init__(self, refuse: bool) -> None:
        self.refuse = refuse
        self.requested: list[Publication] = []

    def request(self, publication: Publication) -> None:
        if self.refuse:
            raise RuntimeError("queue unavailable")
        self.requested.append(publication)


class Recorder:
    def __init__(self) -> None:
        self.warnings: list[tuple[str, dict[str, Any]]] = []
        self.metrics: list[tuple[str, float]] = []

    def warning(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self.warnings.append((msg, kwargs.get("extra", {})))

    def info(self, msg: str, *args: Any, **kwargs: Any) -> None: ...

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        self.metrics.append((name, value))


PUBLICATION = Publication(
    incident_id="INC-1", message_id="investigating-1", version=1, requested_at=NOW, reason=PublicationReason.APPROVED
)


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        (NOW, datetime(2026, 12, 6, 6, 37, tzinfo=UTC)),
        (datetime(2026, 12, 6, 6, 35, tzinfo=UTC), datetime(2026, 12, 6, 6, 40, tzinfo=UTC)),
        (datetime(2026, 12, 6, 6, 35, 0, 1, tzinfo=UTC), datetime(2026, 12, 6, 6, 41, tzinfo=UTC)),
        (datetime(2026, 12, 6, 23, 58, 30, tzinfo=UTC), datetime(2026, 12, 7, 0, 4, tzinfo=UTC)),
    ],
)
def test_a_sweep_is_armed_for_the_first_minute_at_least_the_stall_time_away(now: datetime, slot: datetime) -> None:
    assert sweep_slot(now) == slot
    assert timedelta(minutes=5) <= slot - now < timedelta(minutes=6)


def test_the_slot_is_the_same_instant_whatever_the_zone_of_now() -> None:
    madrid = NOW.astimezone(ZoneInfo("Europe/Madrid"))
    assert sweep_slot(madrid) == sweep_slot(NOW)
    assert sweep_slot(NOW).tzinfo == UTC


def test_every_request_within_one_minute_shares_its_sweep() -> None:
    slots = {sweep_slot(datetime(2026, 12, 6, 6, 30, tzinfo=UTC) + timedelta(seconds=s)) for s in range(1, 60, 3)}
    assert slots == {datetime(2026, 12, 6, 6, 36, tzinfo=UTC)}


def test_arming_answers_the_reason_of_a_refusal_and_never_raises() -> None:
    armed = RecordingSweeps()
    assert arm_sweep(armed, NOW) is None
    assert armed.armed == [sweep_slot(NOW)]

    assert arm_sweep(RecordingSweeps(RuntimeError("AccessDenied")), NOW) == "RuntimeError: AccessDenied"
    assert arm_sweep(None, NOW) is None, "outside the template there is nothing to arm"


def test_a_hand_off_the_queue_refused_arms_a_sweep_and_still_raises() -> None:
    sweeps = RecordingSweeps()
    queue = SweptPublishQueue(RefusingQueue(refuse=True), sweeps, ManualClock(NOW))

    with pytest.raises(RuntimeError, match="queue unavailable"):
        queue.request(PUBLICATION)

    assert sweeps.armed == [sweep_slot(NOW)]


def test_a_hand_off_the_queue_took_arms_nothing() -> None:
    sweeps, inner = RecordingSweeps(), RefusingQueue(refuse=False)

    SweptPublishQueue(inner, sweeps, ManualClock(NOW)).request(PUBLICATION)

    assert inner.requested == [PUBLICATION] and sweeps.armed == []


def test_a_refused_hand_off_whose_sweep_is_refused_too_raises_the_queue_refusal() -> None:
    queue = SweptPublishQueue(RefusingQueue(refuse=True), RecordingSweeps(RuntimeError("throttled")), ManualClock(NOW))

    with pytest.raises(RuntimeError, match="queue unavailable"):
        queue.request(PUBLICATION)


def test_an_unarmed_sweep_is_a_warning_with_its_reason_and_a_count() -> None:
    recorder = Recorder()

    record_sweep_armed("RuntimeError: throttled", recorder, recorder, "Count")
    record_sweep_armed(None, recorder, recorder, "Count")

    assert recorder.warnings == [
        ("sweep not armed; the hourly backstop will sweep", {"reason": "RuntimeError: throttled"})
    ]
    assert recorder.metrics == [("SweepArmFailed", 1), ("SweepArmFailed", 0)]
