"""What the local clock fires as it moves: EventBridge Scheduler one-time schedules (``at(...)``) and the template's
``rate(...)`` events, each at its own due time, in order.

A move does not jump to its target and fire everything there: the clock goes to the earliest instant something is
due before the target, fires it (its handler reads that instant as now), lets what the firing started settle, and
looks again, so a schedule created by a firing inside the move fires inside it too. Schedules due at one instant
fire in the order they were armed (created, or last moved). A ``rate()`` event fires at most once between two
one-time firings, at the last of its multiples there: a jump of five days is not 1,440 publication sweeps. The
firings of one move are capped: a schedule that re-arms itself at the instant it fired would otherwise hold the
clock there for ever; the move then stops where it got to and says why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from incident_comms.clock import ManualClock
from incident_comms.local.routing import PeriodicSource

MAX_FIRINGS_PER_MOVE = 200
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_JUST_BEFORE = timedelta(microseconds=1)
"""The clock's resolution: ``(after, due - _JUST_BEFORE]`` is everything strictly before ``due``."""


class Target(Protocol):
    """A function a schedule invokes (:class:`~incident_comms.local.functions.LocalFunction`)."""

    logical_id: str

    @property
    def arn(self) -> str: ...

    def invoke(self, event: Any) -> Any: ...


def due_at(schedule: dict[str, Any]) -> datetime | None:
    found = _AT.match(schedule.get("ScheduleExpression", ""))
    if found is None:
        return None
    zone = ZoneInfo(schedule.get("ScheduleExpressionTimezone") or "UTC")
    return datetime.fromisoformat(found.group(1)).replace(tzinfo=zone)


@dataclass(frozen=True)
class _Due:
    at: datetime
    fire: Callable[[], dict[str, Any]]


