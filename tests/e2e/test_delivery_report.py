"""The delivery report through the local stack, over HTTP only: approve the sample draft, let 15 minutes pass, and
the communications lead has one email saying how many of the sample subscribers got the update (all of them but
the SES mailbox simulator's bounce address, whose bounce the stack simulates)."""

from __future__ import annotations

import csv
import io
from importlib.resources import files
from typing import Any

import pytest

from incident_comms.delivery.report.emails import REPORT_ROLE
from incident_comms.lint.plan_texts import load_checked_plan
from incident_comms.team.emails import approver_addresses
from tests.conftest import REPO
from tests.e2e.conftest import RunningStack
from tests.e2e.steps import state
from tests.e2e.test_approvals import published

pytestmark = pytest.mark.e2e


def sample_subscribers(component_id: str) -> list[str]:
    """The addresses of the stack's sample subscribers who follow ``component_id``."""
    text = files("incident_comms.local").joinpath("sample-subscribers.csv").read_text("utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return [row["email"] for row in rows if component_id in row["components"].split(";")]


def bounces_by_design(address: str) -> bool:
    """The SES mailbox simulator's bounce address (``bounce@`` or ``bounce+label@``), which the stack simulates."""
    local, _, domain = address.lower().partition("@")
    return domain == "simulator.amazonses.com" and local.split("+")[0] == "bounce"


def expected_summary(subscribers: list[str], locale: str) -> str:
    """What the report must say of the sample subscribers: all delivered but the simulator's bounces."""
    count = len(subscribers)
    bounced = sum(1 for address in subscribers if bounces_by_design(address))
    if locale == "es":
        line = f"{count - bounced} de {count} entregados"
        return line + (f", {bounced} rebotado{'s' if bounced > 1 else ''}" if bounced else "")
    return f"{count - bounced} of {count} delivered" + (f", {bounced} bounced" if bounced else "")


def emails(stack: RunningStack) -> list[dict[str, Any]]:
    return [item for item in stack.request("GET", "/local/outbox").json() if item["kind"] == "email"]


def test_fifteen_minutes_after_publishing_the_comms_lead_gets_one_delivery_report(
    approved_sample_stack: RunningStack,
) -> None:
    stack = approved_sample_stack
    plan = load_checked_plan(REPO / "plan")
    comms_lead = sorted(approver_addresses(plan, [REPORT_ROLE]))
    (incident,) = state(stack)
    subscribers = sample_subscribers(incident["component_id"])
    assert len(subscribers) > 1
    delivered = expected_summary(subscribers, plan.main_locale)

    published(stack, incident["id"])
    stack.wait_for(
        lambda: {a for e in emails(stack) for a in e["to"]} >= set(subscribers), seconds=20
    )  # every batch sent: nothing left "still sending" when the report fires

    def reports() -> list[dict[str, Any]]:
        return [e for e in emails(stack) if sorted(e["to"]) == comms_lead and delivered in e["subject"]]

    def summary_now() -> str:
        (now,) = [found for found in state(stack) if found["id"] == incident["id"]]
        (report_now,) = now["delivery_reports"]
        return str(report_now["summary"])

    stack.wait_for(lambda: summary_now() == delivered, seconds=20)  # the simulated bounces are back
    assert reports() == []

    moved = stack.request("POST", "/local/clock", {"advance": "PT15M"})

    assert moved.status == 200
    fired = [item for item in moved.json()["fired"] if item.get("function") == "DeliveryReportFunction"]
    assert [item["result"]["result"] for item in fired] == ["sent"], moved.json()
    (report,) = reports()
    assert report["subject"].endswith(delivered), report["subject"]
    for address in subscribers:
        assert address not in report["to"]

    again = stack.request("POST", "/local/clock", {"advance": "PT15M"})

    assert again.status == 200
    assert not [item for item in again.json()["fired"] if item.get("function") == "DeliveryReportFunction"]
    assert len(reports()) == 1
    (after,) = [found for found in state(stack) if found["id"] == incident["id"]]
    kinds = [entry["kind"] for entry in after["timeline"]]
    assert kinds.count("delivery_report") == 1
