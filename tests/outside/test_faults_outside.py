"""Issue 14, "nothing lost, nothing twice", replayed from the outside with the local stack's fault API.

Each check arms one fault on the embedded AWS (``POST /local/faults``), drives the stack the way people and
monitoring do (an alarm on EventBridge, the lead's approval link from their email, the clock), and reads what came
out: the outbox (emails, SNS publishes), the incident's timeline, the status of its messages. A fault is global to
a stack, so each check runs on a stack of its own: the sample stack (its subscribers and its draft awaiting
approval) for the publishing paths, an empty one where the check posts the alarm that opens the incident.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import RunningStack, chosen_clock, start_stack
from tests.outside.desk import Person, incidents
from tests.outside.fault_desk import (
    LEAD,
    approve,
    customer_mail,
    customer_publishes,
    every_email,
    first_message,
    inject,
    injected,
    operator_publishes,
    published,
    quiet,
    the_incident,
    timeline_text,
)
from tests.outside.monitoring import clock, eventbridge_change, post_event

pytestmark = [pytest.mark.e2e, pytest.mark.stack_clock("2026-11-25T10:00:00+00:00")]

NOW = datetime.fromisoformat("2026-11-25T10:00:00+00:00")
PAST_APPROVAL_TIMEOUT = "PT11M"  # SEV1 approval_timeout is 10m


@pytest.fixture
def empty(request: pytest.FixtureRequest) -> Iterator[RunningStack]:
    running = start_stack("--no-sample", clock=chosen_clock(request))
    yield running
    running.stop()


@pytest.fixture
def sample(request: pytest.FixtureRequest) -> Iterator[RunningStack]:
    """The sample stack: its subscribers, and the sample alarm's SEV1 incident with its draft awaiting approval."""
    running = start_stack(clock=chosen_clock(request))
    yield running
    running.stop()


def expected_reach(stack: RunningStack) -> dict[str, Any]:
    """Who the sample's SEV1 publication must reach: every subscriber of the api component (the command line's
    ``subscribers list``, as the team reads it), and the plan's SEV1 SNS channel (channels.yaml: sms-customers)."""
    listed = [json.loads(line) for line in stack.cli("subscribers", "list").stdout.splitlines() if line.strip()]
    recipients = [s["email"] for s in listed if "api" in s["components"] and not s.get("unsubscribed")]
    return {"recipients": sorted(recipients), "publishes": ["sms-customers"]}


def open_sev1(stack: RunningStack) -> Any:
    return post_event(stack, eventbridge_change("prod-api-5xx", "ALARM", "OK", NOW - timedelta(minutes=2)))


def holding_published(stack: RunningStack) -> list[dict[str, Any]]:
    return [p for i in incidents(stack) for p in i["publications"] if p.get("reason") == "approval_timeout"]


def duplicates(stack: RunningStack) -> list[str]:
    mail = [f"{n}× email to {a}: {s[:60]!r}" for (a, s, _), n in every_email(stack).items() if n > 1]
    sns = [f"{n}× publish on {c}: {t[:60]!r}" for (c, t), n in customer_publishes(stack).items() if n > 1]
    return mail + sns


def reach(stack: RunningStack, baseline: dict[str, Any]) -> list[str]:
    """Who ``baseline`` says must be reached and this run did not reach."""
    got = {address for address, _ in customer_mail(stack)}
    missing = [f"no email to {a}" for a in baseline["recipients"] if a not in got]
    channels = {channel for channel, _ in customer_publishes(stack)}
    return missing + [f"no publish on {c}" for c in baseline["publishes"] if c not in channels]


# ---------------------------------------------------------------------------------------------------------------
# The write that opens the incident
# ---------------------------------------------------------------------------------------------------------------


def test_lost_answer_on_the_write_that_opens_the_incident(empty: RunningStack) -> None:
    inject(empty, "dynamodb", "TransactWriteItems", "lose_answer", 1)
    answer = open_sev1(empty)
    assert injected(empty, "dynamodb.TransactWriteItems") >= 1, "the fault was never met"

    problems = [] if answer.status == 200 else [f"the alarm: {answer.status} {answer.body[:200]!r}"]
    found = incidents(empty)
    if len(found) != 1:
        pytest.fail(f"incidents after the alarm: {[i['id'] for i in found]}; the stack said {answer.body[:400]!r}")
    incident = found[0]
    lead = Person(empty, *LEAD)
    if not incident["messages"]:
        problems.append(f"no draft: timeline {timeline_text(incident)}")
    else:
        message = incident["messages"][0]["id"]
        try:
            lead.approval_link(message)
        except AssertionError:
            problems.append(f"no approval email for {message} to {lead}: timeline {timeline_text(incident)}")
        clock(empty, advance=PAST_APPROVAL_TIMEOUT)
        if not holding_published(empty):
            problems.append(f"the approval timeout never fired: timeline {timeline_text(the_incident(empty))}")
    assert problems == [], "\n".join(problems)


