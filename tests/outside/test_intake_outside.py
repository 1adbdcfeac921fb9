"""Issue 14, intake, checked from the outside: what Alertmanager and CloudWatch really send reaches the incident.

Every payload is built from the public formats (``tests.outside.monitoring``) and sent the way it travels: the
alert webhook with its bearer token, CloudWatch changes on EventBridge and through SNS via ``POST /local/events``.
What the stack did is read back over HTTP only (``/local/incidents``, ``/local/outbox``, the approval pages and the
status page). Stacks are shared where a check only adds its own alarms; a check that moves the clock or needs to
open its own incident gets a stack of its own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import RunningStack, chosen_clock, start_stack
from tests.outside.desk import outbox, token_claims
from tests.outside.forms import links_of
from tests.outside.monitoring import (
    ZERO_TIME,
    alarms_named,
    alert,
    alertmanager_group,
    billing_labels,
    clock,
    eventbridge_change,
    incidents_on,
    instant,
    legacy_sns_change,
    post_event,
    post_webhook,
    webhook_token,
    worker_alerts,
)

pytestmark = [pytest.mark.e2e, pytest.mark.stack_clock("2026-11-25T10:00:00+00:00")]

NOW = datetime.fromisoformat("2026-11-25T10:00:00+00:00")
BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
"""Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069)."""


@pytest.fixture(scope="module")
def shared(request: pytest.FixtureRequest) -> Iterator[RunningStack]:
    """One stack for the checks that only add alarms of their own names and never move the clock."""
    running = start_stack("--no-sample", clock=chosen_clock(request))
    yield running
    running.stop()


@pytest.fixture
def own(request: pytest.FixtureRequest) -> Iterator[RunningStack]:
    running = start_stack("--no-sample", clock=chosen_clock(request))
    yield running
    try:
        running.stop()
    except AssertionError as busy:  # still working through a webhook its caller gave up on: killed, and said so
        print(f"{request.node.name}: {str(busy).splitlines()[0]}")


def accepted(answer: Any, what: str) -> None:
    assert answer is not None, f"{what}: no answer within API Gateway's 29 s"
    assert 200 <= answer.status < 300, f"{what}: answered {answer.status} {answer.body[:300]!r}"


def settled(stack: RunningStack, check: Any, seconds: float) -> Any:
    """Poll ``check`` until it holds; once half the time has gone, nudge the clock a minute (a queue the stack
    drains on the clock's move) and keep polling."""
    deadline = time.monotonic() + seconds
    nudged = False
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        if not nudged and time.monotonic() > deadline - seconds / 2:
            clock(stack, advance="PT1M")
            nudged = True
        time.sleep(0.2)
    return check()


def states(stack: RunningStack, name: str) -> list[str]:
    return [a.get("state") for a in alarms_named(stack, name)]


# ---------------------------------------------------------------------------------------------------------------
# Alertmanager groups
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 100, 1000])
def test_an_alertmanager_group_is_accepted_and_every_alert_applied(own: RunningStack, size: int) -> None:
    name = f"BillingWorkerDown{size}"
    group = alertmanager_group(worker_alerts(name, size, NOW - timedelta(minutes=3)), {"alertname": name})
    body = json.dumps(group).encode()
    started = time.monotonic()
    answer = post_webhook(own, body, webhook_token(own))
    took = time.monotonic() - started
    print(f"group of {size} ({len(body) / 1024:.0f} KB): answered {answer and answer.status} in {took:.1f} s")
    problems = []
    if answer is None or not 200 <= answer.status < 300:
        status = "no answer within API Gateway's 29 s" if answer is None else f"{answer.status} {answer.body[:120]!r}"
        problems.append(f"a group of {size} alerts ({len(body) / 1024:.0f} KB): {status}")

    settled(own, lambda: states(own, name).count("ALARM") >= size, seconds=30 if size > 1 else 10)
    found = states(own, name)
    print(f"group of {size}: {found.count('ALARM')} alerts applied {time.monotonic() - started:.1f} s after sending")
    if found.count("ALARM") != size or len(found) != size:
        problems.append(f"a group of {size}: {found.count('ALARM')} alerts applied in ALARM, {len(found)} recorded")
    assert problems == [], "\n".join(problems)


