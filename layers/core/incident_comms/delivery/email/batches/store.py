"""The batch sender's ports: the ledger of batch claims, and SES's bulk send.

A claim answers the record of the earlier claim when there is one, so a redelivered batch sends nothing. A bulk
send raises :class:`SesThrottled` or :class:`SesRefused` only when the call as a whole was refused and nothing
was sent; anything else it raises means the outcome is unknown (and is never resent).
"""

from __future__ import annotations

from typing import Protocol

from incident_comms.delivery.email.batches.models import BatchRecord, BulkEmail, EntryResult

THROTTLE_CODES = frozenset({"TooManyRequestsException", "Throttling", "ThrottlingException"})
"""SES error codes that mean "the whole call was refused, nothing sent, try later"."""


class BatchLedger(Protocol):
    """Where batch claims live (DynamoDB, next to the incident)."""

    def claim(self, record: BatchRecord) -> BatchRecord | None:
        """Claim ``record``'s batch: None when this call claimed it (new, or released earlier), else the record
        stored by the earlier claim."""
        ...

    def finish(self, record: BatchRecord) -> None:
        """Store the final outcome of a claimed batch (state SENT)."""
        ...

    def release(self, record: BatchRecord) -> None:
        """Give a claimed batch back (state RELEASED): nothing of it was sent, a redelivery may send it."""
        ...

    def batches(self, incident_id: str) -> list[BatchRecord]: ...


class SesThrottled(Exception):
    """SES refused the whole call for its rate: nothing was sent."""


class SesRefused(Exception):
    """SES refused the whole call for good (unverified sender, paused account, bad request): nothing was sent."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(f"{code}: {message}")


class BulkEmailSender(Protocol):
    def send_bulk(self, email: BulkEmail) -> list[EntryResult]:
        """Send ``email`` in one call; one result per entry, in order. Raises :class:`SesThrottled` or
        :class:`SesRefused` when the call as a whole was refused; anything else means the outcome is unknown."""
        ...
