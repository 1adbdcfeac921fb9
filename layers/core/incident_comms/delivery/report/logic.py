"""The delivery report of a message version, put together from the records publishing and sending left.

Publishing records one :class:`~incident_comms.incidents.models.Delivery` per channel. For most channels that is
the whole story (an SNS publish, a webhook post, the status page). An email channel's delivery only counts the
recipients *queued* for the email sender: what SES then accepted or refused is in the sender's batch records
(:class:`~incident_comms.delivery.email.batches.models.BatchRecord`), and which of the accepted emails came back as
bounces or complaints arrives minutes later (:class:`~incident_comms.delivery.email.bounces.BounceRecord`).
:func:`delivery_report` puts the three together, per channel, in the order of the message's drafts; records of
other messages and versions are ignored. Pure: the store and the ledgers come from the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from incident_comms.delivery.email.batches.logic import batch_totals
from incident_comms.delivery.email.batches.models import BatchRecord, BatchState
from incident_comms.delivery.email.batches.store import BatchLedger
from incident_comms.delivery.email.bounces import BounceLedger, BounceRecord, FeedbackKind
from incident_comms.delivery.report.models import ChannelReport, Counts, DeliveryReport, Problem, ProblemKind
from incident_comms.incidents.models import Delivery, Message
from incident_comms.incidents.store import IncidentStore
from incident_comms.plan.models import ChannelKind, Plan


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
