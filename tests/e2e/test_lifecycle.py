"""A SEV1 from alarm to postmortem on the local stack, over HTTP only, with the clock moved by hand: the alarm, its
OK, the settle check, the quiet period and the postmortem deadline, each phase's draft approved by a person.

It holds at whatever instant the stack starts: a promised update that falls due on the way (a customer office opening
soon, say) is drafted at its due time and approved at once, and the expectations are read from the stack's ledger."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.contract.statuspage import contract_errors
from tests.e2e.conftest import RunningStack
from tests.e2e.steps import advance_keeping_promises, approve_newest, clock_now, incident, post_alarm

pytestmark = pytest.mark.e2e


def test_a_sev1_walks_from_alarm_to_postmortem_with_the_clock_moved_by_hand(fresh_stack: RunningStack) -> None:
    start = clock_now(fresh_stack)
    opened = post_alarm(fresh_stack, "cloudwatch-eventbridge-alarm.json", start - timedelta(minutes=1))
    assert opened["applied"] == "opened"
    incident_id = opened["incident_id"]
    approve_newest(fresh_stack, incident_id, "investigating")

    ok = post_alarm(fresh_stack, "cloudwatch-eventbridge-ok.json", clock_now(fresh_stack))
    assert (ok["applied"], ok["lifecycle"]) == ("recorded", "applied")
    assert incident(fresh_stack, incident_id)["phase"] == "investigating"

    advance_keeping_promises(fresh_stack, incident_id, "PT6M")
    assert incident(fresh_stack, incident_id)["phase"] == "monitoring"
    approve_newest(fresh_stack, incident_id, "monitoring")

    advance_keeping_promises(fresh_stack, incident_id, "PT31M")
    resolved = incident(fresh_stack, incident_id)
    assert (resolved["phase"], resolved["status"]) == ("resolved", "resolved")
    approve_newest(fresh_stack, incident_id, "resolved")

    advance_keeping_promises(fresh_stack, incident_id, "P5D")
    approve_newest(fresh_stack, incident_id, "postmortem")

    closed = incident(fresh_stack, incident_id)
    assert closed["phase"] == "postmortem"
    timeline = closed["timeline"]
    changes = [(entry["data"]["from"], entry["data"]["to"]) for entry in timeline if entry["kind"] == "phase_changed"]
    assert changes == [("investigating", "monitoring"), ("monitoring", "resolved"), ("resolved", "postmortem")]
    drafts = [
        entry["data"]["phase"] for entry in timeline if entry["kind"] == "draft_created" and "phase" in entry["data"]
    ]
    assert [phase for phase in drafts if phase != "update"] == ["monitoring", "resolved", "postmortem"]
    kept_by_updates = [p for p in closed["promises"] if str(p["kept_by"]).startswith("update-")]
    assert drafts.count("update") == len(kept_by_updates), "an update is drafted only for a promise falling due"
    assert all(p["kept_at"] == p["due_at"] for p in kept_by_updates), "and approved at its due time"
    published = [entry["data"]["message_id"].split("-")[0] for entry in timeline if entry["kind"] == "published"]
    assert [phase for phase in published if phase != "update"] == [
        "investigating",
        "monitoring",
        "resolved",
        "postmortem",
    ]
    assert [entry["at"] for entry in timeline] == sorted(entry["at"] for entry in timeline)
    timers = [entry["data"]["timer"] for entry in timeline if entry["kind"] == "lifecycle_timer"]
    assert timers == ["settle_check", "quiet_check", "postmortem_reminder"]
    assert not [entry for entry in timeline if entry["kind"] == "notification_failed"], timeline
    resolved_draft = next(message for message in closed["messages"] if message["phase"] == "resolved")
    english = next(draft for draft in resolved_draft["drafts"] if draft["channel_id"] == "email-customers-en")
    assert "Impact ended:" in english["text"] and "We will publish an incident report" in english["text"]
    assert_the_pages_and_the_json_agree_it_is_over(fresh_stack, incident_id)


def assert_the_pages_and_the_json_agree_it_is_over(stack: RunningStack, incident_id: str) -> None:
    """Issue 18: once the postmortem is published, the index, the incident's own page, ``index.json`` and
    Statuspage's API all say the same: over, every component operational, the postmortem on the incident's page."""
    api = {
        endpoint: json.loads(stack.request("GET", f"/status/api/v2/{endpoint}").body)
        for endpoint in ("summary.json", "incidents.json", "incidents/unresolved.json")
    }
    for endpoint, document in api.items():
        assert contract_errors(endpoint, document) == []
    listed = next(item for item in api["incidents.json"]["incidents"] if item["id"] == incident_id)
    assert (listed["status"], listed["impact"]) == ("postmortem", "critical")
    assert listed["resolved_at"] is not None
    assert api["incidents/unresolved.json"]["incidents"] == api["summary.json"]["incidents"] == []
    assert {c["status"] for c in api["summary.json"]["components"]} == {"operational"}
    assert api["summary.json"]["status"]["indicator"] == "none"
    ours = json.loads(stack.request("GET", "/status/index.json").body)
    (shown,) = [item for item in ours["incidents"] if item["id"] == incident_id]
    assert (shown["status"], shown["url"]) == ("resolved", listed["shortlink"])
    assert {c["level"] for c in ours["components"]} == {"operational"}
    index = stack.request("GET", "/status/").body.decode()
    assert "Todos los servicios funcionan con normalidad." in index and '<meta http-equiv="refresh"' not in index
    page = stack.request("GET", f"/status/incidents/{incident_id}.html").body.decode()
    assert f"<h1>{listed['name']}</h1>" in page
    assert page.index('id="postmortem"') < page.index('id="updates"')
    assert '<meta http-equiv="refresh"' not in page
