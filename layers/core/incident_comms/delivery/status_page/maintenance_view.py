"""Scheduled maintenance as one locale's status page shows it: plain dicts for the page, the feed and the API.

A maintenance's texts are read in the page's locale only (never another locale's: every locale is required when it
is declared); its times in the page's zone with UTC beside them, like an incident's.
"""

from __future__ import annotations

from typing import Any

from incident_comms.delivery.status_page.view import LocaleView, utc_text
from incident_comms.maintenance.logic import shown_status
from incident_comms.maintenance.models import Maintenance, MaintenanceStatus


def maintenance_entries(view: LocaleView) -> list[dict[str, Any]]:
    """Every maintenance the page shows now, soonest first."""
    return [_entry(view, item) for item in view.shown_maintenances]


def _entry(view: LocaleView, item: Maintenance) -> dict[str, Any]:
    status = shown_status(item, view.now) or MaintenanceStatus.SCHEDULED
    started = item.started_at or item.starts_at
    completed = item.completed_at or item.ends_at
    names: dict[str, str] = view.texts["maintenance_statuses"]
    reached = [(MaintenanceStatus.SCHEDULED, item.approved_at or item.created_at)]
    if status in (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.COMPLETED):
        reached.append((MaintenanceStatus.IN_PROGRESS, started))
    if status == MaintenanceStatus.COMPLETED:
        reached.append((MaintenanceStatus.COMPLETED, completed))
    title = view.text(item.title)
    body = view.text(item.details) if item.details else title
    return {
        "id": item.id,
        "anchor": f"maintenance-{item.id}",
        "title": title,
        "details": view.text(item.details) if item.details else None,
        "status": status.value,
        "status_name": names[status],
        "components": [{"id": c, "name": view.component_name(c)} for c in item.components],
        "starts_at": utc_text(item.starts_at),
        "starts_local": view.when(item.starts_at),
        "ends_at": utc_text(item.ends_at),
        "ends_local": view.when(item.ends_at),
        "created_at": utc_text(item.created_at),
        "updated_at": utc_text(reached[-1][1]),
        "resolved_at": utc_text(completed) if status == MaintenanceStatus.COMPLETED else None,
        "url": view.absolute(f"{view.prefix}index.html") + f"#maintenance-{item.id}",
        "steps": [
            {"id": f"{item.id}-{step.value}", "status": step.value, "at": utc_text(at), "body": body}
            for step, at in reversed(reached)
        ],
    }
