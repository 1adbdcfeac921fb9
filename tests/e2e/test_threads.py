"""Issue 19: every email of one incident reads as one conversation per recipient, from ``/local/outbox`` as a mail
client would see it: the same threading headers in every phase, the customers' thread apart from the team's, and a
subject that keeps organisation and impact title while the phase label moves on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.conftest import RunningStack
from tests.e2e.steps import advance_keeping_promises, approve_newest, clock_now, post_alarm
from tests.e2e.test_publishing import subscribe

pytestmark = pytest.mark.e2e

CUSTOMERS = {"ana@cliente.example": "es", "bob@client.example": "en"}
STEMS = {"es": "[Nubeteca] Errores en la API pública — ", "en": "[Nubeteca] Errors in the public API — "}


def emails_about(stack: RunningStack, incident_id: str) -> list[dict[str, Any]]:
    """Every email of the outbox about the incident, its header names in lower case."""
    found = []
    for item in stack.request("GET", "/local/outbox").json():
        if item.get("kind") == "email":
            headers = {name.lower(): value for name, value in item["headers"].items()}
            if headers.get("x-incident-id") == incident_id:
                found.append({**item, "headers": headers})
    return found


def test_each_recipient_reads_one_thread_per_incident_and_the_team_another(fresh_stack: RunningStack) -> None:
    subscribe(fresh_stack, ("ana@cliente.example", "api", "es", "customers_es"))
    subscribe(fresh_stack, ("bob@client.example", "api", "en", "customers_intl"))
    opened = post_alarm(fresh_stack, "cloudwatch-eventbridge-alarm.json", clock_now(fresh_stack) - timedelta(minutes=1))
    incident_id = opened["incident_id"]
    approve_newest(fresh_stack, incident_id, "investigating")
    post_alarm(fresh_stack, "cloudwatch-eventbridge-ok.json", clock_now(fresh_stack))
    advance_keeping_promises(fresh_stack, incident_id, "PT6M")
    approve_newest(fresh_stack, incident_id, "monitoring")

    def customers_told_twice() -> list[dict[str, Any]]:
        emails = [e for e in emails_about(fresh_stack, incident_id) if set(e["to"]) & set(CUSTOMERS)]
        return emails if all(sum(e["to"] == [a] for e in emails) >= 2 for a in CUSTOMERS) else []

    customer_emails = fresh_stack.wait_for(customers_told_twice)
    team_emails = [e for e in emails_about(fresh_stack, incident_id) if "list-unsubscribe" not in e["headers"]]

    customer_threads = {(e["headers"]["in-reply-to"], e["headers"]["references"]) for e in customer_emails}
    ((replied, customer_root),) = customer_threads
    assert replied == customer_root and customer_root.startswith(f"<{incident_id}.customers.")
    team_threads = {(e["headers"].get("in-reply-to"), e["headers"].get("references")) for e in team_emails}
    ((_, team_root),) = team_threads
    assert team_root.startswith(f"<{incident_id}.team.") and len(team_emails) > 2, "approvals and engagement"
    for address, locale in CUSTOMERS.items():
        subjects = [e["subject"] for e in customer_emails if e["to"] == [address]]
        assert all(subject.startswith(STEMS[locale]) for subject in subjects), subjects
        assert subjects[0].endswith({"es": "Investigando", "en": "Investigating"}[locale])
        assert subjects[-1].endswith({"es": "En observación", "en": "Monitoring"}[locale])
