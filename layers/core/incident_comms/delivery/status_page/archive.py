"""The status site's history by month (issue 16, part 2): ``history/<YYYY-MM>.html`` lists the incidents opened that
month, ``history/index.html`` every month there is, in every locale, beside the 90 days the main page shows.

Why by month, and built apart from :func:`~.build.build_site`: a publication reads one month's records (the month its
incident opened in, :func:`~.records.month_of`), never the whole history, so its cost does not grow with the years
behind it; and a month page carries no "page updated" time, so its bytes only change when one of its incidents is
published again: the channel writes a file only when its bytes changed, so a month nobody publishes about is written
once and never again. The months there are come from the paths already written (the view's file digests), not from a
query. Pure and deterministic, like the main page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from incident_comms.delivery.status_page.build import render
from incident_comms.delivery.status_page.logic import shown_incident
from incident_comms.delivery.status_page.models import SiteIncident
from incident_comms.delivery.status_page.serving import HTML_TYPE
from incident_comms.delivery.status_page.view import ARCHIVE_INDEX, LocaleView, locale_prefix
from incident_comms.plan.models import Plan

ARCHIVE_FOLDER = "history/"
_MONTH_PAGE = re.compile(r"(?:^|/)history/(\d{4}-(?:0[1-9]|1[0-2]))\.html$")


def month_page(month: str) -> str:
    return f"{ARCHIVE_FOLDER}{month}.html"


def archived_months(paths: Iterable[str]) -> set[str]:
    """The months that have a page among ``paths`` (site paths written so far, in any locale)."""
    return {found.group(1) for path in paths if (found := _MONTH_PAGE.search(path))}


def build_archive(
    plan: Plan, month: str, records: Sequence[SiteIncident], months: Iterable[str], now: datetime
) -> dict[str, tuple[bytes, str]]:
    """``month``'s page and the list of ``months`` (``month`` among them), in every locale: ``path -> (content,
    content type)``. Empty when no record of the month has anything published (the page would say nothing).

    ``now`` only measures how long a still-open incident has lasted, as on the main page."""
    shown = [item for item in (shown_incident(record) for record in records) if item is not None]
    if not shown:
        return {}
    shown.sort(key=lambda item: (item.incident.opened_at, item.incident.id), reverse=True)
    every_month = sorted({*months, month}, reverse=True)
    site: dict[str, tuple[bytes, str]] = {}
    for locale in plan.definition.locales:
        view = LocaleView(plan, locale, now, [], shown, archived=True)
        prefix = locale_prefix(plan, locale)
        page = _ArchivePage(view, prefix)
        site[f"{prefix}{month_page(month)}"] = (render("status_archive.html.j2", page.month(month)), HTML_TYPE)
        site[f"{prefix}{ARCHIVE_INDEX}"] = (render("status_archive.html.j2", page.index(every_month)), HTML_TYPE)
    return site


class _ArchivePage:
    """One locale's archive pages as template contexts; every link is relative to ``<locale>/history/``."""

    def __init__(self, view: LocaleView, prefix: str) -> None:
        self.view = view
        self.prefix = prefix
        self.texts = view.texts

    def link(self, path: str) -> str:
        here = f"{self.prefix}{ARCHIVE_FOLDER}"
        if path.startswith(here):
            return path.removeprefix(here)
        if self.prefix and path.startswith(self.prefix):
            return "../" + path.removeprefix(self.prefix)
        return "../" * (self.prefix.count("/") + 1) + path

    def month_name(self, month: str) -> str:
        year, number = month.split("-")
        return str(self.texts["month_format"].format(name=self.texts["months"][int(number) - 1], year=year))

    def _common(self, page: str) -> dict[str, Any]:
        organisation = self.view.organisation_name
        return {
            "locale": self.view.locale,
            "organisation": organisation,
            "texts": self.texts,
            "times_in": self.texts["times_in"].format(zone=self.view.zone.key),
            "links": {
                "home": self.link(f"{self.prefix}index.html"),
                "all": self.link(f"{self.prefix}{ARCHIVE_INDEX}"),
            },
            "locales": [
                {**other, "href": self.link(f"{locale_prefix(self.view.plan, other['code'])}{page}")}
                for other in self.view.locales()
            ],
        }

    def month(self, month: str) -> dict[str, Any]:
        name = self.month_name(month)
        context = self._common(month_page(month))
        context.update(
            title=self.texts["archive_month_title"].format(month=name, organisation=context["organisation"]),
            heading=self.texts["archive_month_heading"].format(month=name),
            months=None,
            incidents=self.view.history,
        )
        return context

    def index(self, months: list[str]) -> dict[str, Any]:
        context = self._common(ARCHIVE_INDEX)
        context.update(
            title=self.texts["archive_title"].format(organisation=context["organisation"]),
            heading=self.texts["archive_heading"],
            months=[
                {"name": self.month_name(month), "href": self.link(f"{self.prefix}{month_page(month)}")}
                for month in months
            ],
            incidents=[],
        )
        return context
