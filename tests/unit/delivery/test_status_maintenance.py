"""Issue 18, item 5 on the page: approved maintenance windows listed ahead, their components under maintenance
while they run (never counted as downtime), and Statuspage's maintenance endpoints filled."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from incident_comms.delivery.status_page.build import build_site
from incident_comms.maintenance.models import Maintenance, MaintenanceStatus
from incident_comms.plan.models import Plan
from tests.contract.statuspage import contract_errors
from tests.factories import STATUS_API_ENDPOINTS
from tests.unit.delivery.test_statuspage import NOW, components, incident, message, page, published
from tests.unit.maintenance.test_maintenance import TITLES, declared

Site = dict[str, tuple[bytes, str]]


def approved(plan: Plan, starts_in: timedelta, hours: int = 2, **changes: Any) -> Maintenance:
    start = NOW + starts_in
    base = declared(plan, starts_at=start, ends_at=start + timedelta(hours=hours), now=start - timedelta(days=3))
    update = {"status": MaintenanceStatus.SCHEDULED, "approved_at": start - timedelta(days=2), **changes}
    return base.model_copy(update={"approved_by": "marta.ibanez@nubeteca.example", **update})


def api(site: Site, endpoint: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(site[f"api/v2/{endpoint}"][0])
    return document


def test_an_approved_maintenance_is_announced_ahead_and_nothing_is_under_maintenance_yet(plan: Plan) -> None:
    upcoming = approved(plan, timedelta(days=2))
    waiting = declared(plan, starts_at=NOW + timedelta(days=1), ends_at=NOW + timedelta(days=1, hours=1), now=NOW)
    site = build_site(plan, [], NOW, maintenances=[upcoming, waiting])

    html = page(site)
    assert html.count('class="incident level-under_maintenance" id="maintenance-') == 1  # not the unapproved one
    assert "Actualización de la base de datos de facturación" in html
    assert "Invoicing database upgrade" in page(site, "en/index.html")
    assert "24 de noviembre, 13:15 CET (12:15 UTC)</time> – <time" in html
    assert {c["level"] for c in components(site).values()} == {"operational"}
    assert '<meta http-equiv="refresh"' not in html
    (listed,) = api(site, "scheduled-maintenances/upcoming.json")["scheduled_maintenances"]
    assert (listed["status"], listed["impact"], listed["scheduled_for"]) == (
        "scheduled",
        "maintenance",
        "2026-11-24T12:15:00Z",
    )
    assert [c["id"] for c in listed["components"]] == ["api", "invoicing"]
    assert api(site, "scheduled-maintenances/active.json")["scheduled_maintenances"] == []
    assert api(site, "summary.json")["scheduled_maintenances"] == [listed]


def test_while_it_runs_its_components_are_under_maintenance_unless_an_incident_is_worse(plan: Plan) -> None:
    running = approved(plan, -timedelta(minutes=30))
    owner = incident(plan, component="api", severity="SEV3")
    site = build_site(plan, [published(owner, (message(plan, owner, "m-1"), NOW))], NOW, maintenances=[running])

    levels = {c["id"]: c["level"] for c in components(site).values()}
    assert levels == {
        "api": "degraded_performance",  # the incident's level is worse than maintenance
        "invoicing": "under_maintenance",
        "storage": "operational",
        "web": "operational",
    }
    assert (
        'class="banner level-degraded_performance" role="status">Rendimiento degradado: API pública. '
        "En mantenimiento: Facturación.</p>" in page(site)
    )
    (active,) = api(site, "scheduled-maintenances/active.json")["scheduled_maintenances"]
    assert [u["status"] for u in active["incident_updates"]] == ["in_progress", "scheduled"]
    assert '<meta http-equiv="refresh" content="60">' in page(site)


def test_maintenance_alone_reads_as_maintenance_and_is_not_downtime(plan: Plan) -> None:
    running = approved(plan, -timedelta(hours=1))
    site = build_site(plan, [], NOW, maintenances=[running])

    assert 'class="banner level-under_maintenance" role="status">En mantenimiento: API pública, Facturación.' in page(
        site
    )
    assert api(site, "status.json")["status"] == {
        "indicator": "maintenance",
        "description": "Servicio en mantenimiento",
    }
    html = page(site)
    assert "100 % de disponibilidad" in html
    assert "60 min de en mantenimiento" not in html and "60 min de mantenimiento" in html


def test_a_completed_window_is_listed_as_completed_and_its_components_are_back(plan: Plan) -> None:
    done = approved(plan, -timedelta(hours=5), completed_at=NOW - timedelta(hours=3, minutes=10),
                    status=MaintenanceStatus.COMPLETED)  # fmt: skip
    site = build_site(plan, [], NOW, maintenances=[done])

    assert {c["level"] for c in components(site).values()} == {"operational"}
    (listed,) = api(site, "scheduled-maintenances.json")["scheduled_maintenances"]
    assert (listed["status"], listed["resolved_at"]) == ("completed", "2026-11-22T09:05:00Z")
    assert api(site, "summary.json")["scheduled_maintenances"] == []


@pytest.mark.parametrize("endpoint", STATUS_API_ENDPOINTS)
def test_every_endpoint_holds_to_the_contract_with_maintenances_at_every_stage(plan: Plan, endpoint: str) -> None:
    done = approved(plan, -timedelta(days=3), status=MaintenanceStatus.COMPLETED, completed_at=NOW - timedelta(days=3))
    maintenances = [approved(plan, timedelta(days=1)), approved(plan, -timedelta(minutes=10), hours=1), done]
    site = build_site(plan, [], NOW, maintenances=maintenances)

    for prefix in ("", "en/"):
        document = json.loads(site[f"{prefix}api/v2/{endpoint}"][0])
        assert contract_errors(endpoint, document) == []


def test_each_step_a_maintenance_reached_is_an_atom_entry_of_its_own(plan: Plan) -> None:
    import feedparser

    running = approved(plan, -timedelta(minutes=30))
    site = build_site(plan, [], NOW, maintenances=[running])

    for path, steps, title in (
        ("feed.atom", ("En curso", "Programado"), TITLES["es"]),
        ("en/feed.atom", ("In progress", "Scheduled"), TITLES["en"]),
    ):
        parsed = feedparser.parse(site[path][0])
        assert parsed.bozo == 0
        assert [entry.title for entry in parsed.entries] == [f"{step}: {title}" for step in steps]
        assert parsed.entries[0].link.endswith(f"index.html#maintenance-{running.id}")
        assert len({entry.id for entry in parsed.entries}) == 2
