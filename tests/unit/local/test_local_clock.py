"""``POST /local/clock`` and ``incident-comms local --clock``: what moves the local stack's clock, what is refused
(with one reason, before anything moves), and what fires on the way: each due schedule at its own instant, in order."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from incident_comms.cli.main import main
from incident_comms.clock import ManualClock
from incident_comms.local.clock_requests import clock_move_of, forward_to, parse_instant
from incident_comms.local.routing import PeriodicSource
from incident_comms.local.scheduler import ClockMover

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2026-11-23T15:00:00Z", NOW),
        ("2026-11-23T16:00:00+01:00", NOW),
        (" 2026-11-23T09:00:00-06:00 ", NOW),
        ("2026-11-23T15:00:00.250000+00:00", NOW + timedelta(milliseconds=250)),
    ],
)
def test_an_instant_with_its_offset_is_read_in_utc(text: str, instant: datetime) -> None:
    parsed = parse_instant(text)
    assert parsed == instant and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-11-23T15:00:00", "no time zone offset"),
        ("tomorrow", "not an instant"),
        ("PT30M", "not an instant"),
        ("", "not an instant"),
        ("2026-02-30T10:00:00Z", "not an instant"),
    ],
)
def test_text_that_names_no_instant_is_refused_with_what_to_give(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as refused:
        parse_instant(text)
    assert "2026-11-23T15:00:00Z" in str(refused.value)


def test_the_clock_moves_forward_or_not_at_all() -> None:
    assert forward_to(NOW + timedelta(hours=3), NOW) == timedelta(hours=3)
    assert forward_to(NOW, NOW) == timedelta(0)
    with pytest.raises(ValueError, match="only moves forward"):
        forward_to(NOW - timedelta(seconds=1), NOW)


@pytest.mark.parametrize(
    ("body", "move"),
    [
        (b'{"advance": "PT30M"}', ("advance", "PT30M")),
        (b'{"set": "2026-11-23T15:00:00Z"}', ("set", "2026-11-23T15:00:00Z")),
        (b"advance=PT1H", ("advance", "PT1H")),
        (b"set=2026-11-23T15%3A00%3A00Z", ("set", "2026-11-23T15:00:00Z")),
    ],
)
def test_a_clock_request_asks_for_one_move(body: bytes, move: tuple[str, str]) -> None:
    assert clock_move_of(body) == move


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"advance": "PT30M", "set": "2026-11-23T15:00:00Z"}', "exactly one of advance or set"),
        (b"{}", "exactly one of advance or set"),
        (b"", "exactly one of advance or set"),
        (b'{"set": 1700000000}', "set must be a string"),
        (b'{"set": ', "not a JSON object"),
        (b"[1]", "exactly one of advance or set"),
        (b"\xff\xfe", "not a JSON object"),
    ],
)
def test_a_clock_request_that_asks_for_no_single_move_is_refused(body: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        clock_move_of(body)


def test_local_with_a_clock_that_is_no_instant_is_bad_input_before_anything_starts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["local", "--port", "0", "--no-sample", "--clock", "2026-11-23 16:00"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: --clock:") and "no time zone offset" in error
    assert error.count("\n") == 1


@dataclass
class Handler:
    """A scheduled function that records what it was fired for and the clock it read, then does ``then``."""

    logical_id: str
    clock: ManualClock
    seen: list[tuple[str, datetime]]
    then: Callable[[dict[str, Any]], None] = field(default=lambda event: None)

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:eu-west-1:123456789012:function:{self.logical_id}"

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        self.seen.append((event.get("name", event.get("detail-type", "")), self.clock.now()))
        self.then(event)
        return {"result": "done"}


def schedule(scheduler: Any, name: str, when: datetime, handler: Handler) -> None:
    """A one-time schedule as the adapters create them: ``at()`` in UTC, deleted once fired."""
    scheduler.create_schedule(
        Name=name,
        ScheduleExpression=f"at({when.astimezone(UTC):%Y-%m-%dT%H:%M:%S})",
        ScheduleExpressionTimezone="UTC",
        FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion="DELETE",
        Target={
            "Arn": handler.arn,
            "RoleArn": "arn:aws:iam::123456789012:role/scheduler",
            "Input": json.dumps({"name": name}),
        },
    )


@dataclass
class World:
    clock: ManualClock
    scheduler: Any
    seen: list[tuple[str, datetime]]

    def handler(self, logical_id: str = "Fn", then: Callable[[dict[str, Any]], None] = lambda event: None) -> Handler:
        return Handler(logical_id, self.clock, self.seen, then)


@pytest.fixture
def world(aws: None) -> World:
    return World(ManualClock(NOW), boto3.client("scheduler"), [])


def fired_at(answer: dict[str, Any]) -> list[tuple[str, datetime]]:
    return [(item.get("schedule", item.get("via", "")), datetime.fromisoformat(item["at"])) for item in answer["fired"]]


def test_schedules_due_inside_one_move_fire_in_order_each_at_its_own_instant(world: World) -> None:
    handler = world.handler()
    schedule(world.scheduler, "quiet-check", NOW + timedelta(minutes=13), handler)
    schedule(world.scheduler, "timeout", NOW + timedelta(minutes=10), handler)
    schedule(world.scheduler, "tomorrow", NOW + timedelta(days=1), handler)

    answer = ClockMover(world.clock, world.scheduler, [handler]).move_to(NOW + timedelta(minutes=30))

    assert world.seen == [("timeout", NOW + timedelta(minutes=10)), ("quiet-check", NOW + timedelta(minutes=13))]
    assert fired_at(answer) == world.seen
    assert answer["now"] == (NOW + timedelta(minutes=30)).isoformat()
    assert world.clock.now() == NOW + timedelta(minutes=30)
    assert [item["Name"] for item in world.scheduler.list_schedules()["Schedules"]] == ["tomorrow"]


def test_a_schedule_a_firing_creates_inside_the_move_fires_in_the_same_move_in_order(world: World) -> None:
    later = world.handler("Later")
    follow_up = world.handler(
        then=lambda event: (
            schedule(world.scheduler, "report", world.clock.now() + timedelta(minutes=15), later),
            schedule(world.scheduler, "past-the-move", world.clock.now() + timedelta(hours=1), later),
        )
    )
    schedule(world.scheduler, "timeout", NOW + timedelta(minutes=10), follow_up)
    schedule(world.scheduler, "check", NOW + timedelta(minutes=20), later)

    answer = ClockMover(world.clock, world.scheduler, [follow_up, later]).move_to(NOW + timedelta(minutes=30))

    assert fired_at(answer) == [
        ("timeout", NOW + timedelta(minutes=10)),
        ("check", NOW + timedelta(minutes=20)),
        ("report", NOW + timedelta(minutes=25)),
    ]
    assert [item["Name"] for item in world.scheduler.list_schedules()["Schedules"]] == ["past-the-move"]


def test_schedules_due_at_one_instant_fire_in_the_order_they_were_armed(world: World) -> None:
    handler = world.handler()
    schedule(world.scheduler, "a-reminder", NOW + timedelta(minutes=5), handler)
    schedule(world.scheduler, "b-quiet-check", NOW + timedelta(minutes=10), handler)
    moved = world.scheduler.get_schedule(Name="a-reminder")
    world.scheduler.update_schedule(
        Name="a-reminder",
        ScheduleExpression=f"at({NOW + timedelta(minutes=10):%Y-%m-%dT%H:%M:%S})",
        FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion="DELETE",
        Target={key: moved["Target"][key] for key in ("Arn", "RoleArn", "Input")},
    )

    answer = ClockMover(world.clock, world.scheduler, [handler]).move_to(NOW + timedelta(minutes=30))

    assert fired_at(answer) == [
        ("b-quiet-check", NOW + timedelta(minutes=10)),
        ("a-reminder", NOW + timedelta(minutes=10)),
    ]


def test_a_set_to_a_due_instant_fires_what_is_due_then_and_nothing_later(world: World) -> None:
    handler = world.handler()
    schedule(world.scheduler, "due-now", NOW + timedelta(minutes=5), handler)
    schedule(world.scheduler, "a-second-later", NOW + timedelta(minutes=5, seconds=1), handler)
    mover = ClockMover(world.clock, world.scheduler, [handler])

    assert mover.move_to(NOW + timedelta(minutes=5) - timedelta(seconds=1))["fired"] == []
    assert fired_at(mover.move_to(NOW + timedelta(minutes=5))) == [("due-now", NOW + timedelta(minutes=5))]
    assert fired_at(mover.move_to(NOW + timedelta(minutes=5))) == []


def test_a_rate_event_fires_once_between_one_time_firings_at_its_last_multiple_there(world: World) -> None:
    handler, sweeper = world.handler(), world.handler("Sweeper")
    every_five = PeriodicSource("schedule Sweep rate(5 minutes)", timedelta(minutes=5), sweeper)
    schedule(world.scheduler, "timeout", NOW + timedelta(minutes=12), handler)

    answer = ClockMover(world.clock, world.scheduler, [handler], [every_five]).move_to(NOW + timedelta(minutes=30))

    assert fired_at(answer) == [
        ("schedule Sweep rate(5 minutes)", NOW + timedelta(minutes=10)),
        ("timeout", NOW + timedelta(minutes=12)),
        ("schedule Sweep rate(5 minutes)", NOW + timedelta(minutes=30)),
    ]
    assert [item.get("ticks") for item in answer["fired"]] == [2, None, 4]
    assert world.seen[0] == ("Scheduled Event", NOW + timedelta(minutes=10))


def test_what_a_firing_starts_settles_at_its_instant_before_the_clock_moves_on(world: World) -> None:
    handler = world.handler()
    schedule(world.scheduler, "first", NOW + timedelta(minutes=1), handler)
    schedule(world.scheduler, "second", NOW + timedelta(minutes=2), handler)
    settled: list[datetime] = []

    ClockMover(world.clock, world.scheduler, [handler], settle=lambda: settled.append(world.clock.now())).move_to(
        NOW + timedelta(hours=1)
    )

    assert settled == [NOW + timedelta(minutes=1), NOW + timedelta(minutes=2)]


def test_a_schedule_that_re_arms_itself_at_its_own_instant_stops_the_move_at_the_cap(world: World) -> None:
    count = iter(range(1000))
    handler = world.handler()
    handler.then = lambda event: schedule(world.scheduler, f"again-{next(count)}", world.clock.now(), handler)
    schedule(world.scheduler, "again", NOW + timedelta(minutes=1), handler)

    answer = ClockMover(world.clock, world.scheduler, [handler], cap=5).move_to(NOW + timedelta(hours=1))

    assert len(answer["fired"]) == 5
    assert "stopped after 5 firings" in answer["capped"]
    assert answer["now"] == (NOW + timedelta(minutes=1)).isoformat() == world.clock.now().isoformat()


def test_the_mover_refuses_to_move_back_and_leaves_the_clock(world: World) -> None:
    with pytest.raises(ValueError, match="only moves forward"):
        ClockMover(world.clock, world.scheduler, []).move_to(NOW - timedelta(seconds=1))
    assert world.clock.now() == NOW
