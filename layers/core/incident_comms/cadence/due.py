"""When the next customer update is due: the promise every customer update makes ("next update by 14:30 CET").

Customers forgive an outage more easily than silence, but a promise that falls at 03:00 their time, or one
that says "tomorrow" while their office is still open, is no help. The rules, for one audience, given the
instant ``P`` the last customer update was published and the severity's ``update_every`` ``C``:

1. **Cadence.** ``P + C``, in absolute time (30 minutes are 30 real minutes, whatever the clocks do).
2. **Before the office closes.** On each of the audience's office days (``office_hours.days``, in its own time
   zone), an update ``before_close`` (15 min) before ``office_hours.end``: customers hear where things stand
   before they leave ("the team continues overnight").
3. **After the office opens.** Likewise ``after_open`` (15 min) after ``office_hours.start``: customers arriving
   in the morning hear the news of the night.
4. **Office hours.** Unless the severity has ``night_updates``, nothing is promised outside the audience's office
   hours (start to end inclusive, office days only): when ``P + C`` falls outside them, the promise is the next
   pre-close or post-open update instead (the morning update after a night or a weekend).
5. **No echo.** A pre-close or post-open slot less than ``min_gap`` (15 min) after ``P`` is not promised: the
   update just published *is* that update (published at 17:40, it already tells customers before 18:00).
6. **Earliest wins.** The promise is the earliest of the candidates above, so it is never later than the
   cadence allows whenever ``P + C`` may be promised (office open, or ``night_updates``), and never in the past
   (every candidate is after ``P``). Ties go to the office slot, whose reason says more.
7. **Several audiences.** Each audience gets its own due time; the incident's promise is the earliest of them
   (ties: the first audience given), and :class:`DuePromise` says which audience set it and why. One update
   goes to every channel, so the other audiences receive it earlier than their own rules would ask.

Local times are built on each local date with :mod:`zoneinfo`, so a 09:15 post-open update is at 09:15 on the
wall clock on both sides of a daylight-saving change. A wall time that does not exist (inside a spring-forward
gap) is moved to the real instant after the gap; an ambiguous one (fall-back) is its first occurrence.

A severity without ``update_every`` updates on change only: no promise (``None``). An audience with no office
days has no office to follow, so the plain cadence applies to it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from incident_comms.durations import format_duration
from incident_comms.incidents.promises import DuePromise, DueReason
from incident_comms.plan.models import WEEKDAYS, Audience, Plan, Severity

"""``date.weekday()`` index -> the plan's day name."""

SCAN_DAYS = 10
"""Local dates scanned for office slots: from the day before the publication's local date to eight days after,
so even an office open one day a week yields a slot at least :attr:`OfficeRules.min_gap` (at most a day) on."""


_TIE_ORDER = {DueReason.BEFORE_CLOSE: 0, DueReason.AFTER_OPEN: 1, DueReason.CADENCE: 2}


@dataclass(frozen=True)
class OfficeRules:
    """How close to the office's opening and closing the extra updates fall, and how close to the last update
    an office slot may be before it counts as that update (module docstring, rules 2, 3 and 5)."""

    before_close: timedelta = timedelta(minutes=15)
    after_open: timedelta = timedelta(minutes=15)
    min_gap: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        for name in ("before_close", "after_open", "min_gap"):
            if not timedelta(0) <= getattr(self, name) <= timedelta(days=1):
                raise ValueError(f"OfficeRules.{name} must be between 0 and 1 day")


DEFAULT_RULES = OfficeRules()


def next_update_due(
    severity: Severity,
    audiences: Sequence[Audience],
    published_at: datetime,
    rules: OfficeRules = DEFAULT_RULES,
) -> DuePromise | None:
    """The update the one published at ``published_at`` promises: the earliest due among ``audiences``.

    ``None`` when the severity updates on change only. Raises ValueError for a naive ``published_at`` or no
    audience (a promise needs someone to make it to; see :func:`promise_audiences`).
    """
    _require_aware(published_at)
    if not audiences:
        raise ValueError("no audience to promise an update to")
    dues = [due_for_audience(severity, audience, published_at, rules) for audience in audiences]
    found = [(due, index) for index, due in enumerate(dues) if due is not None]
    if not found:
        return None
    due, _ = min(found, key=lambda item: (item[0].due_at, _TIE_ORDER[item[0].reason], item[1]))
    return due


