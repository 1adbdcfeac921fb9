"""The local stack's runtime fault API (``/local/faults``), and what a reader of the outbox counts after a fault.

``POST /local/faults`` ``{"service", "operation", "fault": "lose_answer"|"fail"|"refuse", "times": n|"always"}``
arms a fault on the embedded AWS for every function of the stack; ``GET /local/faults`` answers the counters
``tried``, ``committed`` and ``injected`` per ``"service.operation"``; ``DELETE /local/faults`` clears them.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from tests.e2e.conftest import RunningStack
from tests.outside.desk import Person, header, incidents, outbox

LEAD = ("marta.ibanez@nubeteca.example", "Marta Ibáñez")
"""The communications lead of the plan (roles.yaml), who approves a SEV1's first message."""


def inject(stack: RunningStack, service: str, operation: str, fault: str, times: int | str = 1) -> None:
    body = {"service": service, "operation": operation, "fault": fault, "times": times}
    answer = stack.request("POST", "/local/faults", body, **{"Content-Type": "application/json"})
    assert answer.status in (200, 201, 204), (
        f"POST /local/faults {body} answered {answer.status} {answer.body[:200]!r}: the stack has no fault API"
    )


def counters(stack: RunningStack) -> dict[str, Any]:
    answer = stack.request("GET", "/local/faults")
    assert answer.status == 200, f"GET /local/faults answered {answer.status}"
    return dict(answer.json())


def injected(stack: RunningStack, key: str) -> int:
    """How many calls of ``service.Operation`` the armed faults hit (the premise of a check: the fault was met)."""
    return int(((counters(stack).get("counters") or {}).get(key) or {}).get("injected", 0))


def the_incident(stack: RunningStack) -> dict[str, Any]:
    found = incidents(stack)
    assert len(found) == 1, f"expected one incident, found {[i['id'] for i in found]}"
    return found[0]


def first_message(incident: dict[str, Any]) -> str:
    assert incident["messages"], f"{incident['id']} has no message at all: timeline {timeline_text(incident)}"
    return str(incident["messages"][0]["id"])


def timeline_text(incident: dict[str, Any]) -> list[str]:
    return [f"{e['kind']}: {e['text'][:140]}" for e in incident["timeline"]]


def approve(stack: RunningStack, message_id: str, before_pressing: Any = None) -> Any:
    """The lead opens their approval link (GET), ``before_pressing()`` runs, then they press approve."""
    lead = Person(stack, *LEAD)
    link = lead.approval_link(message_id)
    page = lead.open(link)
    assert page.status == 200, f"the approval page of {message_id}: {page.status}"
    form = page.form(has="decision", value="approve")
    values = {"decision": "approve"}
    if "reason" in form.names():
        values["reason"] = "Revisado con el equipo técnico: el texto es correcto."
    if before_pressing is not None:
        before_pressing()
    return lead.post(link, form, **values)


def published(stack: RunningStack, message_id: str) -> bool:
    return any(e["kind"] == "published" and message_id in e["text"] for i in incidents(stack) for e in i["timeline"])


def customer_mail(stack: RunningStack) -> Counter[tuple[str, str]]:
    """(recipient, message tag) of every message email (customers and the staff list: the ``X-Incident-Message``
    header), counted."""
    found: Counter[tuple[str, str]] = Counter()
    for item in outbox(stack):
        tag = header(item, "X-Incident-Message") if item.get("kind") == "email" else None
        if tag:
            for address in item.get("to") or []:
                found[(address, tag)] += 1
    return found


def every_email(stack: RunningStack) -> Counter[tuple[str, str, str]]:
    """(recipient, subject, text) of every email, counted: the same email twice to one person is a duplicate."""
    found: Counter[tuple[str, str, str]] = Counter()
    for item in outbox(stack):
        if item.get("kind") == "email":
            for address in item.get("to") or []:
                found[(address, str(item.get("subject")), str(item.get("text")))] += 1
    return found


def customer_publishes(stack: RunningStack) -> Counter[tuple[str, str]]:
    """(channel attribute, text) of every publish to the customer topic, counted."""
    found: Counter[tuple[str, str]] = Counter()
    for item in outbox(stack):
        if item.get("kind") == "sns" and "CustomerTopic" in str(item.get("topic")):
            attributes = item.get("attributes") or {}
            channel = str((attributes.get("channel") or {}).get("Value")) if isinstance(attributes, dict) else "?"
            found[(channel, str(item.get("message")))] += 1
    return found


def operator_publishes(stack: RunningStack) -> list[dict[str, Any]]:
    """Publishes to the operators' topic: a template resource named for operators, else any topic so named."""
    resources = stack.request("GET", "/local/aws").json()["resources"]
    topics = {str(v) for k, v in resources.items() if "operator" in k.lower()}
    return [
        item
        for item in outbox(stack)
        if item.get("kind") == "sns"
        and (str(item.get("topic")) in topics or "operator" in str(item.get("topic")).lower())
    ]


def quiet(stack: RunningStack, seconds: float = 2.0, limit: float = 30.0) -> None:
    """Wait until the outbox has not grown for ``seconds`` (the email sender works off a queue)."""
    deadline = time.monotonic() + limit
    last, since = len(outbox(stack)), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = len(outbox(stack))
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return
