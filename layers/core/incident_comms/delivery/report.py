"""The delivery report: what one published message version did, per channel, and one email that says so.

Publishing records one :class:`~incident_comms.incidents.Delivery` per channel. For most channels that is the
whole story (an SNS publish, a webhook post, the status page). An email channel's delivery only counts the
recipients *queued* for the email sender: what SES then accepted or refused is in the sender's batch records
(:class:`~incident_comms.email_batches.BatchRecord`), and which of the accepted emails came back as bounces or
complaints arrives minutes later (:class:`~incident_comms.bounces.BounceRecord`). :func:`delivery_report` puts the
three together; per channel:

- ``attempted``: recipients (email) or posts (other channels) the channel tried;
- ``delivered``: email: accepted by SES minus those that bounced; others: what the service accepted;
- ``failed``: refused for good, plus email whose outcome SES never told (it may or may not have arrived);
- ``bounced`` / ``complaints``: permanent bounces; people who marked the email as spam (those were delivered);
- ``pending``: email recipients in batches the sender has not finished yet ("still sending").

The one-line summary (``312 of 320 delivered, 8 bounced``) counts email recipients, the number the
communications lead answers for; when the message reached nobody by email it counts every channel's deliveries.

Because bounces come late, the report is not sent at publication: the publisher arms a one-time schedule
(:func:`schedule_report`) that fires the delivery report function ``REPORT_DELAY`` later, which calls
:func:`send_delivery_report`: one email to the people of the communications lead role per message version,
**claimed** first (a duplicate firing finds the claim and sends nothing), and the report on the incident's
timeline. Pure: the store, the ledgers, the sender and ``now`` come from the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from incident_comms.delivery.email.batches import BatchLedger, BatchRecord, BatchState, batch_totals
from incident_comms.delivery.email.bounces import BounceLedger, BounceRecord, FeedbackKind
from incident_comms.delivery.publishing import PublishReport, PublishResult
from incident_comms.errors import BadInput
from incident_comms.incidents.models import (
    Delivery,
    Incident,
    Message,
    TimelineEntry,
    TimelineKind,
    notification_failed,
)
from incident_comms.incidents.store import IncidentStore
from incident_comms.observability import Logger, Metrics
from incident_comms.plan.models import ChannelKind, Plan, localized
from incident_comms.team.context import incident_context
from incident_comms.team.emails import (
    SUBJECT_MAX,
    Email,
    EmailSender,
    approval_subject,
    approver_addresses,
    email_environment,
    team_texts,
    team_zone,
)
from incident_comms.text import error_text, format_datetime, one_line, truncate

REPORT_DELAY = timedelta(minutes=15)
"""How long after a publication its report goes out: long enough for most bounces and complaints to come back."""
REPORT_ROLE = "communications_lead"
"""The plan role whose people get the report; a plan without it sends it to the roles that approved the message."""
NOTIFICATION = "delivery_report"
"""The ``notification`` of the timeline's ``notification_failed`` entries about the report."""
PROBLEMS_PER_CHANNEL = 25
"""Failure lines listed per channel in the email; the rest are counted ("and 12 more")."""

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"
_FALLBACK_LOCALE = "en"

