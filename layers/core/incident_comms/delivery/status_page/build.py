"""The status site, built whole: plan, incidents with their messages and publications, and ``now`` in; every file
of the site out, as ``path -> (bytes, content type)``.

Why whole and static: the page is what customers open when everything else is broken, so it must not depend on
the system that may be failing (no API, no script, any CDN in front of a bucket serves it); and regenerating all of
it from the store on each publish means there is no incremental state that could drift from what was approved.

The plan's main locale sits at the root (``index.html``, ``index.json``, ``feed.atom``, and ``404.html``, the page
a missing path is answered with), every other locale under ``<locale>/``. Every text that came from an incident is
escaped by Jinja2 autoescape (HTML and Atom) or the json module, so alarm-derived text can never become markup or
break the feed. Pure and deterministic: the same inputs
build the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from incident_comms.delivery.status_page.api import api_files
from incident_comms.delivery.status_page.logic import HISTORY_DAYS, severity_rank, shown_incident
from incident_comms.delivery.status_page.models import SiteIncident
from incident_comms.delivery.status_page.pages import (
    atom_context,
    incident_context,
    index_context,
    index_document,
    not_found_context,
)
from incident_comms.delivery.status_page.serving import ATOM_TYPE, HTML_TYPE, JSON_TYPE, NOT_FOUND_PAGE
from incident_comms.delivery.status_page.view import LocaleView, locale_prefix
from incident_comms.maintenance.models import Maintenance
from incident_comms.plan.models import Plan

if TYPE_CHECKING:
    from jinja2 import Environment


def build_site(
    plan: Plan,
    incidents: Sequence[SiteIncident],
    now: datetime,
    subscribe_url: str | None = None,
    archived: bool = False,
    maintenances: Sequence[Maintenance] = (),
) -> dict[str, tuple[bytes, str]]:
    """Every file of the status site: ``path -> (content, content type)``, in every plan locale.

    ``subscribe_url`` (the approvals API's ``/subscribe``) adds the subscribe form to every locale a customer email
    channel of the plan is in; without it the page has no form.

    ``archived`` links each locale's page to its history by month (:mod:`.archive`, built apart).

    ``maintenances``: the page shows those approved and not cancelled (:func:`~incident_comms.maintenance.logic.
    shown_status`), puts their components ``under_maintenance`` while they run, and lists them in the API.

    Deterministic for the same inputs (the channel relies on it to tell whether the store changed meanwhile).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    shown = [item for item in (shown_incident(record) for record in incidents) if item is not None]
    open_incidents = sorted(
        (item for item in shown if item.resolved_at is None),
        key=lambda item: (severity_rank(plan, item.incident.severity_id), -item.incident.opened_at.timestamp()),
    )
    cutoff = now - timedelta(days=HISTORY_DAYS)
    history = sorted(
        (item for item in shown if item.resolved_at is not None and item.last_activity >= cutoff),
        key=lambda item: (item.resolved_at or now, item.incident.id),
        reverse=True,
    )
    site: dict[str, tuple[bytes, str]] = {}
    for locale in plan.definition.locales:
        view = LocaleView(plan, locale, now, open_incidents, history, subscribe_url, archived, maintenances)
        prefix = locale_prefix(plan, locale)
        site[f"{prefix}index.html"] = (render("status_page.html.j2", index_context(view)), HTML_TYPE)
        site[f"{prefix}index.json"] = (_json(index_document(view)), JSON_TYPE)
        site[f"{prefix}feed.atom"] = (render("status_feed.atom.j2", atom_context(view)), ATOM_TYPE)
        for path, document in api_files(view).items():
            site[path] = (_compact_json(document), JSON_TYPE)
        for incident in [*view.open, *view.history]:
            if incident["path"]:
                site[incident["path"]] = (
                    render("status_incident.html.j2", incident_context(view, incident)),
                    HTML_TYPE,
                )
        site[f"{prefix}{NOT_FOUND_PAGE}"] = (render("status_not_found.html.j2", not_found_context(view)), HTML_TYPE)
    return site


@lru_cache(maxsize=1)
def _environment() -> Environment:
    """The package's status templates, autoescaped (HTML and XML alike): incident text can never become markup.
    Jinja is imported here, on the first page built: the publisher and the sweeper build the status page channel on
    every cold start, most of their invocations never render a page."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(
        loader=PackageLoader("incident_comms", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(name: str, context: Mapping[str, Any]) -> bytes:
    """One of the package's status templates, autoescaped, as UTF-8 bytes (what is written to the bucket)."""
    return _environment().get_template(name).render(context).encode("utf-8")


def _compact_json(document: Mapping[str, Any]) -> bytes:
    """As Statuspage serves its API: one line, no spaces (and json's C encoder, several times faster than indenting)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json(document: Mapping[str, Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
