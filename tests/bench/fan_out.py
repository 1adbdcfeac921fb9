"""AWS calls to fan one approved customer email out to N = 100, 1,000 and 10,000 subscribers (issue 16, part 5), the
way the delivery stage does it, in-process over moto: the email channel reads the SES contact list
(:class:`~incident_comms.adapters.contacts.SesContactDirectory`) and queues batches of 50 on SQS
(:class:`~incident_comms.delivery.email.fanout.EmailFanOutChannel`); the email sender claims, sends (one SES v2
SendBulkEmail per batch) and records each batch (:class:`~incident_comms.delivery.email.batches.use_cases.
EmailBatchSender` over :class:`~incident_comms.adapters.email_ledgers.DynamoBatchLedger` and
:class:`~incident_comms.adapters.ses_bulk.SesBulkEmailSender`).

Every call our clients make is counted with a botocore ``before-call`` hook; the queue's receives and deletes are the
SQS event source mapping's, not ours, and are not. Goal: at most :data:`GOAL_PER_BATCH` calls per batch of 50 plus
:data:`GOAL_CONSTANT`, printed MET / NOT MET per N, with the calls per batch and their growth per added batch (the
slope between the smallest and largest N, which no constant hides).

moto answers ListContacts in one page whatever its ``PageSize``; SES pages by 1,000 (:data:`~incident_comms.adapters.
contacts.PAGE_SIZE`), so the figures judged count the pages SES would answer instead of moto's one. moto has no
SendBulkEmail: SES calls go to a moto server fronted by :class:`~incident_comms.local.ses_bulk.SesBulkEmail`, as in
``tests/aws/test_email_batches.py``. The pacer's clock is fake: the bench counts calls, it does not wait out the SES
send rate.

Run: ``.venv/bin/python -m tests.bench.fan_out [N...]`` (default 100 1000 10000; about a minute).
"""

from __future__ import annotations

import itertools
import logging
import math
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import tests.conftest as suite  # noqa: F401 - sets the test AWS environment before boto3 is used
from incident_comms.adapters.contacts import PAGE_SIZE
from incident_comms.delivery.email.batches.models import MAX_BATCH
from tests.bench.webhook_groups import fresh_table
from tests.conftest import APPROVAL_KEY, REPO

GOAL_PER_BATCH = 3
GOAL_CONSTANT = 10
"""What a fan-out may cost whatever its size: reading the draft, a contact list page, the first queue call…"""
CHANNEL = "email-customers-es"
SENDER = "avisos@nubeteca.example"
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)
LIST_CONTACTS = "sesv2.ListContacts"


@dataclass(frozen=True)
class FanOut:
    subscribers: int
    batches: int
    calls: Counter[str]
    """Our clients' calls by ``service.Operation``, as moto answered them."""
    emailed: int
    """Addresses SES accepted an email for, each counted once."""
    seconds: float

    @property
    def ses_pages(self) -> int:
        """The ListContacts pages SES answers for this list (moto answers one)."""
        return max(1, math.ceil(self.subscribers / PAGE_SIZE))

    @property
    def total(self) -> int:
        """Every call, with ListContacts counted as SES pages it."""
        return sum(self.calls.values()) - self.calls[LIST_CONTACTS] + self.ses_pages

    @property
    def per_batch(self) -> float:
        return self.total / self.batches

    @property
    def channel_calls(self) -> int:
        """The email channel's share: contact list pages and queue calls (ten batches a SendMessageBatch)."""
        return self.ses_pages + self.calls["sqs.SendMessageBatch"]

    @property
    def sender_calls(self) -> int:
        """The email sender's share: the draft read, and per batch its claim, SendBulkEmail and record."""
        return self.total - self.channel_calls


def met(figures: FanOut) -> bool:
    return figures.total <= GOAL_PER_BATCH * figures.batches + GOAL_CONSTANT


def slope(fan_outs: list[FanOut]) -> float | None:
    """Calls each added batch costs, between the smallest and the largest fan-out (None with one batch count)."""
    ordered = sorted(fan_outs, key=lambda figures: figures.batches)
    first, last = ordered[0], ordered[-1]
    if last.batches == first.batches:
        return None
    return (last.total - first.total) / (last.batches - first.batches)


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def counted(client: Any, calls: Counter[str]) -> Any:
    client.meta.events.register(
        "before-call", lambda model, **_: calls.update([f"{model.service_model.service_name}.{model.name}"])
    )
    return client