def test_one_alert_without_alertname_is_rejected_alone(shared: RunningStack) -> None:
    good = [alert(billing_labels("BillingQueueStuck", f"billing-queue-{n}:9100"), starts_at=NOW) for n in range(3)]
    unnamed_labels = {k: v for k, v in billing_labels("x", "billing-queue-9:9100").items() if k != "alertname"}
    unnamed = alert(unnamed_labels, starts_at=NOW, summary="An alert from a rule with no alertname label")
    group = alertmanager_group([good[0], unnamed, good[1], good[2]], {"service": "billing"})

    answer = post_webhook(shared, group, webhook_token(shared))

    assert answer is not None and answer.status < 500, f"answered {answer and answer.status}"
    assert settled(shared, lambda: states(shared, "BillingQueueStuck").count("ALARM") >= 3, seconds=10), (
        f"the three valid alerts: {states(shared, 'BillingQueueStuck')} applied (answer {answer.status} "
        f"{answer.body[:200]!r})"
    )
    recorded = [
        a
        for i in incidents_on(shared, "invoicing")
        for a in i["alarms"].values()
        if a.get("name") not in ("BillingQueueStuck",) and "billing-queue-9" in json.dumps(a)
    ]
    assert recorded == [], f"the alert without alertname was applied: {recorded}"
    assert answer.status < 400 or "alertname" in answer.body.decode("utf-8", "replace"), (
        f"refused without naming why: {answer.status} {answer.body[:200]!r}"
    )


def test_a_resolved_alert_with_zero_ends_at_is_recorded_at_receive_time(own: RunningStack) -> None:
    token = webhook_token(own)
    labels = billing_labels("BillingPaymentsGatewayErrors", "payments-gw-1:9100")
    started = NOW - timedelta(minutes=4)
    accepted(
        post_webhook(own, alertmanager_group([alert(labels, starts_at=started)], {"alertname": "x"}), token), "firing"
    )
    assert settled(own, lambda: states(own, "BillingPaymentsGatewayErrors") == ["ALARM"], seconds=10)

    received_at = instant(clock(own, advance="PT7M")["now"])
    resolved = alert(labels, starts_at=started, status="resolved", ends_at=ZERO_TIME)
    accepted(post_webhook(own, alertmanager_group([resolved], {"alertname": "x"}), token), "resolved, zero endsAt")

    assert settled(own, lambda: states(own, "BillingPaymentsGatewayErrors") == ["OK"], seconds=10), (
        f"the resolved alert: {alarms_named(own, 'BillingPaymentsGatewayErrors')}"
    )
    (recorded,) = alarms_named(own, "BillingPaymentsGatewayErrors")
    assert instant(recorded["changed_at"]) == received_at, (
        f"resolved with zero endsAt recorded as changed at {recorded['changed_at']}, received at {received_at}"
    )


# ---------------------------------------------------------------------------------------------------------------
# CloudWatch
# ---------------------------------------------------------------------------------------------------------------


def test_an_older_alarm_without_alarm_arn_opens_an_incident(shared: RunningStack) -> None:
    name = "prod-api-5xx-virginia"
    answer = post_event(shared, legacy_sns_change(name, "ALARM", "OK", NOW - timedelta(minutes=2)))

    assert answer.status == 200, f"POST /local/events answered {answer.status} {answer.body[:300]!r}"
    opened = settled(shared, lambda: [i for i in incidents_on(shared, "api") if name in json.dumps(i["alarms"])], 10)
    assert opened, f"no incident on api from the SNS message without AlarmArn; the stack said {answer.body[:600]!r}"
    assert states(shared, name) == ["ALARM"]


