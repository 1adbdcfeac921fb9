"""Outage levels on the status page, before any locale: what each incident puts its components at, what each
component shows now, and its 90 days of uptime. Pure.

An incident puts each affected component at the level a responder set for it (``facts.component_levels``), else at
its severity's default (:meth:`~incident_comms.plan.models.IncidentDefinition.outage_level`); once resolved it puts
nothing at any level now, but its impact window keeps its levels in the uptime history. A component shows the worst
level any open incident puts it at, ``operational`` when none does.

Uptime follows Statuspage's published rule, so a figure reads the same as on the pages customers compare us with:
a minute of ``major_outage`` is a minute down, a minute of ``partial_outage`` counts as 0.3 of one, degraded
performance and maintenance do not count. Where incidents overlap on a component, each minute counts once, at the
worst level of that minute.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from incident_comms.delivery.status_page.models import ShownIncident
from incident_comms.maintenance.logic import shown_status
from incident_comms.maintenance.models import Maintenance, MaintenanceStatus
from incident_comms.plan.models import OutageLevel, Plan

UPTIME_DAYS = 90

DOWNTIME_WEIGHT = {OutageLevel.MAJOR_OUTAGE: 1.0, OutageLevel.PARTIAL_OUTAGE: 0.3}
"""How much of a minute at each level counts as down (Statuspage's uptime rule); other levels count nothing."""


def incident_levels(plan: Plan, item: ShownIncident) -> dict[str, OutageLevel]:
    """Component id -> the level the incident puts it at while open, in the plan's component order (components
    the plan no longer has last). Components a responder set to ``operational`` are left out."""
    incident = item.incident
    facts = incident.facts
    default = plan.definition.outage_level(incident.severity_id)
    affected = [*(facts.components or [incident.component_id]), *facts.component_levels]
    levels = {component: facts.component_levels.get(component, default) for component in affected}
    order = [component.id for component in plan.definition.components]
    ranked = sorted(levels, key=lambda component: order.index(component) if component in order else len(order))
    return {component: levels[component] for component in ranked if levels[component] != OutageLevel.OPERATIONAL}


def worst(levels: Iterable[OutageLevel]) -> OutageLevel:
    """The worst of ``levels``; ``operational`` when there is none."""
    return max(levels, key=lambda level: level.rank, default=OutageLevel.OPERATIONAL)


def component_levels(
    plan: Plan, open_incidents: Sequence[ShownIncident], maintained: Iterable[str] = ()
) -> dict[str, OutageLevel]:
    """Every plan component -> the worst level an open incident puts it at, ``under_maintenance`` for one in
    ``maintained`` that no incident puts lower, ``operational`` otherwise."""
    levels = {component.id: OutageLevel.OPERATIONAL for component in plan.definition.components}
    for component in maintained:
        if component in levels:
            levels[component] = OutageLevel.UNDER_MAINTENANCE
    for item in open_incidents:
        for component, level in incident_levels(plan, item).items():
            if component in levels and level.rank > levels[component].rank:
                levels[component] = level
    return levels


@dataclass(frozen=True)
class Span:
    """A stretch of time a component spent at ``level``."""

    start: datetime
    end: datetime
    level: OutageLevel


@dataclass(frozen=True)
class UptimeDay:
    """One day of a component's history, in the page's time zone: minutes at each non-operational level."""

    day: datetime
    """Local midnight that starts the day."""
    minutes: dict[OutageLevel, int]

    @property
    def level(self) -> OutageLevel:
        return worst(level for level, minutes in self.minutes.items() if minutes > 0)


def impact_spans(plan: Plan, items: Iterable[ShownIncident], now: datetime) -> dict[str, list[Span]]:
    """Component id -> the spans incidents put it at a non-operational level: each incident's impact window (its
    facts' correction, else the machine's), ending when it was resolved or, while open, now."""
    spans: dict[str, list[Span]] = {}
    for item in items:
        incident = item.incident
        start = incident.facts.impact_started_at or incident.impact_start
        end = incident.facts.impact_ended_at or item.resolved_at or now
        if end <= start:
            continue
        for component, level in incident_levels(plan, item).items():
            spans.setdefault(component, []).append(Span(start, min(end, now), level))
    return spans


def maintenance_spans(maintenances: Iterable[Maintenance], now: datetime) -> dict[str, list[Span]]:
    """Component id -> the spans maintenance windows that have started kept it ``under_maintenance`` (until they
    completed, their end, or now)."""
    spans: dict[str, list[Span]] = {}
    for maintenance in maintenances:
        start = maintenance.started_at or maintenance.starts_at
        end = min(maintenance.completed_at or maintenance.ends_at, now)
        if shown_status(maintenance, now) in (None, MaintenanceStatus.SCHEDULED) or end <= start:
            continue
        for component in maintenance.components:
            spans.setdefault(component, []).append(Span(start, end, OutageLevel.UNDER_MAINTENANCE))
    return spans


def uptime_days(spans: Sequence[Span], now: datetime, zone: ZoneInfo, days: int = UPTIME_DAYS) -> list[UptimeDay]:
    """The last ``days`` local days up to today, oldest first, each with its minutes at each level (overlapping
    spans count each minute once, at its worst level)."""
    return list(_uptime_days(tuple(spans), now, zone, days))


@lru_cache(maxsize=256)
def _uptime_days(spans: tuple[Span, ...], now: datetime, zone: ZoneInfo, days: int) -> tuple[UptimeDay, ...]:
    """Cached: every locale of one build asks the same of each component (the days are never changed in place)."""
    today = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    out = []
    for back in range(days - 1, -1, -1):
        start = _local_midnight(today, -back, zone)
        end = min(_local_midnight(today, -back + 1, zone), now)
        touching = [span for span in spans if span.start < end and span.end > start]
        out.append(UptimeDay(start, _minutes_by_level(touching, start, end) if touching else {}))
    return tuple(out)


def uptime_percent(days: Sequence[UptimeDay], now: datetime) -> float:
    """The share of the days' minutes (up to ``now``) that were up, in percent, by :data:`DOWNTIME_WEIGHT`."""
    if not days:
        return 100.0
    total = (now - days[0].day).total_seconds() / 60
    down = sum(DOWNTIME_WEIGHT.get(level, 0.0) * minutes for day in days for level, minutes in day.minutes.items())
    return max(0.0, 100.0 * (1 - down / total)) if total > 0 else 100.0


def _local_midnight(today: datetime, offset_days: int, zone: ZoneInfo) -> datetime:
    """Local midnight ``offset_days`` from ``today``'s (wall-clock arithmetic: a DST day has 23 or 25 hours)."""
    naive = today.replace(tzinfo=None) + timedelta(days=offset_days)
    return naive.replace(tzinfo=zone)


def _minutes_by_level(spans: Sequence[Span], start: datetime, end: datetime) -> dict[OutageLevel, int]:
    clipped = [(max(span.start, start), min(span.end, end), span.level) for span in spans]
    clipped = [(a, b, level) for a, b, level in clipped if a < b]
    if not clipped:
        return {}
    cuts = sorted({moment for a, b, _ in clipped for moment in (a, b)})
    seconds: dict[OutageLevel, float] = {}
    for left, right in pairwise(cuts):
        level = worst(lvl for a, b, lvl in clipped if a <= left and right <= b)
        if level != OutageLevel.OPERATIONAL:
            seconds[level] = seconds.get(level, 0.0) + (right - left).total_seconds()
    return {level: round(value / 60) for level, value in seconds.items() if round(value / 60) > 0}