_TEXTS: dict[str, dict[str, str]] = {
    "es": {
        "delivered": "{delivered} de {attempted} entregados",
        "bounced": "{count} rebotados",
        "bounced_one": "1 rebotado",
        "failed": "{count} fallidos",
        "failed_one": "1 fallido",
        "pending": "{count} aún enviándose",
        "other_failed_one": "1 canal más con fallos",
        "other_failed_many": "{count} canales más con fallos",
        "nothing": "nada publicado",
        "intro": "Resultado de la entrega del mensaje {message} (versión {version}), publicado el {published}; "
        "datos a {now}.",
        "units": "En los correos se cuentan destinatarios; en los demás canales, publicaciones.",
        "channel": "Canal",
        "attempted": "Intentados",
        "delivered_col": "Entregados",
        "bounced_col": "Rebotados",
        "complaints_col": "Quejas",
        "failed_col": "Fallidos",
        "pending_col": "Pendientes",
        "total": "Total",
        "problems": "Fallos, rebotes y quejas",
        "no_problems": "Ningún fallo, rebote ni queja.",
        "more": "y {count} más",
        "kind_failed": "fallo",
        "kind_bounce": "rebote",
        "kind_complaint": "queja",
        "kind_channel": "canal",
        "pending_note": "Hay envíos en curso: los que fallen quedarán en la cronología del incidente.",
        "message": "Mensaje",
        "why": "Recibe este informe porque es responsable de comunicación en el plan de comunicación de incidentes",
    },
    "en": {
        "delivered": "{delivered} of {attempted} delivered",
        "bounced": "{count} bounced",
        "bounced_one": "1 bounced",
        "failed": "{count} failed",
        "failed_one": "1 failed",
        "pending": "{count} still sending",
        "other_failed_one": "1 more channel failed",
        "other_failed_many": "{count} more channels failed",
        "nothing": "nothing published",
        "intro": "How message {message} (version {version}), published on {published}, was delivered; "
        "figures as of {now}.",
        "units": "Email channels count recipients; the other channels count posts.",
        "channel": "Channel",
        "attempted": "Attempted",
        "delivered_col": "Delivered",
        "bounced_col": "Bounced",
        "complaints_col": "Complaints",
        "failed_col": "Failed",
        "pending_col": "Pending",
        "total": "Total",
        "problems": "Failures, bounces and complaints",
        "no_problems": "No failure, bounce or complaint.",
        "more": "and {count} more",
        "kind_failed": "failed",
        "kind_bounce": "bounce",
        "kind_complaint": "complaint",
        "kind_channel": "channel",
        "pending_note": "Some emails are still being sent: any that fail will be on the incident's timeline.",
        "message": "Message",
        "why": "You get this report because you are the communications lead in the incident communication plan",
    },
}


# --- the report -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    attempted: int = 0
    delivered: int = 0
    failed: int = 0
    bounced: int = 0
    complaints: int = 0
    pending: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            attempted=self.attempted + other.attempted,
            delivered=self.delivered + other.delivered,
            failed=self.failed + other.failed,
            bounced=self.bounced + other.bounced,
            complaints=self.complaints + other.complaints,
            pending=self.pending + other.pending,
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "attempted": self.attempted,
            "delivered": self.delivered,
            "failed": self.failed,
            "bounced": self.bounced,
            "complaints": self.complaints,
            "pending": self.pending,
        }


class ProblemKind(StrEnum):
    CHANNEL = "channel"
    """The channel as a whole: a refusal, a publisher that never finished, a queue that refused batches."""
    FAILED = "failed"
    """One recipient SES refused (or never answered for)."""
    BOUNCE = "bounce"
    COMPLAINT = "complaint"


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    detail: str
    address: str | None = None


@dataclass(frozen=True)
class ChannelReport:
    channel_id: str
    kind: str
    counts: Counts
    problems: tuple[Problem, ...] = ()

    @property
    def email(self) -> bool:
        return self.kind == ChannelKind.EMAIL.value

    @property
    def troubled(self) -> bool:
        """Something on this channel did not reach its people (bounces and complaints aside), or the channel as a
        whole reported a problem (a publisher that never finished)."""
        counts = self.counts
        return (
            counts.failed > 0
            or counts.delivered + counts.bounced + counts.pending < counts.attempted
            or any(problem.kind == ProblemKind.CHANNEL for problem in self.problems)
        )