def test_an_older_alarm_without_alarm_arn_is_the_same_alarm_as_its_arn(own: RunningStack) -> None:
    """The same alarm, once through SNS (older message, no ARN) and once on EventBridge (with the ARN): one alarm."""
    name = "prod-api-5xx-virginia"
    post_event(own, legacy_sns_change(name, "ALARM", "OK", NOW - timedelta(minutes=2)))
    answer = post_event(own, eventbridge_change(name, "OK", "ALARM", NOW - timedelta(minutes=1), region="us-east-1"))
    assert answer.status == 200, f"the OK on EventBridge: {answer.status} {answer.body[:300]!r}"

    found = settled(own, lambda: states(own, name) == ["OK"], seconds=10)
    assert found, f"expected one alarm {name}, now OK; found {alarms_named(own, name)}"


def test_an_older_change_arriving_late_leaves_the_alarm_at_its_newest_state(own: RunningStack) -> None:
    name = "prod-api-5xx"
    first, flapped, recovered = (NOW - timedelta(minutes=m) for m in (9, 6, 3))
    accepted(post_event(own, eventbridge_change(name, "ALARM", "OK", first)), "first ALARM")
    accepted(post_event(own, eventbridge_change(name, "OK", "ALARM", recovered)), "newest change: OK")
    late = legacy_sns_change(name, "ALARM", "OK", flapped, region_name="EU (Ireland)", topic_region="eu-west-1")
    accepted(post_event(own, late), "an older ALARM, delivered late")

    (incident,) = incidents_on(own, "api")
    problems = [
        f"the incident's alarm after the late older change: {a['state']} at {a['changed_at']}"
        for a in incident["alarms"].values()
        if (a["state"], instant(a["changed_at"])) != ("OK", recovered)
    ]
    lifecycle = (incident.get("lifecycle") or {}).get("alarms", {})
    problems += [
        f"the lifecycle's view of the alarm: {a['state']} at {a['changed_at']}"
        for a in lifecycle.values()
        if (a["state"], instant(a["changed_at"])) != ("OK", recovered)
    ]

    clock(own, advance="PT6M")
    clock(own, advance="PT31M")
    phases = {m["phase"] for m in incidents_on(own, "api")[0]["messages"]}
    if not {"monitoring", "resolved"} <= phases:
        problems.append(f"the incident never recovered: messages drafted {sorted(phases)}")
    assert problems == [], "\n".join(problems)


# ---------------------------------------------------------------------------------------------------------------
# Hostile names
# ---------------------------------------------------------------------------------------------------------------

FILLER = "Q7"
LONG_NAME = "BillingFloodAlert-" + FILLER * 60_000  # 120 KB
NUL_NAME = "prod-api-5xx-\x00-edge"
BIDI_NAME = "prod-storage-latency-anomaly-\u202egpj.exe\u2066x\u2069"


