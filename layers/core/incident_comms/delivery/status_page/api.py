"""The status page in Statuspage's public JSON API v2 (``api/v2/*.json`` under each locale's folder): the same field
names, types, enumerations and shapes, so status aggregators, chat integrations and client libraries written for
Statuspage read ours unchanged.

How ours maps onto theirs (the README has the table):

- component ``status``: our outage levels are Statuspage's component statuses (:class:`~incident_comms.plan.models.
  OutageLevel`); a component's ``id`` is the plan's component id.
- incident ``status``: the phase the last published update announced (``update`` keeps the one before it);
  ``postmortem`` once the postmortem is published.
- incident ``impact``: from the worst level the incident puts a component at: ``major_outage`` -> ``critical``,
  ``partial_outage`` -> ``major``, ``degraded_performance`` -> ``minor``, none -> ``none``.
- ``status.indicator``: the worst impact of the open incidents, ``none`` when there is none.
- an incident update is one published message: its ``body`` the page's text, its times the publication.
- ``shortlink``: the incident's own page.

Times are UTC (``Z``). Pure: built from a :class:`~.view.LocaleView`.
"""

from __future__ import annotations

import uuid
from typing import Any

from incident_comms.delivery.status_page.maintenance_view import maintenance_entries
from incident_comms.delivery.status_page.view import LocaleView
from incident_comms.plan.models import OutageLevel, Phase

API_FOLDER = "api/v2/"

IMPACT = {
    OutageLevel.MAJOR_OUTAGE: "critical",
    OutageLevel.PARTIAL_OUTAGE: "major",
    OutageLevel.DEGRADED_PERFORMANCE: "minor",
    OutageLevel.UNDER_MAINTENANCE: "maintenance",
    OutageLevel.OPERATIONAL: "none",
}
_IMPACT_ORDER = ("none", "maintenance", "minor", "major", "critical")
_RESOLVED_PHASES = (Phase.RESOLVED.value, Phase.POSTMORTEM.value)
INCIDENTS_LISTED = 50
"""``incidents.json`` lists the newest this many, as Statuspage's does."""

_PAGE_NAMESPACE = uuid.UUID("0c3f6a5e-8f7e-4d61-9a0b-2d1f7d9b4a11")


def api_files(view: LocaleView) -> dict[str, dict[str, Any]]:
    """Site path (under the locale's folder) -> document, for every endpoint of the API."""
    entries = maintenance_entries(view)
    page = _page(view, [*view.open, *view.history, *entries])
    components = [_component(component, page["id"], page["updated_at"]) for component in view.components]
    by_id = {component["id"]: component for component in components}
    unresolved = [_incident(view, incident, page["id"], by_id) for incident in view.open]
    every = sorted(
        [*unresolved, *(_incident(view, incident, page["id"], by_id) for incident in view.history)],
        key=lambda incident: (incident["created_at"], incident["id"]),
        reverse=True,
    )[:INCIDENTS_LISTED]
    status = _status(view, unresolved)
    maintenances = [_maintenance(entry, page["id"], by_id) for entry in entries]
    upcoming = [item for item in maintenances if item["status"] == "scheduled"]
    active = [item for item in maintenances if item["status"] == "in_progress"]
    recent = sorted(maintenances, key=lambda item: (item["scheduled_for"], item["id"]), reverse=True)
    prefix = f"{view.prefix}{API_FOLDER}"
    return {
        f"{prefix}summary.json": {
            "page": page,
            "components": components,
            "incidents": unresolved,
            "scheduled_maintenances": [*active, *upcoming],
            "status": status,
        },
        f"{prefix}status.json": {"page": page, "status": status},
        f"{prefix}components.json": {"page": page, "components": components},
        f"{prefix}incidents.json": {"page": page, "incidents": every},
        f"{prefix}incidents/unresolved.json": {"page": page, "incidents": unresolved},
        f"{prefix}scheduled-maintenances.json": {"page": page, "scheduled_maintenances": recent[:INCIDENTS_LISTED]},
        f"{prefix}scheduled-maintenances/upcoming.json": {"page": page, "scheduled_maintenances": upcoming},
        f"{prefix}scheduled-maintenances/active.json": {"page": page, "scheduled_maintenances": active},
    }


def _page(view: LocaleView, shown: list[dict[str, Any]]) -> dict[str, Any]:
    """The page; ``updated_at`` is the last activity of what it shows, incidents and maintenances (the build time
    only while it has none), so a file whose content did not change keeps its bytes and is not written again."""
    return {
        "id": uuid.uuid5(_PAGE_NAMESPACE, view.organisation.name).hex[:12],
        "name": view.organisation_name,
        "url": view.absolute(f"{view.prefix}index.html").removesuffix("index.html").rstrip("/") or "/",
        "time_zone": view.zone.key,
        "updated_at": max((item["updated_at"] for item in shown), default=view.generated_at),
    }