def approved_message(store: Any, plan: Any) -> Any:
    """The sample SEV1 incident with its first message approved (as ``tests/aws/test_email_batches.py`` stores it)."""
    from incident_comms.incidents.models import MessageStatus, TimelineEntry, TimelineKind
    from incident_comms.incidents.store import Opening
    from tests.factories import make_alarm, opened_incident

    alarm = make_alarm()
    incident, message = opened_incident(plan, alarm)
    message = message.model_copy(update={"status": MessageStatus.APPROVED})
    opened = TimelineEntry(incident_id=incident.id, at=incident.opened_at, kind=TimelineKind.OPENED, text="opened")
    joining = TimelineEntry(incident_id="", at=incident.opened_at, kind=TimelineKind.ALARM_JOINED, text="joined")
    store.open_or_join(incident, alarm, lambda: Opening([opened], message), joining)
    return incident, message


def subscribe(list_name: str, component: str, audience: str, locale: str, count: int) -> None:
    """``count`` contacts opted in to the channel's component, audience and locale (one CreateContact each: how
    they got there is not measured)."""
    import boto3

    from incident_comms.subscribers.models import audience_topic, component_topic, locale_topic

    topics = [component_topic(component), audience_topic(audience), locale_topic(locale)]
    sesv2 = boto3.client("sesv2")
    sesv2.create_contact_list(
        ContactListName=list_name,
        Topics=[
            {"TopicName": name, "DisplayName": name, "Description": name, "DefaultSubscriptionStatus": "OPT_OUT"}
            for name in topics
        ],
    )
    preferences: Any = [{"TopicName": name, "SubscriptionStatus": "OPT_IN"} for name in topics]
    for n in range(count):
        sesv2.create_contact(
            ContactListName=list_name, EmailAddress=f"customer{n:05d}@cliente.example", TopicPreferences=preferences
        )


def emailed_addresses() -> Counter[str]:
    """How many emails each address got, from moto's SES backend (shared with the moto server)."""
    from moto.ses.models import ses_backends

    from incident_comms.local.aws import ACCOUNT_ID, REGION

    return Counter(
        address for message in ses_backends[ACCOUNT_ID][REGION].sent_messages for address in message.destinations
    )


def fan_out(subscribers: int, endpoint: str) -> FanOut:
    """Fan one approved message out to ``subscribers`` contacts, SES bulk calls going to the moto server at
    ``endpoint``; raises unless each subscriber was emailed exactly once."""
    import boto3
    from botocore.config import Config

    from incident_comms.adapters.contacts import SesContactDirectory
    from incident_comms.adapters.dynamodb import DynamoIncidentStore
    from incident_comms.adapters.email_ledgers import DynamoBatchLedger
    from incident_comms.adapters.ses_bulk import SesBulkEmailSender
    from incident_comms.delivery.email.batches.models import EmailBatch
    from incident_comms.delivery.email.batches.pacing import Pacer
    from incident_comms.delivery.email.batches.use_cases import BatchResult, EmailBatchSender
    from incident_comms.delivery.email.fanout import EmailFanOutChannel
    from incident_comms.delivery.publishing import ChannelJob
    from incident_comms.lint.plan_texts import load_checked_plan

    plan = load_checked_plan(REPO / "plan")
    channel = next(channel for channel in plan.channels.channels if channel.id == CHANNEL)
    stamp = time.perf_counter_ns()
    calls: Counter[str] = Counter()
    dynamodb, table = fresh_table()
    store = DynamoIncidentStore(counted(dynamodb, calls), table)
    incident, message = approved_message(store, plan)
    draft = next(draft for draft in message.drafts if draft.channel_id == CHANNEL)
    list_name = f"subscribers-{stamp}"
    subscribe(list_name, incident.component_id, channel.audience, channel.locale, subscribers)
    queue = boto3.client("sqs").create_queue(QueueName=f"email-batches-{stamp}")["QueueUrl"]
    sending = boto3.client("sesv2", endpoint_url=endpoint, config=Config(retries={"total_max_attempts": 1}))
    sending.create_email_identity(EmailIdentity=SENDER)
    already = emailed_addresses()
    fake_time = itertools.count(step=1000.0)
    sender = EmailBatchSender(
        store=store,
        ledger=DynamoBatchLedger(dynamodb, table),
        ses=SesBulkEmailSender(counted(sending, calls), SENDER),
        unsubscribe_key=lambda: APPROVAL_KEY.encode(),
        base_url="https://incidents.example.com",
        pacer=Pacer(14.0, clock=lambda: float(next(fake_time)), sleep=lambda _: None),
        sleep=lambda _: None,
    )
    channel_publisher = EmailFanOutChannel(
        SesContactDirectory(counted(boto3.client("sesv2"), calls), list_name),
        counted(boto3.client("sqs"), calls),
        queue,
    )
    calls.clear()
    started = time.perf_counter()
    queued = channel_publisher.publish(ChannelJob(plan, incident, message, draft, channel, NOW))
    drained, bodies = boto3.client("sqs"), []
    while found := drained.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
        for received in found:
            bodies.append(received["Body"])
            drained.delete_message(QueueUrl=queue, ReceiptHandle=received["ReceiptHandle"])
    results = Counter(sender.send(EmailBatch.model_validate_json(body).model_dump(), NOW).result for body in bodies)
    elapsed = time.perf_counter() - started
    emailed = emailed_addresses() - already
    if queued.delivered != subscribers or results != {BatchResult.SENT: len(bodies)}:
        raise RuntimeError(f"fan-out to {subscribers} went wrong: {queued}, {results}")
    if len(emailed) != subscribers or set(emailed.values()) != {1}:
        raise RuntimeError(f"{subscribers} subscribers, {len(emailed)} emailed, some more than once")
    return FanOut(subscribers, len(bodies), Counter(calls), len(emailed), elapsed)


