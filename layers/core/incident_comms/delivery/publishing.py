"""Use case: publish one approved message version on every channel it was drafted for, once, visibly.

An approval (or an approval timeout) writes a :class:`~incident_comms.incidents.models.Publication` and asks for it on
the publish queue (:class:`PublishQueue`). The publisher function takes each request and calls
:func:`publish_message`, which for every channel draft:

1. **claims** the delivery in the store (a conditional write, state ``claimed``): a redelivered request, or a second
   request for the same version, finds the claim and publishes nothing again. A claim that was never finished (the
   publisher stopped half-way) is the sweeper's once its lease expires (:mod:`incident_comms.delivery.sweeper`):
   one that never started sending is sent then, one that was sending is finished as unknown, never resent;
2. marks it ``sending`` just before the provider call, then hands the draft to the :class:`ChannelPublisher` of the
   channel's kind (SES, SNS, webhooks, the status page, the department of a manual channel), which retries what
   certainly was not sent and answers counts (``unknown`` for a lost answer), never raises for a refusal it
   understands;
3. **finishes** the delivery with those counts; what failed or is unknown goes on the timeline and to the operators
   (:func:`~incident_comms.incidents.operators.report_failure`).

The "published on N of M channels" entry is read back from the delivery records in the store, not from what this
run believes, so a claim another run holds, or one the sweeper resumes later, is counted as it really stands.

Before any claim, a request whose message is older than the last message handed to publishing (a redelivered or
swept request that lost the race to a newer message, a holding text whose draft went out first) publishes nothing:
it is refused (OUTDATED), on the timeline (``publication_refused``), logged and counted
(:mod:`incident_comms.incidents.ordering`).

Pure: the channel publishers, the store and ``now`` come from the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from incident_comms.cadence.keeping import PromiseOutcome, UpdateSchedules, record_published_promise
from incident_comms.cadence.renewal import Renewal, renew_stored
from incident_comms.drafting.models import ChannelDraft
from incident_comms.incidents.models import (
    Delivery,
    DeliveryState,
    Incident,
    Message,
    MessageStatus,
    Publication,
    TimelineEntry,
    TimelineKind,
    notification_failed,
)
from incident_comms.incidents.operators import NoOperators, OperatorAlerts, report_failure
from incident_comms.incidents.ordering import outdated, outdated_reason
from incident_comms.incidents.store import IncidentStore
from incident_comms.observability import Logger, Metrics, add_counts
from incident_comms.plan.models import Channel, ChannelKind, Plan
from incident_comms.text import error_text


class PublishRequest(BaseModel):
    """The body of a publish queue message: which message version to publish. Written and read by this model."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    incident_id: str = Field(min_length=1, max_length=128)
    message_id: str = Field(min_length=1, max_length=128)
    version: int = Field(ge=1)

    @classmethod
    def of(cls, publication: Publication) -> PublishRequest:
        return cls(incident_id=publication.incident_id, message_id=publication.message_id, version=publication.version)


class PublishQueue(Protocol):
    def request(self, publication: Publication) -> None:
        """Ask the publisher to publish ``publication`` (asynchronously). Raises when the queue refused it."""
        ...


def hand_off(store: IncidentStore, queue: PublishQueue, publication: Publication, now: datetime) -> str | None:
    """Ask the publisher for ``publication``, already saved with the decision that made it publishable.

    A queue that refuses does not undo the decision: the refusal goes on the timeline (``notification_failed``,
    notification ``publish``) so the team sees that the approved text is waiting, and the error is answered.
    """
    try:
        queue.request(publication)
    except Exception as error:  # noqa: BLE001 - any refusal must be visible on the incident
        reason = error_text(error)
        what = f"Publish request for message {publication.message_id} v{publication.version}"
        entry = notification_failed(publication.incident_id, now, "publish", what, reason)
        store.add_timeline_entry(
            entry.model_copy(update={"data": {**entry.data, "message_id": publication.message_id}})
        )
        return reason
    return None


