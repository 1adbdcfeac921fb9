"""The email sender on moto: SendBulkEmail through a real moto server, the batch ledger in DynamoDB.

moto has no SendBulkEmail, and mock_aws cannot be given one, so SES calls go to a moto server running in this
process (werkzeug on 127.0.0.1) fronted by :class:`~incident_comms.local.ses_bulk.SesBulkEmail`, the middleware the
local stack uses too; everything else (DynamoDB, SQS, the sender identity) is mock_aws. Both share moto's backends,
so what the middleware sends is in :func:`tests.factories.sent_emails`, one email per recipient with its headers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config

from incident_comms.adapters.dynamodb import DynamoIncidentStore
from incident_comms.adapters.email_ledgers import DynamoBatchLedger
from incident_comms.adapters.ses_bulk import SesBulkEmailSender
from incident_comms.delivery.email.batches.logic import batch_totals
from incident_comms.delivery.email.batches.models import BatchState, BulkEmail, BulkEntry, EmailBatch
from incident_comms.delivery.email.batches.pacing import Pacer
from incident_comms.delivery.email.batches.store import SesRefused
from incident_comms.delivery.email.batches.use_cases import BatchResult, BatchThrottled, EmailBatchSender
from incident_comms.delivery.email.fanout import EmailFanOutChannel
from incident_comms.delivery.publishing import ChannelJob
from incident_comms.incidents.models import Message, MessageStatus, TimelineEntry, TimelineKind
from incident_comms.incidents.operators import NoOperators
from incident_comms.incidents.store import Opening
from incident_comms.local.ses_bulk import SesBulkEmail, moto_server_with_bulk_email
from incident_comms.mail_threads import CUSTOMERS, thread_key, thread_root_id
from incident_comms.plan.models import Phase, Plan
from incident_comms.subscribers.links import verify_manage_token
from incident_comms.subscribers.tokens import verify_unsubscribe_token
from tests.factories import make_alarm, opened_incident, sent_emails
from tests.faults import Faults

SENDER = "avisos@nubeteca.example"
KEY = b"k" * 64
BASE_URL = "https://incidents.example.com"
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)
SEND_RATE = 14.0


@pytest.fixture
def ses_server(aws: None) -> Iterator[tuple[SesBulkEmail, str]]:
    """A moto server answering SendBulkEmail (and anything else) on a free port, sharing mock_aws's backends."""
    with moto_server_with_bulk_email() as served:
        yield served


@pytest.fixture
def sesv2(ses_server: tuple[SesBulkEmail, str]) -> Any:
    """SES v2 at the moto server, without botocore's own retries: the sender's retries are what is tested."""
    client = boto3.client(
        "sesv2", endpoint_url=ses_server[1], config=Config(retries={"mode": "standard", "total_max_attempts": 1})
    )
    client.create_email_identity(EmailIdentity=SENDER)
    return client


@dataclass
class FakeTime:
    now: float = 1000.0
    paced: list[float] = field(default_factory=list)
    backoffs: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def pace(self, seconds: float) -> None:
        self.paced.append(seconds)
        self.now += seconds

    def backoff(self, seconds: float) -> None:
        self.backoffs.append(seconds)
        self.now += seconds


@dataclass
class Rig:
    bulk: SesBulkEmail
    store: DynamoIncidentStore
    ledger: DynamoBatchLedger
    sender: EmailBatchSender
    time: FakeTime
    message: Message


RigFactory = Callable[..., Rig]


@pytest.fixture
def make_rig(
    ses_server: tuple[SesBulkEmail, str], sesv2: Any, store: DynamoIncidentStore, table_name: str, plan: Plan
) -> RigFactory:
    """Build the sender over moto, with the sample incident's first message approved (its Spanish email draft
    changed as given)."""

    def build(**draft_changes: str) -> Rig:
        message = store_approved(store, plan, **draft_changes)
        time = FakeTime()
        ledger = DynamoBatchLedger(boto3.client("dynamodb"), table_name)
        sender = EmailBatchSender(
            store=store,
            ledger=ledger,
            ses=SesBulkEmailSender(sesv2, SENDER),
            unsubscribe_key=lambda: KEY,
            base_url=BASE_URL,
            pacer=Pacer(SEND_RATE, clock=time.clock, sleep=time.pace),
            sleep=time.backoff,
            jitter=lambda: 1.0,
        )
        return Rig(ses_server[0], store, ledger, sender, time, message)

    return build


@pytest.fixture
def rig(make_rig: RigFactory) -> Rig:
    return make_rig()


