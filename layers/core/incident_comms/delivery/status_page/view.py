"""One locale's view of the status page: everything its files show (components with their levels and uptime,
incidents with their updates), as plain dicts for the templates and the JSON (:mod:`.pages`, :mod:`.api`).

Links: the page's own navigation (other locales, the feed, the JSON) is relative, so the site works wherever it is
served (``/status/`` on the local stack, a bucket website, a CDN). Links that must stand on their own (the Atom
feed's ``self`` and ``alternate``, the JSON's ``links``, ``canonical`` and ``hreflang`` in the HTML head) are
absolute under ``organisation.status_page_url`` when the plan sets one, relative otherwise.

Every text that came from an incident has the control characters XML 1.0 forbids dropped (a stray one from an
alarm would break the feed), and an update is shown from the status page's draft or another customer channel's,
never from an internal audience's (those may carry alarm names and internal details customers must not see).
Feed entry ids are stable per message version, whatever the site's URL.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from incident_comms.delivery.status_page.levels import (
    UPTIME_DAYS,
    UptimeDay,
    component_levels,
    impact_spans,
    incident_levels,
    maintenance_spans,
    uptime_days,
    uptime_percent,
    worst,
)
from incident_comms.delivery.status_page.logic import severity_rank
from incident_comms.delivery.status_page.models import PublishedUpdate, ShownIncident
from incident_comms.delivery.status_page.texts import LANGUAGE_NAMES, site_texts
from incident_comms.drafting.models import ChannelDraft
from incident_comms.incidents.models import Incident, IncidentStatus, Message
from incident_comms.maintenance.logic import shown_status
from incident_comms.maintenance.models import Maintenance, MaintenanceStatus
from incident_comms.plan.models import ChannelKind, OutageLevel, Phase, Plan, localized
from incident_comms.text import format_datetime, format_elapsed, one_line, truncate

ARCHIVE_INDEX = "history/index.html"
"""The history by month (:mod:`.archive`), under each locale's folder."""

INCIDENTS_FOLDER = "incidents/"
"""Each incident's own page (``incidents/<id>.html``), under each locale's folder."""

REFRESH_SECONDS = 60
"""While an incident is open, the pages reload themselves this often (no script: ``<meta http-equiv=refresh>``)."""

_PAGE_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
_TITLE_MAX = 140

FEED_NAMESPACE = uuid.UUID("5b0f2f4e-6f1d-4b57-9a55-3c1f4a8e2d10")
"""Fixed namespace for the feed's ``urn:uuid`` ids: the same message version always gets the same id."""

_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def locale_prefix(plan: Plan, locale: str) -> str:
    return "" if locale == plan.main_locale else f"{locale}/"


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (a stray control character from an alarm would break the feed)."""
    return _XML_FORBIDDEN.sub("", text)


def utc_text(when: datetime) -> str:
    """ISO 8601 / RFC 3339 in UTC to the second: ``2026-11-22T10:15:00Z``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def web_url(url: str | None) -> str | None:
    """A plan URL fit for an href: http(s) only, without a trailing slash."""
    if url and re.match(r"^https?://[^\s\"'<>]+$", url):
        return url.rstrip("/")
    return None


def entry_id(incident_id: str, message: Message) -> str:
    """Stable per message version, whatever the site's URL: a re-generated feed never repeats an entry as new."""
    return "urn:uuid:" + str(uuid.uuid5(FEED_NAMESPACE, f"{incident_id}/{message.id}/v{message.version}"))


def _draft_for(plan: Plan, message: Message, locale: str) -> ChannelDraft | None:
    """The text the page shows for ``message`` in ``locale``.

    The status page channel's draft in that locale; else another customer channel's draft in that locale (one
    with a title first). Drafts for internal audiences are never used: they may carry alarm names and internal
    details customers must not see. None: the update is not shown in this locale.
    """
    in_locale = [draft for draft in message.drafts if draft.locale == locale]
    for draft in in_locale:
        if draft.kind == ChannelKind.STATUS_PAGE:
            return draft
    channels = {channel.id: channel for channel in plan.channels.channels}
    audiences = {audience.id: audience for audience in plan.channels.audiences}
    public = []
    for draft in in_locale:
        channel = channels.get(draft.channel_id)
        audience = audiences.get(channel.audience) if channel else None
        if audience is not None and not audience.internal:
            public.append(draft)
    ranked = [draft for draft in public if draft.subject] + [draft for draft in public if not draft.subject]
    return ranked[0] if ranked else None