@dataclass(frozen=True)
class DeliveryReport:
    incident_id: str
    message_id: str
    version: int
    published_at: datetime | None
    channels: tuple[ChannelReport, ...]

    @property
    def nothing_to_report(self) -> bool:
        """No channel of this message version was published (nothing claimed a delivery)."""
        return not self.channels

    @property
    def totals(self) -> Counts:
        """Every channel's counts added up (recipients and posts alike)."""
        return sum((channel.counts for channel in self.channels), Counts())

    @property
    def recipients(self) -> Counts:
        """The email channels' counts: people."""
        return sum((channel.counts for channel in self.channels if channel.email), Counts())

    def summary(self, locale: str) -> str:
        """``312 of 320 delivered, 8 bounced`` (``…, 2 failed``, ``…, 3 still sending`` only when not zero).

        Counts email recipients; other channels that failed are added as ``1 more channel failed``. A message
        that reached nobody by email (no email channel, or nobody subscribed) counts every channel's deliveries.
        """
        words = report_texts(locale)
        if self.nothing_to_report:
            return words["nothing"]
        by_email = self.recipients.attempted > 0
        counts = self.recipients if by_email else self.totals
        parts = [words["delivered"].format(delivered=counts.delivered, attempted=counts.attempted)]
        parts += [
            (words.get(f"{name}_one", words[name]) if value == 1 else words[name]).format(count=value)
            for name, value in (("bounced", counts.bounced), ("failed", counts.failed), ("pending", counts.pending))
            if value
        ]
        others = sum(1 for channel in self.channels if not channel.email and channel.troubled) if by_email else 0
        if others:
            parts.append(words["other_failed_one"] if others == 1 else words["other_failed_many"].format(count=others))
        return ", ".join(parts)

    def channel_counts(self) -> dict[str, dict[str, int]]:
        return {channel.channel_id: channel.counts.as_dict() for channel in self.channels}

    def as_dict(self, locale: str) -> dict[str, Any]:
        """The report as JSON values: what the local stack shows and the timeline keeps."""
        return {
            "message_id": self.message_id,
            "version": self.version,
            "summary": self.summary(locale),
            "totals": self.totals.as_dict(),
            "recipients": self.recipients.as_dict(),
            "channels": [
                {
                    "channel_id": channel.channel_id,
                    "kind": channel.kind,
                    **channel.counts.as_dict(),
                    "problems": len(channel.problems),
                }
                for channel in self.channels
            ],
        }


def delivery_report(
    message: Message,
    deliveries: Iterable[Delivery],
    batches: Iterable[BatchRecord],
    bounces: Iterable[BounceRecord],
    version: int | None = None,
) -> DeliveryReport:
    """What publishing ``message`` at ``version`` (default: its current one) did on each channel, from the records.

    Records of other messages and versions are ignored, so the caller can pass everything of the incident.
    Channels are in the order of the message's drafts (then any other delivery of that version).
    """
    version = version or message.version
    mine = {d.channel_id: d for d in deliveries if d.message_id == message.id and d.version == version}
    records = [r for r in batches if r.message_id == message.id and r.version == version]
    feedback = [b for b in bounces if b.message_id == message.id and b.version == version]
    order = [draft.channel_id for draft in message.drafts if draft.channel_id in mine]
    order += [channel_id for channel_id in mine if channel_id not in order]
    channels = tuple(
        _email_channel(mine[channel_id], records, feedback)
        if mine[channel_id].kind == ChannelKind.EMAIL.value
        else _other_channel(mine[channel_id])
        for channel_id in order
    )
    published = min((d.claimed_at for d in mine.values()), default=None)
    return DeliveryReport(message.incident_id, message.id, version, published, channels)


def _unfinished(delivery: Delivery) -> list[Problem]:
    if delivery.finished_at is not None:
        return []
    started = delivery.claimed_at.isoformat()
    return [Problem(ProblemKind.CHANNEL, f"publishing started at {started} and never finished; not retried")]


def _other_channel(delivery: Delivery) -> ChannelReport:
    counts = Counts(attempted=delivery.attempted, delivered=delivery.delivered, failed=delivery.failed)
    problems = _unfinished(delivery)
    if delivery.failed or delivery.delivered < delivery.attempted:
        problems.append(Problem(ProblemKind.CHANNEL, delivery.detail or "refused"))
    return ChannelReport(delivery.channel_id, delivery.kind, counts, tuple(problems))