# ---------------------------------------------------------------------------------------------------------------
# Sends whose answer was lost
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "operation"), [("sns", "Publish"), ("sesv2", "SendBulkEmail"), ("sesv2", "SendEmail")]
)
def test_a_send_whose_answer_was_lost_reaches_each_customer_once(
    sample: RunningStack, service: str, operation: str
) -> None:
    baseline = expected_reach(sample)
    message = first_message(the_incident(sample))
    approve(sample, message, before_pressing=lambda: inject(sample, service, operation, "lose_answer", 1))
    sample.wait_for(lambda: published(sample, message), seconds=30)
    quiet(sample)
    clock(sample, advance="PT6M")  # the sweep the publisher armed runs 5 to 6 minutes after it started
    quiet(sample)

    problems = duplicates(sample) + reach(sample, baseline)
    if injected(sample, f"{service}.{operation}") < 1:
        problems.insert(0, f"not exercised: no {service}.{operation} after approving met the fault")
    assert problems == [], "\n".join(problems)


# ---------------------------------------------------------------------------------------------------------------
# The approval save whose answer was lost
# ---------------------------------------------------------------------------------------------------------------


def test_an_approval_whose_save_answer_was_lost_shows_success_and_publishes(sample: RunningStack) -> None:
    message = first_message(the_incident(sample))
    done = approve(
        sample, message, before_pressing=lambda: inject(sample, "dynamodb", "TransactWriteItems", "lose_answer", 1)
    )
    problems = [] if injected(sample, "dynamodb.TransactWriteItems") else ["not exercised: no save met the fault"]
    used = re.search(r"(ya se ha usado|ya usado|already used|ya se utiliz)", done.html, re.IGNORECASE)
    if done.status not in (200, 303) or used:
        problems.append(f"the approver saw {done.status} {used.group(0) if used else ''!r}, not success")
    try:
        sample.wait_for(lambda: published(sample, message), seconds=20)  # the clock never moves: no sweeper
    except AssertionError:
        problems.append(f"not published without the sweeper: timeline {timeline_text(the_incident(sample))}")
    assert problems == [], "\n".join(problems)


# ---------------------------------------------------------------------------------------------------------------
# The approval-timeout schedule
# ---------------------------------------------------------------------------------------------------------------


def test_a_schedule_that_fails_once_still_fires(empty: RunningStack) -> None:
    inject(empty, "scheduler", "CreateSchedule", "fail", 1)
    answer = open_sev1(empty)
    assert answer.status == 200, f"the alarm: {answer.status} {answer.body[:300]!r}"
    assert injected(empty, "scheduler.CreateSchedule") >= 1, "no schedule creation met the fault"

    clock(empty, advance=PAST_APPROVAL_TIMEOUT)
    assert holding_published(empty), f"no holding text published: {timeline_text(the_incident(empty))}"


FAILED = re.compile(r"(fail|error|could not|not created|no se pudo|fall)", re.IGNORECASE)
SCHEDULE = re.compile(r"(schedul|timer|timeout|programa|temporizador)", re.IGNORECASE)


def test_a_schedule_that_fails_for_good_is_on_the_timeline_and_operators_are_told(empty: RunningStack) -> None:
    inject(empty, "scheduler", "CreateSchedule", "fail", "always")
    answer = open_sev1(empty)
    clock(empty, advance="PT5M")  # retries with backoff, short of the approval timeout

    problems = [] if answer.status < 500 else [f"the alarm: {answer.status} {answer.body[:200]!r}"]
    if not injected(empty, "scheduler.CreateSchedule"):
        problems.append("not exercised: no schedule creation met the fault")
    incident = the_incident(empty)
    told = [e for e in incident["timeline"] if FAILED.search(e["kind"] + e["text"]) and SCHEDULE.search(e["text"])]
    if not told:
        problems.append(f"no schedule failure on the timeline: {timeline_text(incident)}")
    if not operator_publishes(empty):
        problems.append("no publish to the operators' topic in the outbox")
    assert problems == [], "\n".join(problems)
