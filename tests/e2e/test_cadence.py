"""Keeping the promise on the local stack, over HTTP only: the published SEV1 message promises the next update; at
the promised time a holding update awaits the communications lead's approval; nobody approves it, so at the approval
timeout its pre-approved holding text goes out (keeping the promise, late) and promises the next update; when that
one falls due the update still waits, so nothing new is drafted, and past the grace the incident commanders are
alerted and the miss is on the timeline; approving the update then keeps the promise (late) and arms the next
reminder. Every time is read from the stack (the promise ledger, the plan), none assumed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from incident_comms.lint.plan_texts import load_checked_plan
from tests.conftest import REPO
from tests.e2e.conftest import RunningStack
from tests.e2e.steps import APPROVAL_NEEDED, state
from tests.e2e.test_approvals import open_incident, published
from tests.e2e.test_publishing import approve

pytestmark = pytest.mark.e2e

COMMS_LEAD = {"marta.ibanez@nubeteca.example", "jorge.salas@nubeteca.example"}
COMMANDERS = {"lucia.navarro@nubeteca.example", "andres.pineda@nubeteca.example"}


def incident_now(stack: RunningStack, incident_id: str) -> dict[str, Any]:
    (found,) = [incident for incident in state(stack) if incident["id"] == incident_id]
    return dict(found)


def move_to(stack: RunningStack, when: datetime) -> list[dict[str, Any]]:
    """Move the stack's clock to ``when``; answers the one-time schedules that fired on the way, each of which
    must have worked."""
    answer = stack.request("POST", "/local/clock", {"set": when.isoformat()})
    assert answer.status == 200, answer.body
    fired = [item for item in answer.json()["fired"] if "schedule" in item]
    assert not [item for item in fired if "error" in item], fired
    return fired


def emails_to(stack: RunningStack, people: set[str], since: int) -> list[dict[str, Any]]:
    outbox = [item for item in stack.request("GET", "/local/outbox").json() if item.get("kind") == "email"]
    return [email for email in outbox[since:] if people & set(email["to"])]


def outbox_size(stack: RunningStack) -> int:
    return len([item for item in stack.request("GET", "/local/outbox").json() if item.get("kind") == "email"])


HOUSEKEEPING = {"DeliveryReportFunction", "PublicationSweeperFunction"}
"""What publishing arms after itself (the delivery report, the sweep that checks it finished), not the cadence."""


def prompts(fired: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item for item in fired if item["function"] not in HOUSEKEEPING]


def test_a_missed_promise_is_prompted_escalated_and_kept_late(fresh_stack: RunningStack) -> None:
    plan = load_checked_plan(REPO / "plan")
    grace = plan.roles.escalation.grace
    incident = open_incident(fresh_stack)
    timeout = plan.severity(incident["severity_id"]).approval_timeout
    assert timeout is not None
    approve(fresh_stack, incident)
    published(fresh_stack, incident["id"])
    after = fresh_stack.wait_for(lambda: _promised(fresh_stack, incident["id"], 1), seconds=20)
    (promise,) = after["promises"]
    due = datetime.fromisoformat(promise["due_at"])
    assert promise["kept_at"] is None and after["conformance"]["promises"]["made"] == 1

    before = outbox_size(fresh_stack)
    fired = move_to(fresh_stack, due)
    reminders = [item for item in fired if item["schedule"] == f"update-{incident['id']}"]
    assert [(item["result"]["result"], item["at"]) for item in reminders] == [("drafted", due.isoformat())], fired
    prompted = incident_now(fresh_stack, incident["id"])
    (update,) = [m for m in prompted["messages"] if m["status"] == "awaiting_approval"]
    assert update["phase"] == "update" and datetime.fromisoformat(update["created_at"]) == due
    asked = [email for email in emails_to(fresh_stack, COMMS_LEAD, before) if APPROVAL_NEEDED in email["subject"]]
    assert {address for email in asked for address in email["to"]} == COMMS_LEAD
    assert "update_due" in [entry["kind"] for entry in prompted["timeline"]]

    fired = move_to(fresh_stack, due + timeout)
    assert [(item["function"], item["result"]["result"]) for item in fired] == [
        ("ApprovalTimeoutFunction", "holding_published")
    ], fired
    held = fresh_stack.wait_for(lambda: _promised(fresh_stack, incident["id"], 2), seconds=20)
    (holding,) = [m for m in held["messages"] if m["holding"]]
    first, second = held["promises"]
    assert holding["replaces"] == update["id"] and second["message_id"] == holding["id"]
    assert (first["kept_by"], datetime.fromisoformat(first["kept_at"])) == (holding["id"], due + timeout)
    assert "promise_missed" not in [entry["kind"] for entry in held["timeline"]], "kept within the grace"
    again = datetime.fromisoformat(second["due_at"])

    before = outbox_size(fresh_stack)
    fired = move_to(fresh_stack, again)
    assert [(item["schedule"], item["result"]["result"]) for item in prompts(fired)] == [
        (f"update-{incident['id']}", "already_waiting")
    ], fired
    assert not [email for email in emails_to(fresh_stack, COMMS_LEAD, before) if APPROVAL_NEEDED in email["subject"]]
    assert prompts(move_to(fresh_stack, again + grace - timedelta(seconds=1))) == []

    fired = move_to(fresh_stack, again + grace)
    assert [item["schedule"] for item in prompts(fired)] == [f"overdue-{incident['id']}"], fired
    escalated = incident_now(fresh_stack, incident["id"])
    (missed,) = [entry for entry in escalated["timeline"] if entry["kind"] == "promise_missed"]
    assert missed["text"].startswith(f"Promised {again:%H:%M} UTC, no update by")
    alerts = emails_to(fresh_stack, COMMANDERS, before)
    assert {address for email in alerts for address in email["to"]} == COMMANDERS
    assert all("no ha salido" in email["subject"] for email in alerts)
    assert move_to(fresh_stack, again + grace) == []  # nothing fires twice

    approve(fresh_stack, escalated)
    kept = fresh_stack.wait_for(lambda: _kept(fresh_stack, incident["id"], update["id"]), seconds=20)
    _, second, third = kept["promises"]
    assert second["kept_by"] == update["id"] and second["missed_at"] is not None
    assert third["message_id"] == update["id"] and third["kept_at"] is None
    (kept_entry,) = [
        entry
        for entry in kept["timeline"]
        if entry["kind"] == "promise_kept" and entry["data"].get("message_id") == update["id"]
    ]
    assert kept_entry["data"]["late"] is True
    assert kept["conformance"]["promises"]["kept_late"] == 2
    next_due = datetime.fromisoformat(third["due_at"])
    fired = move_to(fresh_stack, next_due)
    assert (f"update-{incident['id']}", next_due.isoformat()) in [(item["schedule"], item["at"]) for item in fired], (
        "the next reminder was armed"
    )


def _kept(stack: RunningStack, incident_id: str, message_id: str) -> dict[str, Any] | None:
    """The incident once the publisher recorded that ``message_id`` kept a promise and made the next one (ledger and
    timeline are read one after the other by ``/local/incidents``, so wait until both show it)."""
    found = incident_now(stack, incident_id)
    kinds = {entry["kind"] for entry in found["timeline"] if entry["data"].get("message_id") == message_id}
    recorded = {"promise_kept", "promise_made"} <= kinds
    return found if recorded and found["promises"][-1]["message_id"] == message_id else None


def _promised(stack: RunningStack, incident_id: str, made: int) -> dict[str, Any] | None:
    """The incident once ``made`` promises are recorded in the ledger and on the timeline."""
    found = incident_now(stack, incident_id)
    recorded = [entry["kind"] for entry in found["timeline"]].count("promise_made")
    return found if recorded >= made and len(found["promises"]) >= made else None