def store_approved(store: DynamoIncidentStore, plan: Plan, **draft_changes: str) -> Message:
    """The sample SEV1 incident with its first message approved (the email drafts changed as given)."""
    alarm = make_alarm()
    incident, message = opened_incident(plan, alarm)
    drafts = [
        draft.model_copy(update=draft_changes) if draft.channel_id == "email-customers-es" else draft
        for draft in message.drafts
    ]
    message = message.model_copy(update={"status": MessageStatus.APPROVED, "drafts": drafts})
    opened = TimelineEntry(incident_id=incident.id, at=incident.opened_at, kind=TimelineKind.OPENED, text="opened")
    joining = TimelineEntry(incident_id="", at=incident.opened_at, kind=TimelineKind.ALARM_JOINED, text="joined")
    store.open_or_join(incident, alarm, lambda: Opening([opened], message), joining)
    return message


def body(message: Message, recipients: list[str], batch: int = 1, batches: int = 1) -> dict[str, Any]:
    return EmailBatch(
        incident_id=message.incident_id,
        message_id=message.id,
        version=message.version,
        channel_id="email-customers-es",
        batch=batch,
        batches=batches,
        recipients=recipients,
    ).model_dump(mode="json")


RECIPIENTS = ["ana@cliente.example", "bo@cliente.example", "cy@cliente.example"]


def test_each_recipient_gets_one_email_with_their_own_one_click_unsubscribe(rig: Rig) -> None:
    draft = next(d for d in rig.message.drafts if d.channel_id == "email-customers-es")

    outcome = rig.sender.send(body(rig.message, RECIPIENTS), NOW)

    assert outcome.result == BatchResult.SENT and rig.bulk.calls == 1
    emails = sent_emails()
    assert sorted(address for email in emails for address in email["to"]) == RECIPIENTS
    for email in emails:
        (recipient,) = email["to"]
        headers = email["headers"]
        url = headers["List-Unsubscribe"].removeprefix("<").removesuffix(">")
        assert url.startswith(f"{BASE_URL}/unsubscribe/")
        assert verify_unsubscribe_token(url.rsplit("/", 1)[1], KEY) == recipient
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert headers["X-Incident-Id"] == rig.message.incident_id
        assert email["from"] == SENDER
        assert email["subject"] == draft.subject
        assert email["text"].startswith(draft.text)
        assert f"Para darse de baja: {url}" in email["text"]
        assert f'href="{url}"' in email["html"] and "Próxima actualización" in email["html"]
        (manage,) = re.findall(r"Para cambiar los servicios o el idioma: (\S+)", email["text"])
        assert manage.startswith(f"{BASE_URL}/subscribe/manage/") and f'href="{manage}"' in email["html"]
        assert verify_manage_token(manage.rsplit("/", 1)[1], KEY, NOW) == recipient
    (record,) = rig.ledger.batches(rig.message.incident_id)
    assert (record.state, record.attempted, record.delivered, record.failed) == (BatchState.SENT, 3, 3, 0)


def test_every_email_of_the_incident_reaches_ses_in_one_thread_per_recipient(rig: Rig) -> None:
    """The first message and a later one (another phase), to several recipients, all name the incident's one root in
    In-Reply-To and References, as SES's outbox shows them; the root names the sender's domain, never SES's ids."""
    later = rig.message.model_copy(
        update={"id": f"{rig.message.id}-resolved", "phase": Phase.RESOLVED, "status": MessageStatus.APPROVED}
    )
    assert rig.store.add_message(later, []) is not None

    rig.sender.send(body(rig.message, RECIPIENTS), NOW)
    rig.sender.send(body(later, RECIPIENTS[:2]), NOW)

    emails = sent_emails()
    root = thread_root_id(thread_key(rig.message.incident_id, CUSTOMERS), SENDER)
    assert root.endswith("@nubeteca.example>") and len(emails) == 5
    assert {(email["headers"]["In-Reply-To"], email["headers"]["References"]) for email in emails} == {(root, root)}


def test_an_approved_text_with_braces_reaches_customers_as_written(make_rig: RigFactory) -> None:
    text = "Use {{customer_id}} and \\{{literal}} as shown; {{{raw}}} too."
    rig = make_rig(text=text, html=f"<html><body><p>{text}</p></body></html>")

    rig.sender.send(body(rig.message, ["ana@cliente.example"]), NOW)

    (email,) = sent_emails()
    assert email["text"].startswith(text + "\n")
    assert f"<p>{text}</p>" in email["html"]


