"""Issue 18: every ``api/v2/*.json`` the site writes holds to Statuspage's public API v2 (schemas written from its
documentation by someone else: ``tests/contract/statuspage_v2``), and says what the pages say."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest

from incident_comms.delivery.status_page.build import build_site
from incident_comms.incidents.facts import IncidentFacts
from incident_comms.plan.models import OutageLevel, Phase, Plan
from tests.contract.statuspage import ENDPOINT_SCHEMAS, contract_errors
from tests.factories import STATUS_API_ENDPOINTS
from tests.unit.delivery.test_statuspage import NOW, OPENED, incident, message, page, published, resolved_incident

Site = dict[str, tuple[bytes, str]]


def busy_site(plan: Plan) -> Site:
    """Two open incidents (levels set by a responder on one; one monitoring), one resolved, one with a postmortem."""
    owner = incident(plan).model_copy(
        update={
            "facts": IncidentFacts(
                components=["api", "invoicing"],
                component_levels={"api": OutageLevel.MAJOR_OUTAGE, "invoicing": OutageLevel.DEGRADED_PERFORMANCE},
            )
        }
    )
    other = incident(plan, incident_id="INC-2", component="storage", severity="SEV3", at=OPENED + timedelta(minutes=5))
    done = resolved_incident(plan, "INC-old", NOW - timedelta(days=3), component="web")
    postmortem = message(plan, done.incident, "INC-old-postmortem", Phase.POSTMORTEM)
    done = published(
        done.incident,
        *zip(done.messages, [p.requested_at for p in done.publications], strict=True),
        (postmortem, NOW - timedelta(days=1)),
    )
    return build_site(
        plan,
        [
            published(
                owner,
                (message(plan, owner, "m-1"), OPENED),
                (message(plan, owner, "m-2", Phase.IDENTIFIED), OPENED + timedelta(minutes=20)),
                (message(plan, owner, "m-3", Phase.UPDATE), OPENED + timedelta(minutes=50)),
            ),
            published(
                other,
                (message(plan, other, "m-4"), OPENED),
                (message(plan, other, "m-5", Phase.MONITORING), OPENED + timedelta(minutes=30)),
            ),
            done,
            resolved_incident(plan, "INC-older", NOW - timedelta(days=40), component="api"),
        ],
        NOW,
    )


def api(site: Site, endpoint: str, prefix: str = "") -> dict[str, Any]:
    document: dict[str, Any] = json.loads(site[f"{prefix}api/v2/{endpoint}"][0])
    return document


def test_the_issue_lists_the_endpoints_the_schemas_cover() -> None:
    assert set(STATUS_API_ENDPOINTS) == set(ENDPOINT_SCHEMAS)


@pytest.mark.parametrize("prefix", ["", "en/"])
@pytest.mark.parametrize("endpoint", STATUS_API_ENDPOINTS)
def test_every_endpoint_holds_to_statuspages_public_api(plan: Plan, endpoint: str, prefix: str) -> None:
    for site in (busy_site(plan), build_site(plan, [], NOW)):
        assert contract_errors(endpoint, api(site, endpoint, prefix)) == []


def test_the_schemas_refuse_what_a_statuspage_client_could_not_read(plan: Plan) -> None:
    summary = api(busy_site(plan), "summary.json")
    broken = json.loads(json.dumps(summary))
    broken["components"][0]["status"] = "incident"  # our own index.json's word, not Statuspage's
    broken["incidents"][0]["impact"] = "SEV1"
    del broken["page"]["time_zone"]

    assert len(contract_errors("summary.json", broken)) == 3


def test_the_api_says_what_the_pages_say(plan: Plan) -> None:
    site = busy_site(plan)
    summary = api(site, "summary.json")
    html = page(site)

    shown_levels = dict(re.findall(r'<li id="component-([\w-]+)">.*?<span class="status level-(\w+)">', html, re.S))
    assert {c["id"]: c["status"] for c in summary["components"]} == shown_levels
    assert shown_levels == {
        "api": "major_outage",
        "invoicing": "degraded_performance",
        "storage": "degraded_performance",
        "web": "operational",
    }
    assert summary["status"] == api(site, "status.json")["status"]
    assert summary["status"]["indicator"] == "critical"
    assert summary["incidents"] == api(site, "incidents/unresolved.json")["incidents"]
    assert [i["id"] for i in summary["incidents"]] == ["INC-1", "INC-2"]
    assert [i["status"] for i in summary["incidents"]] == ["identified", "monitoring"]  # an update keeps its phase
    assert [i["impact"] for i in summary["incidents"]] == ["critical", "minor"]
    listed = api(site, "incidents.json")["incidents"]
    assert [i["id"] for i in listed] == ["INC-2", "INC-1", "INC-old", "INC-older"]  # newest first, as Statuspage
    assert [i["status"] for i in listed[2:]] == ["postmortem", "resolved"]
    for item in listed:
        own = page(site, f"incidents/{item['id']}.html")
        assert f"<h1>{item['name']}</h1>" in own
        assert item["shortlink"] == f"https://estado.nubeteca.example/incidents/{item['id']}.html"
        bodies = [u["body"] for u in item["incident_updates"]]
        assert all(body.split("\n")[0] in own for body in bodies)
        times = [u["display_at"] for u in item["incident_updates"]]
        assert times == sorted(times, reverse=True)
    first_update = listed[1]["incident_updates"][-1]
    assert first_update["affected_components"] == [
        {"code": "api", "name": "API pública", "old_status": "operational", "new_status": "major_outage"},
        {"code": "invoicing", "name": "Facturación", "old_status": "operational", "new_status": "degraded_performance"},
    ]
    assert [u["status"] for u in listed[1]["incident_updates"]] == ["identified", "identified", "investigating"]
    assert api(site, "components.json", "en/")["components"][0]["name"] == "Public API"
    assert api(site, "status.json", "en/")["status"]["description"] == "Major System Outage"
