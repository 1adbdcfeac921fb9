"""One batch of customer emails (at most :data:`MAX_BATCH` recipients) and what sending it did.

:class:`EmailBatch` is the body of an email batch queue message: the email channel writes it, the sender reads it;
it carries addresses (normalised, none twice), never the text. :class:`BatchRecord` is what sending one batch did:
claimed once, then finished with what SES accepted (``delivered``), refused (``failed``) and could not tell
(``unknown``), or released for a retry. :class:`BulkEmail` is one SES SendBulkEmail call (the content once, one
:class:`BulkEntry` per recipient), answered with one :class:`EntryResult` per entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from incident_comms.subscribers.models import normalise_address

MAX_BATCH = 50
"""SES SendBulkEmail takes at most 50 entries per call; one batch is one call."""


class EmailBatch(BaseModel):
    """The body of an email batch queue message, written by the email channel and read by the batch sender."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    incident_id: str = Field(min_length=1, max_length=128)
    message_id: str = Field(min_length=1, max_length=128)
    version: int = Field(ge=1)
    channel_id: str = Field(min_length=1, max_length=64)
    batch: int = Field(ge=1, description="1-based number of this batch among the channel's batches")
    batches: int = Field(ge=1)
    recipients: list[str] = Field(min_length=1, max_length=MAX_BATCH)

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        addresses = [normalise_address(address) for address in value]
        if len(set(addresses)) != len(addresses):
            raise ValueError("an address appears twice in one batch")
        return addresses

    @model_validator(mode="after")
    def _numbered(self) -> EmailBatch:
        if self.batch > self.batches:
            raise ValueError("batch number beyond the number of batches")
        return self


class BatchState(StrEnum):
    SENDING = "sending"
    """Claimed: a sender is on it (or stopped half-way, if it stays so for long)."""
    SENT = "sent"
    """Finished: the counts are final, whatever they say."""
    RELEASED = "released"
    """SES throttled the whole call and nothing was sent: the next delivery of the batch may claim it again."""


class EntryFailure(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    address: str
    status: str
    error: str | None = None


class BatchRecord(BaseModel):
    """What sending one batch did: claimed once, then finished (or released for a retry)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    incident_id: str
    message_id: str
    version: int
    channel_id: str
    batch: int
    batches: int
    state: BatchState = BatchState.SENDING
    claimed_at: datetime
    finished_at: datetime | None = None
    attempted: int = 0
    delivered: int = 0
    failed: int = 0
    unknown: int = 0
    detail: str | None = None
    failures: list[EntryFailure] = Field(default_factory=list)

    @classmethod
    def claim_of(cls, batch: EmailBatch, now: datetime) -> BatchRecord:
        return cls(
            incident_id=batch.incident_id,
            message_id=batch.message_id,
            version=batch.version,
            channel_id=batch.channel_id,
            batch=batch.batch,
            batches=batch.batches,
            claimed_at=now,
            attempted=len(batch.recipients),
        )


@dataclass(frozen=True)
class BulkEntry:
    """One recipient of a bulk call: their address, template values and their own headers."""

    address: str
    data: Mapping[str, str]
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class BulkEmail:
    """One SES SendBulkEmail call: the content once (SES template syntax), one entry per recipient.

    ``tags`` are SES message tags (``DefaultEmailTags``): SES returns them in every bounce and complaint event the
    configuration set publishes, which is how that feedback finds its incident, message and channel
    (:func:`mail_tags`)."""

    subject: str
    text: str
    html: str | None
    default_data: Mapping[str, str]
    entries: tuple[BulkEntry, ...]
    headers: tuple[tuple[str, str], ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    thread: str | None = None
    """The mail thread of every recipient's copy (:func:`incident_comms.mail_threads.thread_key`); the sender adds its
    ``In-Reply-To`` / ``References`` with its own domain."""


@dataclass(frozen=True)
class EntryResult:
    address: str
    status: str
    message_id: str | None = None
    error: str | None = None
