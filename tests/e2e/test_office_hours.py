"""A SEV1 across three hours that crosses the customers' office closing, on the local stack, over HTTP only, with the
clock set by hand (issue 6, "Tests").

The stack starts on a Monday 16:00 in Madrid (the Spanish customers' office closes at 18:00), pinned whatever instant
the rest of the suite runs at; the sample SEV1 alarm opens an incident, and its first message is approved. From then
on each promise is followed to the second: nothing fires a second before it is due, at the due time the prompter
drafts a holding update and asks the communications lead; most are approved at once. One is left waiting: at its
approval timeout the pre-approved holding text goes out in its place (keeping the promise late, within the grace,
so nobody is alerted) and promises the next update; when that falls due the update still waits, so nothing new is
drafted, and once the plan's grace has passed the incident commanders are alerted, once, and the miss is on the
timeline; the update is approved after. Every due time is what :func:`incident_comms.cadence.due.next_update_due` says
for the plan, computed here from the plan, never hard-coded; one of them must be the pre-close update, promised
before 18:00 Madrid. The walk ends when the next promise would fall past the three hours: the incident is resolved
on the console, and no reminder of it is left in the scheduler.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest

from incident_comms.cadence.due import next_update_due, promise_audiences
from incident_comms.incidents.promises import DuePromise, DueReason
from incident_comms.lint.plan_texts import load_checked_plan
from incident_comms.plan.models import Plan
from tests.conftest import REPO
from tests.e2e.conftest import RunningStack, start_stack
from tests.e2e.steps import (
    APPROVAL_NEEDED,
    approval_links,
    awaiting,
    clock_now,
    console_path,
    incident,
    post_alarm,
    post_form,
)
from tests.e2e.test_cadence import COMMANDERS, COMMS_LEAD
from tests.forms import FormReader

MADRID = ZoneInfo("Europe/Madrid")
START = datetime(2026, 11, 30, 16, 0, tzinfo=MADRID)
"""A Monday, 16:00 in Madrid: two hours before the Spanish customers' office closes."""

pytestmark = [pytest.mark.e2e, pytest.mark.stack_clock(START.isoformat())]

OFFICE_CLOSES = time(18, 0)
"""The Spanish customers' office closing time (plan/channels.yaml, audience customers_es)."""
WALK = timedelta(hours=3)
SEVERITY = "SEV1"
ESCALATION_SUBJECT = "no ha salido"
APPROVAL_REASON = "Texto de espera revisado: dice lo que sabemos y cuándo volvemos a escribir."
"""Written into an approval form's empty reason box, if the page asks for one (drafts with lint errors)."""


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_checked_plan(REPO / "plan")


def expected_promise(plan: Plan, drafted_at: datetime, published_at: datetime) -> DuePromise:
    """What a message drafted at ``drafted_at`` and published at ``published_at`` promises: the time its text tells
    customers, or — when the approval took longer than that — the promise made anew from the publication."""
    severity, audiences = plan.severity(SEVERITY), promise_audiences(plan, SEVERITY)
    own = next_update_due(severity, audiences, drafted_at)
    assert own is not None, "SEV1 has an update cadence"
    if own.due_at > published_at:
        return own
    renewed = next_update_due(severity, audiences, published_at)
    assert renewed is not None
    return renewed


def move(stack: RunningStack, when: datetime) -> list[dict[str, Any]]:
    """Set the stack's clock to ``when``; answers every firing on the way, each of which must have worked."""
    answer = stack.request("POST", "/local/clock", {"set": when.isoformat()})
    assert answer.status == 200, answer.body
    assert datetime.fromisoformat(answer.json()["now"]) == when
    fired: list[dict[str, Any]] = answer.json()["fired"]
    assert not [item for item in fired if "error" in item], fired
    return fired


def set_clock(stack: RunningStack, when: datetime) -> list[dict[str, Any]]:
    """Set the stack's clock to ``when``; answers the reminder firings (``update-``/``overdue-`` schedules) on the
    way."""
    return [item for item in move(stack, when) if str(item.get("schedule", "")).startswith(("update-", "overdue-"))]