def audience_dues(
    severity: Severity, audiences: Sequence[Audience], published_at: datetime, rules: OfficeRules = DEFAULT_RULES
) -> dict[str, datetime]:
    """Each audience's own next update (audience id -> due), for the drafts of its channels.

    The ledger keeps one promise, the earliest (:func:`next_update_due`), and the prompter fires then; but each
    audience reads the time its own office hours allow, so customers whose office is closed are not promised a
    night update because another audience's office is open. An update that comes earlier than promised breaks no
    promise.
    """
    dues = {audience.id: due_for_audience(severity, audience, published_at, rules) for audience in audiences}
    return {audience_id: due.due_at for audience_id, due in dues.items() if due is not None}


def due_for_audience(
    severity: Severity, audience: Audience, published_at: datetime, rules: OfficeRules = DEFAULT_RULES
) -> DuePromise | None:
    """The next update due for one audience under the module's rules; ``None`` without ``update_every``."""
    _require_aware(published_at)
    cadence = severity.update_every
    if cadence is None:
        return None
    hours = audience.office_hours
    regular = published_at + cadence
    candidates: list[DuePromise] = []
    if severity.night_updates or not hours.days or in_office_hours(regular, audience):
        candidates.append(DuePromise(due_at=regular, audience_id=audience.id, reason=DueReason.CADENCE))
    earliest_slot = published_at + rules.min_gap
    for slot, reason in office_slots(audience, published_at, rules):
        if slot > published_at and slot >= earliest_slot:
            candidates.append(DuePromise(due_at=slot, audience_id=audience.id, reason=reason))
    if not candidates:  # cannot happen with office days: the scan always reaches a later office day
        raise AssertionError(f"no update slot found for audience {audience.id}")
    return min(candidates, key=lambda due: (due.due_at, _TIE_ORDER[due.reason]))


def in_office_hours(when: datetime, audience: Audience) -> bool:
    """Whether ``when`` falls inside the audience's office hours (start to end inclusive, office days only)."""
    _require_aware(when)
    local = when.astimezone(ZoneInfo(audience.timezone))
    hours = audience.office_hours
    if WEEKDAYS[local.weekday()] not in hours.days:
        return False
    wall = local.time().replace(tzinfo=None)
    return hours.start <= wall <= hours.end


def office_slots(
    audience: Audience, published_at: datetime, rules: OfficeRules = DEFAULT_RULES
) -> Iterator[tuple[datetime, DueReason]]:
    """Every post-open and pre-close update instant (UTC) of the office days from ``published_at``'s local date
    on, for :data:`SCAN_DAYS` days, in order. Each slot stays inside its day's office hours (clamped when the
    office is open for less than ``after_open`` or ``before_close``)."""
    zone = ZoneInfo(audience.timezone)
    hours = audience.office_hours
    first = published_at.astimezone(zone).date() - timedelta(days=1)
    for offset in range(SCAN_DAYS):
        day = first + timedelta(days=offset)
        if WEEKDAYS[day.weekday()] not in hours.days:
            continue
        opens, closes = local_instant(day, hours.start, zone), local_instant(day, hours.end, zone)
        after_open = min(opens + rules.after_open, closes)
        before_close = max(closes - rules.before_close, opens)
        # On the night clocks go back, "15 minutes after opening" can land on a wall time before the opening
        # (01:45 EDT + 15 min is 01:00 EST): the office's own edge is then the slot, which is inside its hours.
        yield (after_open if in_office_hours(after_open, audience) else opens), DueReason.AFTER_OPEN
        yield (before_close if in_office_hours(before_close, audience) else closes), DueReason.BEFORE_CLOSE


def local_instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time on a local date (a gap time moves past the gap; see module doc)."""
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def promise_audiences(plan: Plan, severity_id: str) -> list[Audience]:
    """The audiences whose office hours a severity's promise follows: those of its customer channels, in plan
    order. Internal audiences (the team) are told the same time but do not set it, unless the severity reaches
    nobody else."""
    seen: dict[str, Audience] = {}
    for channel in plan.channels_for(severity_id):
        seen.setdefault(channel.audience, plan.audience(channel.audience))
    customers = [audience for audience in seen.values() if not audience.internal]
    return customers or list(seen.values())


def describe(due: DuePromise, published_at: datetime) -> str:
    """How far after the last update the promise falls, and why: for timeline texts."""
    return f"next update due {format_duration(due.due_at - published_at)} after the last one: {due.why}"


def _require_aware(when: datetime) -> None:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{when.isoformat()} must be timezone-aware")
