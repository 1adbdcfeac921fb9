"""The delivery report: per-channel math from deliveries, batch records and bounces; the summary line; the one
email to the communications lead, sent once; the schedule the publisher arms for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import pytest

from incident_comms.delivery.email.batches.models import BatchRecord, BatchState, EntryFailure
from incident_comms.delivery.email.bounces import BounceRecord, FeedbackKind
from incident_comms.delivery.publishing import PublishReport, PublishResult
from incident_comms.delivery.report.emails import PROBLEMS_PER_CHANNEL, REPORT_ROLE, report_recipients, report_subject
from incident_comms.delivery.report.logic import delivery_report
from incident_comms.delivery.report.models import ProblemKind, ReportClaim, ReportState
from incident_comms.delivery.report.use_cases import (
    ReportNotSent,
    ReportResult,
    record_outcome,
    schedule_report,
    send_delivery_report,
)
from incident_comms.incidents.models import Delivery, Incident, Message, MessageStatus, TimelineEntry, TimelineKind
from incident_comms.incidents.store import IncidentStore
from incident_comms.plan.models import Plan
from incident_comms.team.emails import Email, approver_addresses
from tests.factories import OPENED, opened_incident

PUBLISHED = OPENED + timedelta(minutes=5)
REPORTED = PUBLISHED + timedelta(minutes=15)
ES = "email-customers-es"
EN = "email-customers-en"


# --- records ----------------------------------------------------------------------------------------------------


@pytest.fixture
def published(plan: Plan) -> tuple[Incident, Message]:
    incident, message = opened_incident(plan)
    return incident, message.model_copy(update={"status": MessageStatus.APPROVED, "decided_at": PUBLISHED})


def delivery(
    message: Message,
    channel_id: str,
    attempted: int,
    delivered: int | None = None,
    failed: int = 0,
    *,
    kind: str = "email",
    detail: str | None = None,
    finished: bool = True,
    version: int = 1,
) -> Delivery:
    return Delivery(
        incident_id=message.incident_id,
        message_id=message.id,
        version=version,
        channel_id=channel_id,
        kind=kind,
        claimed_at=PUBLISHED,
        finished_at=PUBLISHED if finished else None,
        attempted=attempted,
        delivered=attempted - failed if delivered is None else delivered,
        failed=failed,
        detail=detail,
    )


def batches(
    message: Message,
    channel_id: str,
    recipients: int,
    *,
    refused: dict[int, int] | None = None,
    unknown: dict[int, int] | None = None,
    sending: frozenset[int] = frozenset(),
    version: int = 1,
) -> list[BatchRecord]:
    """The sender's records of ``recipients`` queued in batches of 50: batch numbers in ``sending`` unfinished,
    ``refused`` / ``unknown`` recipients per batch number; everyone else accepted by SES."""
    sizes = [min(50, recipients - start) for start in range(0, recipients, 50)]
    records = []
    for number, size in enumerate(sizes, start=1):
        failed = (refused or {}).get(number, 0)
        lost = (unknown or {}).get(number, 0)
        finished = number not in sending
        records.append(
            BatchRecord(
                incident_id=message.incident_id,
                message_id=message.id,
                version=version,
                channel_id=channel_id,
                batch=number,
                batches=len(sizes),
                state=BatchState.SENT if finished else BatchState.SENDING,
                claimed_at=PUBLISHED,
                finished_at=PUBLISHED if finished else None,
                attempted=size,
                delivered=size - failed - lost if finished else 0,
                failed=failed if finished else 0,
                unknown=lost if finished else 0,
                detail="SES did not answer (ReadTimeoutError)" if lost else None,
                failures=[
                    EntryFailure(
                        address=f"refused{number}-{i}@client.example", status="FAILED", error="MessageRejected"
                    )
                    for i in range(failed)
                ],
            )
        )
    return records


def bounces(
    message: Message, channel_id: str, count: int, kind: FeedbackKind = FeedbackKind.BOUNCE, version: int = 1
) -> list[BounceRecord]:
    return [
        BounceRecord(
            incident_id=message.incident_id,
            message_id=message.id,
            version=version,
            channel_id=channel_id,
            address=f"{kind.value}{i}@client.example",
            kind=kind,
            at=PUBLISHED + timedelta(minutes=3),
            detail="Permanent/General" if kind == FeedbackKind.BOUNCE else "abuse",
        )
        for i in range(count)
    ]


# --- the summary line -------------------------------------------------------------------------------------------


def test_the_issues_example_reads_312_of_320_delivered_8_bounced(published: tuple[Incident, Message]) -> None:
    _, message = published

    report = delivery_report(message, [delivery(message, ES, 320)], batches(message, ES, 320), bounces(message, ES, 8))

    assert report.summary("en") == "312 of 320 delivered, 8 bounced"
    assert report.summary("es") == "312 de 320 entregados, 8 rebotados"
    (channel,) = report.channels
    assert channel.counts.as_dict() == {
        "attempted": 320,
        "delivered": 312,
        "failed": 0,
        "bounced": 8,
        "complaints": 0,
        "pending": 0,
    }


def test_failed_and_still_sending_are_said_only_when_not_zero(published: tuple[Incident, Message]) -> None:
    _, message = published
    records = batches(message, ES, 303, refused={2: 2}, sending=frozenset({7}))

    report = delivery_report(message, [delivery(message, ES, 303)], records, bounces(message, ES, 8))

    assert report.summary("en") == "290 of 303 delivered, 8 bounced, 2 failed, 3 still sending"
    assert report.summary("es") == "290 de 303 entregados, 8 rebotados, 2 fallidos, 3 aún enviándose"
    assert delivery_report(message, [delivery(message, ES, 50)], batches(message, ES, 50), []).summary("en") == (
        "50 of 50 delivered"
    )


def test_one_of_each_reads_in_the_singular(published: tuple[Incident, Message]) -> None:
    _, message = published
    records = batches(message, ES, 53, refused={1: 1}, sending=frozenset({2}))

    report = delivery_report(message, [delivery(message, ES, 53)], records, bounces(message, ES, 1))

    assert report.summary("es") == "48 de 53 entregados, 1 rebotado, 1 fallido, 3 aún enviándose"
    assert report.summary("en") == "48 of 53 delivered, 1 bounced, 1 failed, 3 still sending"


def test_the_phase_leaves_the_subject_before_the_numbers_are_cut(
    plan: Plan, published: tuple[Incident, Message]
) -> None:
    incident, message = published
    records = batches(message, ES, 303, refused={2: 2}, sending=frozenset({7}))
    report = delivery_report(message, [delivery(message, ES, 303)], records, bounces(message, ES, 18))

    subject = report_subject(plan, incident, message, report)

    assert subject == "[SEV1] API pública — 280 de 303 entregados, 18 rebotados, 2 fallidos, 3 aún enviándose"


def test_a_locale_we_have_no_words_for_reads_english(published: tuple[Incident, Message]) -> None:
    _, message = published

    report = delivery_report(message, [delivery(message, ES, 2)], batches(message, ES, 2), [])

    assert report.summary("pt-BR") == "2 of 2 delivered"


# --- per-channel math -------------------------------------------------------------------------------------------


def test_email_counts_come_from_the_sender_and_bounces_not_from_what_was_queued(
    published: tuple[Incident, Message],
) -> None:
    _, message = published
    # 120 subscribers: 2 addresses SES cannot take and 10 whose batch SQS refused never got queued (failed in the
    # delivery); of the 108 queued, SES refused 1, never answered for 2, and 50 are in batches not yet claimed.
    queued = delivery(message, ES, 120, delivered=108, failed=12, detail="SQS refused the batches of 10 recipients")
    records = batches(message, ES, 58, refused={1: 1}, unknown={2: 2})
    feedback = bounces(message, ES, 3) + bounces(message, ES, 2, FeedbackKind.COMPLAINT)

    (channel,) = delivery_report(message, [queued], records, feedback).channels

    assert channel.counts.as_dict() == {
        "attempted": 120,
        "delivered": 52,  # 58 - 1 refused - 2 unknown = 55 accepted, minus 3 bounced; complaints were delivered
        "failed": 15,  # 12 never queued + 1 refused + 2 unknown
        "bounced": 3,
        "complaints": 2,
        "pending": 50,
    }
    c = channel.counts
    assert c.delivered + c.bounced + c.failed + c.pending == c.attempted
    kinds = [problem.kind for problem in channel.problems]
    assert kinds.count(ProblemKind.BOUNCE) == 3 and kinds.count(ProblemKind.COMPLAINT) == 2
    assert kinds.count(ProblemKind.FAILED) == 1
    details = [problem.detail for problem in channel.problems if problem.kind == ProblemKind.CHANNEL]
    assert details[0] == "SQS refused the batches of 10 recipients"
    assert "2 emails with no answer from SES" in details[1]


def test_other_channels_count_what_their_delivery_says(published: tuple[Incident, Message]) -> None:
    _, message = published
    deliveries = [
        delivery(message, "sms-customers", 1, kind="sns"),
        delivery(message, "chat-incidents", 1, failed=1, kind="webhook", detail="HTTP 404 from the webhook"),
        delivery(message, "status-page", 1, kind="status_page"),
    ]

    report = delivery_report(message, deliveries, [], [])

    counts = {channel.channel_id: channel.counts.as_dict() for channel in report.channels}
    assert counts["chat-incidents"] == {
        "attempted": 1,
        "delivered": 0,
        "failed": 1,
        "bounced": 0,
        "complaints": 0,
        "pending": 0,
    }
    assert counts["sms-customers"]["delivered"] == 1
    assert [channel.channel_id for channel in report.channels] == [
        d.channel_id for d in message.drafts if d.channel_id in counts
    ]
    (problem,) = next(c for c in report.channels if c.channel_id == "chat-incidents").problems
    assert problem.detail == "HTTP 404 from the webhook"
    # nobody reached by email: the line counts every channel's deliveries
    assert report.summary("en") == "2 of 3 delivered, 1 failed"


def test_a_failed_channel_besides_email_is_added_to_the_email_line(published: tuple[Incident, Message]) -> None:
    _, message = published
    deliveries = [
        delivery(message, ES, 4),
        delivery(message, "chat-incidents", 1, failed=1, kind="webhook"),
        delivery(message, "status-page", 1, kind="status_page", finished=False),
        delivery(message, "sms-customers", 1, kind="sns"),
    ]

    report = delivery_report(message, deliveries, batches(message, ES, 4), [])

    assert report.summary("en") == "4 of 4 delivered, 2 more channels failed"
    assert report.summary("es") == "4 de 4 entregados, 2 canales más con fallos"
    unfinished = next(c for c in report.channels if c.channel_id == "status-page")
    assert "never finished" in unfinished.problems[0].detail


def test_records_of_other_messages_and_versions_are_not_counted(published: tuple[Incident, Message]) -> None:
    _, message = published
    other = message.model_copy(update={"id": "update-00000000"})
    noise_deliveries = [delivery(other, ES, 500), delivery(message, ES, 700, version=2)]
    noise_batches = batches(other, ES, 500) + batches(message, ES, 700, version=2)
    noise_bounces = bounces(other, ES, 40) + bounces(message, ES, 30, version=2)

    report = delivery_report(
        message,
        [delivery(message, ES, 10), *noise_deliveries],
        batches(message, ES, 10) + noise_batches,
        bounces(message, ES, 1) + noise_bounces,
        version=1,
    )

    assert report.summary("en") == "9 of 10 delivered, 1 bounced"
    second = delivery_report(message, noise_deliveries, noise_batches, noise_bounces, version=2)
    assert second.summary("en") == "670 of 700 delivered, 30 bounced"


def test_nothing_published_is_nothing_to_report(published: tuple[Incident, Message]) -> None:
    _, message = published

    report = delivery_report(message, [], batches(message, ES, 10), bounces(message, ES, 1))

    assert report.nothing_to_report
    assert report.channels == () and report.totals.attempted == 0
    assert report.summary("es") == "nada publicado"


def test_a_channel_nobody_subscribed_to_reports_zeros_and_the_line_counts_the_others(
    published: tuple[Incident, Message],
) -> None:
    _, message = published
    nobody = delivery(message, EN, 0, detail="no subscribers to api in customers_intl (en)")

    report = delivery_report(message, [nobody, delivery(message, "status-page", 1, kind="status_page")], [], [])

    assert report.channels[0].counts.attempted == 0 and report.channels[0].problems == ()
    assert report.summary("en") == "1 of 1 delivered"


# --- the email --------------------------------------------------------------------------------------------------


@dataclass
class FakeStore:
    incident: Incident
    message: Message
    delivered: list[Delivery] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)

    def deliveries(self, incident_id: str) -> list[Delivery]:
        return [d for d in self.delivered if d.incident_id == incident_id]

    def get_incident(self, incident_id: str) -> Incident | None:
        return self.incident if incident_id == self.incident.id else None

    def get_message(self, incident_id: str, message_id: str) -> Message | None:
        return self.message if (incident_id, message_id) == (self.incident.id, self.message.id) else None

    def add_timeline_entry(self, entry: TimelineEntry) -> None:
        self.timeline.append(entry)

    def as_store(self) -> IncidentStore:
        return cast(IncidentStore, self)


@dataclass
class FakeBatchLedger:
    records: list[BatchRecord] = field(default_factory=list)

    def claim(self, record: BatchRecord) -> BatchRecord | None:
        raise AssertionError("the report only reads batch records")

    def finish(self, record: BatchRecord) -> None:
        raise AssertionError("the report only reads batch records")

    def release(self, record: BatchRecord) -> None:
        raise AssertionError("the report only reads batch records")

    def batches(self, incident_id: str) -> list[BatchRecord]:
        return [record for record in self.records if record.incident_id == incident_id]


@dataclass
class FakeBounceLedger:
    records: list[BounceRecord] = field(default_factory=list)

    def record_bounce(self, record: BounceRecord) -> bool:
        raise AssertionError("the report only reads bounces")

    def bounces(self, incident_id: str) -> list[BounceRecord]:
        return [record for record in self.records if record.incident_id == incident_id]


@dataclass
class FakeReportLedger:
    """Claims by message version, with the conditional-put rule of the DynamoDB ledger."""

    claims: dict[tuple[str, str, int], ReportClaim] = field(default_factory=dict)

    @staticmethod
    def key(claim: ReportClaim) -> tuple[str, str, int]:
        return (claim.incident_id, claim.message_id, claim.version)

    def claim_report(self, claim: ReportClaim) -> ReportClaim | None:
        earlier = self.claims.get(self.key(claim))
        if earlier is None:
            self.claims[self.key(claim)] = claim
        return earlier

    def finish_report(self, claim: ReportClaim) -> None:
        assert self.key(claim) in self.claims
        self.claims[self.key(claim)] = claim

    def release_report(self, claim: ReportClaim) -> None:
        assert self.claims[self.key(claim)].state == ReportState.SENDING
        del self.claims[self.key(claim)]


class FakeSender:
    def __init__(self, refusals: int = 0) -> None:
        self.sent: list[Email] = []
        self.refusals = refusals

    def send(self, email: Email) -> str:
        if self.refusals:
            self.refusals -= 1
            raise RuntimeError("MessageRejected: Email address is not verified.")
        self.sent.append(email)
        return f"id-{len(self.sent)}"


@dataclass
class Rig:
    plan: Plan
    store: FakeStore
    batches: FakeBatchLedger
    bounces: FakeBounceLedger
    ledger: FakeReportLedger
    sender: FakeSender

    def fire(self, event: Any = None, now: datetime = REPORTED) -> Any:
        message = self.store.message
        event = event if event is not None else {"incident_id": message.incident_id, "message_id": message.id}
        if isinstance(event, dict) and "version" not in event and event.get("incident_id") == message.incident_id:
            event = {**event, "version": 1}
        return send_delivery_report(
            event,
            self.plan,
            self.store.as_store(),
            self.batches,
            self.bounces,
            self.ledger,
            self.sender,
            now,
        )


@pytest.fixture
def rig(plan: Plan, published: tuple[Incident, Message]) -> Rig:
    incident, message = published
    deliveries = [
        delivery(message, ES, 320),
        delivery(message, "sms-customers", 1, kind="sns"),
        delivery(message, "chat-incidents", 1, failed=1, kind="webhook", detail="HTTP 410: <b>channel archived</b>"),
    ]
    return Rig(
        plan,
        FakeStore(incident, message, deliveries),
        FakeBatchLedger(batches(message, ES, 320)),
        FakeBounceLedger(bounces(message, ES, 8)),
        FakeReportLedger(),
        FakeSender(),
    )


def comms_lead(plan: Plan) -> list[str]:
    return approver_addresses(plan, [REPORT_ROLE])


def test_the_comms_lead_gets_one_email_with_the_summary_in_the_subject(rig: Rig) -> None:
    outcome = rig.fire()

    assert outcome.result == ReportResult.SENT
    (email,) = rig.sender.sent
    assert email.to == comms_lead(rig.plan) == ["marta.ibanez@nubeteca.example", "jorge.salas@nubeteca.example"]
    assert email.subject == (
        "[SEV1][Investigando] API pública — 312 de 320 entregados, 8 rebotados, 1 canal más con fallos"
    )
    assert len(email.subject) < 100
    assert outcome.summary == "312 de 320 entregados, 8 rebotados, 1 canal más con fallos"
    assert email.headers["X-Incident-Id"] == rig.store.incident.id


def test_the_email_has_the_table_the_failures_and_the_incident(rig: Rig) -> None:
    rig.fire()

    (email,) = rig.sender.sent
    incident, message = rig.store.incident, rig.store.message
    for text in (email.text, email.html):
        assert incident.id in text and f"{message.id} v1" in text
        assert "bounce0@client.example" in text and "Permanent/General" in text
        assert "API pública" in text and "prod-api-5xx" in text
    assert "320 · Entregados: 312 · Rebotados: 8" in email.text
    assert '<td style="text-align: right; padding: 6px 0 6px 8px; border-bottom: 1px solid #e4e4e7;">312</td>' in (
        email.html
    )
    # the webhook's answer is not ours: escaped in HTML, as is in text
    assert "&lt;b&gt;channel archived&lt;/b&gt;" in email.html and "<b>channel archived</b>" not in email.html
    assert "HTTP 410: <b>channel archived</b>" in email.text


def test_long_failure_lists_are_cut_and_counted(rig: Rig) -> None:
    message = rig.store.message
    rig.bounces.records = bounces(message, ES, PROBLEMS_PER_CHANNEL + 12)

    rig.fire()

    (email,) = rig.sender.sent
    assert "y 12 más" in email.text and "y 12 más" in email.html
    assert email.text.count("- rebote · ") == PROBLEMS_PER_CHANNEL


def test_the_report_is_on_the_timeline_with_every_channels_counts(rig: Rig) -> None:
    rig.fire()

    (entry,) = rig.store.timeline
    assert entry.kind == TimelineKind.DELIVERY_REPORT and entry.at == REPORTED
    assert entry.data["summary"] == "312 de 320 entregados, 8 rebotados, 1 canal más con fallos"
    assert entry.data["sent_to"] == comms_lead(rig.plan)
    assert entry.data["channels"][ES] == {
        "attempted": 320,
        "delivered": 312,
        "failed": 0,
        "bounced": 8,
        "complaints": 0,
        "pending": 0,
    }
    assert entry.data["channels"]["chat-incidents"]["failed"] == 1
    assert rig.ledger.claims[(rig.store.incident.id, rig.store.message.id, 1)].state == ReportState.SENT


def test_a_second_firing_sends_nothing_and_writes_nothing(rig: Rig) -> None:
    rig.fire()

    again = rig.fire(now=REPORTED + timedelta(minutes=2))

    assert again.result == ReportResult.DUPLICATE and "sent since" in (again.reason or "")
    assert len(rig.sender.sent) == 1 and len(rig.store.timeline) == 1


def test_a_refused_send_is_on_the_timeline_and_the_retry_sends_it(rig: Rig) -> None:
    rig.sender.refusals = 1

    failed = rig.fire()

    assert failed.result == ReportResult.SEND_FAILED and "MessageRejected" in (failed.reason or "")
    (entry,) = rig.store.timeline
    assert entry.kind == TimelineKind.NOTIFICATION_FAILED
    assert entry.data["notification"] == "delivery_report" and entry.data["message_id"] == rig.store.message.id
    assert "312 de 320 entregados" in entry.text
    assert rig.ledger.claims == {}
    with pytest.raises(ReportNotSent, match="MessageRejected"):
        ReportNotSent.raise_for(failed)

    retried = rig.fire(now=REPORTED + timedelta(minutes=1))

    assert retried.result == ReportResult.SENT and len(rig.sender.sent) == 1
    assert [e.kind for e in rig.store.timeline] == [TimelineKind.NOTIFICATION_FAILED, TimelineKind.DELIVERY_REPORT]


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"incident_id": "INC-1", "message_id": "m-1"},
        {"incident_id": "INC-1", "message_id": "m-1", "version": 0},
        {"incident_id": "INC-1", "message_id": "<script>", "version": 1},
        "not an object",
    ],
    ids=["empty", "no-version", "version-zero", "bad-id", "string"],
)
def test_bad_input_is_rejected_and_changes_nothing(rig: Rig, event: Any) -> None:
    outcome = send_delivery_report(
        event, rig.plan, rig.store.as_store(), rig.batches, rig.bounces, rig.ledger, rig.sender, REPORTED
    )

    assert outcome.result == ReportResult.REJECTED and outcome.reason
    assert "<script>" not in outcome.reason
    assert rig.sender.sent == [] and rig.store.timeline == [] and rig.ledger.claims == {}


def test_nothing_published_sends_nothing_and_claims_nothing(rig: Rig) -> None:
    rig.store.delivered = []

    outcome = rig.fire()

    assert outcome.result == ReportResult.NOTHING_TO_DO
    assert rig.sender.sent == [] and rig.ledger.claims == {} and rig.store.timeline == []
    unknown = rig.fire({"incident_id": rig.store.incident.id, "message_id": "update-ffffffff", "version": 1})
    assert unknown.result == ReportResult.NOTHING_TO_DO and unknown.reason == "no such message"


def test_without_a_bounce_ledger_the_report_still_goes_counting_no_bounces(rig: Rig) -> None:
    message = rig.store.message
    outcome = send_delivery_report(
        {"incident_id": message.incident_id, "message_id": message.id, "version": 1},
        rig.plan,
        rig.store.as_store(),
        rig.batches,
        None,
        rig.ledger,
        rig.sender,
        REPORTED,
    )

    assert outcome.summary == "320 de 320 entregados, 1 canal más con fallos"


def test_a_plan_without_a_comms_lead_role_reports_to_the_approvers(plan: Plan, rig: Rig) -> None:
    roles = plan.roles.model_copy(
        update={"roles": [role for role in plan.roles.roles if role.id != REPORT_ROLE] + [_renamed(plan)]}
    )
    other = plan.model_copy(update={"roles": roles})
    message = rig.store.message.model_copy(update={"approvers": ["comms"]})

    assert report_recipients(other, message) == ["marta.ibanez@nubeteca.example", "jorge.salas@nubeteca.example"]
    with pytest.raises(LookupError, match="no person"):
        report_recipients(other, message.model_copy(update={"approvers": []}))


def _renamed(plan: Plan) -> Any:
    return plan.role(REPORT_ROLE).model_copy(update={"id": "comms"})


def test_the_outcome_is_logged_and_counted(rig: Rig) -> None:
    logged: list[tuple[str, dict[str, Any]]] = []
    counted: dict[str, float] = {}

    class Log:
        def info(self, msg: str, *args: Any, **kwargs: Any) -> None:
            logged.append((msg, kwargs["extra"]))

        warning = info

    class Count:
        def add_metric(self, name: str, unit: Any, value: float) -> None:
            counted[name] = counted.get(name, 0) + value

    record_outcome(rig.fire({"version": "x"}), Log(), Count(), "Count")

    assert counted == {
        "DeliveryReportsSent": 0,
        "DeliveryReportsDuplicate": 0,
        "DeliveryReportsNothingToDo": 0,
        "DeliveryReportsFailed": 0,
        "DeliveryReportRequestsRejected": 1,
    }
    assert logged[0][0] == "delivery report not sent" and "not a delivery report request" in logged[0][1]["reason"]


# --- arming the report ------------------------------------------------------------------------------------------


@dataclass
class FakeSchedules:
    error: Exception | None = None
    armed: list[tuple[str, str, int, datetime]] = field(default_factory=list)

    def schedule(self, incident_id: str, message_id: str, version: int, due_at: datetime) -> str:
        if self.error is not None:
            raise self.error
        self.armed.append((incident_id, message_id, version, due_at))
        return "report-1"


def published_report(message: Message, *deliveries: Delivery) -> PublishReport:
    return PublishReport(PublishResult.PUBLISHED, None, message.incident_id, message.id, list(deliveries))


def test_a_publication_arms_its_report_after_the_delay(rig: Rig) -> None:
    message = rig.store.message
    schedules = FakeSchedules()

    done = schedule_report(
        published_report(message, delivery(message, ES, 3, version=2)),
        schedules,
        rig.store.as_store(),
        PUBLISHED,
        timedelta(minutes=15),
    )

    assert done.schedule == "report-1" and done.error is None
    assert schedules.armed == [(message.incident_id, message.id, 2, PUBLISHED + timedelta(minutes=15))]


def test_a_refused_schedule_is_on_the_timeline_and_does_not_raise(rig: Rig) -> None:
    message = rig.store.message

    done = schedule_report(
        published_report(message, delivery(message, ES, 3)),
        FakeSchedules(error=RuntimeError("AccessDeniedException: not authorized")),
        rig.store.as_store(),
        PUBLISHED,
        timedelta(minutes=15),
    )

    assert done.schedule is None and "AccessDeniedException" in (done.error or "")
    (entry,) = rig.store.timeline
    assert entry.kind == TimelineKind.NOTIFICATION_FAILED and entry.data["notification"] == "delivery_report"
    assert entry.data["version"] == 1


@pytest.mark.parametrize(
    "result", [PublishResult.NOTHING_TO_DO, PublishResult.REJECTED, PublishResult.PUBLISHED], ids=str
)
def test_nothing_published_by_the_request_arms_nothing(rig: Rig, result: PublishResult) -> None:
    schedules = FakeSchedules()
    report = PublishReport(result, None, rig.store.incident.id, rig.store.message.id, [], skipped=[ES])

    done = schedule_report(report, schedules, rig.store.as_store(), PUBLISHED, timedelta(minutes=15))

    assert done.schedule is None and done.error is None and done.skipped
    assert schedules.armed == [] and rig.store.timeline == []
