"""Use case: send one batch of customer emails (at most 50 recipients), paced, and never to anyone twice.

The email channel (:mod:`incident_comms.delivery.email.fanout`) splits a channel's recipients into batches and
queues one SQS message per batch; the sender function gives each message to :meth:`EmailBatchSender.send`, which:

1. **claims** the batch in the :class:`~incident_comms.delivery.email.batches.store.BatchLedger` (a conditional
   write keyed on incident, message, version, channel and batch number): a redelivered batch finds the claim and
   sends nothing;
2. reads the approved draft from the store (the queue carries addresses, never the text: a 256 KB SQS message
   could not hold 50 copies, and the store holds exactly what was approved);
3. sends **one SES SendBulkEmail call** for the whole batch: the draft once as inline template content, one
   entry per recipient with their own ``List-Unsubscribe`` / ``List-Unsubscribe-Post`` headers (RFC 8058) and
   unsubscribe and manage links, and tags naming the message version and channel
   (:func:`~incident_comms.delivery.email.tags.mail_tags`: SES returns them with every bounce and complaint,
   :mod:`incident_comms.delivery.email.feedback`), in the customers' thread of the incident (or maintenance window)
   so a mail client shows all its emails as one conversation (:mod:`incident_comms.mail_threads`), at a pace under
   the account's SES send rate (:class:`~incident_comms.delivery.email.batches.pacing.Pacer`);
4. **finishes** the claim with what SES accepted and refused, and puts any refusal (or unknown outcome) on the
   incident's timeline and tells the operators (:func:`~incident_comms.incidents.operators.report_failure`).

Retries never duplicate: the SES client has SDK retries off (a lost answer would be resent by boto3); SES
throttling or a call that could not connect (the whole call refused, nobody emailed) is retried here with backoff,
and when
it persists the claim is *released* and the batch goes back to the queue (:class:`BatchThrottled`); entries SES
answers as transient failures are retried alone; anything whose outcome is unknown (SES did not answer) is
recorded, not retried. A claim found unfinished after :attr:`EmailBatchSender.in_flight_for` means a sender
stopped half-way: it is reported, never resent.

Pure: the store, the ledger, SES, the clock and ``sleep`` come from the caller.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from incident_comms.delivery.email.batches.content import LITERAL_DATA, bulk_content
from incident_comms.delivery.email.batches.models import (
    BatchRecord,
    BatchState,
    BulkEmail,
    BulkEntry,
    EmailBatch,
    EntryFailure,
    EntryResult,
)
from incident_comms.delivery.email.batches.pacing import Pacer
from incident_comms.delivery.email.batches.store import BatchLedger, BulkEmailSender, SesRefused, SesThrottled
from incident_comms.delivery.email.tags import mail_tags
from incident_comms.drafting.models import ChannelDraft
from incident_comms.incidents.models import Message, MessageStatus, TimelineEntry, TimelineKind
from incident_comms.incidents.operators import NoOperators, OperatorAlerts, report_failure
from incident_comms.incidents.store import IncidentStore
from incident_comms.mail_threads import CUSTOMERS, thread_key
from incident_comms.observability import Logger, Metrics, add_counts
from incident_comms.subscribers.links import manage_url
from incident_comms.subscribers.tokens import unsubscribe_url
from incident_comms.text import one_line, truncate

MAX_RECEIVES = 5
"""``maxReceiveCount`` of the template's EmailBatchQueue redrive policy: the last delivery of a batch records a
persistent throttle as failed instead of handing the batch back to a queue that would dead-letter it silently."""

NO_SUCH_MESSAGE = "no such message"
_CACHED_DRAFTS = 32
ERROR_TEXT_MAX = 300
RETRY_STATUSES = frozenset({"TRANSIENT_FAILURE", "ACCOUNT_THROTTLED"})
"""Per-entry statuses of a bulk call that mean "this one was not sent, try it again"."""
SUCCESS = "SUCCESS"

_UNSAFE_IN_TEMPLATE_VALUE = re.compile(r"[&<>\"'`=\s]")
"""Characters Handlebars would HTML-escape (or that have no place in a URL): an unsubscribe URL must have none."""


class BatchThrottled(Exception):
    """SES kept throttling: the claim was released; let the queue deliver the batch again later."""


class BatchInFlight(Exception):
    """Another delivery of this batch is being sent right now: let the queue deliver it again later (by then it
    is finished, and this delivery sends nothing)."""


class BatchResult(StrEnum):
    SENT = "sent"
    DUPLICATE = "duplicate"
    """Already sent (or found unfinished and reported): a redelivery, nothing sent."""
    NOT_PUBLISHABLE = "not_publishable"
    """The message is gone, not approved at this version, or has no draft for the channel: recorded as failed."""
    REJECTED = "rejected"
    """Not a batch: nothing to record it on."""


@dataclass
class BatchOutcome:
    result: BatchResult
    reason: str | None = None
    record: BatchRecord | None = None
    ses_calls: int = 0

    def counts(self) -> dict[str, int]:
        record = self.record if self.result in (BatchResult.SENT, BatchResult.NOT_PUBLISHABLE) else None
        return {
            "EmailBatchesSent": int(self.result == BatchResult.SENT),
            "EmailBatchesDuplicate": int(self.result == BatchResult.DUPLICATE),
            "EmailBatchesRejected": int(self.result in (BatchResult.REJECTED, BatchResult.NOT_PUBLISHABLE)),
            "EmailsDelivered": record.delivered if record else 0,
            "EmailsFailed": record.failed if record else 0,
            "EmailsUnknown": record.unknown if record else 0,
            "SesBulkCalls": self.ses_calls,
        }

    def as_dict(self) -> dict[str, Any]:
        record = self.record
        return {
            "result": self.result.value,
            "reason": self.reason,
            "ses_calls": self.ses_calls,
            **(
                {
                    "incident_id": record.incident_id,
                    "message_id": record.message_id,
                    "version": record.version,
                    "channel_id": record.channel_id,
                    "batch": record.batch,
                    "batches": record.batches,
                    "attempted": record.attempted,
                    "delivered": record.delivered,
                    "failed": record.failed,
                    "unknown": record.unknown,
                }
                if record
                else {}
            ),
        }


@dataclass
class EmailBatchSender:
    """Sends email batches; see the module doc. ``unsubscribe_key`` is called once per batch (it is the approval
    key, read from Secrets Manager once per container)."""

    store: IncidentStore
    ledger: BatchLedger
    ses: BulkEmailSender
    unsubscribe_key: Callable[[], bytes]
    base_url: str
    pacer: Pacer
    sleep: Callable[[float], None] = time.sleep
    attempts: int = 4
    """SES calls per batch before a throttle is handed back to the queue."""
    backoff: float = 1.0
    """Seconds before the first retry; doubled on each, with jitter."""
    in_flight_for: timedelta = timedelta(minutes=5)
    """A claim older than this, still unfinished, belongs to a sender that stopped (the function times out after
    a minute)."""
    jitter: Callable[[], float] = field(default=random.random)
    operators: OperatorAlerts = field(default_factory=NoOperators)
    """Told of every batch that failed or whose outcome is unknown, beside the timeline."""
    other_drafts: Callable[[EmailBatch], ChannelDraft | str | None] | None = None
    """Drafts of batches that are not an incident's (a scheduled maintenance's steps): the draft, why there is none,
    or None for a batch it does not know, which is then an incident's."""
    _approved: dict[tuple[str, str, int, str], ChannelDraft] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.base_url or _UNSAFE_IN_TEMPLATE_VALUE.search(self.base_url):
            raise ValueError("customer emails need APPROVALS_BASE_URL (a plain https URL) for their unsubscribe link")

    def send(self, body: Any, now: datetime, *, last_attempt: bool = False) -> BatchOutcome:
        """Send the batch ``body`` describes, at most once. ``last_attempt``: the queue will not deliver it again,
        so a persistent throttle is recorded as failed instead of raised."""
        try:
            batch = EmailBatch.model_validate(body)
        except ValidationError as error:
            fields = ", ".join(".".join(str(part) for part in item["loc"]) or "(body)" for item in error.errors())
            return BatchOutcome(BatchResult.REJECTED, f"not an email batch: {fields}")
        claim = BatchRecord.claim_of(batch, now)
        earlier = self.ledger.claim(claim)
        if earlier is not None:
            return self._earlier(earlier, now)
        draft = self._draft(batch)
        if isinstance(draft, str):
            on_incident = draft != NO_SUCH_MESSAGE  # a message that is gone may have taken its incident with it
            record = self._finish(claim, now, failed=len(batch.recipients), detail=draft, timeline=on_incident)
            return BatchOutcome(BatchResult.NOT_PUBLISHABLE, draft, record)
        return self._send(batch, claim, draft, now, last_attempt)

    def _draft(self, batch: EmailBatch) -> ChannelDraft | str:
        """The approved draft of the batch's channel (or why there is none). An approved version never changes (an
        edit makes a new version), so a warm container reads it once for all of a message's batches."""
        key = (batch.incident_id, batch.message_id, batch.version, batch.channel_id)
        cached = self._approved.get(key)
        if cached is not None:
            return cached
        other = self.other_drafts(batch) if self.other_drafts else None
        if other is not None:
            draft = other
        else:
            draft = _publishable_draft(self.store.get_message(batch.incident_id, batch.message_id), batch)
        if not isinstance(draft, str):
            if len(self._approved) >= _CACHED_DRAFTS:
                self._approved.pop(next(iter(self._approved)))
            self._approved[key] = draft
        return draft

    def _earlier(self, earlier: BatchRecord, now: datetime) -> BatchOutcome:
        if earlier.state != BatchState.SENDING:
            return BatchOutcome(BatchResult.DUPLICATE, "already sent", earlier)
        if now - earlier.claimed_at < self.in_flight_for:
            raise BatchInFlight(
                f"batch {earlier.batch} of {earlier.channel_id} is being sent since {earlier.claimed_at}"
            )
        detail = f"sending started at {earlier.claimed_at.isoformat()} and never finished; not resent"
        record = self._finish(earlier, now, unknown=earlier.attempted, detail=detail, timeline=True)
        return BatchOutcome(BatchResult.DUPLICATE, detail, record)

    def _send(
        self, batch: EmailBatch, claim: BatchRecord, draft: ChannelDraft, now: datetime, last_attempt: bool
    ) -> BatchOutcome:
        subject, text, html = bulk_content(draft)
        key = self.unsubscribe_key()
        entries: dict[str, BulkEntry] = {}
        for address in batch.recipients:
            url = unsubscribe_url(self.base_url, address, key)
            one_click = (("List-Unsubscribe", f"<{url}>"), ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
            links = {"unsubscribe_url": url, "manage_url": manage_url(self.base_url, address, key, now)}
            entries[address] = BulkEntry(address, {**LITERAL_DATA, **links}, one_click)
        headers = (("X-Incident-Id", batch.incident_id), ("X-Incident-Message", f"{batch.message_id} v{batch.version}"))
        pending = list(batch.recipients)
        delivered: list[str] = []
        failures: list[EntryFailure] = []
        transient: dict[str, EntryFailure] = {}
        unknown = 0
        detail: str | None = None
        calls = 0
        for attempt in range(self.attempts):
            if attempt:
                self.sleep(self.backoff * 2 ** (attempt - 1) * (0.5 + self.jitter() / 2))
            email = BulkEmail(
                subject,
                text,
                html,
                {**LITERAL_DATA, "unsubscribe_url": "", "manage_url": ""},
                tuple(entries[a] for a in pending),
                headers,
                mail_tags(batch.incident_id, batch.message_id, batch.version, batch.channel_id),
                thread_key(batch.incident_id, CUSTOMERS),
            )
            self.pacer.wait_for(len(pending))
            calls += 1
            try:
                results = self.ses.send_bulk(email)
            except SesThrottled:
                continue
            except SesRefused as error:
                failures += [EntryFailure(address=a, status=error.code) for a in pending]
                detail, pending = _short(str(error)), []
                break
            except Exception as error:  # noqa: BLE001 - SES may have sent it: record, never resend
                unknown, detail = len(pending), _short(f"SES did not answer ({type(error).__name__}: {error})")
                pending = []
                break
            retry: list[str] = []
            for address, result in zip(pending, _aligned(results, len(pending)), strict=True):
                if result.status == SUCCESS:
                    delivered.append(address)
                elif result.status in RETRY_STATUSES:
                    retry.append(address)
                    transient[address] = EntryFailure(address=address, status=result.status, error=_error(result))
                else:
                    failures.append(EntryFailure(address=address, status=result.status, error=_error(result)))
            pending = retry
            if not pending:
                break
        if pending:
            if not delivered and not failures and not unknown and not last_attempt:
                self.ledger.release(claim.model_copy(update={"state": BatchState.RELEASED}))
                raise BatchThrottled(f"SES throttled batch {batch.batch} of {batch.channel_id} {calls} times")
            failures += [transient.get(a, EntryFailure(address=a, status="THROTTLED")) for a in pending]
            detail = detail or f"still refused after {calls} SES calls (throttling or transient failures)"
        record = self._finish(
            claim,
            now,
            delivered=len(delivered),
            failed=len(failures),
            unknown=unknown,
            detail=detail,
            failures=failures,
            timeline=True,
        )
        return BatchOutcome(BatchResult.SENT, detail, record, ses_calls=calls)

    def _finish(
        self,
        claim: BatchRecord,
        now: datetime,
        *,
        delivered: int = 0,
        failed: int = 0,
        unknown: int = 0,
        detail: str | None = None,
        failures: list[EntryFailure] | None = None,
        timeline: bool,
    ) -> BatchRecord:
        record = claim.model_copy(
            update={
                "state": BatchState.SENT,
                "finished_at": now,
                "delivered": delivered,
                "failed": failed,
                "unknown": unknown,
                "detail": detail,
                "failures": failures or [],
            }
        )
        self.ledger.finish(record)
        if timeline and (record.failed or record.unknown):
            report_failure(self.store, self.operators, _failed_entry(record, now))
        return record


def _publishable_draft(message: Message | None, batch: EmailBatch) -> ChannelDraft | str:
    """The draft to send, or why there is none."""
    if message is None:
        return NO_SUCH_MESSAGE
    if message.status != MessageStatus.APPROVED or message.version != batch.version:
        return f"message is {message.status.value} at version {message.version}, not approved at {batch.version}"
    for draft in message.drafts:
        if draft.channel_id == batch.channel_id:
            return draft
    return f"the message has no draft for {batch.channel_id}"


def _aligned(results: list[EntryResult], count: int) -> list[EntryResult]:
    """SES answers one result per entry, in order; a short answer leaves the rest unknown-as-failed."""
    return [*results[:count], *[EntryResult("", "FAILED", error="no result from SES")] * (count - len(results))]


def _error(result: EntryResult) -> str | None:
    return _short(result.error) if result.error else None


def _short(text: str) -> str:
    return truncate(one_line(text), ERROR_TEXT_MAX)


def _failed_entry(record: BatchRecord, now: datetime) -> TimelineEntry:
    text = (
        f"{record.channel_id}: batch {record.batch} of {record.batches}: {record.delivered} of {record.attempted} "
        f"emails accepted by SES, {record.failed} failed"
        + (f", {record.unknown} unknown" if record.unknown else "")
        + (f" ({record.detail})" if record.detail else "")
    )
    return TimelineEntry(
        incident_id=record.incident_id,
        at=now,
        kind=TimelineKind.DELIVERY_FAILED,
        text=text,
        data={"email_batch": record.model_dump(mode="json")},
    )


def record_outcome(outcome: BatchOutcome, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log what a batch did (counts and reasons, never addresses) and count it."""
    summary = outcome.as_dict()
    if outcome.result in (BatchResult.REJECTED, BatchResult.NOT_PUBLISHABLE) or summary.get("failed"):
        logger.warning("email batch not fully sent", extra=summary)
    else:
        logger.info("email batch handled", extra=summary)
    add_counts(metrics, outcome.counts(), unit)