@dataclass(frozen=True)
class ChannelJob:
    """One channel's share of a publication: everything a channel publisher needs to deliver one draft."""

    plan: Plan
    incident: Incident
    message: Message
    draft: ChannelDraft
    channel: Channel
    now: datetime


@dataclass(frozen=True)
class ChannelResult:
    """What a channel publisher did. ``attempted`` is 0 when the channel had nobody to reach (no subscribers);
    ``unknown`` counts recipients whose send lost its answer (maybe delivered: never resent)."""

    attempted: int = 0
    delivered: int = 0
    failed: int = 0
    unknown: int = 0
    detail: str | None = None


class ChannelPublisher(Protocol):
    def publish(self, job: ChannelJob) -> ChannelResult:
        """Deliver ``job.draft``; refusals it understands are counted in the result, anything else raises."""
        ...


class PublishResult(StrEnum):
    PUBLISHED = "published"
    NOTHING_TO_DO = "nothing_to_do"
    OUTDATED = "outdated"
    """Older than the last message handed to publishing: customers must not hear it after the newer one."""
    REJECTED = "rejected"


@dataclass
class PublishReport:
    result: PublishResult
    reason: str | None = None
    incident_id: str | None = None
    message_id: str | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Channels already claimed by an earlier request (a redelivery): published at most once."""
    promise: PromiseOutcome | None = None
    """What keeping the promise did (ledger, update reminder), once a channel published."""

    def counts(self) -> dict[str, int]:
        return {
            "PublishRequestsRejected": int(self.result == PublishResult.REJECTED),
            "PublicationsOutdated": int(self.result == PublishResult.OUTDATED),
            "MessagesPublished": int(self.result == PublishResult.PUBLISHED),
            "ChannelDeliveries": len(self.deliveries),
            "ChannelDeliveriesFailed": sum(1 for delivery in self.deliveries if not delivery.complete),
            "RecipientsDelivered": sum(delivery.delivered for delivery in self.deliveries),
            "RecipientsFailed": sum(delivery.failed for delivery in self.deliveries),
            "RecipientsUnknown": sum(delivery.unknown for delivery in self.deliveries),
            "DeliveriesSkipped": len(self.skipped),
            "UpdateSchedulingFailed": int(self.promise is not None and self.promise.scheduling_failed),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "result": self.result.value,
            "reason": self.reason,
            "incident_id": self.incident_id,
            "message_id": self.message_id,
            "deliveries": [delivery.model_dump(mode="json") for delivery in self.deliveries],
            "skipped": self.skipped,
        }


def publish_message(
    body: Any,
    plan: Plan,
    store: IncidentStore,
    publishers: Mapping[ChannelKind, ChannelPublisher],
    now: datetime,
    update_schedules: UpdateSchedules | None = None,
    operators: OperatorAlerts | None = None,
) -> PublishReport:
    """Publish the requested message version on each of its channels, each at most once; see the module doc.

    A request that cannot be read, names a message that is not approved at that version, or one older than the last
    message handed to publishing, publishes nothing: it is answered REJECTED, NOTHING_TO_DO or OUTDATED (that one on
    the timeline too) for the handler to log and count (a retry could not fix it).
    """
    try:
        request = (
            PublishRequest.model_validate_json(body)
            if isinstance(body, str | bytes)
            else PublishRequest.model_validate(body)
        )
    except ValidationError as error:
        fields = ", ".join(".".join(str(part) for part in item["loc"]) or "(body)" for item in error.errors())
        return PublishReport(PublishResult.REJECTED, f"not a publish request: {fields}")
    incident = store.get_incident(request.incident_id)
    message = store.get_message(request.incident_id, request.message_id)
    if incident is None or message is None:
        return PublishReport(PublishResult.NOTHING_TO_DO, "no such message", request.incident_id, request.message_id)
    if message.status != MessageStatus.APPROVED or message.version != request.version:
        reason = f"message is {message.status.value} at version {message.version}, not approved at {request.version}"
        return PublishReport(PublishResult.NOTHING_TO_DO, reason, incident.id, message.id)
    if outdated(incident, message):
        reason = outdated_reason(incident, message)
        store.add_timeline_entry(_refused(incident, message, reason, now))
        return PublishReport(PublishResult.OUTDATED, reason, incident.id, message.id)
    report = PublishReport(PublishResult.PUBLISHED, None, incident.id, message.id)
    told = operators or NoOperators()
    renewal = renew_stored(plan, store, incident, message, now)
    for draft in renewal.message.drafts:
        claim = Delivery(
            incident_id=incident.id,
            message_id=message.id,
            version=message.version,
            channel_id=draft.channel_id,
            kind=draft.kind.value,
            claimed_at=now,
            state=DeliveryState.CLAIMED,
        )
        if store.claim_delivery(claim) is not None:
            report.skipped.append(draft.channel_id)
            continue
        delivery = send_claimed(plan, store, publishers, told, incident, renewal.message, claim, now)
        if delivery is None:
            report.skipped.append(draft.channel_id)
            continue
        report.deliveries.append(delivery)
    if report.deliveries:
        store.add_timeline_entry(published_entry(message, recorded_deliveries(store, message), now, renewal=renewal))
        # renewed here: the approved message, whose past promise keeping renews the same way and says so
        promised = message if renewal.renewed else renewal.message
        report.promise = record_published_promise(
            plan, store, update_schedules, incident, promised, report.deliveries, now
        )
    return report


def send_claimed(
    plan: Plan,
    store: IncidentStore,
    publishers: Mapping[ChannelKind, ChannelPublisher],
    operators: OperatorAlerts,
    incident: Incident,
    message: Message,
    claim: Delivery,
    now: datetime,
) -> Delivery | None:
    """Send one ``claimed`` delivery: mark it ``sending``, publish, finish it; None when another run moved the claim
    first (it sends, not us). What failed or is unknown is put on the timeline and told to the operators."""
    sending = claim.model_copy(update={"state": DeliveryState.SENDING})
    if not store.advance_delivery(sending, claim):
        return None
    draft = next((draft for draft in message.drafts if draft.channel_id == claim.channel_id), None)
    channel = next((channel for channel in plan.channels.channels if channel.id == claim.channel_id), None)
    publisher = publishers.get(draft.kind) if draft else None
    job = ChannelJob(plan, incident, message, draft, channel, now) if channel and draft else None
    result = _deliver(job, publisher)
    delivery = sending.model_copy(
        update={
            "finished_at": now,
            "state": DeliveryState.FINISHED,
            "attempted": result.attempted,
            "delivered": result.delivered,
            "failed": result.failed,
            "unknown": result.unknown,
            "detail": result.detail,
        }
    )
    store.finish_delivery(delivery)
    if delivery.failed or delivery.unknown or delivery.delivered < delivery.attempted:
        report_failure(store, operators, failed_entry(delivery, now))
    return delivery


def recorded_deliveries(store: IncidentStore, message: Message) -> list[Delivery]:
    """The delivery records of ``message``'s version, read back from the store (the truth, not this run's belief)."""
    return [
        delivery
        for delivery in store.deliveries(message.incident_id)
        if delivery.message_id == message.id and delivery.version == message.version
    ]


def _deliver(job: ChannelJob | None, publisher: ChannelPublisher | None) -> ChannelResult:
    if job is None:
        return ChannelResult(attempted=1, failed=1, detail="the channel is no longer in the plan")
    if publisher is None:
        return ChannelResult(attempted=1, failed=1, detail=f"no publisher for {job.channel.kind.value} channels")
    try:
        return publisher.publish(job)
    except Exception as error:  # noqa: BLE001 - one channel's failure must not keep the others from publishing
        text = error_text(error)
        return ChannelResult(attempted=1, failed=1, detail=text)


def published_entry(
    message: Message,
    deliveries: list[Delivery],
    now: datetime,
    kind: TimelineKind = TimelineKind.PUBLISHED,
    renewal: Renewal | None = None,
) -> TimelineEntry:
    """ "Published on N of M channels" from the delivery records: a channel counts when its record is complete; with
    the channels whose text got a renewed promise (:mod:`incident_comms.cadence.renewal`), and those whose edited
    text no longer had the old time to replace."""
    delivered = [delivery.channel_id for delivery in deliveries if delivery.complete]
    pending = [delivery.channel_id for delivery in deliveries if delivery.finished_at is None]
    unknown = [delivery.channel_id for delivery in deliveries if delivery.unknown]
    text = f"Message {message.id} v{message.version} published on {len(delivered)} of {len(deliveries)} channels"
    if unknown:
        text += f"; outcome unknown on {', '.join(unknown)}"
    if pending:
        text += f"; not finished yet on {', '.join(pending)}"
    renewed: dict[str, Any] = {}
    if renewal is not None and renewal.renewed and renewal.before and renewal.message.promise:
        before, after = renewal.before.due_at, renewal.message.promise.due_at
        text += f"; the next update it promised ({before:%H:%M} UTC) was moved to {after:%H:%M} UTC"
        if renewal.kept:
            text += f", but the text on {', '.join(renewal.kept)} did not have the old time to replace"
        renewed = {
            "promise_renewed": {
                "from": before.isoformat(),
                "to": after.isoformat(),
                "rewritten": renewal.rewritten,
                "kept": renewal.kept,
            }
        }
    return TimelineEntry(
        incident_id=message.incident_id,
        at=now,
        kind=kind,
        text=text,
        data={
            "message_id": message.id,
            "version": message.version,
            "channels": {
                delivery.channel_id: {
                    "attempted": delivery.attempted,
                    "delivered": delivery.delivered,
                    "failed": delivery.failed,
                    "unknown": delivery.unknown,
                    "state": delivery.progress.value,
                }
                for delivery in deliveries
            },
            **renewed,
        },
    )


def _refused(incident: Incident, message: Message, reason: str, now: datetime) -> TimelineEntry:
    return TimelineEntry(
        incident_id=incident.id,
        at=now,
        kind=TimelineKind.PUBLICATION_REFUSED,
        text=f"Message {message.id} v{message.version} not published: {reason}",
        data={
            "message_id": message.id,
            "version": message.version,
            "sequence": message.sequence,
            "published_message_id": incident.published_message_id,
            "published_sequence": incident.published_sequence,
        },
    )


def failed_entry(delivery: Delivery, now: datetime) -> TimelineEntry:
    return TimelineEntry(
        incident_id=delivery.incident_id,
        at=now,
        kind=TimelineKind.DELIVERY_FAILED,
        text=(
            f"{delivery.channel_id}: {delivery.delivered} of {delivery.attempted} delivered, {delivery.failed} failed"
            + (f", {delivery.unknown} outcome unknown (not resent)" if delivery.unknown else "")
            + (f" ({delivery.detail})" if delivery.detail else "")
        ),
        data=delivery.model_dump(mode="json"),
    )


def record_report(report: PublishReport, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log what was published (a rejected request with its reason, never its body) and count it."""
    if report.result == PublishResult.REJECTED:
        logger.warning("publish request rejected", extra={"reason": report.reason})
    if report.result == PublishResult.OUTDATED:
        logger.warning("publish request refused: older than the last published message", extra=report.as_dict())
    for error in report.promise.errors if report.promise else []:
        logger.warning("promise not kept track of", extra={"message_id": report.message_id, "error": error})
    for delivery in report.deliveries:
        if not delivery.complete:
            logger.warning("channel delivery incomplete", extra=delivery.model_dump(mode="json"))
    logger.info("publish request handled", extra={k: v for k, v in report.as_dict().items() if k != "deliveries"})
    add_counts(metrics, report.counts(), unit)
