"""Scheduled maintenance on the local stack, as a team would run it: scheduled from the command line, approved from
the approver's email, announced to the subscribers of its component at the plan's lead times, started and completed
by its schedules while the clock moves; the pages and the Statuspage JSON agree at every step. A second window is
cancelled before anyone is told, and reaches no customer."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from importlib.resources import files
from typing import Any

import pytest

from tests.conftest import REPO
from tests.e2e.conftest import RunningStack, start_stack

pytestmark = [pytest.mark.e2e, pytest.mark.stack_clock("2026-11-25T10:00:00+00:00")]

START, END = "2026-11-30T02:00:00+01:00", "2026-11-30T04:00:00+01:00"
LINK = re.compile(r"http://\S+/maintenance/[A-Za-z0-9_.-]+")


@pytest.fixture
def maintained_stack() -> Iterator[RunningStack]:
    """The sample stack (its subscribers, and the sample alarm's incident on the API), on a Wednesday morning: one per
    test, so neither depends on where the other left the clock."""
    from datetime import datetime

    running = start_stack(clock=datetime.fromisoformat("2026-11-25T10:00:00+00:00"))
    yield running
    running.stop()


def maintenance(stack: RunningStack, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "incident_comms", "maintenance", *arguments, "--local", stack.url],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


def schedule(stack: RunningStack, component: str, start: str = START, end: str = END) -> str:
    done = maintenance(
        stack,
        "schedule",
        "--components",
        component,
        "--start",
        start,
        "--end",
        end,
        "--title-es",
        "Actualización de la base de datos de facturación",
        "--title-en",
        "Invoicing database upgrade",
        "--details-es",
        "Las facturas pueden tardar unos minutos más en generarse.",
        "--details-en",
        "Invoices may take a few more minutes to be generated.",
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def outbox(stack: RunningStack) -> list[dict[str, Any]]:
    return [item for item in stack.request("GET", "/local/outbox").json() if item.get("kind", "email") == "email"]


def subscribers_of(component: str) -> Counter[str]:
    """The sample subscribers of ``component`` in an audience that hears of maintenance (not the staff's)."""
    from incident_comms.lint.plan_texts import load_checked_plan

    plan = load_checked_plan(REPO / "plan")
    told = {
        audience.id for audience in plan.channels.audiences if audience.maintenance_notice and not audience.internal
    }
    text = files("incident_comms.local").joinpath("sample-subscribers.csv").read_text("utf-8")
    return Counter(
        row["email"]
        for row in csv.DictReader(io.StringIO(text))
        if component in row["components"].split(";") and row["audience"] in told
    )


def api(stack: RunningStack, path: str, prefix: str = "/status/") -> Any:
    answer = stack.request("GET", f"{prefix}api/v2/{path}")
    assert answer.status == 200, path
    return answer.json()


def component_status(stack: RunningStack, component: str, prefix: str = "/status/") -> str:
    (found,) = [c for c in api(stack, "components.json", prefix)["components"] if c["id"] == component]
    return str(found["status"])


def outside_client_reads(stack: RunningStack) -> None:
    """A Statuspage client written by someone else (``STATUSPAGE_CLIENT``, as in ``test_status_site``) reads the page
    with a maintenance under way, in both locales; skipped in silence when none is given."""
    import os
    import shlex

    command = os.environ.get("STATUSPAGE_CLIENT")
    for base in (f"{stack.url}/status", f"{stack.url}/status/en") if command else ():
        result = subprocess.run([*shlex.split(str(command)), base], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr[-3000:]


def test_a_window_is_approved_once_announced_started_and_completed_and_pages_and_json_agree(
    maintained_stack: RunningStack,
) -> None:
    stack = maintained_stack
    before = len(outbox(stack))
    maintenance_id = schedule(stack, "invoicing")

    requests = outbox(stack)[before:]
    assert requests and all(email["subject"].startswith("Aprobar mantenimiento") for email in requests)
    assert {address for email in requests for address in email["to"]} == {
        "marta.ibanez@nubeteca.example",
        "jorge.salas@nubeteca.example",
    }
    link = LINK.search(requests[0]["text"]).group(0)  # type: ignore[union-attr]
    path = link.split(stack.url, 1)[1]

    assert stack.request("GET", path).status == 200
    assert stack.request("HEAD", path).status == 200
    assert "awaiting_approval" in maintenance(stack, "list").stdout
    unapproved = stack.request("GET", "/status/api/v2/scheduled-maintenances.json")
    assert unapproved.status == 404 or unapproved.json()["scheduled_maintenances"] == []

    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert stack.request("POST", path, b"", **form).status == 400
    assert "awaiting_approval" in maintenance(stack, "list").stdout
    assert stack.request("POST", path, b"confirm=yes", **form).status == 200
    assert stack.request("POST", path, b"confirm=yes", **form).status == 409

    (upcoming,) = api(stack, "scheduled-maintenances/upcoming.json")["scheduled_maintenances"]
    assert (upcoming["id"], upcoming["status"]) == (maintenance_id, "scheduled")
    assert component_status(stack, "invoicing") == "operational"
    index = stack.request("GET", "/status/index.html").body.decode()
    assert maintenance_id in index and "Actualización de la base de datos de facturación" in index
    english = stack.request("GET", "/status/en/index.html").body.decode()
    assert "Invoicing database upgrade" in english

    announced_from = len(outbox(stack))
    moved = stack.request("POST", "/local/clock", {"set": "2026-11-30T02:30:00+01:00"})
    assert moved.status == 200, moved.body
    customer = [
        email
        for email in outbox(stack)[announced_from:]
        if "mantenimiento" in email["subject"].lower() or "maintenance" in email["subject"].lower()
    ]
    announcements = [e for e in customer if "programado" in e["subject"] or "Scheduled" in e["subject"]]
    started = [e for e in customer if "en curso" in e["subject"] or "in progress" in e["subject"]]
    expected = subscribers_of("invoicing")
    assert Counter(address for email in started for address in email["to"]) == expected
    assert Counter(address for email in announcements for address in email["to"]) == Counter(dict.fromkeys(expected, 2))
    english_email = next(e for e in announcements if "jane.doe@client-intl.example" in e["to"])
    assert english_email["subject"].startswith("[Nubeteca] Scheduled maintenance: Invoicing database upgrade")
    assert "(00:00 UTC)" not in english_email["text"] and "01:00 UTC" in english_email["text"]

    for prefix in ("/status/", "/status/en/"):
        assert component_status(stack, "invoicing", prefix) == "under_maintenance"
        (active,) = api(stack, "scheduled-maintenances/active.json", prefix)["scheduled_maintenances"]
        assert (active["id"], active["status"]) == (maintenance_id, "in_progress")
        summary = api(stack, "summary.json", prefix)
        assert [m["id"] for m in summary["scheduled_maintenances"]] == [maintenance_id]
        assert summary["page"]["updated_at"] == "2026-11-30T01:00:00Z", "the page changed when the work started"
        assert {c["id"]: c["status"] for c in summary["components"]}["invoicing"] == "under_maintenance"
    assert "En mantenimiento: Facturación" in stack.request("GET", "/status/index.html").body.decode()
    outside_client_reads(stack)

    completed_from = len(outbox(stack))
    assert stack.request("POST", "/local/clock", {"set": "2026-11-30T04:30:00+01:00"}).status == 200
    completed = [
        e for e in outbox(stack)[completed_from:] if "completado" in e["subject"] or "completed" in e["subject"]
    ]
    assert Counter(address for email in completed for address in email["to"]) == expected
    assert component_status(stack, "invoicing") == "operational"
    (done,) = api(stack, "scheduled-maintenances.json")["scheduled_maintenances"]
    assert (done["id"], done["status"]) == (maintenance_id, "completed")
    assert api(stack, "scheduled-maintenances/active.json")["scheduled_maintenances"] == []
    assert "completed" in maintenance(stack, "list").stdout


def test_a_window_cancelled_before_anyone_is_told_reaches_no_customer(maintained_stack: RunningStack) -> None:
    stack = maintained_stack
    before = len(outbox(stack))
    maintenance_id = schedule(stack, "storage", "2026-12-20T02:00:00+01:00", "2026-12-20T03:00:00+01:00")
    link = LINK.search(outbox(stack)[before]["text"]).group(0)  # type: ignore[union-attr]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert stack.request("POST", link.split(stack.url, 1)[1], b"confirm=yes", **form).status == 200
    assert maintenance_id in stack.request("GET", "/status/index.html").body.decode()

    cancelled = maintenance(stack, "cancel", maintenance_id)
    again = maintenance(stack, "cancel", maintenance_id)

    assert cancelled.returncode == 0 and maintenance_id in cancelled.stdout
    assert again.returncode == 1 and again.stderr.startswith("error: ")
    assert maintenance_id not in stack.request("GET", "/status/index.html").body.decode()
    listed = api(stack, "scheduled-maintenances.json")["scheduled_maintenances"]
    assert maintenance_id not in [m["id"] for m in listed]
    assert stack.request("POST", "/local/clock", {"set": "2026-12-20T04:00:00+01:00"}).status == 200
    about_maintenance = [e for e in outbox(stack)[before:] if re.search("antenimiento|aintenance", e["subject"])]
    assert about_maintenance and all(e["subject"].startswith("Aprobar mantenimiento") for e in about_maintenance), (
        "only the approvers heard of it (the sample incident's own emails, as the clock moves, are not counted)"
    )
