"""Bounces through the local stack: the sample subscribers include SES's bounce simulator address, so approving the
sample alarm's draft bounces one email, and the bounce comes back through the configuration set's SNS topic to
the feedback function, which records it and suppresses the address, as in AWS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from incident_comms.adapters.email_ledgers import DynamoBounceLedger
from tests.conftest import REPO
from tests.e2e.conftest import RunningStack, start_stack
from tests.e2e.steps import state
from tests.e2e.test_approvals import published
from tests.e2e.test_publishing import approve

pytestmark = pytest.mark.e2e

BOUNCES = "bounce@simulator.amazonses.com"


@pytest.fixture
def stack_with_sample() -> Iterator[RunningStack]:
    running = start_stack()
    yield running
    running.stop()


def subscribers(stack: RunningStack) -> dict[str, dict[str, Any]]:
    """``incident-comms subscribers list`` against the stack's embedded AWS, by address."""
    done = stack.cli("subscribers", "list")
    return {line["email"]: line for line in map(json.loads, done.stdout.splitlines())}


def bounce_ledger(stack: RunningStack) -> DynamoBounceLedger:
    aws = stack.request("GET", "/local/aws").json()
    client = boto3.client(
        "dynamodb",
        endpoint_url=aws["endpoint"],
        region_name=aws["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return DynamoBounceLedger(client, aws["resources"]["IncidentsTable"])


def test_approving_the_sample_draft_bounces_the_simulator_address_which_is_recorded_and_suppressed(
    stack_with_sample: RunningStack,
) -> None:
    stack = stack_with_sample
    before = subscribers(stack)
    assert before[BOUNCES]["unsubscribed"] is False and "suppressed" not in before[BOUNCES]
    (incident,) = state(stack)

    approve(stack, incident)
    published(stack, incident["id"])

    def suppressed() -> dict[str, Any] | None:
        found = subscribers(stack)[BOUNCES]
        return found if found.get("suppressed") else None

    listed = stack.wait_for(suppressed, seconds=20)
    assert listed["unsubscribed"] is True and listed["suppressed"].startswith("bounce (Permanent/General)")
    (record,) = stack.wait_for(lambda: bounce_ledger(stack).bounces(incident["id"]))
    (message,) = state(stack)[0]["messages"]
    assert (record.address, record.kind.value, record.message_id, record.version, record.channel_id) == (
        BOUNCES,
        "bounce",
        message["id"],
        message["version"],
        "email-customers-es",
    )
    others = {address: line for address, line in subscribers(stack).items() if address != BOUNCES}
    assert others and not any(line.get("suppressed") for line in others.values())  # nobody else
    (after,) = state(stack)
    notes = [entry["text"] for entry in after["timeline"] if "email_feedback" in entry["data"]]
    assert notes == ["email-customers-es: recipients bounced; see the delivery report"]

    sample = stack.request("POST", "/local/events", (REPO / "events/ses/bounce-permanent.json").read_bytes())
    assert sample.status == 200, sample.body
    (ran,) = sample.json()["ran"]
    assert ran["function"] == "EmailFeedbackFunction" and ran["via"].startswith("SNS topic")
    assert [outcome["result"] for outcome in ran["result"]["outcomes"]] == ["unattributed"]  # not this incident
