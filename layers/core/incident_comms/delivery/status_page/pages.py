"""The documents of one locale's status site, each from its :class:`~.view.LocaleView`: the index page, each
incident's page, the not-found page, the Atom feed and ``index.json`` (our own shape; Statuspage's is :mod:`.api`).
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from incident_comms.delivery.status_page.logic import HISTORY_DAYS
from incident_comms.delivery.status_page.maintenance_view import maintenance_entries
from incident_comms.delivery.status_page.view import (
    ARCHIVE_INDEX,
    FEED_NAMESPACE,
    INCIDENTS_FOLDER,
    REFRESH_SECONDS,
    LocaleView,
    locale_prefix,
    utc_text,
    web_url,
)
from incident_comms.errors import BadInput
from incident_comms.incidents.models import IncidentStatus
from incident_comms.subscribers.models import default_audience


def common(view: LocaleView) -> dict[str, Any]:
    organisation = view.organisation_name
    texts = view.texts
    return {
        "locale": view.locale,
        "organisation": organisation,
        "title": texts["title"].format(organisation=organisation),
        "texts": texts,
        "history_heading": texts["history"].format(days=HISTORY_DAYS),
        "no_history": texts["no_history"].format(days=HISTORY_DAYS),
        "summary": view.banner(),
        "times_in": texts["times_in"].format(zone=view.zone.key),
        "generated": texts["generated"].format(when=view.when(view.now)),
        "generated_at": utc_text(view.now),
        "support_url": web_url(view.organisation.support_url),
        "components": view.components,
        "open_incidents": view.open,
        "history": view.history,
        "postmortems": [incident for incident in view.history if incident["postmortem"]],
        "banner_level": view.banner_level.value,
        "refresh": REFRESH_SECONDS if view.open or view.maintenance_running else None,
        "locales": view.locales(),
    }


def subscribe_form(view: LocaleView) -> dict[str, Any] | None:
    """The double opt-in form (incident_comms.subscribers.subscribe): email, components, this page's locale. Only
    where someone can be emailed in this locale, and only with an http(s) URL to post to."""
    if view.subscribe_url is None:
        return None
    try:
        default_audience(view.plan, view.locale)
    except BadInput:
        return None
    target = urlsplit(view.subscribe_url)
    return {
        "action": view.subscribe_url,
        "origin": f"{target.scheme}://{target.netloc}",
        "components": [{"id": c.id, "name": view.text(c.name)} for c in view.plan.definition.components],
    }


def index_context(view: LocaleView) -> dict[str, Any]:
    context = common(view)
    context["subscribe"] = subscribe_form(view)
    context["maintenances"] = maintenance_entries(view)
    context["links"] = {
        "canonical": view.absolute(f"{view.prefix}index.html"),
        "feed": view.relative(f"{view.prefix}feed.atom"),
        "json": view.relative(f"{view.prefix}index.json"),
        "archive": view.relative(f"{view.prefix}{ARCHIVE_INDEX}") if view.archived else None,
    }
    return context


def incident_context(view: LocaleView, incident: dict[str, Any]) -> dict[str, Any]:
    """The incident's own page (``incidents/<id>.html``): links are relative to that folder."""
    context = common(view)

    def from_here(site_path: str) -> str:
        return "../" + view.relative(site_path)

    context.update(
        incident=incident,
        page_title=view.texts["incident_page_title"].format(
            title=incident["title"], organisation=context["organisation"]
        ),
        banner_level=incident["level"] if incident["status"] == IncidentStatus.OPEN.value else "operational",
        refresh=REFRESH_SECONDS if incident["status"] == IncidentStatus.OPEN.value else None,
        links={"home": from_here(f"{view.prefix}index.html"), "feed": from_here(f"{view.prefix}feed.atom")},
        locales=[
            {
                **other,
                "incident_href": from_here(
                    f"{locale_prefix(view.plan, other['code'])}{INCIDENTS_FOLDER}{incident['id']}.html"
                ),
                "incident_absolute": view.absolute(
                    f"{locale_prefix(view.plan, other['code'])}{INCIDENTS_FOLDER}{incident['id']}.html"
                ),
            }
            for other in view.locales()
        ],
    )
    return context


