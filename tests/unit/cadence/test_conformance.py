"""The conformance report's numbers: time to the first customer message, promises, reach per channel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from incident_comms.cadence.conformance import conformance
from incident_comms.incidents.models import Delivery, TimelineEntry, TimelineKind
from incident_comms.incidents.promises import DuePromise, DueReason, make_promise, record_missed, record_update
from tests.factories import OPENED, opened_incident


def published(at: Any, channels: dict[str, int]) -> TimelineEntry:
    counts = {channel: {"attempted": n, "delivered": n, "failed": 0} for channel, n in channels.items()}
    return TimelineEntry(incident_id="I", at=at, kind=TimelineKind.PUBLISHED, text="p", data={"channels": counts})


def delivery(channel: str, message: str, delivered: int, failed: int = 0) -> Delivery:
    return Delivery(
        incident_id="I",
        message_id=message,
        version=1,
        channel_id=channel,
        kind="email",
        claimed_at=OPENED,
        finished_at=OPENED,
        attempted=delivered + failed,
        delivered=delivered,
        failed=failed,
    )


def test_the_numbers_of_a_sev1_with_one_kept_and_one_missed_promise(plan: Any) -> None:
    incident, _ = opened_incident(plan)
    internal = next(c.id for c in plan.channels.channels if plan.audience(c.audience).internal)
    customer = next(c.id for c in plan.channels.channels if not plan.audience(c.audience).internal)
    opened = TimelineEntry(
        incident_id=incident.id,
        at=OPENED,
        kind=TimelineKind.OPENED,
        text="opened",
        data={"changed_at": (OPENED - timedelta(minutes=1)).isoformat()},
    )
    timeline = [
        opened,
        published(OPENED + timedelta(minutes=2), {internal: 3}),  # the team first: not a customer message
        published(OPENED + timedelta(minutes=6), {customer: 40, internal: 3}),
    ]
    first = DuePromise(due_at=OPENED + timedelta(minutes=36), audience_id="a", reason=DueReason.CADENCE)
    ledger = record_update([], incident.id, "m1", OPENED + timedelta(minutes=6), first)
    ledger = record_update(
        ledger,
        incident.id,
        "m2",
        OPENED + timedelta(minutes=30),
        first.model_copy(update={"due_at": OPENED + timedelta(minutes=60)}),
    )
    ledger = record_missed(ledger, OPENED + timedelta(minutes=70))
    deliveries = [delivery(customer, "m1", 40, 2), delivery(customer, "m2", 41), delivery(internal, "m1", 3)]

    report = conformance(plan, incident, timeline, ledger, deliveries, OPENED + timedelta(minutes=75))

    assert report.first_alarm_at == OPENED - timedelta(minutes=1)
    assert report.first_customer_message_at == OPENED + timedelta(minutes=6)
    assert (report.time_to_first_message_seconds, report.time_to_first_message) == (7 * 60, "7 min")
    assert (report.promises.made, report.promises.kept_on_time, report.promises.overdue) == (2, 1, 1)
    by_channel = {reach.channel_id: reach for reach in report.channels}
    assert (by_channel[customer].messages, by_channel[customer].delivered, by_channel[customer].failed) == (2, 81, 2)
    assert by_channel[internal].internal and not by_channel[customer].internal


def test_nothing_published_yet(plan: Any) -> None:
    incident, _ = opened_incident(plan)
    report = conformance(plan, incident, [], [], [], OPENED)
    assert report.first_customer_message_at is None and report.time_to_first_message is None
    assert report.promises.made == 0 and report.channels == []
    assert report.first_alarm_at == OPENED


def test_a_promise_made_but_not_yet_due_is_open_not_overdue(plan: Any) -> None:
    incident, _ = opened_incident(plan)
    due = DuePromise(due_at=OPENED + timedelta(minutes=30), audience_id="a", reason=DueReason.CADENCE)
    ledger = [make_promise(incident.id, "m1", OPENED, due)]
    report = conformance(plan, incident, [], ledger, [], OPENED + timedelta(minutes=29))
    assert (report.promises.open, report.promises.overdue) == (1, 0)
