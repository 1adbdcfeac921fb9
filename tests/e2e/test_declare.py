"""Declaring through the local stack with the command line (``incident-comms declare --local``), its clock pinned:
the incident opens with its first draft awaiting approval, a second declaration on the component is refused
(exit 1), and the sample alarm on the component then joins the declared incident."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.e2e.conftest import RunningStack
from tests.e2e.steps import state

pytestmark = pytest.mark.e2e


def declare(stack: RunningStack, severity: str = "SEV2") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "incident_comms",
            "declare",
            "--component",
            "api",
            "--severity",
            severity,
            "--impact-es",
            "Algunos clientes no pueden iniciar sesión.",
            "--impact-en",
            "Some customers cannot sign in.",
            "--local",
            stack.url,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_declared_incident_opens_refuses_a_second_and_a_later_alarm_joins_it(stack: RunningStack) -> None:
    done = declare(stack)

    assert done.returncode == 0, done.stderr
    incident_id = done.stdout.strip()
    (incident,) = state(stack)
    assert incident["id"] == incident_id and incident["severity_id"] == "SEV2"
    assert "declared by local (from incidents API)" in incident["timeline"][0]["text"]
    assert [message["status"] for message in incident["messages"]] == ["awaiting_approval"]

    again = declare(stack, "SEV1")

    assert again.returncode == 1 and again.stderr.startswith("error: ") and incident_id in again.stderr

    joined = stack.post_event("cloudwatch-eventbridge-alarm.json")

    assert joined.status == 200, joined.body
    (incident,) = state(stack)
    assert incident["id"] == incident_id and len(incident["alarms"]) == 1
