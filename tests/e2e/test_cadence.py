"""Keeping the promise on the local stack, over HTTP only: the published SEV1 message promises the next update;
at the promised time a holding update awaits the communications lead's approval; past the grace the incident
commander is alerted and the miss is on the timeline; approving the update keeps the promise (late) and arms the
next reminder."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import RunningStack
from tests.e2e.test_approvals import APPROVAL_NEEDED, open_incident, published, state
from tests.e2e.test_publishing import approve

pytestmark = pytest.mark.e2e

COMMS_LEAD = {"marta.ibanez@nubeteca.example", "jorge.salas@nubeteca.example"}
COMMANDERS = {"lucia.navarro@nubeteca.example", "andres.pineda@nubeteca.example"}


def incident_now(stack: RunningStack, incident_id: str) -> dict[str, Any]:
    (found,) = [incident for incident in state(stack) if incident["id"] == incident_id]
    return dict(found)


def move_to(stack: RunningStack, when: datetime) -> list[dict[str, Any]]:
    """Move the stack's clock to ``when``; answers the one-time schedules that fired on the way."""
    now = datetime.fromisoformat(stack.request("POST", "/local/clock", {"advance": "PT0S"}).json()["now"])
    seconds = int((when - now).total_seconds())
    assert seconds >= 0, (now, when)
    fired = stack.request("POST", "/local/clock", {"advance": f"PT{seconds}S"}).json()["fired"]
    return [item for item in fired if "schedule" in item]


def emails_to(stack: RunningStack, people: set[str], since: int) -> list[dict[str, Any]]:
    outbox = [item for item in stack.request("GET", "/local/outbox").json() if item.get("kind") == "email"]
    return [email for email in outbox[since:] if people & set(email["to"])]


def outbox_size(stack: RunningStack) -> int:
    return len([item for item in stack.request("GET", "/local/outbox").json() if item.get("kind") == "email"])


def test_a_missed_promise_is_prompted_escalated_and_kept_late(fresh_stack: RunningStack) -> None:
    incident = open_incident(fresh_stack)
    approve(fresh_stack, incident)
    published(fresh_stack, incident["id"])
    after = fresh_stack.wait_for(lambda: _promised(fresh_stack, incident["id"]), seconds=20)
    (promise,) = after["promises"]
    due = datetime.fromisoformat(promise["due_at"])
    assert promise["kept_at"] is None and after["conformance"]["promises"]["made"] == 1

    # Scheduler fires within the minute after the due time.
    before = outbox_size(fresh_stack)
    fired = move_to(fresh_stack, due + timedelta(minutes=1))
    assert f"update-{incident['id']}" in [item["schedule"] for item in fired], fired
    prompted = incident_now(fresh_stack, incident["id"])
    (update,) = [m for m in prompted["messages"] if m["status"] == "awaiting_approval"]
    assert update["phase"] == "update"
    asked = [email for email in emails_to(fresh_stack, COMMS_LEAD, before) if APPROVAL_NEEDED in email["subject"]]
    assert {address for email in asked for address in email["to"]} == COMMS_LEAD
    assert "update_due" in [entry["kind"] for entry in prompted["timeline"]]

    before = outbox_size(fresh_stack)
    fired = move_to(fresh_stack, due + timedelta(minutes=10))
    assert [item["schedule"] for item in fired] == [f"overdue-{incident['id']}"], fired
    escalated = incident_now(fresh_stack, incident["id"])
    (missed,) = [entry for entry in escalated["timeline"] if entry["kind"] == "promise_missed"]
    assert missed["text"].startswith(f"Promised {due:%H:%M} UTC, no update by")
    alerts = emails_to(fresh_stack, COMMANDERS, before)
    assert {address for email in alerts for address in email["to"]} == COMMANDERS
    assert all("no ha salido" in email["subject"] for email in alerts)
    assert move_to(fresh_stack, due + timedelta(minutes=10)) == []  # nothing fires twice

    approve(fresh_stack, escalated)
    kept = fresh_stack.wait_for(lambda: _kept(fresh_stack, incident["id"]), seconds=20)
    first, second = kept["promises"]
    assert first["kept_by"] == update["id"] and first["missed_at"] is not None
    assert second["message_id"] == update["id"] and second["kept_at"] is None
    (kept_entry,) = [entry for entry in kept["timeline"] if entry["kind"] == "promise_kept"]
    assert kept_entry["data"]["late"] is True
    assert kept["conformance"]["promises"]["kept_late"] == 1
    fired = move_to(fresh_stack, datetime.fromisoformat(second["due_at"]) + timedelta(minutes=1))
    assert f"update-{incident['id']}" in [item["schedule"] for item in fired], "the next reminder was armed"


def _kept(stack: RunningStack, incident_id: str) -> dict[str, Any] | None:
    """The incident once the publisher recorded the update's promise (ledger and timeline are read one after the
    other by ``/local/incidents``, so wait until both show it)."""
    found = incident_now(stack, incident_id)
    recorded = "promise_kept" in [entry["kind"] for entry in found["timeline"]]
    return found if recorded and len(found["promises"]) == 2 else None


def _promised(stack: RunningStack, incident_id: str) -> dict[str, Any] | None:
    """The incident once its first publication's promise is recorded (it follows the ``published`` entry)."""
    found = incident_now(stack, incident_id)
    recorded = "promise_made" in [entry["kind"] for entry in found["timeline"]]
    return found if recorded and found["promises"] else None