def sent_to() -> Counter[str]:
    """How many emails each address got, read from moto's SES backend (parsing 10,000 emails would take minutes)."""
    from moto.ses.models import ses_backends

    from incident_comms.local.aws import ACCOUNT_ID, REGION

    return Counter(
        address for message in ses_backends[ACCOUNT_ID][REGION].sent_messages for address in message.destinations
    )


def test_ten_thousand_subscribers_take_two_hundred_ses_calls_and_nobody_gets_two_emails(
    rig: Rig, plan: Plan, aws: None
) -> None:
    recipients = [f"customer{n:05d}@cliente.example" for n in range(10_000)]
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName="email-batches")["QueueUrl"]
    incident = rig.store.get_incident(rig.message.incident_id)
    assert incident is not None
    channel = next(c for c in plan.channels.channels if c.id == "email-customers-es")
    draft = next(d for d in rig.message.drafts if d.channel_id == channel.id)

    class Everyone:
        def recipients(self, component: str, audience: str, locale: str) -> Iterator[str]:
            return iter(recipients)

    fanout = EmailFanOutChannel(Everyone(), sqs, queue)  # type: ignore[arg-type]
    queued = fanout.publish(ChannelJob(plan, incident, rig.message, draft, channel, NOW))
    bodies = []
    while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])

    results = [rig.sender.send(EmailBatch.model_validate_json(b).model_dump(mode="json"), NOW).result for b in bodies]
    redelivered = [rig.sender.send(EmailBatch.model_validate_json(b).model_dump(mode="json"), NOW) for b in bodies]

    assert (queued.attempted, queued.delivered, len(bodies)) == (10_000, 10_000, 200)
    assert Counter(results) == {BatchResult.SENT: 200}
    assert Counter(outcome.result for outcome in redelivered) == {BatchResult.DUPLICATE: 200}
    assert rig.bulk.calls == 200
    received = sent_to()
    assert len(received) == 10_000 and set(received.values()) == {1}
    assert sum(rig.time.paced) == pytest.approx((10_000 - 50) / SEND_RATE)  # never faster than the SES rate
    totals = batch_totals(rig.ledger.batches(rig.message.incident_id))
    es = totals[(rig.message.id, 1, "email-customers-es")]
    assert (es.batches, es.attempted, es.delivered, es.failed, es.unfinished) == (200, 10_000, 10_000, 0, 0)


def test_an_injected_ses_throttle_is_retried_and_delivered(rig: Rig) -> None:
    rig.bulk.throttle(2)

    outcome = rig.sender.send(body(rig.message, RECIPIENTS), NOW)

    assert outcome.result == BatchResult.SENT and outcome.ses_calls == 3 and rig.bulk.calls == 3
    assert rig.time.backoffs == [1.0, 2.0]
    assert len(sent_emails()) == 3


def test_a_throttle_outlasting_the_retries_goes_back_to_the_queue_and_the_redelivery_sends_it(rig: Rig) -> None:
    rig.bulk.throttle(4)

    with pytest.raises(BatchThrottled):
        rig.sender.send(body(rig.message, RECIPIENTS), NOW)

    (record,) = rig.ledger.batches(rig.message.incident_id)
    assert record.state == BatchState.RELEASED
    assert sent_emails() == []
    assert rig.sender.send(body(rig.message, RECIPIENTS), NOW + timedelta(minutes=6)).result == BatchResult.SENT
    assert len(sent_emails()) == 3
    (record,) = rig.ledger.batches(rig.message.incident_id)
    assert (record.state, record.delivered) == (BatchState.SENT, 3)


def test_an_unverified_sender_fails_the_batch_on_the_incidents_timeline(rig: Rig, sesv2: Any) -> None:
    sesv2.delete_email_identity(EmailIdentity=SENDER)

    outcome = rig.sender.send(body(rig.message, RECIPIENTS, batch=2, batches=2), NOW)

    assert outcome.record is not None and (outcome.record.delivered, outcome.record.failed) == (0, 3)
    entry = rig.store.timeline(rig.message.incident_id)[-1]
    assert entry.kind == TimelineKind.DELIVERY_FAILED
    assert entry.text.startswith("email-customers-es: batch 2 of 2: 0 of 3 emails accepted by SES, 3 failed")
    assert "MessageRejected" in entry.text
    assert sent_emails() == []


