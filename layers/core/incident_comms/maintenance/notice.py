"""When customers hear about a maintenance ahead: at the lead times the plan sets per audience, inside the
audience's office hours. Pure.

An announcement due outside office hours moves *earlier*, to the last office minute before it: a customer told
"72 hours ahead" must get at least that notice, never less. It is never before the window was approved; when the
office opens again only after the window has started, it goes out at once (telling late beats not telling).
Announcements that land on the same instant are one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from incident_comms.maintenance.models import Maintenance
from incident_comms.plan.models import WEEKDAYS, Audience

SCAN_DAYS = 21
"""How far an announcement is moved to find an office minute (an audience with office days always has one)."""


def announcement_times(
    maintenance: Maintenance, audience: Audience, lead_times: Iterable[timedelta], approved_at: datetime
) -> list[datetime]:
    """The instants (UTC) to announce ``maintenance`` to ``audience``, earliest first."""
    chosen: set[datetime] = set()
    for lead in sorted(set(lead_times), reverse=True):
        due = maintenance.starts_at - lead
        at = _last_office_instant(due, audience)
        if at is None or at < approved_at:
            at = _first_office_instant(approved_at, audience)
            if at is None or at >= maintenance.starts_at:
                at = approved_at
        if at < maintenance.starts_at:
            chosen.add(at.astimezone(UTC))
    return sorted(chosen)


def _window(day: date, audience: Audience) -> tuple[datetime, datetime] | None:
    hours = audience.office_hours
    if WEEKDAYS[day.weekday()] not in hours.days:
        return None
    zone = ZoneInfo(audience.timezone)
    return _at(day, hours.start, zone), _at(day, hours.end, zone)


def _at(day: date, wall: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def _last_office_instant(due: datetime, audience: Audience) -> datetime | None:
    local = due.astimezone(ZoneInfo(audience.timezone)).date()
    for back in range(SCAN_DAYS):
        window = _window(local - timedelta(days=back), audience)
        if window is None or window[0] > due:
            continue
        return min(due, window[1])
    return None


def _first_office_instant(after: datetime, audience: Audience) -> datetime | None:
    local = after.astimezone(ZoneInfo(audience.timezone)).date()
    for ahead in range(SCAN_DAYS):
        window = _window(local + timedelta(days=ahead), audience)
        if window is None or window[1] < after:
            continue
        return max(after, window[0])
    return None