def _email_channel(delivery: Delivery, records: list[BatchRecord], feedback: list[BounceRecord]) -> ChannelReport:
    """Queued by the publisher (the delivery), accepted or refused by SES (the batch records), bounced later."""
    key = (delivery.message_id, delivery.version, delivery.channel_id)
    mine = [record for record in records if record.channel_id == delivery.channel_id]
    ses = batch_totals(mine).get(key)
    accepted = ses.delivered if ses else 0
    refused = (ses.failed + ses.unknown) if ses else 0
    finished = sum(record.attempted for record in mine if record.state == BatchState.SENT)
    queued = max(delivery.delivered, ses.attempted if ses else 0)
    bounced = {b.address: b for b in feedback if b.channel_id == delivery.channel_id and b.kind == FeedbackKind.BOUNCE}
    complaints = {
        b.address: b for b in feedback if b.channel_id == delivery.channel_id and b.kind == FeedbackKind.COMPLAINT
    }
    counts = Counts(
        attempted=max(delivery.attempted, queued),
        delivered=max(0, accepted - len(bounced)),
        failed=delivery.failed + refused,
        bounced=len(bounced),
        complaints=len(complaints),
        pending=max(0, queued - finished),
    )
    problems = _unfinished(delivery)
    if delivery.failed:
        problems.append(Problem(ProblemKind.CHANNEL, delivery.detail or "not queued for the email sender"))
    for record in sorted(mine, key=lambda r: r.batch):
        problems += [
            Problem(
                ProblemKind.FAILED, failure.status + (f": {failure.error}" if failure.error else ""), failure.address
            )
            for failure in record.failures
        ]
        if record.unknown:
            what = f"batch {record.batch}: {record.unknown} emails with no answer from SES"
            problems.append(Problem(ProblemKind.CHANNEL, what + (f" ({record.detail})" if record.detail else "")))
    problems += [Problem(ProblemKind.BOUNCE, b.detail or "", address) for address, b in sorted(bounced.items())]
    problems += [Problem(ProblemKind.COMPLAINT, b.detail or "", address) for address, b in sorted(complaints.items())]
    return ChannelReport(delivery.channel_id, delivery.kind, counts, tuple(problems))


def report_texts(locale: str) -> dict[str, str]:
    """The report's wording in ``locale`` (its language part), English when we lack it."""
    return _TEXTS.get(locale.split("-")[0], _TEXTS[_FALLBACK_LOCALE])


def reports_now(
    plan: Plan, store: IncidentStore, batches: BatchLedger, bounces: BounceLedger | None, incident_id: str
) -> list[dict[str, Any]]:
    """What the report of each published message version of the incident would say now (the local stack shows
    it next to the deliveries), in the plan's main locale."""
    deliveries = store.deliveries(incident_id)
    if not deliveries:
        return []
    records = batches.batches(incident_id)
    feedback = bounces.bounces(incident_id) if bounces is not None else []
    messages = {message.id: message for message in store.messages(incident_id)}
    versions = sorted({(d.message_id, d.version) for d in deliveries if d.message_id in messages})
    return [
        delivery_report(messages[message_id], deliveries, records, feedback, version).as_dict(plan.main_locale)
        for message_id, version in versions
    ]


# --- the email --------------------------------------------------------------------------------------------------


def report_recipients(plan: Plan, message: Message) -> list[str]:
    """The people of the communications lead role (:data:`REPORT_ROLE`), or, in a plan without that role, of the
    roles that approved the message; raises LookupError when that leaves nobody with an address."""
    has_role = any(role.id == REPORT_ROLE for role in plan.roles.roles)
    roles = (
        [REPORT_ROLE] if has_role else [role for role in message.approvers if role in {r.id for r in plan.roles.roles}]
    )
    addresses = approver_addresses(plan, roles)
    if not addresses:
        raise LookupError(f"no person with an address in roles {', '.join(roles) or '(none)'}")
    return addresses


def report_subject(plan: Plan, incident: Incident, message: Message, report: DeliveryReport) -> str:
    """``[SEV1][Investigando] API pública — 312 de 320 entregados, 8 rebotados``: one line, the numbers readable in
    the inbox (the component name is what gets shortened; the line itself says it is about delivery)."""
    locale = plan.main_locale
    component = localized(plan.component(incident.component_id).name, locale, locale)
    phase = team_texts(plan)["phases"][message.phase]
    summary = report.summary(locale)
    subject = approval_subject(incident.severity_id, phase, component, summary)
    if len(subject) > SUBJECT_MAX:  # the numbers matter more than the phase, which the body states anyway
        subject = one_line(f"[{one_line(incident.severity_id)}] {truncate(one_line(component), 24)} — {summary}")
    return truncate(subject, SUBJECT_MAX)