def emails(stack: RunningStack) -> list[dict[str, Any]]:
    return [item for item in stack.request("GET", "/local/outbox").json() if item.get("kind") == "email"]


def recipients(found: list[dict[str, Any]]) -> set[str]:
    return {address for email in found for address in email["to"]}


def approve(stack: RunningStack, incident_id: str, message_id: str) -> datetime:
    """Approve ``message_id`` from the communications lead's newest approval email (filling the reason box if the
    page asks for one); answers when it was published."""
    (request,) = [
        entry
        for entry in incident(stack, incident_id)["timeline"]
        if entry["kind"] == "approval_requested"
        and entry["data"].get("message_id") == message_id
        and "to" in entry["data"]
    ]
    path = approval_links(stack, request["data"]["to"][0])["approve"]
    page = stack.request("GET", path)
    assert page.status == 200, page.body
    fields = FormReader(page.body).fields
    fields.update({name: APPROVAL_REASON for name, value in fields.items() if "reason" in name and not value})
    answer = post_form(stack, path, fields)
    assert answer.status == 200, answer.body
    return published_when(stack, incident_id, message_id)


def published_when(stack: RunningStack, incident_id: str, message_id: str) -> datetime:
    """When ``message_id`` was published, once it is."""

    def published() -> datetime | None:
        for entry in incident(stack, incident_id)["timeline"]:
            if entry["kind"] == "published" and entry["data"]["message_id"] == message_id:
                return datetime.fromisoformat(entry["at"])
        return None

    found: datetime = stack.wait_for(published, seconds=20)
    return found


def promise_of(stack: RunningStack, incident_id: str, message_id: str) -> dict[str, Any]:
    """The ledger entry ``message_id``'s publication made (recorded by the publisher just after publishing)."""

    def made() -> dict[str, Any] | None:
        found = incident(stack, incident_id)
        recorded = [entry for entry in found["timeline"] if entry["kind"] == "promise_made"]
        if not any(entry["data"]["message_id"] == message_id for entry in recorded):
            return None
        return next((p for p in found["promises"] if p["message_id"] == message_id), None)

    promise: dict[str, Any] = stack.wait_for(made, seconds=20)
    return promise


