"""Use case: nobody approved a draft in time, so the plan's pre-approved holding text goes out instead.

A severity with ``approval_timeout`` arms a one-time schedule when its approval is requested
(:func:`incident_comms.approvals.requests.arm_approval_timeout`). When it fires and the draft still awaits approval,
the phase's ``holding`` text from ``templates/phases.yaml`` is published on every channel of the draft
(saying it early matters more than saying it perfectly), the approvers are told by email, and the
timeline says so. The holding text is rendered per channel (:mod:`incident_comms.approvals.holding`) from the incident's
certain facts and the next update the waiting draft promised (promised anew from now when that time has passed),
so customers still learn when they will hear more and where to ask; the holding message carries that promise.
The draft itself stays awaiting approval: its richer text can still be approved and published afterwards, with
the links of the first email.

Schedulers redeliver and people approve at the last second, so firing is safe at any time: a message
that was decided or superseded meanwhile, or whose holding text is already out, makes the firing do nothing, and so
does a newer message (or the draft itself) already handed to publishing. The store writes the holding message on the
condition that the draft still awaits approval, only once, and only while nothing as new was handed over
(:mod:`incident_comms.incidents.ordering`), so this holds whatever the firing order. A superseded draft's schedule is
deleted when it is superseded (:func:`incident_comms.approvals.requests.cancel_approval_timeouts`); one that fires
all the same publishes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from incident_comms.approvals.holding import holding_message, holding_published_email
from incident_comms.approvals.timeout_event import TIMEOUT_EVENT_KIND, ApprovalTimeoutEvent
from incident_comms.delivery.publishing import PublishQueue, hand_off
from incident_comms.errors import BadInput
from incident_comms.incidents.models import (
    Incident,
    IncidentStatus,
    Message,
    MessageStatus,
    Publication,
    PublicationReason,
    TimelineEntry,
    TimelineKind,
    notification_failed,
)
from incident_comms.incidents.ordering import outdated, outdated_reason
from incident_comms.incidents.store import IncidentStore
from incident_comms.observability import Logger, Metrics, add_counts, present
from incident_comms.plan.models import Plan
from incident_comms.team.emails import EmailSender, approver_addresses
from incident_comms.text import error_text, format_elapsed


class TimeoutResult(StrEnum):
    HOLDING_PUBLISHED = "holding_published"
    NOTHING_TO_DO = "nothing_to_do"
    """Stale or duplicate firing: the draft was decided or superseded meanwhile, a newer message was published, or
    its holding text is already out."""
    REJECTED = "rejected"
    """Not an approval timeout event: retrying cannot fix it, so it is logged and counted, never raised."""


@dataclass(frozen=True)
class Notified:
    """One approver told (``provider_id``) or not (``error``, safe to log) that the holding text went out."""

    to: str
    provider_id: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class TimeoutOutcome:
    result: TimeoutResult
    reason: str | None = None
    incident_id: str | None = None
    message_id: str | None = None
    holding_message_id: str | None = None
    notified: tuple[Notified, ...] = ()

    @property
    def notification_errors(self) -> list[str]:
        return [f"{item.to}: {item.error}" for item in self.notified if item.error is not None]

    def as_dict(self) -> dict[str, Any]:
        return {
            "result": self.result.value,
            "reason": self.reason,
            "incident_id": self.incident_id,
            "message_id": self.message_id,
            "holding_message_id": self.holding_message_id,
            "notified": [item.to for item in self.notified if item.error is None],
            "notification_errors": self.notification_errors,
        }


def parse_timeout_event(event: Any) -> ApprovalTimeoutEvent:
    """The event as an :class:`ApprovalTimeoutEvent`, or :class:`BadInput` naming each wrong field (never its
    value: the payload is not ours to echo into logs)."""
    try:
        return ApprovalTimeoutEvent.model_validate(event)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in problem['loc']) or 'event'}: {problem['msg']}"
            for problem in error.errors(include_input=False, include_url=False)
        ]
        raise BadInput(f"not an {TIMEOUT_EVENT_KIND} event: {'; '.join(problems)}") from error


def approval_timed_out(
    event: Any,
    plan: Plan,
    store: IncidentStore,
    sender: EmailSender,
    now: datetime,
    publish_queue: PublishQueue | None = None,
) -> TimeoutOutcome:
    """Publish the phase's holding text in place of a draft nobody approved in time, and tell the approvers.

    Answers REJECTED for a malformed event and NOTHING_TO_DO for a stale or repeated firing, changing nothing
    in either case. Only a store failure (or a plan template that cannot render, which ingest would have met
    first) raises, so the scheduler retries; a refused email is recorded on the incident as
    ``notification_failed`` instead.
    """
    try:
        request = parse_timeout_event(event)
    except BadInput as error:
        return TimeoutOutcome(TimeoutResult.REJECTED, reason=str(error))
    incident_id, message_id = request.incident_id, request.message_id

    def nothing_to_do(reason: str) -> TimeoutOutcome:
        return TimeoutOutcome(TimeoutResult.NOTHING_TO_DO, reason, incident_id, message_id)

    waiting = store.get_message(incident_id, message_id)
    incident = store.get_incident(incident_id)
    if waiting is None or incident is None:
        return nothing_to_do("no such message")
    stale = _why_stale(incident, waiting)
    if stale is not None:
        return nothing_to_do(stale)
    holding_text = plan.phases.phases[waiting.phase].holding
    timeout = plan.severity(incident.severity_id).approval_timeout
    if holding_text is None or timeout is None:
        return nothing_to_do("the plan no longer has a holding text or an approval timeout for it")
    holding = holding_message(plan, incident, waiting, holding_text, now)
    if outdated(incident, holding):
        return nothing_to_do(outdated_reason(incident, holding))
    if not holding.drafts:
        return nothing_to_do("none of the draft's channels is in the plan any more")
    publication = Publication(
        incident_id=incident.id,
        message_id=holding.id,
        version=holding.version,
        requested_at=now,
        reason=PublicationReason.APPROVAL_TIMEOUT,
    )
    if not store.save_holding(waiting, holding, timed_out_entries(waiting, holding, timeout, now), publication):
        return nothing_to_do(
            "the draft was decided or superseded meanwhile, a message as new was handed to publishing, "
            "or its holding text is already published"
        )
    if publish_queue is not None:
        hand_off(store, publish_queue, publication, now)
    notified = tell_approvers(plan, store, sender, incident, waiting, holding, timeout, now)
    return TimeoutOutcome(TimeoutResult.HOLDING_PUBLISHED, None, incident_id, message_id, holding.id, notified)


def _why_stale(incident: Incident, waiting: Message) -> str | None:
    if waiting.holding:
        return "the message is itself a holding text"
    if waiting.status == MessageStatus.SUPERSEDED:
        return f"the message was superseded by {waiting.superseded_by or 'nothing (the incident was closed)'}"
    if waiting.status != MessageStatus.AWAITING_APPROVAL:
        return f"the message was {waiting.status.value} meanwhile"
    if incident.status != IncidentStatus.OPEN:
        return f"the incident is {incident.status.value}"
    return None


def timed_out_entries(waiting: Message, holding: Message, timeout: timedelta, now: datetime) -> list[TimelineEntry]:
    """What the timeline says: the approval timed out, and the holding message was handed to publishing."""
    channels = [draft.channel_id for draft in holding.drafts]
    return [
        TimelineEntry(
            incident_id=waiting.incident_id,
            at=now,
            kind=TimelineKind.APPROVAL_TIMED_OUT,
            text=f"Nobody approved message {waiting.id} within {format_elapsed(timeout)}; "
            f"the pre-approved holding text was published as message {holding.id}",
            data={
                "message_id": waiting.id,
                "version": waiting.version,
                "holding_message_id": holding.id,
                "timeout_seconds": int(timeout.total_seconds()),
                "pending_roles": waiting.pending_roles,
            },
        ),
        TimelineEntry(
            incident_id=waiting.incident_id,
            at=now,
            kind=TimelineKind.PUBLISH_REQUESTED,
            text=f"Holding message {holding.id} handed to publishing on {len(channels)} channels",
            data={
                "message_id": holding.id,
                "version": holding.version,
                "reason": PublicationReason.APPROVAL_TIMEOUT.value,
                "channels": channels,
            },
        ),
    ]


def tell_approvers(
    plan: Plan,
    store: IncidentStore,
    sender: EmailSender,
    incident: Incident,
    waiting: Message,
    holding: Message,
    timeout: timedelta,
    now: datetime,
) -> tuple[Notified, ...]:
    """Email each person of the roles that approve ``waiting``, one email each.

    One email per person rather than one to all: a refused address (SES refuses the whole send for one bad
    recipient) must not keep the others from knowing. Never raises: each failure, including not being able
    to build the email at all, is a ``notification_failed`` entry on the incident's timeline.
    """
    notified: list[Notified] = []
    try:
        addresses = approver_addresses(plan, waiting.approvers)
        if not addresses:
            raise LookupError(f"no approver with an address in roles {', '.join(waiting.approvers) or '(none)'}")
        for address in addresses:
            email = holding_published_email(plan, incident, waiting, holding, timeout, now, address)
            try:
                notified.append(Notified(address, provider_id=sender.send(email)))
            except Exception as error:  # noqa: BLE001 - reported per recipient; the others are still told
                notified.append(Notified(address, error=error_text(error)))
    except Exception as error:  # noqa: BLE001 - a holding text nobody heard of must show on the incident
        notified.append(Notified("(approvers)", error=error_text(error)))
    for item in notified:
        if item.error is not None:
            store.add_timeline_entry(
                notification_failed(
                    incident.id,
                    now,
                    "holding_published",
                    f"Email telling {item.to} the holding text was published",
                    item.error,
                    message_id=holding.id,
                    to=item.to,
                )
            )
    return tuple(notified)


def record_outcome(outcome: TimeoutOutcome, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log what the firing did (reasons and ids, never the payload) and count it, zeros included, so every
    metric has a data point on every firing."""
    details = present(outcome.as_dict())
    if outcome.result == TimeoutResult.REJECTED:
        logger.warning("approval timeout event rejected", extra=details)
    elif outcome.result == TimeoutResult.NOTHING_TO_DO:
        logger.info("approval timeout stale", extra=details)
    else:
        logger.info("holding text published", extra=details)
    for error in outcome.notification_errors:
        logger.warning("holding notification not sent", extra={"incident_id": outcome.incident_id, "reason": error})
    counts = {
        "HoldingPublished": int(outcome.result == TimeoutResult.HOLDING_PUBLISHED),
        "TimeoutsStale": int(outcome.result == TimeoutResult.NOTHING_TO_DO),
        "TimeoutEventsRejected": int(outcome.result == TimeoutResult.REJECTED),
        "HoldingNotificationsFailed": len(outcome.notification_errors),
    }
    add_counts(metrics, counts, unit)