def report_email(
    plan: Plan, incident: Incident, message: Message, report: DeliveryReport, recipients: list[str], now: datetime
) -> Email:
    """The one email of a message version's report: the summary as subject, the per-channel table, every failure,
    bounce and complaint (up to :data:`PROBLEMS_PER_CHANNEL` per channel), and the incident's facts. Written in the
    plan's main locale from the package's own templates (HTML autoescaped: SES error texts and alarm names are not
    ours)."""
    locale = plan.main_locale
    words = report_texts(locale)
    zone = team_zone(plan)
    channels = {channel.id: channel for channel in plan.channels.channels}

    def channel_name(channel_id: str) -> str:
        channel = channels.get(channel_id)
        return localized(channel.name, locale, locale) if channel is not None else channel_id

    kind_words = {kind: words[f"kind_{kind.value}"] for kind in ProblemKind}
    context = incident_context(plan, incident, message, now)
    subject = report_subject(plan, incident, message, report)
    published = format_datetime(report.published_at, zone, locale) if report.published_at else "—"
    context.update(
        {
            "subject": subject,
            "message": {"id": message.id, "version": report.version},
            "r": words,
            "intro": words["intro"].format(
                message=message.id, version=report.version, published=published, now=format_datetime(now, zone, locale)
            ),
            "rows": [
                {"name": channel_name(channel.channel_id), "channel_id": channel.channel_id, **channel.counts.as_dict()}
                for channel in report.channels
            ],
            "totals": report.totals.as_dict(),
            "pending": report.totals.pending > 0,
            "problems": [
                {
                    "name": channel_name(channel.channel_id),
                    "channel_id": channel.channel_id,
                    "lines": [
                        {
                            "kind": kind_words[problem.kind],
                            "address": problem.address,
                            "detail": truncate(one_line(problem.detail), 300),
                        }
                        for problem in channel.problems[:PROBLEMS_PER_CHANNEL]
                    ],
                    "more": max(0, len(channel.problems) - PROBLEMS_PER_CHANNEL),
                }
                for channel in report.channels
                if channel.problems
            ],
        }
    )
    environment = email_environment()
    return Email(
        to=recipients,
        subject=subject,
        text=environment.get_template("delivery_report.txt.j2").render(context).strip() + "\n",
        html=environment.get_template("delivery_report.html.j2").render(context),
        headers={"X-Incident-Id": incident.id, "X-Incident-Message": f"{message.id} v{report.version}"},
    )


# --- sending it once --------------------------------------------------------------------------------------------


class ReportRequest(BaseModel):
    """What the report schedule hands the delivery report function; the scheduler adapter writes it from this model.

    Fields it does not know are ignored, so a newer scheduler adding one cannot make this function drop a report
    during a deployment."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    incident_id: str = Field(pattern=_ID_PATTERN)
    message_id: str = Field(pattern=_ID_PATTERN)
    version: int = Field(ge=1)


def parse_report_request(event: Any) -> ReportRequest:
    """The event as a :class:`ReportRequest`, or :class:`BadInput` naming each wrong field (never its value)."""
    try:
        return ReportRequest.model_validate(event)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in problem['loc']) or 'event'}: {problem['msg']}"
            for problem in error.errors(include_input=False, include_url=False)
        ]
        raise BadInput(f"not a delivery report request: {'; '.join(problems)}") from error


class ReportState(StrEnum):
    SENDING = "sending"
    SENT = "sent"


class ReportClaim(BaseModel):
    """The one report of a message version: claimed before the email goes out, marked sent after."""

    model_config = ConfigDict(frozen=True)

    incident_id: str
    message_id: str
    version: int
    state: ReportState = ReportState.SENDING
    claimed_at: datetime
    sent_at: datetime | None = None
    provider_id: str | None = None
    summary: str | None = None


class ReportLedger(Protocol):
    """Where report claims live (DynamoDB, ``REPORT#<message>#v<version>`` next to the incident)."""

    def claim_report(self, claim: ReportClaim) -> ReportClaim | None:
        """Claim the report of ``claim``'s message version: None when this call claimed it, else the earlier claim."""
        ...

    def finish_report(self, claim: ReportClaim) -> None:
        """Store the claim as sent (state SENT, ``sent_at``, ``provider_id``)."""
        ...

    def release_report(self, claim: ReportClaim) -> None:
        """Drop a claim whose email could not be sent, so the next firing (a retry) may send it."""
        ...


class ReportResult(StrEnum):
    SENT = "sent"
    DUPLICATE = "duplicate"
    """Another firing claimed this report first (it sent it, or is sending it): nothing sent."""
    NOTHING_TO_DO = "nothing_to_do"
    """No such message, or nothing of that version was published."""
    SEND_FAILED = "send_failed"
    """The email could not be sent: the claim was released and the failure is on the timeline."""
    REJECTED = "rejected"
    """Not a report request: retrying cannot fix it, so it is logged and counted."""


@dataclass(frozen=True)
class ReportOutcome:
    result: ReportResult
    reason: str | None = None
    incident_id: str | None = None
    message_id: str | None = None
    version: int | None = None
    summary: str | None = None
    sent_to: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "result": self.result.value,
            "reason": self.reason,
            "incident_id": self.incident_id,
            "message_id": self.message_id,
            "version": self.version,
            "summary": self.summary,
            "sent_to": list(self.sent_to),
        }

    def counts(self) -> dict[str, int]:
        return {
            "DeliveryReportsSent": int(self.result == ReportResult.SENT),
            "DeliveryReportsDuplicate": int(self.result == ReportResult.DUPLICATE),
            "DeliveryReportsNothingToDo": int(self.result == ReportResult.NOTHING_TO_DO),
            "DeliveryReportsFailed": int(self.result == ReportResult.SEND_FAILED),
            "DeliveryReportRequestsRejected": int(self.result == ReportResult.REJECTED),
        }