def every_string(value: Any) -> str:
    """Every string inside a JSON value, joined (``json.dumps`` would escape a NUL and hide it)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "\n".join(every_string(k) + "\n" + every_string(v) for k, v in value.items())
    if isinstance(value, list):
        return "\n".join(every_string(v) for v in value)
    return ""


def raw_problems(where: str, text: str) -> list[str]:
    problems = []
    if "\x00" in text:
        problems.append(f"{where}: a raw NUL")
    if found := sorted(f"U+{ord(c):04X}" for c in BIDI & set(text)):
        problems.append(f"{where}: raw bidi control {found}")
    if FILLER * 1000 in text:
        problems.append(f"{where}: the 120 KB name, {text.count(FILLER) * 2 // 1024} KB of it")
    return problems


def test_hostile_alarm_names_break_nothing_and_never_reach_people_raw(own: RunningStack) -> None:
    token = webhook_token(own)
    answers = []
    for n in range(5):  # the fourth 120 KB name used to overflow the incident item
        labels = billing_labels(f"{LONG_NAME}{n}", f"billing-flood-{n}:9100")
        answers.append(
            post_webhook(own, alertmanager_group([alert(labels, starts_at=NOW)], {"alertname": "flood"}), token)
        )
    storage = {"namespace": "AWS/S3", "name": "TotalRequestLatency", "dimensions": {"BucketName": "nubeteca-docs"}}
    answers.append(post_event(own, eventbridge_change(NUL_NAME, "ALARM", "OK", NOW - timedelta(minutes=1))))
    answers.append(post_event(own, eventbridge_change(BIDI_NAME, "ALARM", "OK", NOW, metric=storage)))
    problems = [
        f"intake #{n}: {a and a.status} {a and a.body[:160]!r}"
        for n, a in enumerate(answers)
        if a is None or a.status >= 500
    ]
    expected = {"invoicing": 5, "api": 1, "storage": 1}

    def alarm_counts() -> dict[str, int]:
        return {c: sum(len(i["alarms"]) for i in incidents_on(own, c)) for c in expected}

    settled(own, lambda: alarm_counts() == expected, seconds=20)  # webhooks are applied by the queue's worker
    recorded = {c: incidents_on(own, c) for c in expected}
    counts = {c: sum(len(i["alarms"]) for i in found) for c, found in recorded.items()}
    if counts != expected:
        problems.append(f"alarms recorded per component: {counts}, expected invoicing 5, api 1, storage 1")

    for message in (m for found in recorded.values() for i in found for m in i["messages"]):
        if message["status"] == "awaiting_approval":
            problems += approve_from_the_email(own, message["id"])
    clock(own, advance="PT11M")  # whatever was not approved publishes its holding text
    for n, item in enumerate(outbox(own)):
        problems += raw_problems(
            f"outbox #{n} {item.get('kind')} {str(item.get('subject'))[:60]!r}", every_string(item)
        )
    for path in ("/status/", "/status/index.json", "/status/feed.atom", "/status/en/", "/status/en/index.json"):
        answer = own.request("GET", path)
        if answer.status == 200:
            text = answer.body.decode("utf-8", "replace")
            if path.endswith(".json"):
                text = every_string(answer.json())
            problems += raw_problems(path, text)
        else:
            problems.append(f"{path}: {answer.status}, the status page was never published")
    assert problems == [], "\n".join(problems)


def approve_from_the_email(stack: RunningStack, message_id: str) -> list[str]:
    """Open the first approval link for the message found in any email, check the page, press approve."""
    links = [
        href
        for item in outbox(stack)
        if item.get("kind") == "email"
        for href, _ in links_of(item.get("html") or "")
        if "/approvals/" in href
        and token_claims(href).get("message_id") == message_id
        and token_claims(href).get("action") == "approve"
    ]
    if not links:
        return [f"no approval link for {message_id} in any email"]
    from tests.outside.desk import Person

    person = Person(stack, str(token_claims(links[0]).get("recipient")), "approver")
    page = person.open(links[0])
    problems = raw_problems(f"approval page of {message_id}", page.html)
    if page.status != 200:
        return [*problems, f"approval page of {message_id}: {page.status}"]
    form = page.form(has="decision", value="approve")
    values = {"decision": "approve"}
    if "reason" in form.names():
        values["reason"] = "Revisado: el texto es correcto para los clientes."
    done = person.post(links[0], form, **values)
    problems += raw_problems(f"page after approving {message_id}", done.html)
    if done.status not in (200, 303):
        problems.append(f"approving {message_id}: {done.status}")
    return problems


def test_a_non_utf8_body_with_a_bad_token_is_refused_not_a_crash(shared: RunningStack) -> None:
    body = '{"alerts": [{"labels": {"alertname": "Fact\u00fcrung"}}]}'.encode("latin-1") + b"\xff\xfe\x80"
    answer = post_webhook(shared, body, token="not-the-token")
    assert answer is not None and answer.status in (401, 403), (
        f"answered {answer and answer.status} {answer and answer.body[:200]!r}"
    )