def not_found_context(view: LocaleView) -> dict[str, Any]:
    """The not-found page: answered at whatever path was missing, so its links are absolute under the plan's
    status page URL, else from the site's root (where CloudFront serves it), never relative to that path."""
    organisation = view.organisation_name

    def home(locale: str) -> str:
        return f"{view.base_url or ''}/{locale_prefix(view.plan, locale)}"

    return {
        "locale": view.locale,
        "organisation": organisation,
        "title": view.texts["not_found_title"].format(organisation=organisation),
        "heading": view.texts["not_found_heading"],
        "texts": view.texts,
        "home": home(view.locale),
        "others": [
            {"code": other["code"], "name": other["name"], "home": home(other["code"])}
            for other in view.locales()
            if not other["current"]
        ],
    }


def atom_context(view: LocaleView) -> dict[str, Any]:
    context = common(view)
    entries = [
        {**update, "incident": incident, "link": incident["url"] + "#" + update["anchor"]}
        for incident in [*view.open, *view.history]
        for update in incident["updates"]
    ]
    entries += [
        {
            "id": "urn:uuid:" + str(uuid.uuid5(FEED_NAMESPACE, f"maintenance/{item['id']}/{step['status']}")),
            "title": f"{view.texts['maintenance_statuses'][step['status']]}: {item['title']}",
            "published_at": step["at"],
            "phase": f"maintenance-{step['status']}",
            "phase_name": view.texts["maintenance_statuses"][step["status"]],
            "text": f"{item['starts_local']} – {item['ends_local']}\n\n{step['body']}",
            "incident": None,
            "link": item["url"],
        }
        for item in maintenance_entries(view)
        for step in item["steps"]
    ]
    entries.sort(key=lambda entry: (entry["published_at"], entry["id"]), reverse=True)
    context.update(
        feed_id="urn:uuid:" + str(uuid.uuid5(FEED_NAMESPACE, f"feed/{view.organisation.name}/{view.locale}")),
        feed_title=view.texts["feed_title"].format(organisation=context["organisation"]),
        updated=entries[0]["published_at"] if entries else utc_text(view.now),
        entries=entries,
        links={
            "self": view.absolute(f"{view.prefix}feed.atom"),
            "html": view.absolute(f"{view.prefix}index.html"),
        },
    )
    return context


def index_document(view: LocaleView) -> dict[str, Any]:
    """The machine-readable page: components with their status, incidents with their updates (UTC times)."""

    def update_json(update: dict[str, Any]) -> dict[str, Any]:
        keys = ("id", "message_id", "version", "phase", "published_at", "title", "text")
        return {key: update[key] for key in keys}

    def incident_json(incident: dict[str, Any]) -> dict[str, Any]:
        keys = ("id", "component_id", "component", "severity", "severity_name", "status", "phase")
        return {
            **{key: incident[key] for key in keys},
            "started_at": incident["started_at"],
            "resolved_at": incident["resolved_at"],
            "level": incident["level"],
            "url": incident["url"],
            "updates": [update_json(update) for update in incident["updates"]],
        }

    component_keys = ("id", "name", "severity", "phase", "incident_id")
    return {
        "version": 1,
        "organisation": {
            "name": view.organisation_name,
            "status_page_url": view.base_url,
            "support_url": web_url(view.organisation.support_url),
        },
        "locale": view.locale,
        "generated_at": utc_text(view.now),
        "status": "incident" if view.open else "operational",
        "components": [
            {
                **{key: component[key] for key in component_keys},
                "status": "incident" if component["incident_id"] else "operational",
                "level": component["status"],
            }
            for component in view.components
        ],
        "incidents": [incident_json(incident) for incident in [*view.open, *view.history]],
        "links": {
            "html": view.absolute(f"{view.prefix}index.html"),
            "atom": view.absolute(f"{view.prefix}feed.atom"),
            "locales": {locale["code"]: locale["absolute"] for locale in view.locales()},
        },
    }