def measure(sizes: list[int]) -> list[FanOut]:
    from incident_comms.local.ses_bulk import moto_server_with_bulk_email

    requests = logging.getLogger("werkzeug")  # the moto server logs every request it answers
    level = requests.level
    requests.setLevel(logging.WARNING)
    try:
        with moto_server_with_bulk_email() as (_, endpoint):
            return [fan_out(size, endpoint) for size in sizes]
    finally:
        requests.setLevel(level)


def report(fan_outs: list[FanOut]) -> list[str]:
    lines = [
        f"fan-out of one email: AWS calls vs the goal <= {GOAL_PER_BATCH} per batch of {MAX_BATCH} + {GOAL_CONSTANT}"
        f" (ListContacts counted as SES pages it, {PAGE_SIZE} a page)",
        f"    {'N':>6} {'batches':>7} {'calls':>6} {'per batch':>9} {'goal':>5} {'':>7}  {'seconds':>7}"
        "  calls by operation",
    ]
    for figures in fan_outs:
        by_operation = {**figures.calls, LIST_CONTACTS: figures.ses_pages}
        operations = ", ".join(f"{name} {count}" for name, count in sorted(by_operation.items()))
        lines.append(
            f"    {figures.subscribers:>6} {figures.batches:>7} {figures.total:>6} {figures.per_batch:>9.2f}"
            f" {GOAL_PER_BATCH * figures.batches + GOAL_CONSTANT:>5} {verdict(met(figures)):>7}"
            f"  {figures.seconds:>7.1f}  {operations}"
        )
    largest = max(fan_outs, key=lambda figures: figures.batches)
    lines.append(
        f"    at N = {largest.subscribers}: the sender {largest.sender_calls / largest.batches:.2f} calls per batch,"
        f" the channel {largest.channel_calls / largest.batches:.2f} (SQS takes 10 batches a call, SES lists"
        f" {PAGE_SIZE} contacts a page)"
    )
    grows = slope(fan_outs)
    if grows is not None:
        lines.append(
            f"    each added batch costs {grows:.2f} calls (goal <= {GOAL_PER_BATCH}):"
            f" {verdict(grows <= GOAL_PER_BATCH)}"
        )
    lines.append(f"    overall: {verdict(all(met(figures) for figures in fan_outs))}")
    return lines


def main(argv: list[str]) -> None:
    from moto import mock_aws

    sizes = sorted(int(arg) for arg in argv if arg.isdigit()) or [100, 1000, 10_000]
    with mock_aws():
        fan_outs = measure(sizes)
    print("\n".join(report(fan_outs)))


if __name__ == "__main__":
    main(sys.argv[1:])
