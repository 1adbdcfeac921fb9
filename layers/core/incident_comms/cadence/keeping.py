"""Keeping the promise at publication: the ledger entry and the one update schedule per incident.

When a customer update is published (:func:`incident_comms.delivery.publishing.publish_message`, once at least one
customer-facing channel delivered it), :func:`record_published_promise`:

1. keeps the open promise (on time, or late) and makes the one the message itself carries (``Message.promise``,
   the time its text tells customers). When that time has already passed, or is closer than the severity's
   ``promise_lead`` — the approval was slower than the cadence — the promise is made anew from the publication
   (:func:`incident_comms.cadence.renewal.promise_at_publication`), the text went out with that new time
   (:mod:`incident_comms.cadence.renewal`), and the timeline says so;
2. writes the ledger with a conditional write (a concurrent writer makes it read again; a redelivered publication
   finds itself in the ledger and changes nothing), with PROMISE_KEPT / PROMISE_MADE on the timeline;
3. replaces the incident's update schedule (``update-<incident>``, :class:`UpdateSchedules`) to fire the prompter
   at the new due time, and drops the pending overdue check of the promise just kept. A publication that promises
   nothing (``resolved``, a severity that updates on change only) removes both schedules.

The prompter (:mod:`incident_comms.lifecycle.prompter`) handles the firings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from incident_comms.cadence.renewal import promise_at_publication
from incident_comms.incidents.models import (
    Delivery,
    Incident,
    Message,
    TimelineEntry,
    TimelineKind,
    notification_failed,
)
from incident_comms.incidents.operators import NoOperators, OperatorAlerts, report_failure
from incident_comms.incidents.promises import DuePromise, Promise, open_promise, record_update
from incident_comms.incidents.store import IncidentStore
from incident_comms.plan.models import Plan
from incident_comms.text import error_text

LEDGER_ATTEMPTS = 4
"""Conditional ledger writes tried before giving up (each retry re-reads: another publication or the prompter)."""


class PromptKind(StrEnum):
    """What a prompter firing checks: ``due`` (the promised time: draft a holding update) or ``overdue`` (the
    grace period after it: escalate)."""

    DUE = "due"
    OVERDUE = "overdue"


class PromptEvent(BaseModel):
    """The Input of an update schedule, written and read by this model: which incident, which promise (its due
    time identifies it: a firing for any other promise is stale), and what to check."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    incident_id: str = Field(min_length=1, max_length=128)
    due_at: datetime
    kind: Literal[PromptKind.DUE, PromptKind.OVERDUE]

    @field_validator("due_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("must be timezone-aware")
        return value


class UpdateSchedules(Protocol):
    def arm(self, event: PromptEvent, fire_at: datetime) -> str:
        """Make the incident's ``event.kind`` schedule fire the prompter once at ``fire_at`` with ``event``,
        replacing that schedule if it exists; answers the schedule's name. Raises when the scheduler refuses."""
        ...

    def disarm(self, incident_id: str, kind: PromptKind) -> bool:
        """Delete the incident's ``kind`` schedule; False when there was none (already fired or deleted)."""
        ...

    def cancel(self, incident_id: str) -> list[str]:
        """Delete every update schedule of the incident (on resolution); idempotent: answers the names deleted."""
        ...


class PromiseRecorded(StrEnum):
    RECORDED = "recorded"
    ALREADY_RECORDED = "already_recorded"
    NOT_CUSTOMER_FACING = "not_customer_facing"
    FAILED = "failed"


@dataclass
class PromiseOutcome:
    """What publication-time promise keeping did, for the publisher to log and count."""

    result: PromiseRecorded
    kept: Promise | None = None
    made: Promise | None = None
    renewed: bool = False
    schedule: str | None = None
    errors: list[str] = field(default_factory=list)
    scheduling_failed: bool = False
    """The update reminder could not be armed or removed after retries: counted, for the operators' alarm."""


def customer_facing_delivered(plan: Plan, deliveries: Sequence[Delivery]) -> bool:
    """Whether at least one channel of a customer (non-internal) audience delivered the message to somebody."""
    channels = {channel.id: channel for channel in plan.channels.channels}
    for delivery in deliveries:
        channel = channels.get(delivery.channel_id)
        if channel is not None and delivery.delivered > 0 and not plan.audience(channel.audience).internal:
            return True
    return False


def record_published_promise(
    plan: Plan,
    store: IncidentStore,
    schedules: UpdateSchedules | None,
    incident: Incident,
    message: Message,
    deliveries: Sequence[Delivery],
    now: datetime,
    operators: OperatorAlerts | None = None,
) -> PromiseOutcome:
    """Keep the open promise and make the message's own (module doc, steps 1-3). Never raises for a scheduler
    refusal or a ledger that cannot be written: the message is out, so each is a ``notification_failed`` timeline
    entry (notification ``update_schedule`` / ``promise``) and an error in the outcome; a reminder that could not
    be armed (after the adapter's retries) is also told to ``operators``."""
    if not customer_facing_delivered(plan, deliveries):
        return PromiseOutcome(PromiseRecorded.NOT_CUSTOMER_FACING)
    try:
        return _record(plan, store, schedules, incident, message, now, operators or NoOperators())
    except Exception as error:  # noqa: BLE001 - the message is out; retrying the publication would not help
        reason = error_text(error)
        what = f"The promise of message {message.id}"
        store.add_timeline_entry(notification_failed(incident.id, now, "promise", what, reason, message_id=message.id))
        return PromiseOutcome(PromiseRecorded.FAILED, errors=[reason])


def _record(
    plan: Plan,
    store: IncidentStore,
    schedules: UpdateSchedules | None,
    incident: Incident,
    message: Message,
    now: datetime,
    operators: OperatorAlerts,
) -> PromiseOutcome:
    due, renewed = _promise_of(plan, incident, message, now)
    for _ in range(LEDGER_ATTEMPTS):
        before = store.promise_ledger(incident.id)
        promises = record_update(before.promises, incident.id, message.id, now, due)
        if promises == before.promises:
            return PromiseOutcome(PromiseRecorded.ALREADY_RECORDED)
        kept = next((p for p in promises if p.kept_by == message.id), None)
        made = open_promise(promises)
        entries = _entries(incident, message, kept, made, renewed, now)
        if store.save_promise_ledger(before, before.changed(promises=promises), entries):
            outcome = PromiseOutcome(PromiseRecorded.RECORDED, kept, made, renewed)
            _reschedule(store, operators, schedules, incident, made, now, outcome)
            return outcome
    raise RuntimeError(f"the promise ledger of {incident.id} kept changing; publication of {message.id} not recorded")


def _promise_of(plan: Plan, incident: Incident, message: Message, now: datetime) -> tuple[DuePromise | None, bool]:
    """The promise the published message makes (:func:`~incident_comms.cadence.renewal.promise_at_publication`),
    and whether it is a new one: the approved text's was past, or too close, when it went out."""
    promise = promise_at_publication(plan, incident, message, now)
    return promise, promise != message.promise


def _entries(
    incident: Incident,
    message: Message,
    kept: Promise | None,
    made: Promise | None,
    renewed: bool,
    now: datetime,
) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    if kept is not None:
        late = kept.kept_late
        when = f"{kept.due_at:%H:%M} UTC"
        entries.append(
            TimelineEntry(
                incident_id=incident.id,
                at=now,
                kind=TimelineKind.PROMISE_KEPT,
                text=f"Promise of an update by {when} kept by message {message.id}" + (" (late)" if late else ""),
                data={
                    "message_id": message.id,
                    "promised_by": kept.message_id,
                    "due_at": kept.due_at.isoformat(),
                    "late": late,
                },
            )
        )
    if made is not None and made.message_id == message.id:
        text = f"Message {message.id} promises the next update by {made.due_at:%H:%M} UTC ({made.reason.value})"
        if renewed and message.promise is not None:
            text += (
                f"; the approved text said {message.promise.due_at:%H:%M} UTC, past or too close when it was"
                " published, so the promise counts from the publication and the text went out with the new time"
            )
        entries.append(
            TimelineEntry(
                incident_id=incident.id,
                at=now,
                kind=TimelineKind.PROMISE_MADE,
                text=text,
                data={
                    "message_id": message.id,
                    "due_at": made.due_at.isoformat(),
                    "audience_id": made.audience_id,
                    "reason": made.reason.value,
                    "renewed": renewed,
                    "text_due_at": message.promise.due_at.isoformat() if message.promise else None,
                },
            )
        )
    return entries


def _reschedule(
    store: IncidentStore,
    operators: OperatorAlerts,
    schedules: UpdateSchedules | None,
    incident: Incident,
    made: Promise | None,
    now: datetime,
    outcome: PromiseOutcome,
) -> None:
    """Point the incident's update schedule at the open promise (or remove it when nothing is promised)."""
    if schedules is None:
        return
    try:
        if made is None:
            schedules.cancel(incident.id)
            return
        outcome.schedule = schedules.arm(
            PromptEvent(incident_id=incident.id, due_at=made.due_at, kind=PromptKind.DUE), made.due_at
        )
        schedules.disarm(incident.id, PromptKind.OVERDUE)
    except Exception as error:  # noqa: BLE001 - a missing reminder must show on the incident, not vanish
        reason = error_text(error)
        outcome.errors.append(reason)
        outcome.scheduling_failed = True
        what = "The update reminder" + (f" for {made.due_at.isoformat()}" if made else " removal")
        report_failure(store, operators, notification_failed(incident.id, now, "update_schedule", what, reason))