class ReportNotSent(RuntimeError):
    """The report email was refused (already on the timeline, claim released): raised by the function so the
    scheduler tries again (``RETRY_ATTEMPTS``), and what still fails lands in the scheduler's dead-letter queue."""

    @classmethod
    def raise_for(cls, outcome: ReportOutcome) -> None:
        if outcome.result == ReportResult.SEND_FAILED:
            raise cls(f"delivery report of {outcome.message_id} v{outcome.version} not sent: {outcome.reason}")


def send_delivery_report(
    event: Any,
    plan: Plan,
    store: IncidentStore,
    batches: BatchLedger,
    bounces: BounceLedger | None,
    ledger: ReportLedger,
    sender: EmailSender,
    now: datetime,
) -> ReportOutcome:
    """Email the report of the requested message version to the communications lead, once; see the module doc.

    A malformed request is REJECTED, a message with nothing published at that version is NOTHING_TO_DO, a report
    claimed earlier is a DUPLICATE: none of them changes anything. A refused email releases the claim and goes on
    the timeline (``notification_failed``) as SEND_FAILED, for the caller to raise so the scheduler tries again.
    ``bounces`` None: no bounce ledger is wired, so the report counts none.
    """
    try:
        request = parse_report_request(event)
    except BadInput as error:
        return ReportOutcome(ReportResult.REJECTED, str(error))

    def answer(
        result: ReportResult, reason: str | None, summary: str | None = None, to: Sequence[str] = ()
    ) -> ReportOutcome:
        return ReportOutcome(
            result, reason, request.incident_id, request.message_id, request.version, summary, tuple(to)
        )

    incident = store.get_incident(request.incident_id)
    message = store.get_message(request.incident_id, request.message_id)
    if incident is None or message is None:
        return answer(ReportResult.NOTHING_TO_DO, "no such message")
    report = delivery_report(
        message,
        store.deliveries(incident.id),
        batches.batches(incident.id),
        bounces.bounces(incident.id) if bounces is not None else [],
        request.version,
    )
    if report.nothing_to_report:
        return answer(ReportResult.NOTHING_TO_DO, "nothing of this message version was published")
    summary = report.summary(plan.main_locale)
    claim = ReportClaim(
        incident_id=incident.id, message_id=message.id, version=request.version, claimed_at=now, summary=summary
    )
    earlier = ledger.claim_report(claim)
    if earlier is not None:
        reason = f"report {earlier.state.value} since {(earlier.sent_at or earlier.claimed_at).isoformat()}"
        return answer(ReportResult.DUPLICATE, reason, summary)
    recipients: list[str] = []
    try:
        recipients = report_recipients(plan, message)
        provider_id = sender.send(report_email(plan, incident, message, report, recipients, now))
    except Exception as error:  # noqa: BLE001 - the refusal is recorded and the claim given back for a retry
        reason = error_text(error)
        ledger.release_report(claim)
        what = f"Delivery report of message {message.id} v{request.version} ({summary})"
        store.add_timeline_entry(
            notification_failed(
                incident.id,
                now,
                NOTIFICATION,
                what,
                reason,
                message_id=message.id,
                version=request.version,
                to=recipients,
                channels=report.channel_counts(),
            )
        )
        return answer(ReportResult.SEND_FAILED, reason, summary)
    store.add_timeline_entry(report_entry(report, summary, recipients, now))
    ledger.finish_report(
        claim.model_copy(update={"state": ReportState.SENT, "sent_at": now, "provider_id": provider_id})
    )
    return answer(ReportResult.SENT, None, summary, recipients)