def _status(view: LocaleView, unresolved: list[dict[str, Any]]) -> dict[str, str]:
    impacts = [incident["impact"] for incident in unresolved]
    if any(component["status"] == OutageLevel.UNDER_MAINTENANCE.value for component in view.components):
        impacts.append("maintenance")
    indicator = max(impacts, key=_IMPACT_ORDER.index, default="none")
    return {"indicator": indicator, "description": view.texts["indicators"][indicator]}


def _component(component: dict[str, Any], page_id: str, page_updated: str) -> dict[str, Any]:
    changed = component["changed_at"] or page_updated
    return {
        "id": component["id"],
        "name": component["name"],
        "status": component["status"],
        "created_at": changed,
        "updated_at": changed,
        "position": component["position"],
        "description": component["description"],
        "showcase": True,
        "start_date": None,
        "group_id": None,
        "page_id": page_id,
        "group": False,
        "only_show_if_degraded": False,
    }


def _incident(
    view: LocaleView, incident: dict[str, Any], page_id: str, components: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    level = OutageLevel(incident["level"])
    updates = _updates(incident)
    monitoring = [update["created_at"] for update in updates if update["status"] == Phase.MONITORING.value]
    return {
        "id": incident["id"],
        "name": incident["title"],
        "status": _incident_status(incident),
        "created_at": incident["created_at"],
        "updated_at": incident["updated_at"],
        "monitoring_at": min(monitoring) if monitoring else None,
        "resolved_at": incident["resolved_at"],
        "impact": IMPACT[level],
        "shortlink": incident["url"],
        "started_at": incident["started_at"],
        "page_id": page_id,
        "incident_updates": updates,
        "components": [components[item["id"]] for item in incident["levels"] if item["id"] in components],
    }


def _maintenance(entry: dict[str, Any], page_id: str, components: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A maintenance as Statuspage models one: an incident with a window, ``maintenance`` impact, an update for each
    status it reached."""
    return {
        "id": entry["id"],
        "name": entry["title"],
        "status": entry["status"],
        "created_at": entry["created_at"],
        "updated_at": entry["updated_at"],
        "monitoring_at": None,
        "resolved_at": entry["resolved_at"],
        "impact": "maintenance",
        "shortlink": entry["url"],
        "started_at": entry["starts_at"],
        "page_id": page_id,
        "incident_updates": [
            {
                "id": step["id"],
                "status": step["status"],
                "body": step["body"],
                "incident_id": entry["id"],
                "created_at": step["at"],
                "updated_at": step["at"],
                "display_at": step["at"],
                "affected_components": None,
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            }
            for step in entry["steps"]
        ],
        "components": [components[item["id"]] for item in entry["components"] if item["id"] in components],
        "scheduled_for": entry["starts_at"],
        "scheduled_until": entry["ends_at"],
    }


def _incident_status(incident: dict[str, Any]) -> str:
    if incident["postmortem"] is not None:
        return Phase.POSTMORTEM.value
    if incident["status"] == "resolved":
        return Phase.RESOLVED.value
    return str(incident["phase"])


def _updates(incident: dict[str, Any]) -> list[dict[str, Any]]:
    """Newest first, each with the phase the incident was in once it was published (``update`` keeps the one before)
    and, on the first and on the one that resolved it, the components it moved."""
    oldest_first = list(reversed(incident["updates"]))
    phase = Phase.INVESTIGATING.value
    moved_out = False
    out = []
    for index, update in enumerate(oldest_first):
        if update["phase"] != Phase.UPDATE.value:
            phase = update["phase"]
        affected = None
        if index == 0:
            affected = [_moved(item, "operational", item["level"]) for item in incident["levels"]]
        elif phase in _RESOLVED_PHASES and not moved_out:
            affected = [_moved(item, item["level"], "operational") for item in incident["levels"]]
            moved_out = True
        out.append(
            {
                "id": f"{update['message_id']}-v{update['version']}",
                "status": phase,
                "body": update["text"],
                "incident_id": incident["id"],
                "created_at": update["published_at"],
                "updated_at": update["published_at"],
                "display_at": update["published_at"],
                "affected_components": affected or None,
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            }
        )
    return list(reversed(out))


def _moved(item: dict[str, Any], old: str, new: str) -> dict[str, str]:
    return {"code": item["id"], "name": item["name"], "old_status": old, "new_status": new}
