"""The alarm → publish flow on an in-process local stack, with one AWS fault injected at one call site (issue 14).

The stack is the real one (:class:`LocalStack`: moto server, the template's functions, its routing), run in this
process so that the faults sit on its functions' clients, botocore's retries do not wait (``no_retry_waits``) and
the flow is driven step by step with no polling thread and no sleep. A cell borrows the stack (its environment,
boto3 session and services go back as they were after the cell), starts from an empty store a day after the last
cell, and runs the flow in phases:

- ``alarm``: the sample CloudWatch alarm to ingest, then what it queued;
- ``approve``: the approver's click on the approve button of the approval email;
- ``delivery``: what the approval queued (publisher, email sender, status page, SNS);
- then the clock moves on 15 minutes (approval timeout, sweeper, retries) and what that queues runs.

The fault is armed for its phase only: the call ``fail``s or ``lose_answer``s once at its first call in the phase,
or ``fail``s for good until the phase ends (the SDK's retries and any of the code's own, included). A function that
raised at the inbound edge is run once more after the phase, as AWS (an async invoke's retry) or the person (a
second click on an error page) would.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

import boto3

from incident_comms.clock import ManualClock
from incident_comms.local.faults import FOR_GOOD, FaultRule
from incident_comms.local.server import LocalStack
from tests.forms import FormReader

PHASES = ("alarm", "approve", "delivery")
KINDS = ("lost_answer", "fails_once", "fails_for_good")
ALARM = "cloudwatch-eventbridge-alarm.json"
APPROVAL_NEEDED = "aprobación necesaria"
APPROVAL_LINK = re.compile(r"https?://\S+/approvals/[A-Za-z0-9_.%-]+")
RECOVERY = timedelta(minutes=15)
MAX_POLLS = 50
REDELIVERIES = 6


@dataclass
class Cell:
    """What one run of the flow left: the incidents, what the customers and the team got, what fired."""

    incidents: list[dict[str, Any]]
    outbox: list[dict[str, Any]]
    fired: list[dict[str, Any]]
    retried: list[str] = field(default_factory=list)
    schedules: list[str] = field(default_factory=list)
    status_page: str = ""
    """``index.json`` of the status page as the bucket holds it at the end."""
    calls: dict[str, Counter[str]] = field(default_factory=dict)
    """The AWS calls the functions tried in each phase (the inventory of call sites)."""


class MatrixStack:
    """One local stack per test process, borrowed cell by cell."""

    def __init__(self, root: Path, clock: datetime) -> None:
        self.root = root
        self._outside = dict(os.environ)
        self._outside_session = boto3.DEFAULT_SESSION
        self.stack = LocalStack(root, root / "plan", clock=ManualClock(clock), sleep=_no_wait)
        self.stack.start()
        self.stack._stopping.set()  # no bridge thread: cells poll the queues themselves
        self._inside = dict(os.environ)
        self._session = boto3.DEFAULT_SESSION
        self._services: Any = None
        from incident_comms.composition import services

        self._services = services()
        self._leave()

    def healthy(self) -> bool:
        """moto's backends are process-wide: a ``mock_aws`` test in this process between two cells resets them."""
        with self._borrowed():
            tables = self.stack.aws.client("dynamodb").list_tables()["TableNames"]
        return self.table in tables

    @property
    def table(self) -> str:
        return self.stack.resources["IncidentsTable"]

    def stop(self) -> None:
        with self._borrowed():
            self.stack.stop()

    def _leave(self) -> None:
        from incident_comms.composition import use_services

        os.environ.clear()
        os.environ.update(self._outside)
        boto3.DEFAULT_SESSION = self._outside_session
        use_services(None)

    @contextmanager
    def _borrowed(self) -> Iterator[LocalStack]:
        from incident_comms.composition import use_services

        os.environ.clear()
        os.environ.update(self._inside)
        boto3.DEFAULT_SESSION = self._session
        use_services(self._services)
        try:
            yield self.stack
        finally:
            self._leave()

    def run(self, phase: str | None = None, site: str = "", kind: str = "") -> Cell:
        """The flow with ``kind`` injected at ``site`` (``"dynamodb.TransactWriteItems"``) in ``phase``."""
        with self._borrowed() as stack:
            self._fresh_start(stack)
            seen = _outbox_marks(stack)
            retried: list[str] = []

            calls: dict[str, Counter[str]] = {}
            tried = Counter(stack.faults.tried)

            def armed(step: str) -> None:
                nonlocal tried
                stack.faults.clear()
                previous = list(calls)[-1] if calls else None
                if previous is not None:
                    calls[previous] = Counter(stack.faults.tried) - tried
                tried = Counter(stack.faults.tried)
                calls[step] = Counter()
                if step == phase:
                    times = FOR_GOOD if kind == "fails_for_good" else 1
                    stack.faults.add(FaultRule(site, "lose_answer" if kind == "lost_answer" else "fail", times))

            armed("alarm")
            status, _ = stack.handle_event((self.root / "events" / ALARM).read_bytes())
            self._drain(stack)
            stack.faults.clear()
            if status != 200:
                retried.append("alarm")
                stack.handle_event((self.root / "events" / ALARM).read_bytes())
                self._drain(stack)
            link = self._approve_link(stack, seen)
            if link is not None:
                form = FormReader(_http(stack, "GET", link)[1]).fields
                armed("approve")
                code, _ = _http(stack, "POST", link, urlencode(form).encode())
                stack.faults.clear()
                if code >= 500:
                    retried.append("approve")
                    form = FormReader(_http(stack, "GET", link)[1]).fields
                    _http(stack, "POST", link, urlencode(form).encode())
                armed("delivery")
                self._drain(stack)
                stack.faults.clear()
            armed("recovery")
            moved = stack.move(RECOVERY)
            self._drain(stack)
            armed("end")
            schedules = [
                item["Name"] for item in stack.aws.client("scheduler").list_schedules(MaxResults=100)["Schedules"]
            ]
            return Cell(
                stack.incidents(),
                _outbox_since(stack, seen),
                moved["fired"],
                retried,
                schedules,
                (stack.status_object("/status/index.json") or (b"", ""))[0].decode(),
                calls,
            )

    def _fresh_start(self, stack: LocalStack) -> None:
        """No incident, no schedule, no queued message left by the cell before, the sample subscribers as they
        were before a bounce unsubscribed one; the clock a day on."""
        stack.faults.clear()
        self._drain(stack)
        dynamodb = stack.aws.client("dynamodb")
        for page in dynamodb.get_paginator("scan").paginate(TableName=self.table, ProjectionExpression="pk, sk"):
            for item in page["Items"]:
                dynamodb.delete_item(TableName=self.table, Key=item)
        _forget_queued()
        scheduler = stack.aws.client("scheduler")
        for item in scheduler.list_schedules(MaxResults=100)["Schedules"]:
            scheduler.delete_schedule(Name=item["Name"], GroupName=item["GroupName"])
        sesv2, contacts = stack.aws.client("sesv2"), stack.resources["SubscriberContactList"]
        for contact in sesv2.list_contacts(ContactListName=contacts).get("Contacts", []):
            sesv2.delete_contact(ContactListName=contacts, EmailAddress=contact["EmailAddress"])
        stack.add_sample_subscribers()
        stack.clock.set(stack.clock.now() + timedelta(days=1))

    def _drain(self, stack: LocalStack) -> None:
        """Run what the queues hold; a batch a function failed comes back, as it does once its visibility timeout
        is over (here at once), until the queue's redrive policy sends it to its dead-letter queue."""
        assert stack.outbox is not None
        for _ in range(REDELIVERIES):
            for _ in range(MAX_POLLS):
                if not stack.outbox.poll():
                    break
            if not _visible_again():
                return

    def _approve_link(self, stack: LocalStack, seen: tuple[int, int]) -> str | None:
        """The approve path of the first approval email of this cell; None when none was sent."""
        emails = [
            item
            for item in _outbox_since(stack, seen)
            if item.get("kind") == "email" and APPROVAL_NEEDED in item["subject"]
        ]
        links = APPROVAL_LINK.findall(emails[0]["text"]) if emails else []
        return urlsplit(links[0]).path if links else None


