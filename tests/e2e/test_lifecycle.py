"""A SEV1 from alarm to postmortem on the local stack, over HTTP only, with the clock moved by hand: the alarm, its
OK, the settle check, the quiet period and the postmortem deadline, each phase's draft approved by a person.

It holds at whatever instant the stack starts: a promised update that falls due on the way (a customer office opening
soon, say) is drafted at its due time and approved at once, and the expectations are read from the stack's ledger."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from incident_comms.durations import parse_duration
from tests.conftest import REPO
from tests.contract.statuspage import contract_errors
from tests.e2e.conftest import RunningStack
from tests.e2e.test_approvals import approval_links, post_form, state
from tests.forms import FormReader

pytestmark = pytest.mark.e2e


def clock_now(stack: RunningStack) -> datetime:
    return datetime.fromisoformat(stack.request("POST", "/local/clock", {"advance": "PT0S"}).json()["now"])


def advance(stack: RunningStack, duration: str) -> list[dict[str, Any]]:
    answer = stack.request("POST", "/local/clock", {"advance": duration})
    assert answer.status == 200, answer.body
    fired: list[dict[str, Any]] = answer.json()["fired"]
    assert not [item for item in fired if "error" in item], fired
    return fired


def advance_keeping_promises(stack: RunningStack, incident_id: str, duration: str) -> None:
    """Advance the clock by ``duration`` as a team that keeps its promises lives it: the clock stops at each promised
    update falling due on the way, and the holding update the prompter drafts there is approved at once."""
    target = clock_now(stack) + parse_duration(duration)
    while True:
        now = clock_now(stack)
        dues = [
            due
            for promise in incident(stack, incident_id)["promises"]
            if promise["kept_at"] is None and now < (due := datetime.fromisoformat(promise["due_at"])) < target
        ]
        step = min(dues, default=target)
        advance(stack, f"PT{int((step - now).total_seconds())}S")
        if step == target:
            return
        if [
            m
            for m in incident(stack, incident_id)["messages"]
            if m["phase"] == "update" and m["status"] == "awaiting_approval"
        ]:
            approve_newest(stack, incident_id, "update")


def post_alarm(stack: RunningStack, sample: str, at: datetime) -> dict[str, Any]:
    """A sample CloudWatch event, stamped ``at`` on the stack's clock (the samples carry a fixed date)."""
    event = json.loads((REPO / "events" / sample).read_text())
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    event["id"] = f"{event['id'][:-12]}{int(at.timestamp()) % 10**12:012d}"
    event["time"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    event["detail"]["state"]["timestamp"] = stamp
    answer = stack.request("POST", "/local/events", event)
    assert answer.status == 200, answer.body
    (ran,) = answer.json()["ran"]
    (outcome,) = ran["result"]["outcomes"]
    return dict(outcome)


def incident(stack: RunningStack, incident_id: str) -> dict[str, Any]:
    (found,) = [item for item in state(stack) if item["id"] == incident_id]
    return dict(found)


def awaiting(stack: RunningStack, incident_id: str, phase: str) -> dict[str, Any]:
    (message,) = [
        message
        for message in incident(stack, incident_id)["messages"]
        if message["phase"] == phase and message["status"] == "awaiting_approval"
    ]
    return dict(message)


def approve_newest(stack: RunningStack, incident_id: str, phase: str) -> None:
    """Approve the phase's waiting draft from each approver's newest approval email (a postmortem needs more than
    one role), then wait until it is published."""
    message = awaiting(stack, incident_id, phase)
    (request,) = [
        entry
        for entry in incident(stack, incident_id)["timeline"]
        if entry["kind"] == "approval_requested"
        and entry["data"].get("message_id") == message["id"]
        and "to" in entry["data"]
    ]
    for recipient in request["data"]["to"]:
        path = approval_links(stack, recipient)["approve"]
        page = stack.request("GET", path)
        if page.status == 409:  # another person of the same role approved already
            continue
        assert page.status == 200, page.body
        fields = FormReader(page.body).fields
        if "reason" in fields:  # the draft has errors (a postmortem drafted without its facts): say why it goes out
            fields["reason"] = "The postmortem facts are added by hand before it goes out."
        assert post_form(stack, path, fields).status == 200

    def published() -> bool:
        return any(
            entry["kind"] == "published" and entry["data"]["message_id"] == message["id"]
            for entry in incident(stack, incident_id)["timeline"]
        )

    stack.wait_for(published, seconds=20)


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