def _zone(plan: Plan, locale: str) -> ZoneInfo:
    """The status page audience's time zone: of the status page channel in ``locale``, else of the first one."""
    pages = [channel for channel in plan.channels.channels if channel.kind == ChannelKind.STATUS_PAGE]
    chosen = next((channel for channel in pages if channel.locale == locale), pages[0] if pages else None)
    if chosen is None:
        return ZoneInfo("UTC")
    return ZoneInfo(plan.audience(chosen.audience).timezone)


class LocaleView:
    """Everything one locale's three files show, as plain dicts for the templates and the JSON."""

    def __init__(
        self,
        plan: Plan,
        locale: str,
        now: datetime,
        open_incidents: list[ShownIncident],
        history: list[ShownIncident],
        subscribe_url: str | None = None,
        archived: bool = False,
        maintenances: Sequence[Maintenance] = (),
    ) -> None:
        self.subscribe_url = web_url(subscribe_url)
        self.archived = archived
        self.plan = plan
        self.locale = locale
        self.now = now
        self.texts = site_texts(locale)
        self.zone = _zone(plan, locale)
        self.organisation = plan.definition.organisation
        self.base_url = web_url(self.organisation.status_page_url)
        self.prefix = locale_prefix(plan, locale)
        self._open_items = open_incidents
        self._history_items = history
        self.shown_maintenances = sorted(
            (item for item in maintenances if shown_status(item, now) is not None),
            key=lambda item: (item.starts_at, item.id),
        )
        self.open = [self._incident(item) for item in open_incidents]
        self.history = [self._incident(item) for item in history]

    @property
    def maintenance_running(self) -> bool:
        return any(shown_status(item, self.now) == MaintenanceStatus.IN_PROGRESS for item in self.shown_maintenances)

    @cached_property
    def components(self) -> list[dict[str, Any]]:
        """Each plan component with its level and uptime (computed once, and only for the pages that show them: the
        history by month never does)."""
        return self._components(self._open_items)

    # links ---------------------------------------------------------------------------------------------------------

    def relative(self, path: str) -> str:
        """A site path (``en/index.html``) as seen from this locale's folder: works wherever the site is served."""
        if self.prefix and path.startswith(self.prefix):
            return path.removeprefix(self.prefix)
        return "../" * self.prefix.count("/") + path

    def absolute(self, path: str) -> str:
        """A site path under the plan's status page URL, or relative when the plan has none."""
        return f"{self.base_url}/{path}" if self.base_url else self.relative(path)

    # words -----------------------------------------------------------------------------------------------------------

    def text(self, value: Any) -> str:
        return _clean(localized(value, self.locale, self.plan.main_locale))

    def when(self, moment: datetime) -> str:
        """The audience's date and time, and UTC beside it when the page's zone is another: a customer abroad and
        the tools they paste times into read the same moment."""
        local = format_datetime(moment, self.zone, self.locale)
        if self.zone.key == "UTC":
            return local
        return f"{local} ({moment.astimezone(UTC):%H:%M} {self.texts['utc']})"

    def level_name(self, level: OutageLevel) -> str:
        names: dict[OutageLevel, str] = self.texts["levels"]
        return names[level]

    def incident_path(self, incident_id: str) -> str | None:
        """The incident's own page (site path), None for an id unfit for a file name (never made by the store)."""
        return f"{self.prefix}{INCIDENTS_FOLDER}{incident_id}.html" if _PAGE_ID.match(incident_id) else None

    def phase_name(self, phase: Phase) -> str:
        names: dict[Phase, str] = self.texts["phases"]
        return names[phase]

    def component_name(self, component_id: str) -> str:
        known = {component.id: component for component in self.plan.definition.components}
        return self.text(known[component_id].name) if component_id in known else _clean(component_id)

    def severity_name(self, severity_id: str) -> str:
        known = {severity.id: severity for severity in self.plan.definition.severities}
        return self.text(known[severity_id].name) if severity_id in known else _clean(severity_id)

    # content ---------------------------------------------------------------------------------------------------------

    def _update(self, incident: Incident, update: PublishedUpdate) -> dict[str, Any] | None:
        draft = _draft_for(self.plan, update.message, self.locale)
        if draft is None:
            return None
        message = update.message
        text = _clean(draft.text)
        title = _clean(one_line(draft.subject or "")) or truncate(one_line(text), 120)
        return {
            "id": entry_id(incident.id, message),
            "anchor": f"update-{message.id}-v{message.version}",
            "message_id": message.id,
            "version": message.version,
            "phase": message.phase.value,
            "phase_name": self.phase_name(message.phase),
            "published_at": utc_text(update.published_at),
            "published_local": self.when(update.published_at),
            "title": title,
            "text": text,
            "paragraphs": [paragraph.split("\n") for paragraph in text.split("\n\n") if paragraph.strip()],
        }

    def _title(self, item: ShownIncident) -> str:
        """The incident's title: what customers notice, in plain words (the first sentence of the impact the
        responders told, else of the plan's impact of its component), never an email subject. A long one gives way
        to the level and the components."""
        incident = item.incident
        told = incident.facts.impact.get(self.locale, "")
        known = {component.id: component for component in self.plan.definition.components}
        planned = self.text(known[incident.component_id].impact) if incident.component_id in known else ""
        sentence = _SENTENCE_END.split(one_line(_clean(told or planned)), maxsplit=1)[0].rstrip(".")
        if sentence and len(sentence) <= _TITLE_MAX:
            return sentence
        levels = incident_levels(self.plan, item)
        names = ", ".join(self.component_name(component) for component in levels) or self.component_name(
            incident.component_id
        )
        return f"{self.level_name(worst(levels.values()))}: {names}"

    def _incident(self, item: ShownIncident) -> dict[str, Any]:
        incident = item.incident
        updates = [u for u in (self._update(incident, update) for update in reversed(item.updates)) if u]
        component = self.component_name(incident.component_id)
        start = incident.facts.impact_started_at or incident.impact_start
        end = incident.facts.impact_ended_at or item.resolved_at
        postmortems = [update for update in updates if update["phase"] == Phase.POSTMORTEM.value]
        levels = incident_levels(self.plan, item)
        level = worst(levels.values())
        path = self.incident_path(incident.id)
        return {
            "id": incident.id,
            "anchor": f"incident-{incident.id}",
            "component_id": incident.component_id,
            "component": component,
            "severity": incident.severity_id,
            "severity_name": self.severity_name(incident.severity_id),
            "severity_rank": min(severity_rank(self.plan, incident.severity_id), 3),
            "status": IncidentStatus.RESOLVED.value if item.resolved_at else IncidentStatus.OPEN.value,
            "phase": item.phase.value,
            "phase_name": self.phase_name(item.phase),
            "level": level.value,
            "level_name": self.level_name(level),
            "levels": [
                {"id": c, "name": self.component_name(c), "level": lvl.value, "level_name": self.level_name(lvl)}
                for c, lvl in levels.items()
            ],
            "title": self._title(item),
            "started_at": utc_text(start),
            "started_local": self.when(start),
            "resolved_at": utc_text(item.resolved_at) if item.resolved_at else None,
            "resolved_local": self.when(item.resolved_at) if item.resolved_at else None,
            "ended_at": utc_text(end) if end else None,
            "ended_local": self.when(end) if end else None,
            "duration": format_elapsed(end - start) if end else None,
            "created_at": utc_text(incident.opened_at),
            "updated_at": utc_text(item.last_activity),
            "path": path,
            "href": self.relative(path) if path else None,
            "url": self.absolute(path)
            if path
            else self.absolute(f"{self.prefix}index.html") + f"#incident-{incident.id}",
            "updates": updates,
            "postmortem": postmortems[0] if postmortems else None,
        }

    def _components(self, open_incidents: list[ShownIncident]) -> list[dict[str, Any]]:
        """Each plan component: its level (the worst an open incident puts it at), the worst such incident, and its
        uptime over :data:`UPTIME_DAYS` days."""
        maintained = {
            component_id
            for item in self.shown_maintenances
            if shown_status(item, self.now) == MaintenanceStatus.IN_PROGRESS
            for component_id in item.components
        }
        levels = component_levels(self.plan, open_incidents, maintained)
        spans = impact_spans(self.plan, [*open_incidents, *self._history_items], self.now)
        for component_id, extra in maintenance_spans(self.shown_maintenances, self.now).items():
            spans[component_id] = [*spans.get(component_id, []), *extra]
        each = [(item, incident_levels(self.plan, item)) for item in open_incidents]
        components = []
        for position, component in enumerate(self.plan.definition.components, start=1):
            level = levels[component.id]
            causing = [item for item, its in each if its.get(component.id, OutageLevel.OPERATIONAL) == level]
            days = uptime_days(spans.get(component.id, []), self.now, self.zone)
            components.append(
                {
                    "id": component.id,
                    "position": position,
                    "name": self.text(component.name),
                    "description": self.text(component.description) if component.description else None,
                    "status": level.value,
                    "status_text": self.level_name(level),
                    "incident_id": causing[0].incident.id if causing and level != OutageLevel.OPERATIONAL else None,
                    "severity": causing[0].incident.severity_id
                    if causing and level != OutageLevel.OPERATIONAL
                    else None,
                    "phase": causing[0].phase.value if causing and level != OutageLevel.OPERATIONAL else None,
                    "changed_at": utc_text(max(item.last_activity for item in causing)) if causing else None,
                    "uptime": self._uptime(days),
                }
            )
        return components

    def _uptime(self, days: list[UptimeDay]) -> dict[str, Any]:
        """The bars, a text for each day that had any minute not operational, and the percentage, rounded down to
        two decimals as Statuspage shows it (a day of minutes down never reads as 100 %)."""
        percent = uptime_percent(days, self.now)
        shown = f"{math.floor(percent * 100) / 100:.2f}".rstrip("0").rstrip(".")
        bars = []
        for day in days:
            label = day.day.strftime(self.texts["day_format"])
            parts = [
                self.texts["uptime_minutes"].format(minutes=minutes, level=self.texts["level_nouns"][level])
                for level, minutes in sorted(day.minutes.items(), key=lambda pair: -pair[0].rank)
            ]
            text = (
                self.texts["uptime_day"].format(day=label, levels=", ".join(parts))
                if parts
                else self.texts["uptime_day_ok"].format(day=label)
            )
            bars.append({"date": day.day.strftime("%Y-%m-%d"), "level": day.level.value, "text": text})
        return {
            "percent": percent,
            "percent_text": self.texts["uptime_percent"].format(percent=shown.replace(".", self.texts["decimal"])),
            "days": bars,
            "heading": self.texts["uptime"].format(days=UPTIME_DAYS),
        }

    @property
    def organisation_name(self) -> str:
        return _clean(self.organisation.name)

    def locales(self) -> list[dict[str, Any]]:
        """Every plan locale with links to its main page and feed (``current``: this one)."""
        return [
            {
                "code": locale,
                "name": LANGUAGE_NAMES.get(locale.split("-")[0], locale),
                "current": locale == self.locale,
                "href": self.relative(f"{locale_prefix(self.plan, locale)}index.html"),
                "absolute": self.absolute(f"{locale_prefix(self.plan, locale)}index.html"),
                "feed": self.absolute(f"{locale_prefix(self.plan, locale)}feed.atom"),
            }
            for locale in self.plan.definition.locales
        ]

    @property
    def generated_at(self) -> str:
        return utc_text(self.now)

    @property
    def banner_level(self) -> OutageLevel:
        return worst(OutageLevel(component["status"]) for component in self.components)

    def banner(self) -> str:
        """What the page says first: each level not operational, worst first, with its components ("Partial
        outage: Public API, Invoicing. Under maintenance: File storage."); an open incident that puts no component
        at a level still counts."""
        by_level: dict[OutageLevel, list[str]] = {}
        for component in self.components:
            level = OutageLevel(component["status"])
            if level != OutageLevel.OPERATIONAL:
                by_level.setdefault(level, []).append(component["name"])
        if by_level:
            return " ".join(
                str(self.texts["banner"].format(level=self.level_name(level), components=", ".join(names)))
                for level, names in sorted(by_level.items(), key=lambda pair: -pair[0].rank)
            )
        if self.open:
            return str(self.texts["some_open"].format(count=len(self.open)))
        return str(self.texts["all_ok"])
