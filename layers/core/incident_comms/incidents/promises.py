"""The promise ledger: every "next update by 14:30" an incident made, and whether it was kept.

Each published customer update keeps the promise still open (on time, or late) and, unless the incident is over,
makes the next one (:func:`incident_comms.cadence.due.next_update_due`). The ledger is what the prompter checks when a
schedule fires, what the escalation reads after the grace period, and what the conformance report counts
(promises made and kept). Everything here is pure: the functions take the ledger as a list and answer a new one,
so the store can write it with the same conditional update that records the publication.

States of a promise: *open* (not kept yet; *overdue* once ``due_at`` passed), *kept* (an update was published
by ``due_at``), *kept late* (published after it: ``missed_at`` records when the miss was noticed). A miss can be
noticed before the late update (the prompter's escalation, :func:`record_missed`) or by the late update itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from incident_comms.plan.models import Audience
from incident_comms.text import format_time


class DueReason(StrEnum):
    """Why an update is due then; the values are stable (timeline data, prompter texts)."""

    BEFORE_CLOSE = "before_close"
    AFTER_OPEN = "after_open"
    CADENCE = "cadence"


class DuePromise(BaseModel):
    """The next update's due time, the audience whose rules set it, and which rule."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    due_at: datetime
    audience_id: str
    reason: DueReason

    @field_validator("due_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("must be timezone-aware")
        return value.astimezone(UTC)

    @property
    def why(self) -> str:
        """One line for the timeline and the prompter: why the update is due then."""
        return {
            DueReason.CADENCE: f"the severity's update cadence ({self.audience_id})",
            DueReason.BEFORE_CLOSE: f"before {self.audience_id}'s office closes; the team continues overnight",
            DueReason.AFTER_OPEN: f"after {self.audience_id}'s office opens",
        }[self.reason]


PROMISE_TEXT = {
    "es": "Próxima actualización, como muy tarde: {when}",
    "en": "Next update by {when}",
}
"""The promise line per language (``{when}`` as drafting's ``format_time`` writes it); others fall back to en."""


class Promise(BaseModel):
    """One ledger entry: the update ``message_id`` (published at ``promised_at``) promised the next by ``due_at``."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    incident_id: str
    message_id: str = Field(description="the published update that made the promise")
    promised_at: datetime
    due_at: datetime
    audience_id: str = Field(description="whose office hours set the due time")
    reason: DueReason = DueReason.CADENCE
    kept_at: datetime | None = None
    kept_by: str | None = Field(None, description="the message whose publication kept it")
    missed_at: datetime | None = Field(None, description="when the miss was noticed (escalation or late update)")

    @field_validator("promised_at", "due_at", "kept_at", "missed_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must be timezone-aware")
        return None if value is None else value.astimezone(UTC)

    @model_validator(mode="after")
    def _order(self) -> Promise:
        if self.due_at <= self.promised_at:
            raise ValueError("a promise is due after it is made")
        if self.kept_at is not None and self.kept_at < self.promised_at:
            raise ValueError("a promise cannot be kept before it is made")
        if self.missed_at is not None and self.missed_at <= self.due_at:
            raise ValueError("a promise is missed only after its due time")
        return self

    @property
    def is_open(self) -> bool:
        return self.kept_at is None

    @property
    def kept_on_time(self) -> bool:
        return self.kept_at is not None and self.kept_at <= self.due_at

    @property
    def kept_late(self) -> bool:
        return self.kept_at is not None and self.kept_at > self.due_at


class PromiseTally(BaseModel):
    """The conformance counts of one ledger at one instant."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    made: int
    kept_on_time: int
    kept_late: int
    open: int
    overdue: int


def make_promise(incident_id: str, message_id: str, published_at: datetime, due: DuePromise) -> Promise:
    """The promise the update ``message_id`` makes when published at ``published_at``."""
    return Promise(
        incident_id=incident_id,
        message_id=message_id,
        promised_at=published_at,
        due_at=due.due_at,
        audience_id=due.audience_id,
        reason=due.reason,
    )


def open_promise(promises: Sequence[Promise]) -> Promise | None:
    """The promise not kept yet, if any. Raises ValueError when the ledger holds several: each publication keeps
    the open one before it makes the next, so more than one means the ledger was written wrongly."""
    still_open = [promise for promise in promises if promise.is_open]
    if len(still_open) > 1:
        names = ", ".join(promise.message_id for promise in still_open)
        raise ValueError(f"the promise ledger has {len(still_open)} open promises (made by {names}); expected one")
    return still_open[0] if still_open else None


def keep(promises: Sequence[Promise], published_at: datetime, by: str | None = None) -> list[Promise]:
    """The ledger after an update (message ``by``) is published at ``published_at``: the open promise is kept,
    late when ``published_at`` is after its due time (then its miss is recorded, if nobody noticed it before).

    Unchanged when nothing is open, or when the publication is older than the open promise (it cannot keep a
    promise made after it: two publications processed out of order).
    """
    current = open_promise(promises)
    if current is None or published_at < current.promised_at:
        return list(promises)
    missed_at = current.missed_at
    if published_at > current.due_at and missed_at is None:
        missed_at = published_at
    kept = current.model_copy(update={"kept_at": published_at.astimezone(UTC), "kept_by": by, "missed_at": missed_at})
    return [kept if promise is current else promise for promise in promises]


def record_update(
    promises: Sequence[Promise],
    incident_id: str,
    message_id: str,
    published_at: datetime,
    due: DuePromise | None,
) -> list[Promise]:
    """The ledger after a customer update is published: :func:`keep`, then the update's own promise (``due``;
    ``None`` for an update that promises nothing, such as ``resolved``).

    Idempotent: a message already in the ledger (a redelivered publication) changes nothing; so does one older
    than the open promise (out of order), which also makes no promise of its own. Raises ValueError when ``due`` is
    not after ``published_at``: the text promised a time already past when it went out (an approval slower than
    the cadence), so the caller must promise anew from the publication (``next_update_due``) and say so.
    """
    if due is not None and due.due_at <= published_at:
        raise ValueError(
            f"message {message_id} promised the next update by {due.due_at.isoformat()}, "
            f"not after its publication at {published_at.isoformat()}"
        )
    if any(message_id in (promise.message_id, promise.kept_by) for promise in promises):
        return list(promises)
    current = open_promise(promises)
    if current is not None and published_at < current.promised_at:
        return list(promises)
    ledger = keep(promises, published_at, by=message_id)
    if due is not None:
        ledger.append(make_promise(incident_id, message_id, published_at, due))
    return ledger


def record_missed(promises: Sequence[Promise], now: datetime) -> list[Promise]:
    """The ledger with the open promise marked missed at ``now``, if it is past due and not marked yet."""
    current = open_promise(promises)
    if current is None or current.missed_at is not None or now <= current.due_at:
        return list(promises)
    missed = current.model_copy(update={"missed_at": now.astimezone(UTC)})
    return [missed if promise is current else promise for promise in promises]


def overdue(promises: Sequence[Promise], now: datetime, grace: timedelta) -> Promise | None:
    """The open promise if it is missed by ``grace`` or more at ``now`` (time to escalate), else None."""
    if grace < timedelta(0):
        raise ValueError("grace must not be negative")
    current = open_promise(promises)
    if current is None or now < current.due_at + grace:
        return None
    return current


def tally(promises: Sequence[Promise], now: datetime) -> PromiseTally:
    """Promises made, kept on time, kept late, still open and (of those) overdue at ``now``."""
    still_open = [promise for promise in promises if promise.is_open]
    return PromiseTally(
        made=len(promises),
        kept_on_time=sum(promise.kept_on_time for promise in promises),
        kept_late=sum(promise.kept_late for promise in promises),
        open=len(still_open),
        overdue=sum(now > promise.due_at for promise in still_open),
    )


def promise_line(due_at: datetime, audience: Audience, locale: str, now: datetime) -> str:
    """The promise as customers read it (``Next update by 14:30 CET``): in the audience's time zone and the
    channel's language, date first when the due time is not today for the audience, written with drafting's own
    ``format_time`` so it matches the ``next_update`` of the drafts."""
    when = format_time(due_at, ZoneInfo(audience.timezone), locale, now)
    text = PROMISE_TEXT.get(locale.split("-")[0], PROMISE_TEXT["en"])
    return text.format(when=when)


class PromiseLedger(BaseModel):
    """An incident's ledger as stored: its promises, the due times the prompter already handled (so a duplicate
    firing does nothing), and the ``revision`` every write is conditioned on (0: never written)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    incident_id: str
    promises: list[Promise] = Field(default_factory=list)
    prompted: list[datetime] = Field(default_factory=list, description="due times a 'due' firing was handled for")
    revision: int = Field(0, ge=0)

    @field_validator("prompted")
    @classmethod
    def _aware_list(cls, values: list[datetime]) -> list[datetime]:
        if any(value.tzinfo is None for value in values):
            raise ValueError("must be timezone-aware")
        return [value.astimezone(UTC) for value in values]

    def changed(self, **update: Any) -> PromiseLedger:
        """The next revision of the ledger with ``update`` applied (validated)."""
        return PromiseLedger.model_validate({**dict(self), **update, "revision": self.revision + 1})