def reminder_schedules(stack: RunningStack) -> dict[str, str]:
    """The update reminders in the scheduler (name -> its at() expression), read with boto3 from the embedded AWS."""
    aws = stack.request("GET", "/local/aws").json()
    scheduler = boto3.client(
        "scheduler",
        endpoint_url=aws["endpoint"],
        region_name=aws["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    group = aws["resources"]["IncidentScheduleGroup"]
    found = scheduler.list_schedules(GroupName=group)["Schedules"]
    return {
        item["Name"]: scheduler.get_schedule(GroupName=group, Name=item["Name"])["ScheduleExpression"]
        for item in found
        if item["Name"].startswith(("update-", "overdue-"))
    }


def test_the_clock_is_set_forward_only_and_refused_with_one_reason(stack: RunningStack) -> None:
    now = clock_now(stack)
    refused: list[dict[str, Any]] = [
        {"set": (now - timedelta(minutes=1)).isoformat()},
        {"set": "tomorrow at four"},
        {"set": "2026-11-23T16:00:00"},
        {"set": 1800000000},
        {"set": (now + timedelta(hours=1)).isoformat(), "advance": "PT1H"},
    ]
    for body in refused:
        answer = stack.request("POST", "/local/clock", body)
        assert answer.status == 400, (body, answer.body)
        assert list(answer.json()) == ["error"] and answer.json()["error"], answer.json()
    assert clock_now(stack) == now, "a refused move leaves the clock where it was"
    assert "only moves forward" in stack.request("POST", "/local/clock", refused[0]).json()["error"]

    later = now + timedelta(minutes=61)
    moved = stack.request("POST", "/local/clock", {"set": later.astimezone(MADRID).isoformat()})
    assert moved.status == 200, moved.body
    assert datetime.fromisoformat(moved.json()["now"]) == later == clock_now(stack)
    sweeps = [item for item in moved.json()["fired"] if item["function"] == "PublicationSweeperFunction"]
    assert sweeps, "a set fires the rate() schedules it crosses (the hourly sweep), as an advance does"


def test_the_stack_starts_at_the_clock_it_is_given() -> None:
    running = start_stack("--no-sample", clock=datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    try:
        assert clock_now(running) == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    finally:
        running.stop()


def test_a_sev1_across_the_office_closing_is_prompted_escalated_once_and_stopped_on_resolution(
    fresh_stack: RunningStack, plan: Plan
) -> None:
    stack = fresh_stack
    assert clock_now(stack) == START
    end = START + WALK
    grace = plan.roles.escalation.grace
    timeout = plan.severity(SEVERITY).approval_timeout
    assert timeout is not None and timeout <= grace, "the holding text goes out before anyone is alerted"
    opened = post_alarm(stack, "cloudwatch-eventbridge-alarm.json", START)
    assert opened["applied"] == "opened"
    incident_id = opened["incident_id"]
    first = awaiting(stack, incident_id, "investigating")
    published_at = approve(stack, incident_id, first["id"])
    promised_by, drafted_at = first["id"], datetime.fromisoformat(first["created_at"])
    prompted: list[DuePromise] = []
    waiting: dict[str, Any] | None = None
    left_waiting: str | None = None
    holding_id: str | None = None
    escalations_before = len([e for e in emails(stack) if ESCALATION_SUBJECT in e["subject"]])

    while True:
        promise = promise_of(stack, incident_id, promised_by)
        expected = expected_promise(plan, drafted_at, published_at)
        assert datetime.fromisoformat(promise["promised_at"]) == published_at
        assert (datetime.fromisoformat(promise["due_at"]), promise["reason"], promise["audience_id"]) == (
            expected.due_at,
            expected.reason.value,
            expected.audience_id,
        )
        due = expected.due_at
        assert reminder_schedules(stack)[f"update-{incident_id}"] == f"at({due:%Y-%m-%dT%H:%M:%S})"
        assert set_clock(stack, due - timedelta(seconds=1)) == [], "nothing fires before the promised time"
        before = len(emails(stack))
        fired = set_clock(stack, due)
        prompted.append(expected)

        if waiting is not None:
            # The update left waiting still waits: nothing new is drafted; past the grace the commanders are alerted.
            assert [(item["schedule"], item["result"]["result"]) for item in fired] == [
                (f"update-{incident_id}", "already_waiting")
            ]
            assert not [e for e in emails(stack)[before:] if APPROVAL_NEEDED in e["subject"]]
            assert set_clock(stack, due + grace - timedelta(seconds=1)) == []
            before = len(emails(stack))
            fired = set_clock(stack, due + grace)
            assert [(item["schedule"], item["result"]["result"]) for item in fired] == [
                (f"overdue-{incident_id}", "escalated")
            ]
            timeline = incident(stack, incident_id)["timeline"]
            (missed,) = [entry for entry in timeline if entry["kind"] == "promise_missed"]
            assert datetime.fromisoformat(missed["data"]["due_at"]) == due
            assert datetime.fromisoformat(missed["at"]) == due + grace
            alerts = [e for e in emails(stack)[before:] if ESCALATION_SUBJECT in e["subject"]]
            assert recipients(alerts) == COMMANDERS and len(alerts) == len(COMMANDERS)
            assert not (recipients(alerts) & COMMS_LEAD)
            published_at = approve(stack, incident_id, waiting["id"])
            assert published_at == due + grace
            promised_by, drafted_at = waiting["id"], datetime.fromisoformat(waiting["created_at"])
            waiting = None
            continue

        assert [
            (item["schedule"], datetime.fromisoformat(item["due"]), datetime.fromisoformat(item["at"]))
            for item in fired
        ] == [(f"update-{incident_id}", due, due)]
        assert fired[0]["result"]["result"] == "drafted", fired
        update = awaiting(stack, incident_id, "update")
        assert update["id"] == fired[0]["result"]["message_id"]
        assert datetime.fromisoformat(update["created_at"]) == due
        (asked,) = [
            entry
            for entry in incident(stack, incident_id)["timeline"]
            if entry["kind"] == "approval_requested"
            and entry["data"].get("message_id") == update["id"]
            and "to" in entry["data"]
        ]
        assert datetime.fromisoformat(asked["at"]) == due and set(asked["data"]["to"]) == COMMS_LEAD
        approval_emails = [e for e in emails(stack)[before:] if APPROVAL_NEEDED in e["subject"]]
        assert recipients(approval_emails) == COMMS_LEAD
        assert reminder_schedules(stack)[f"overdue-{incident_id}"] == f"at({due + grace:%Y-%m-%dT%H:%M:%S})"

        if left_waiting is None and len(prompted) == 2:
            # Nobody approves this one: at its approval timeout the holding text goes out in its place.
            left_waiting, waiting = update["id"], update
            assert [item for item in move(stack, due + timeout - timedelta(seconds=1)) if "schedule" in item] == []
            timed_out = [item for item in move(stack, due + timeout) if "schedule" in item]
            assert [(item["function"], item["result"]["result"]) for item in timed_out] == [
                ("ApprovalTimeoutFunction", "holding_published")
            ]
            (holding,) = [m for m in incident(stack, incident_id)["messages"] if m["holding"]]
            assert holding["replaces"] == update["id"]
            holding_id = holding["id"]
            published_at = published_when(stack, incident_id, holding_id)
            assert published_at == due + timeout
            assert f"overdue-{incident_id}" not in reminder_schedules(stack), "kept within the grace: nobody alerted"
            promised_by, drafted_at = holding_id, due
            continue

        now = clock_now(stack)
        if expected_promise(plan, due, now).due_at > end:
            break  # approving it would promise past the walk: resolve instead, with this draft's link unspent
        published_at = approve(stack, incident_id, update["id"])
        assert published_at == now
        promised_by, drafted_at = update["id"], due

    # The walk crossed the office closing: one promise was the pre-close update, made and kept before 18:00 Madrid.
    (pre_close,) = [due for due in prompted if due.reason == DueReason.BEFORE_CLOSE]
    closing = datetime.combine(START.date(), OFFICE_CLOSES, tzinfo=MADRID)
    assert pre_close.audience_id == "customers_es"
    assert closing - timedelta(hours=1) < pre_close.due_at < closing
    assert any(due.due_at > closing for due in prompted), "the walk went on past the closing"
    assert left_waiting is not None and len(prompted) >= 4, prompted
    final = incident(stack, incident_id)
    assert len([entry for entry in final["timeline"] if entry["kind"] == "promise_missed"]) == 1
    late = [p["kept_by"] for p in final["promises"] if p["missed_at"] is not None]
    assert late == [holding_id, left_waiting], "kept late: by the holding text, then by the update after the escalation"
    escalations = [e for e in emails(stack) if ESCALATION_SUBJECT in e["subject"]]
    assert len(escalations) - escalations_before == len(COMMANDERS), "escalated once"

    # Resolved on the console: the pending overdue check goes (the reminder that fired deleted itself), and nothing
    # fires for the incident any more.
    assert set(reminder_schedules(stack)) == {f"overdue-{incident_id}"}
    path = console_path(stack, sorted(COMMS_LEAD)[0])
    page = stack.request("GET", path)
    assert page.status == 200, page.body
    moved = post_form(stack, path, {"action": "resolve", "confirm": "yes"})
    assert moved.status == 200, moved.body
    assert (incident(stack, incident_id)["phase"], incident(stack, incident_id)["status"]) == ("resolved", "resolved")
    assert reminder_schedules(stack) == {}
    assert set_clock(stack, end + timedelta(hours=1)) == []
    after = incident(stack, incident_id)["timeline"]
    assert len([entry for entry in after if entry["kind"] == "promise_missed"]) == 1
    assert len([e for e in emails(stack) if ESCALATION_SUBJECT in e["subject"]]) == len(escalations)