def test_the_ledger_claims_once_and_keeps_the_counts(rig: Rig) -> None:
    rig.sender.send(body(rig.message, RECIPIENTS, batch=1, batches=2), NOW)
    rig.sender.send(body(rig.message, ["dee@cliente.example"], batch=2, batches=2), NOW)

    again = rig.sender.send(body(rig.message, RECIPIENTS, batch=1, batches=2), NOW)

    assert again.result == BatchResult.DUPLICATE
    records = sorted(rig.ledger.batches(rig.message.incident_id), key=lambda r: r.batch)
    assert [(r.batch, r.attempted, r.delivered) for r in records] == [(1, 3, 3), (2, 1, 1)]
    assert len(sent_emails()) == 4


# --- the middleware itself -------------------------------------------------------------------------------------


def bulk_email(count: int, data: dict[str, str] | None = None) -> BulkEmail:
    entries = tuple(
        BulkEntry(f"c{n}@cliente.example", data if data is not None else {"name": f"C{n}"}, (("X-N", str(n)),))
        for n in range(count)
    )
    return BulkEmail("Hola {{name}}", "Texto para {{name}}", "<p>{{name}} &amp; {{{name}}}</p>", {}, entries)


def test_more_than_fifty_entries_in_one_call_is_refused_like_ses(sesv2: Any) -> None:
    with pytest.raises(SesRefused, match="BadRequestException"):
        SesBulkEmailSender(sesv2, SENDER).send_bulk(bulk_email(51))
    assert sent_emails() == []


def test_each_entry_is_rendered_with_its_own_data_and_headers(sesv2: Any) -> None:
    results = SesBulkEmailSender(sesv2, SENDER).send_bulk(bulk_email(2))

    assert [r.status for r in results] == ["SUCCESS", "SUCCESS"]
    emails = sorted(sent_emails(), key=lambda e: e["to"])
    assert [(e["to"], e["subject"], e["text"].strip(), e["headers"]["X-N"]) for e in emails] == [
        (["c0@cliente.example"], "Hola C0", "Texto para C0", "0"),
        (["c1@cliente.example"], "Hola C1", "Texto para C1", "1"),
    ]
    assert emails[0]["html"].strip() == "<p>C0 &amp; C0</p>"


def test_an_entry_missing_a_template_variable_fails_alone(sesv2: Any) -> None:
    results = SesBulkEmailSender(sesv2, SENDER).send_bulk(bulk_email(1, data={}))

    assert [(r.status, r.error) for r in results] == [("FAILED", "Attribute 'name' is not present in the data.")]
    assert sent_emails() == []


def test_every_other_request_reaches_moto_untouched(ses_server: tuple[SesBulkEmail, str], sesv2: Any) -> None:
    bulk, _ = ses_server

    identities = sesv2.list_email_identities()["EmailIdentities"]

    assert [identity["IdentityName"] for identity in identities] == [SENDER]
    assert bulk.calls == 0


def test_a_lost_bulk_send_answer_is_sent_once_recorded_unknown_and_never_resent(rig: Rig, sesv2: Any) -> None:
    faults = Faults(sesv2).lose_answer("SendBulkEmail")

    outcome = rig.sender.send(body(rig.message, RECIPIENTS), NOW)
    redelivered = rig.sender.send(body(rig.message, RECIPIENTS), NOW + timedelta(minutes=6))

    assert faults.committed["SendBulkEmail"] == 1 and faults.tried["SendBulkEmail"] == 1
    assert Counter(sent_to()) == Counter(dict.fromkeys(RECIPIENTS, 1))
    assert outcome.record is not None and (outcome.record.delivered, outcome.record.unknown) == (0, 3)
    assert redelivered.result == BatchResult.DUPLICATE
    (entry,) = [e for e in rig.store.timeline(rig.message.incident_id) if e.kind == TimelineKind.DELIVERY_FAILED]
    assert "3 unknown" in entry.text
    assert isinstance(rig.sender.operators, NoOperators)
    (alert,) = rig.sender.operators.told
    assert alert.text == entry.text


def test_a_bulk_send_that_could_not_connect_once_is_delivered_once_after_our_retry(rig: Rig, sesv2: Any) -> None:
    faults = Faults(sesv2).fail("SendBulkEmail")

    outcome = rig.sender.send(body(rig.message, RECIPIENTS), NOW)

    assert (faults.tried["SendBulkEmail"], faults.committed["SendBulkEmail"]) == (2, 1)
    assert outcome.record is not None and (outcome.record.delivered, outcome.record.unknown) == (3, 0)
    assert Counter(sent_to()) == Counter(dict.fromkeys(RECIPIENTS, 1))