def report_entry(report: DeliveryReport, summary: str, recipients: Sequence[str], now: datetime) -> TimelineEntry:
    """The report on the incident's timeline: the summary, who got it, and every channel's counts."""
    return TimelineEntry(
        incident_id=report.incident_id,
        at=now,
        kind=TimelineKind.DELIVERY_REPORT,
        text=f"Delivery report of message {report.message_id} v{report.version} sent to "
        f"{', '.join(recipients)}: {summary}",
        data={
            "message_id": report.message_id,
            "version": report.version,
            "summary": summary,
            "sent_to": list(recipients),
            "totals": report.totals.as_dict(),
            "channels": report.channel_counts(),
        },
    )


class ReportSchedules(Protocol):
    def schedule(self, incident_id: str, message_id: str, version: int, due_at: datetime) -> str:
        """Make the report of ``message_id`` v``version`` go out once at ``due_at``; answers the schedule's name.
        Raises when the scheduler refused."""
        ...


@dataclass(frozen=True)
class ReportScheduling:
    """What the publisher did about the report of what it just published: armed (``schedule``), nothing to arm
    (``skipped``, why), or refused (``error``, also on the timeline)."""

    schedule: str | None = None
    skipped: str | None = None
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def schedule_report(
    report: PublishReport, schedules: ReportSchedules | None, store: IncidentStore, now: datetime, delay: timedelta
) -> ReportScheduling:
    """After a publish that delivered something, arm the report of that message version ``delay`` from ``now``.

    Never raises: the publication stands whatever happens to its report, and a refusal goes on the timeline
    (``notification_failed``) so the missing report is seen.
    """
    if report.result != PublishResult.PUBLISHED or not report.deliveries:
        return ReportScheduling(skipped="nothing was published by this request")
    first = report.deliveries[0]
    details = {"incident_id": first.incident_id, "message_id": first.message_id, "version": first.version}
    if schedules is None:
        return ReportScheduling(skipped="no delivery report schedules in this deployment", details=details)
    try:
        name = schedules.schedule(first.incident_id, first.message_id, first.version, now + delay)
    except Exception as error:  # noqa: BLE001 - the publication must not fail for its report
        reason = error_text(error)
        what = f"Scheduling the delivery report of message {first.message_id} v{first.version}"
        store.add_timeline_entry(
            notification_failed(
                first.incident_id, now, NOTIFICATION, what, reason, message_id=first.message_id, version=first.version
            )
        )
        return ReportScheduling(error=reason, details=details)
    return ReportScheduling(schedule=name, details=details)


def record_scheduling(scheduling: ReportScheduling, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log what the publisher did about the report and count it (zeros included)."""
    if scheduling.error is not None:
        logger.warning("delivery report not scheduled", extra={**scheduling.details, "reason": scheduling.error})
    elif scheduling.schedule is not None:
        logger.info("delivery report scheduled", extra={**scheduling.details, "schedule": scheduling.schedule})
    elif scheduling.details:
        logger.info("delivery report not scheduled", extra={**scheduling.details, "reason": scheduling.skipped})
    metrics.add_metric(name="DeliveryReportsScheduled", unit=unit, value=int(scheduling.schedule is not None))
    metrics.add_metric(name="DeliveryReportSchedulingFailed", unit=unit, value=int(scheduling.error is not None))


def record_outcome(outcome: ReportOutcome, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log what the firing did (ids, counts and reasons; never the email) and count it, zeros included."""
    details = {key: value for key, value in outcome.as_dict().items() if value not in (None, [])}
    if outcome.result in (ReportResult.REJECTED, ReportResult.SEND_FAILED):
        logger.warning("delivery report not sent", extra=details)
    else:
        logger.info("delivery report handled", extra=details)
    for name, value in outcome.counts().items():
        metrics.add_metric(name=name, unit=unit, value=value)