def _no_wait(_seconds: float) -> None:
    """Our own retries between tries: the faults are injected, waiting would not make them pass sooner."""


def _visible_again() -> int:
    """Messages received and not deleted (a failed batch) made visible again; answers how many."""
    from moto.sqs.models import sqs_backends

    from incident_comms.local.aws import ACCOUNT_ID, REGION

    in_flight = [
        message
        for queue in sqs_backends[ACCOUNT_ID][REGION].queues.values()
        for message in queue._messages  # moto has no public way to end a visibility timeout
        if not message.visible
    ]
    for message in in_flight:
        message.change_visibility(0)
    return len(in_flight)


def _forget_queued() -> None:
    """Every queue emptied, the messages in flight too (SQS's PurgeQueue, which AWS allows once a minute)."""
    from moto.sqs.models import sqs_backends

    from incident_comms.local.aws import ACCOUNT_ID, REGION

    for queue in sqs_backends[ACCOUNT_ID][REGION].queues.values():
        queue._messages.clear()


def _outbox_marks(stack: LocalStack) -> tuple[int, int]:
    """How many emails and how many publishes the outbox holds: it lists every email before every publish."""
    assert stack.outbox is not None
    everything, emails = stack.outbox.messages(), stack.outbox.emails()
    return len(emails), len(everything) - len(emails)


def _outbox_since(stack: LocalStack, marks: tuple[int, int]) -> list[dict[str, Any]]:
    """What the outbox got after ``marks`` (:func:`_outbox_marks`)."""
    assert stack.outbox is not None
    everything, emails = stack.outbox.messages(), len(stack.outbox.emails())
    return [*everything[marks[0] : emails], *everything[emails + marks[1] :]]


def _http(stack: LocalStack, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
    request = Request(stack.url + path, data=body, method=method, headers=headers)
    try:
        with urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except HTTPError as error:
        return error.code, error.read()


def customer_emails(cell: Cell) -> list[dict[str, Any]]:
    """Emails to subscribers: each carries its one-click unsubscribe."""
    return [
        item
        for item in cell.outbox
        if item.get("kind") == "email" and any(key.lower() == "list-unsubscribe" for key in item["headers"])
    ]


def publishes(cell: Cell, topic_part: str) -> list[dict[str, Any]]:
    return [item for item in cell.outbox if item.get("kind") == "sns" and topic_part in (item.get("topic") or "")]


def sent_twice(cell: Cell) -> list[str]:
    """Emails (recipient, subject, text) and SNS publishes (topic, message) seen more than once."""
    seen: Counter[str] = Counter()
    for item in cell.outbox:
        if item.get("kind") == "email":
            for recipient in item["to"]:
                seen[json.dumps(["email", recipient, item["subject"], item["text"]])] += 1
        elif item.get("kind") == "sns":
            seen[json.dumps(["sns", item.get("topic"), item.get("message")])] += 1
    return [key for key, count in seen.items() if count > 1]