class ClockMover:
    """Moves ``clock`` forward schedule by schedule (see the module doc). ``scheduler`` is a boto3 Scheduler client;
    ``settle`` runs after each firing, with the clock still at its instant (the local stack drains its queues)."""

    def __init__(
        self,
        clock: ManualClock,
        scheduler: Any,
        functions: Iterable[Target],
        periodic: Iterable[PeriodicSource] = (),
        settle: Callable[[], None] = lambda: None,
        cap: int = MAX_FIRINGS_PER_MOVE,
    ) -> None:
        self.clock = clock
        self.scheduler = scheduler
        self.by_arn = {function.arn: function for function in functions}
        self.periodic = list(periodic)
        self.settle = settle
        self.cap = cap
        self._kept: set[tuple[str, str, str]] = set()
        """One-time schedules that fired and stay (no ``ActionAfterCompletion: DELETE``): they never fire again."""

    def move_to(self, target: datetime) -> dict[str, Any]:
        """Fire everything due up to ``target`` in order, then leave the clock at ``target``; answers the clock and
        what fired, each with the instant it fired at (and ``capped``, the clock short of ``target``, when the
        move stopped at its cap)."""
        start = self.clock.now()
        if target < start:
            raise ValueError(f"the clock only moves forward: {target.isoformat()} is before {start.isoformat()}")
        ticked = [start] * len(self.periodic)
        fired: list[dict[str, Any]] = []
        while (due := self._next_due(target, ticked)) is not None:
            now = self.clock.now()
            if len(fired) >= self.cap:
                capped = f"stopped after {self.cap} firings in one move, with more still due at {now.isoformat()}"
                return {"now": now.isoformat(), "fired": fired, "capped": capped}
            self.clock.set(max(due.at, now))
            fired.append(due.fire())
            self.settle()
        self.clock.set(target)
        return {"now": target.isoformat(), "fired": fired}

    def _next_due(self, target: datetime, ticked: list[datetime]) -> _Due | None:
        """The earliest firing due by ``target``: a rate() event's last multiple before the next one-time schedule
        (``ticked`` holds where each rate() event last fired, and is moved on), else that schedule."""
        one_time = self._next_one_time(target)
        horizon = one_time[0] - _JUST_BEFORE if one_time is not None else target
        ticks = [(index, source.ticks(ticked[index], horizon)) for index, source in enumerate(self.periodic)]
        pending = [(found[0], found[1], index) for index, found in ticks if found is not None]
        if pending:
            at, count, index = min(pending)
            ticked[index] = at
            return _Due(at, lambda: self._fire_periodic(self.periodic[index], count))
        if one_time is not None:
            at, schedule = one_time
            return _Due(at, lambda: self._fire_one_time(schedule, at))
        return None

    def _next_one_time(self, target: datetime) -> tuple[datetime, dict[str, Any]] | None:
        due: list[tuple[datetime, tuple[datetime, str, str], dict[str, Any]]] = []
        for group in self.scheduler.list_schedule_groups().get("ScheduleGroups", []):
            for summary in self.scheduler.list_schedules(GroupName=group["Name"]).get("Schedules", []):
                schedule = self.scheduler.get_schedule(GroupName=group["Name"], Name=summary["Name"])
                when = due_at(schedule)
                if when is None or when > target or schedule.get("State", "ENABLED") != "ENABLED":
                    continue
                if _identity(schedule) not in self._kept:
                    due.append((when, _armed(schedule), schedule))
        if not due:
            return None
        when, _, schedule = min(due, key=lambda found: found[:2])
        return when, schedule

    def _fire_one_time(self, schedule: dict[str, Any], due: datetime) -> dict[str, Any]:
        target = schedule["Target"]
        function = self.by_arn.get(target["Arn"])
        answer: dict[str, Any] = {"schedule": schedule["Name"], "due": due.isoformat(), "at": self._now()}
        if function is None:
            answer["error"] = f"target {target['Arn']} is not a function of the template"
        else:
            answer["function"] = function.logical_id
            try:
                answer["result"] = function.invoke(json.loads(target.get("Input") or "{}"))
            except Exception as error:  # noqa: BLE001 - reported, the clock keeps moving
                answer["error"] = f"{type(error).__name__}: {error}"
        if _current(self.scheduler, schedule) is not None:
            if schedule.get("ActionAfterCompletion") == "DELETE":
                self.scheduler.delete_schedule(GroupName=schedule.get("GroupName", "default"), Name=schedule["Name"])
            else:
                self._kept.add(_identity(schedule))
        return answer

    def _fire_periodic(self, source: PeriodicSource, ticks: int) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "function": source.function.logical_id,
            "via": source.name,
            "at": self._now(),
            "ticks": ticks,
        }
        try:
            answer["result"] = source.function.invoke(source.event(self.clock.now()))
        except Exception as error:  # noqa: BLE001 - reported, the clock keeps moving
            answer["error"] = f"{type(error).__name__}: {error}"
        return answer

    def _now(self) -> str:
        return self.clock.now().isoformat()


def _armed(schedule: dict[str, Any]) -> tuple[datetime, str, str]:
    """Schedules due at one instant fire in the order they were armed: created, or last moved (then by name)."""
    armed = schedule.get("LastModificationDate") or schedule.get("CreationDate")
    when = armed if isinstance(armed, datetime) else datetime.min.replace(tzinfo=UTC)
    return when, schedule.get("GroupName", ""), schedule["Name"]


def _identity(schedule: dict[str, Any]) -> tuple[str, str, str]:
    return schedule.get("GroupName", "default"), schedule["Name"], schedule.get("ScheduleExpression", "")


def _current(scheduler: Any, listed: dict[str, Any]) -> dict[str, Any] | None:
    """The schedule as it is now, if it is still there and still due at the time it was listed for: its own firing
    may have deleted it (a resolution stops the update reminders) or moved it (a check armed again)."""
    try:
        found: dict[str, Any] = scheduler.get_schedule(
            GroupName=listed.get("GroupName", "default"), Name=listed["Name"]
        )
    except scheduler.exceptions.ResourceNotFoundException:
        return None
    return found if found.get("ScheduleExpression") == listed.get("ScheduleExpression") else None
