"""What people and monitoring do to a local stack, over HTTP only: fire a sample alarm at the stack's clock, move the
clock, open a responder's console, approve a phase's draft from each approver's own email, wait until it settles.

Shared by the end-to-end tests and the benches that drive a whole incident (``tests/bench/messages_per_incident``).
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from incident_comms.durations import parse_duration
from tests.conftest import REPO
from tests.e2e.conftest import Answer, RunningStack
from tests.forms import FormReader

APPROVAL_NEEDED = "aprobación necesaria"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def approval_links(stack: RunningStack, recipient: str, version_hint: str = "") -> dict[str, str]:
    """The approve, edit and reject paths of the newest approval email ``recipient`` got."""
    emails = [
        message
        for message in stack.request("GET", "/local/outbox").json()
        if message.get("kind") == "email" and recipient in message["to"] and APPROVAL_NEEDED in message["subject"]
    ]
    assert emails, f"no approval email for {recipient}"
    urls = re.findall(r"https?://\S+/approvals/[A-Za-z0-9_.%-]+", emails[-1]["text"])
    assert len(urls) == 3, urls
    return dict(zip(("approve", "edit", "reject"), (urlsplit(url).path for url in urls), strict=True))


def console_path(stack: RunningStack, recipient: str) -> str:
    """The path of the console link in the newest email ``recipient`` got that carries one (engagement or approval)."""
    links = [
        found
        for message in stack.request("GET", "/local/outbox").json()
        if message.get("kind") == "email" and recipient in message["to"]
        for found in re.findall(r"https?://\S+/console/[A-Za-z0-9_.%-]+", message["text"])
    ]
    assert links, f"no console link for {recipient}"
    return urlsplit(links[-1]).path


def state(stack: RunningStack) -> Any:
    return stack.request("GET", "/local/incidents").json()


def post_form(stack: RunningStack, path: str, fields: dict[str, str]) -> Answer:
    return stack.request("POST", path, urlencode(fields).encode(), **FORM)


def settled(stack: RunningStack, incident_id: str) -> dict[str, Any]:
    """The incident once nothing more happens to it on its own: after publishing, the promise ledger, the report
    schedule and the sample bounce's feedback still arrive for a moment, so wait until two reads 0.5 s apart agree."""
    last: list[Any] = [None]

    def unchanged() -> dict[str, Any] | None:
        (found,) = [incident for incident in state(stack) if incident["id"] == incident_id]
        same = found == last[0]
        last[0] = found
        time.sleep(0.5)
        return found if same else None

    found: dict[str, Any] = stack.wait_for(unchanged, seconds=20)
    return found


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
