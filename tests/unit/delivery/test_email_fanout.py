"""The email channel and its batches, pure: recipients into batches of 50 on the queue, what a batch email looks
like to SES, pacing, and the sender's once-only and retry rules over in-memory fakes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from incident_comms.delivery.email.batches.content import LITERAL_DATA, bulk_content, template_literal
from incident_comms.delivery.email.batches.logic import batch_totals
from incident_comms.delivery.email.batches.models import (
    MAX_BATCH,
    BatchRecord,
    BatchState,
    BulkEmail,
    EmailBatch,
    EntryResult,
)
from incident_comms.delivery.email.batches.pacing import Pacer
from incident_comms.delivery.email.batches.store import SesRefused, SesThrottled
from incident_comms.delivery.email.batches.use_cases import BatchInFlight, BatchResult, BatchThrottled, EmailBatchSender
from incident_comms.delivery.email.fanout import EmailFanOutChannel, batches
from incident_comms.delivery.publishing import ChannelJob
from incident_comms.drafting.render import ChannelDraft
from incident_comms.incidents.models import Incident, Message, MessageStatus, TimelineEntry, TimelineKind
from incident_comms.incidents.store import IncidentStore
from incident_comms.local.ses_bulk import render
from incident_comms.plan.models import ChannelKind, Plan
from incident_comms.subscribers.directory import Added, ImportReport
from incident_comms.subscribers.models import Subscriber
from incident_comms.subscribers.tokens import verify_unsubscribe_token
from tests.factories import opened_incident

KEY = b"k" * 64
BASE_URL = "https://incidents.example.com"
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)


def addresses(count: int) -> list[str]:
    return [f"customer{n:05d}@cliente.example" for n in range(count)]


def approved(plan: Plan) -> tuple[Incident, Message]:
    incident, message = opened_incident(plan)
    return incident, message.model_copy(update={"status": MessageStatus.APPROVED})


# --- batches on the queue --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "sizes"), [(0, []), (1, [1]), (50, [50]), (51, [50, 1]), (10_000, [50] * 200)])
def test_recipients_go_in_batches_of_at_most_fifty_in_order(count: int, sizes: list[int]) -> None:
    found = list(batches(addresses(count)))

    assert [len(batch) for batch in found] == sizes
    assert [address for batch in found for address in batch] == addresses(count)


class FixedDirectory:
    """A directory that answers fixed recipients and records what it was asked."""

    def __init__(self, recipients: list[str]) -> None:
        self._recipients = recipients
        self.asked: list[tuple[str, str, str]] = []

    def recipients(self, component: str, audience: str, locale: str) -> Iterator[str]:
        self.asked.append((component, audience, locale))
        return iter(self._recipients)

    def add(self, subscriber: Subscriber, *, resubscribe: bool = False) -> Added:
        raise AssertionError("not used")

    def remove(self, email: str) -> bool:
        raise AssertionError("not used")

    def list(self, component: str | None = None) -> Iterator[Subscriber]:
        raise AssertionError("not used")

    def import_csv(self, rows: Iterable[Subscriber]) -> ImportReport:
        raise AssertionError("not used")

    def unsubscribe(self, email: str) -> bool:
        raise AssertionError("not used")


@dataclass
class RecordingSqs:
    """send_message_batch only; ``refuse`` names entry ids SQS fails, ``raise_on`` call numbers that raise."""

    refuse: set[str] = field(default_factory=set)
    raise_on: set[int] = field(default_factory=set)
    calls: list[list[dict[str, str]]] = field(default_factory=list)

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        assert QueueUrl == "https://sqs.example/batches"
        self.calls.append(Entries)
        if len(self.calls) in self.raise_on:
            raise ConnectionError("SQS unreachable")
        return {
            "Successful": [{"Id": e["Id"]} for e in Entries if e["Id"] not in self.refuse],
            "Failed": [
                {"Id": e["Id"], "Code": "KmsThrottled", "Message": "slow down"}
                for e in Entries
                if e["Id"] in self.refuse
            ],
        }

    def bodies(self) -> list[EmailBatch]:
        return [EmailBatch.model_validate_json(entry["MessageBody"]) for call in self.calls for entry in call]


def job(plan: Plan, channel_id: str = "email-customers-es") -> ChannelJob:
    incident, message = approved(plan)
    channel = next(c for c in plan.channels.channels if c.id == channel_id)
    draft = next(d for d in message.drafts if d.channel_id == channel_id)
    return ChannelJob(plan, incident, message, draft, channel, NOW)


def channel_for(recipients: list[str], sqs: RecordingSqs) -> tuple[EmailFanOutChannel, FixedDirectory]:
    directory = FixedDirectory(recipients)
    return EmailFanOutChannel(directory, cast(Any, sqs), "https://sqs.example/batches"), directory


def test_the_channel_queues_numbered_batches_of_addresses_ten_to_an_sqs_call(plan: Plan) -> None:
    sqs = RecordingSqs()
    channel, directory = channel_for(addresses(1_020), sqs)
    the_job = job(plan, "email-customers-en")

    result = channel.publish(the_job)

    assert directory.asked == [("api", "customers_intl", "en")]
    assert [len(call) for call in sqs.calls] == [10, 10, 1]
    bodies = sqs.bodies()
    assert [(b.batch, b.batches, len(b.recipients)) for b in bodies] == [(n, 21, 50) for n in range(1, 21)] + [
        (21, 21, 20)
    ]
    assert {(b.incident_id, b.message_id, b.version, b.channel_id) for b in bodies} == {
        (the_job.incident.id, the_job.message.id, the_job.message.version, "email-customers-en")
    }
    assert [a for b in bodies for a in b.recipients] == addresses(1_020)
    assert the_job.draft.text[:30] not in sqs.calls[0][0]["MessageBody"]  # the sender reads the text from the store
    assert (result.attempted, result.delivered, result.failed) == (1_020, 1_020, 0)
    assert result.detail == "21 batches of up to 50 queued for the email sender"


def test_an_address_listed_twice_gets_one_email(plan: Plan) -> None:
    sqs = RecordingSqs()
    channel, _ = channel_for(["a@x.example", "b@x.example", "A@X.example"], sqs)

    result = channel.publish(job(plan))

    assert [b.recipients for b in sqs.bodies()] == [["a@x.example", "b@x.example"]]
    assert result.attempted == 2


def test_an_address_ses_cannot_take_is_counted_failed_and_holds_up_nobody_else(plan: Plan) -> None:
    sqs = RecordingSqs()
    channel, _ = channel_for(["a@x.example", "ñandú@x.example", "b@x.example"], sqs)

    result = channel.publish(job(plan))

    assert [b.recipients for b in sqs.bodies()] == [["a@x.example", "b@x.example"]]
    assert (result.attempted, result.delivered, result.failed) == (3, 2, 1)
    assert result.detail is not None and result.detail.endswith("1 addresses in the contact list SES cannot send to")


def test_no_subscribers_is_nothing_to_attempt_not_a_failure(plan: Plan) -> None:
    sqs = RecordingSqs()
    channel, _ = channel_for([], sqs)

    result = channel.publish(job(plan))

    assert (result.attempted, result.delivered, result.failed) == (0, 0, 0)
    assert result.detail == "no subscribers to api in customers_es (es)"
    assert sqs.calls == []


def test_batches_sqs_refuses_are_counted_failed_and_the_others_still_go(plan: Plan) -> None:
    sqs = RecordingSqs(refuse={"b3"}, raise_on={2})
    channel, _ = channel_for(addresses(1_020), sqs)

    result = channel.publish(job(plan))

    assert len(sqs.calls) == 3
    assert (result.attempted, result.delivered, result.failed) == (1_020, 1_020 - 50 - 500, 50 + 500)
    assert result.detail is not None and result.detail.startswith("SQS refused the batches of 550 recipients")


def test_without_its_queue_the_channel_raises_so_the_publisher_records_it(plan: Plan) -> None:
    channel = EmailFanOutChannel(FixedDirectory(["a@x.example"]), cast(Any, RecordingSqs()), "")

    with pytest.raises(RuntimeError, match="EMAIL_BATCH_QUEUE_URL is not set"):
        channel.publish(job(plan))


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"recipients": []}, "recipients"),
        ({"recipients": addresses(51)}, "recipients"),
        ({"recipients": ["a@x.example", "A@x.example"]}, "recipients"),
        ({"recipients": ["not-an-address"]}, "recipients"),
        ({"batch": 3, "batches": 2}, "batch number beyond"),
        ({"version": 0}, "version"),
    ],
)
def test_a_batch_body_is_checked_when_read(change: dict[str, Any], problem: str) -> None:
    body = {
        "incident_id": "INC-1",
        "message_id": "m-1",
        "version": 1,
        "channel_id": "email-customers-es",
        "batch": 1,
        "batches": 1,
        "recipients": ["a@x.example"],
    }
    with pytest.raises(ValueError, match=problem):
        EmailBatch.model_validate({**body, **change})


# --- what SES is given -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "plain text",
        "{{unsubscribe_url}} {{{html}}} {{#each x}}{{/each}}",
        "\\{{escaped}} \\\\{{double}} {\\{ }}",
        "{{{{raw}}}}",
        "}} {{ {",
        "<script>alert(1)</script> & ' \" ` =",
    ],
)
def test_draft_text_renders_back_to_itself_however_many_braces_it_holds(text: str) -> None:
    literal = template_literal(text)

    assert "{{" not in literal.replace("{{ob}}", "").replace("{{bs}}", "")
    assert "\\" not in literal
    assert render(literal, LITERAL_DATA) == text  # the draft is template text, never a value to escape


def test_the_bulk_content_is_the_draft_plus_a_localized_unsubscribe_footer(plan: Plan) -> None:
    _, message = approved(plan)
    spanish = next(d for d in message.drafts if d.channel_id == "email-customers-es")
    english = next(d for d in message.drafts if d.channel_id == "email-customers-en")

    subject, text, html = bulk_content(spanish)
    data = {**LITERAL_DATA, "unsubscribe_url": "https://u.example/unsubscribe/t", "manage_url": "https://u.example/m"}

    assert render(subject, data) == spanish.subject
    assert render(text, data).startswith(spanish.text)
    assert render(text, data).endswith(
        "Recibe este correo porque se suscribió a los avisos de incidentes.\n"
        "Para cambiar los servicios o el idioma: https://u.example/m\n"
        "Para darse de baja: https://u.example/unsubscribe/t\n"
    )
    assert html is not None and spanish.html is not None
    rendered = render(html, data)
    assert rendered.endswith("</body>\n</html>")
    assert '<a href="https://u.example/unsubscribe/t"' in rendered and "Darse de baja" in rendered
    assert '<a href="https://u.example/m"' in rendered and "Cambiar servicios o idioma" in rendered
    assert rendered.index("Darse de baja") > rendered.index("Próxima actualización")
    assert "Recibes" not in rendered + render(text, data) and "darte" not in rendered + render(text, data)
    english_text = render(bulk_content(english)[1], data)
    assert "To unsubscribe: https://u.example/unsubscribe/t" in english_text
    assert "To change the services or the language: https://u.example/m" in english_text


def test_a_hostile_draft_stays_text_in_every_part() -> None:
    draft = ChannelDraft(
        channel_id="email-customers-es",
        kind=ChannelKind.EMAIL,
        format="email",
        locale="es",
        subject="Caída {{unsubscribe_url}}\r\nBcc: x@evil.example",
        text="{{unsubscribe_url}} \\{{ob}}",
        html="<html><body><p>{{unsubscribe_url}}</p></body></html>",
    )
    data = {**LITERAL_DATA, "unsubscribe_url": "https://u.example/unsubscribe/t", "manage_url": "https://u.example/m"}

    subject, text, html = bulk_content(draft)

    assert render(subject, data) == "Caída {{unsubscribe_url}} Bcc: x@evil.example"
    assert render(text, data).startswith("{{unsubscribe_url}} \\{{ob}}\n")
    assert html is not None and render(html, data).startswith("<html><body><p>{{unsubscribe_url}}</p>")


# --- pacing ----------------------------------------------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_pacer_lets_one_batch_go_at_once_and_keeps_the_sustained_rate() -> None:
    time = FakeTime()
    pacer = Pacer(10, clock=time.clock, sleep=time.sleep)

    for _ in range(4):
        pacer.wait_for(50)

    assert time.slept == [5.0, 5.0, 5.0]  # 200 emails at 10/s: the last call starts at 15 s, done by 20 s
    time.now += 60
    assert pacer.wait_for(50) == 0.0  # a quiet minute later nobody waits


def test_a_non_positive_rate_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="positive"):
        Pacer(0)


# --- the sender's rules, over fakes ----------------------------------------------------------------------------


@dataclass
class MemoryLedger:
    records: dict[tuple[str, str, int, str, int], BatchRecord] = field(default_factory=dict)

    @staticmethod
    def key(record: BatchRecord) -> tuple[str, str, int, str, int]:
        return (record.incident_id, record.message_id, record.version, record.channel_id, record.batch)

    def claim(self, record: BatchRecord) -> BatchRecord | None:
        earlier = self.records.get(self.key(record))
        if earlier is not None and earlier.state != BatchState.RELEASED:
            return earlier
        self.records[self.key(record)] = record
        return None

    def finish(self, record: BatchRecord) -> None:
        assert self.key(record) in self.records
        self.records[self.key(record)] = record

    def release(self, record: BatchRecord) -> None:
        assert self.records[self.key(record)].state == BatchState.SENDING
        self.records[self.key(record)] = record.model_copy(update={"state": BatchState.RELEASED})

    def batches(self, incident_id: str) -> list[BatchRecord]:
        return [r for r in self.records.values() if r.incident_id == incident_id]


@dataclass
class MemoryStore:
    message: Message | None
    timeline: list[TimelineEntry] = field(default_factory=list)

    def get_message(self, incident_id: str, message_id: str) -> Message | None:
        message = self.message
        return (
            message if message is not None and (message.incident_id, message.id) == (incident_id, message_id) else None
        )

    def add_timeline_entry(self, entry: TimelineEntry) -> None:
        self.timeline.append(entry)


@dataclass
class ScriptedSes:
    """Answers each call with the next scripted step: an exception to raise, or statuses by address."""

    script: list[Exception | dict[str, str]] = field(default_factory=list)
    calls: list[BulkEmail] = field(default_factory=list)

    def send_bulk(self, email: BulkEmail) -> list[EntryResult]:
        self.calls.append(email)
        step = self.script.pop(0) if self.script else {}
        if isinstance(step, Exception):
            raise step
        return [EntryResult(e.address, step.get(e.address, "SUCCESS"), message_id="m") for e in email.entries]


@dataclass
class Rig:
    store: MemoryStore
    ledger: MemoryLedger
    ses: ScriptedSes
    sender: EmailBatchSender
    slept: list[float]
    body: dict[str, Any]


@pytest.fixture
def rig(plan: Plan) -> Rig:
    incident, message = approved(plan)
    store, ledger, ses = MemoryStore(message), MemoryLedger(), ScriptedSes()
    slept: list[float] = []
    sender = EmailBatchSender(
        store=cast(IncidentStore, store),
        ledger=ledger,
        ses=ses,
        unsubscribe_key=lambda: KEY,
        base_url=BASE_URL,
        pacer=Pacer(1_000_000, sleep=lambda s: None),
        sleep=slept.append,
        jitter=lambda: 1.0,
    )
    body = EmailBatch(
        incident_id=incident.id,
        message_id=message.id,
        version=1,
        channel_id="email-customers-es",
        batch=2,
        batches=3,
        recipients=["a@x.example", "b@x.example", "c@x.example"],
    ).model_dump(mode="json")
    return Rig(store, ledger, ses, sender, slept, body)


def test_one_batch_is_one_call_with_each_recipients_own_unsubscribe_headers(rig: Rig) -> None:
    outcome = rig.sender.send(rig.body, NOW)

    assert outcome.result == BatchResult.SENT and outcome.ses_calls == 1
    (call,) = rig.ses.calls
    assert [entry.address for entry in call.entries] == ["a@x.example", "b@x.example", "c@x.example"]
    for entry in call.entries:
        headers = dict(entry.headers)
        url = entry.data["unsubscribe_url"]
        assert headers == {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        assert url.startswith(f"{BASE_URL}/unsubscribe/")
        assert verify_unsubscribe_token(url.rsplit("/", 1)[1], KEY) == entry.address
    record = outcome.record
    assert record is not None
    assert (record.state, record.attempted, record.delivered, record.failed) == (BatchState.SENT, 3, 3, 0)
    assert rig.store.timeline == []


def test_a_batch_and_its_retries_go_in_the_customers_thread_of_the_incident(rig: Rig) -> None:
    rig.ses.script = [{"b@x.example": "TRANSIENT_FAILURE"}]

    rig.sender.send(rig.body, NOW)

    assert [call.thread for call in rig.ses.calls] == [f"{rig.body['incident_id']}/customers"] * 2


def test_a_redelivered_batch_sends_nothing(rig: Rig) -> None:
    rig.sender.send(rig.body, NOW)

    again = rig.sender.send(rig.body, NOW + timedelta(minutes=1))

    assert again.result == BatchResult.DUPLICATE
    assert len(rig.ses.calls) == 1


def test_a_throttled_call_is_retried_with_backoff_and_sent(rig: Rig) -> None:
    rig.ses.script = [SesThrottled("TooManyRequestsException"), SesThrottled("TooManyRequestsException")]

    outcome = rig.sender.send(rig.body, NOW)

    assert outcome.result == BatchResult.SENT and outcome.ses_calls == 3
    assert rig.slept == [1.0, 2.0]
    assert outcome.record is not None and outcome.record.delivered == 3


def test_a_throttle_that_persists_hands_the_batch_back_to_the_queue(rig: Rig) -> None:
    rig.ses.script = [SesThrottled("TooManyRequestsException")] * 4

    with pytest.raises(BatchThrottled):
        rig.sender.send(rig.body, NOW)

    (record,) = rig.ledger.records.values()
    assert record.state == BatchState.RELEASED
    assert rig.sender.send(rig.body, NOW).result == BatchResult.SENT  # the redelivery claims it again
    assert len(rig.ses.calls) == 5


def test_on_the_last_delivery_a_persistent_throttle_is_recorded_as_failed(rig: Rig) -> None:
    rig.ses.script = [SesThrottled("TooManyRequestsException")] * 4

    outcome = rig.sender.send(rig.body, NOW, last_attempt=True)

    assert outcome.record is not None and (outcome.record.delivered, outcome.record.failed) == (0, 3)
    (entry,) = rig.store.timeline
    assert entry.kind == TimelineKind.DELIVERY_FAILED
    assert entry.text.startswith("email-customers-es: batch 2 of 3: 0 of 3 emails accepted by SES, 3 failed")


def test_entries_ses_rejects_are_failed_and_transient_ones_retried_alone(rig: Rig) -> None:
    rig.ses.script = [{"b@x.example": "MESSAGE_REJECTED", "c@x.example": "TRANSIENT_FAILURE"}]

    outcome = rig.sender.send(rig.body, NOW)

    assert [[e.address for e in call.entries] for call in rig.ses.calls] == [
        ["a@x.example", "b@x.example", "c@x.example"],
        ["c@x.example"],
    ]
    record = outcome.record
    assert record is not None and (record.delivered, record.failed) == (2, 1)
    assert [(f.address, f.status) for f in record.failures] == [("b@x.example", "MESSAGE_REJECTED")]
    (entry,) = rig.store.timeline
    assert entry.data["email_batch"]["failures"][0]["address"] == "b@x.example"


def test_an_entry_that_stays_transient_is_failed_with_its_status_and_the_others_kept(rig: Rig) -> None:
    rig.ses.script = [{"c@x.example": "TRANSIENT_FAILURE"}] * 4

    outcome = rig.sender.send(rig.body, NOW)

    assert len(rig.ses.calls) == 4
    record = outcome.record
    assert record is not None and (record.delivered, record.failed) == (2, 1)
    assert [(f.address, f.status) for f in record.failures] == [("c@x.example", "TRANSIENT_FAILURE")]
    assert record.detail == "still refused after 4 SES calls (throttling or transient failures)"


def test_a_call_ses_refuses_fails_the_batch_visibly(rig: Rig) -> None:
    rig.ses.script = [SesRefused("MessageRejected", "Email address is not verified.")]

    outcome = rig.sender.send(rig.body, NOW)

    assert outcome.record is not None and outcome.record.failed == 3
    assert "MessageRejected: Email address is not verified." in rig.store.timeline[0].text
    assert len(rig.ses.calls) == 1


def test_when_ses_does_not_answer_the_batch_is_unknown_and_never_resent(rig: Rig) -> None:
    rig.ses.script = [TimeoutError("read timed out")]

    outcome = rig.sender.send(rig.body, NOW)

    assert outcome.record is not None and (outcome.record.unknown, outcome.record.failed) == (3, 0)
    assert "SES did not answer (TimeoutError: read timed out)" in rig.store.timeline[0].text
    assert rig.sender.send(rig.body, NOW).result == BatchResult.DUPLICATE
    assert len(rig.ses.calls) == 1


def test_a_batch_being_sent_elsewhere_waits_and_one_that_never_finished_is_reported(rig: Rig) -> None:
    claim = BatchRecord.claim_of(EmailBatch.model_validate(rig.body), NOW)
    rig.ledger.claim(claim)

    with pytest.raises(BatchInFlight):
        rig.sender.send(rig.body, NOW + timedelta(minutes=1))
    outcome = rig.sender.send(rig.body, NOW + timedelta(minutes=6))

    assert outcome.result == BatchResult.DUPLICATE and rig.ses.calls == []
    assert outcome.record is not None and outcome.record.unknown == 3
    assert "never finished; not resent" in rig.store.timeline[0].text


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": MessageStatus.AWAITING_APPROVAL}, "message is awaiting_approval at version 1, not approved at 1"),
        ({"version": 2}, "message is approved at version 2, not approved at 1"),
        ({"drafts": []}, "the message has no draft for email-customers-es"),
    ],
)
def test_a_message_that_is_not_publishable_sends_nothing_and_says_so(
    rig: Rig, change: dict[str, Any], reason: str
) -> None:
    assert rig.store.message is not None
    rig.store.message = rig.store.message.model_copy(update=change)

    outcome = rig.sender.send(rig.body, NOW)

    assert (outcome.result, outcome.reason) == (BatchResult.NOT_PUBLISHABLE, reason)
    assert rig.ses.calls == []
    assert outcome.record is not None and outcome.record.failed == 3
    assert reason in rig.store.timeline[0].text


def test_a_body_that_is_not_a_batch_is_rejected_and_records_nothing(rig: Rig) -> None:
    outcome = rig.sender.send({"incident_id": "INC-1", "recipients": "everyone"}, NOW)

    assert outcome.result == BatchResult.REJECTED
    assert outcome.reason is not None and "recipients" in outcome.reason and "everyone" not in outcome.reason
    assert rig.ledger.records == {} and rig.ses.calls == []


@pytest.mark.parametrize("base_url", ["", "https://x.example/?a=b", "https://x.example/<x>"])
def test_without_a_plain_base_url_there_is_no_unsubscribe_link_so_nothing_is_sent(rig: Rig, base_url: str) -> None:
    with pytest.raises(ValueError, match="APPROVALS_BASE_URL"):
        EmailBatchSender(
            store=rig.sender.store,
            ledger=rig.ledger,
            ses=rig.ses,
            unsubscribe_key=lambda: KEY,
            base_url=base_url,
            pacer=Pacer(1),
        )


def test_batch_totals_add_up_what_ses_accepted_per_message_and_channel() -> None:
    def record(batch: int, channel: str, delivered: int, failed: int, state: BatchState) -> BatchRecord:
        return BatchRecord(
            incident_id="INC-1",
            message_id="m-1",
            version=1,
            channel_id=channel,
            batch=batch,
            batches=3,
            state=state,
            claimed_at=NOW,
            attempted=delivered + failed,
            delivered=delivered,
            failed=failed,
        )

    totals = batch_totals(
        [
            record(1, "email-customers-es", 50, 0, BatchState.SENT),
            record(2, "email-customers-es", 42, 8, BatchState.SENT),
            record(3, "email-customers-es", 0, 0, BatchState.SENDING),
            record(1, "email-customers-en", 7, 0, BatchState.SENT),
        ]
    )

    es = totals[("m-1", 1, "email-customers-es")]
    assert (es.batches, es.attempted, es.delivered, es.failed, es.unfinished) == (3, 100, 92, 8, 1)
    assert totals[("m-1", 1, "email-customers-en")].delivered == 7


def test_the_batch_size_is_ses_bulk_limit() -> None:
    assert MAX_BATCH == 50
    assert json.loads(json.dumps(dict(LITERAL_DATA))) == {"ob": "{", "bs": "\\"}
