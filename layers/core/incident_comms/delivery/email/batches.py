"""Use case: send one batch of customer emails (at most 50 recipients), paced, and never to anyone twice.

The email channel (:mod:`incident_comms.email_fanout`) splits a channel's recipients into batches and queues one
SQS message per batch; the sender function gives each message to :meth:`EmailBatchSender.send`, which:

1. **claims** the batch in the :class:`BatchLedger` (a conditional write keyed on incident, message, version,
   channel and batch number): a redelivered batch finds the claim and sends nothing;
2. reads the approved draft from the store (the queue carries addresses, never the text: a 256 KB SQS message
   could not hold 50 copies, and the store holds exactly what was approved);
3. sends **one SES SendBulkEmail call** for the whole batch: the draft once as inline template content, one
   entry per recipient with their own ``List-Unsubscribe`` / ``List-Unsubscribe-Post`` headers (RFC 8058) and
   unsubscribe link, and tags naming the message version and channel (:func:`mail_tags`: SES returns them with
   every bounce and complaint, :mod:`incident_comms.email_feedback`), at a pace under the account's SES send rate
   (:class:`Pacer`);
4. **finishes** the claim with what SES accepted and refused, and puts any refusal on the incident's timeline.

Retries never duplicate: SES throttling (the whole call refused, nobody emailed) is retried with backoff, and when
it persists the claim is *released* and the batch goes back to the queue (:class:`BatchThrottled`); entries SES
answers as transient failures are retried alone; anything whose outcome is unknown (SES did not answer) is
recorded, not retried. A claim found unfinished after :attr:`EmailBatchSender.in_flight_for` means a sender
stopped half-way: it is reported, never resent.

Counts: the publisher's delivery for an email channel counts recipients *queued*; these batch records count what
SES *accepted* (``delivered``), *refused* (``failed``) and could not tell (``unknown``). :func:`batch_totals`
adds them up per message and channel for the delivery report.

Pure: the store, the ledger, SES, the clock and ``sleep`` come from the caller.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from incident_comms.drafting.render import ChannelDraft
from incident_comms.incidents.models import Message, MessageStatus, TimelineEntry, TimelineKind
from incident_comms.incidents.store import IncidentStore
from incident_comms.observability import Logger, Metrics
from incident_comms.subscribers.directory import normalise_address, unsubscribe_url
from incident_comms.text import one_line, truncate

MAX_BATCH = 50
"""SES SendBulkEmail takes at most 50 entries per call; one batch is one call."""

MAX_RECEIVES = 5
"""``maxReceiveCount`` of the template's EmailBatchQueue redrive policy: the last delivery of a batch records a
persistent throttle as failed instead of handing the batch back to a queue that would dead-letter it silently."""

SUBJECT_MAX = 200
NO_SUCH_MESSAGE = "no such message"
_CACHED_DRAFTS = 32
ERROR_TEXT_MAX = 300
THROTTLE_CODES = frozenset({"TooManyRequestsException", "Throttling", "ThrottlingException"})
"""SES error codes that mean "the whole call was refused, nothing sent, try later"."""
RETRY_STATUSES = frozenset({"TRANSIENT_FAILURE", "ACCOUNT_THROTTLED"})
"""Per-entry statuses of a bulk call that mean "this one was not sent, try it again"."""
SUCCESS = "SUCCESS"

_HANDLEBARS_SPECIAL = re.compile(r"[{\\]")
_UNSAFE_IN_TEMPLATE_VALUE = re.compile(r"[&<>\"'`=\s]")
"""Characters Handlebars would HTML-escape (or that have no place in a URL): an unsubscribe URL must have none."""


class EmailBatch(BaseModel):
    """The body of an email batch queue message, written by the email channel and read here."""

    model_config = ConfigDict(frozen=True, extra="ignore")

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
    model_config = ConfigDict(frozen=True)

    address: str
    status: str
    error: str | None = None


class BatchRecord(BaseModel):
    """What sending one batch did: claimed once, then finished (or released for a retry)."""

    model_config = ConfigDict(frozen=True)

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


# --- message tags: how SES feedback finds its message ---------------------------------------------------------

TAG_INCIDENT = "ic-incident"
TAG_MESSAGE = "ic-message"
TAG_VERSION = "ic-version"
TAG_CHANNEL = "ic-channel"
TAG_VALUE_MAX = 255
"""SES: a tag name or value has fewer than 256 characters, all of ``[A-Za-z0-9_-]``."""
_TAG_KEPT = re.compile(r"[A-Za-z0-9-]")
_TAG_VALUE = re.compile(r"(?:[A-Za-z0-9-]|_[0-9A-F]{2})+")


def encode_tag_value(value: str) -> str:
    """``value`` in the characters SES allows in a tag value, readable where it already was.

    Letters, digits and ``-`` stay; every other character (``_`` included, so the escape is unambiguous) becomes
    ``_`` and two upper-case hex digits per UTF-8 byte: ``email.es`` → ``email_2Ees``. Raises ``ValueError`` for an
    empty value or one whose encoding would not fit SES's limit."""
    encoded = "".join(
        char if _TAG_KEPT.fullmatch(char) else "".join(f"_{byte:02X}" for byte in char.encode("utf-8"))
        for char in value
    )
    if not encoded or len(encoded) > TAG_VALUE_MAX:
        raise ValueError(f"a tag value must be 1 to {TAG_VALUE_MAX} characters once encoded")
    return encoded


def decode_tag_value(encoded: str) -> str:
    """The value :func:`encode_tag_value` encoded; ``ValueError`` for anything it could not have produced."""
    if not isinstance(encoded, str) or len(encoded) > TAG_VALUE_MAX or not _TAG_VALUE.fullmatch(encoded):
        raise ValueError("not an encoded tag value")
    data = bytearray()
    index = 0
    while index < len(encoded):
        if encoded[index] == "_":
            data.append(int(encoded[index + 1 : index + 3], 16))
            index += 3
        else:
            data.extend(encoded[index].encode("ascii"))
            index += 1
    value = data.decode("utf-8")  # UnicodeDecodeError is a ValueError
    if encode_tag_value(value) != encoded:  # one encoding per value: no escaped letters, no split characters
        raise ValueError("not an encoded tag value")
    return value


def mail_tags(incident_id: str, message_id: str, version: int, channel_id: str) -> tuple[tuple[str, str], ...]:
    """The tags of every email of one message version on one channel; empty when an id is too long to tag (its
    feedback then arrives untagged, and is counted as such, rather than the emails not being sent)."""
    try:
        return (
            (TAG_INCIDENT, encode_tag_value(incident_id)),
            (TAG_MESSAGE, encode_tag_value(message_id)),
            (TAG_VERSION, str(version)),
            (TAG_CHANNEL, encode_tag_value(channel_id)),
        )
    except ValueError:
        return ()


@dataclass(frozen=True)
class EntryResult:
    address: str
    status: str
    message_id: str | None = None
    error: str | None = None


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


class BatchThrottled(Exception):
    """SES kept throttling: the claim was released; let the queue deliver the batch again later."""


class BatchInFlight(Exception):
    """Another delivery of this batch is being sent right now: let the queue deliver it again later (by then it
    is finished, and this delivery sends nothing)."""


class Pacer:
    """Keeps one sender under ``rate`` emails per second, across the batches a warm container sends.

    Before a call of ``n`` emails it waits until the previous calls' emails have "drained" at ``rate``: a burst of
    one batch is allowed, the sustained rate is not exceeded. Divide the account's rate by the number of senders
    that may run at once (the queue's maximum concurrency).
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("the send rate must be positive")
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._free_at: float | None = None

    def wait_for(self, emails: int) -> float:
        """Wait (if needed) before sending ``emails``; answers how long it waited."""
        now = self._clock()
        waited = 0.0
        if self._free_at is not None and now < self._free_at:
            waited = self._free_at - now
            self._sleep(waited)
            now = self._free_at
        self._free_at = now + emails / self.rate
        return waited


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


def template_literal(text: str) -> str:
    """``text`` as SES template content that renders back to exactly ``text``.

    SES reads inline template content as Handlebars, so an approved draft containing ``{{`` (or ``\\{{``) would be
    rendered, not shown. Every ``{`` becomes ``{{ob}}`` and every ``\\`` becomes ``{{bs}}``, two variables whose
    values (:data:`LITERAL_DATA`) are those characters: what is left of the draft holds no braces and no escapes,
    and only simple substitution, which SES supports for inline content, is relied on.
    """
    return _HANDLEBARS_SPECIAL.sub(lambda match: "{{ob}}" if match.group() == "{" else "{{bs}}", text)


LITERAL_DATA: Mapping[str, str] = {"ob": "{", "bs": "\\"}
UNSUBSCRIBE_VARIABLE = "{{unsubscribe_url}}"


def _footers(locale: str) -> tuple[str, str]:
    """The unsubscribe footer (text, HTML) of a customer email, with the per-recipient link left as a variable."""
    from incident_comms.team.emails import email_environment

    environment = email_environment()
    values = {"locale": locale, "unsubscribe_url": UNSUBSCRIBE_VARIABLE}
    text = environment.get_template("customer_email_footer.txt.j2").render(values)
    html = environment.get_template("customer_email_footer.html.j2").render(values)
    return text, html


_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


def bulk_content(draft: ChannelDraft) -> tuple[str, str, str | None]:
    """Subject, text and HTML template content for ``draft``: the draft made literal, plus the unsubscribe footer
    (in the HTML, just before ``</body>``)."""
    text_footer, html_footer = _footers(draft.locale)
    subject = truncate(one_line(draft.subject or draft.text), SUBJECT_MAX)
    text = template_literal(draft.text.rstrip()) + "\n\n" + text_footer.strip() + "\n"
    html = None
    if draft.html:
        literal = template_literal(draft.html)
        ends = list(_BODY_END.finditer(literal))
        cut = ends[-1].start() if ends else len(literal)
        html = literal[:cut] + html_footer + literal[cut:]
    return template_literal(subject), text, html


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
            entries[address] = BulkEntry(address, {**LITERAL_DATA, "unsubscribe_url": url}, one_click)
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
                {**LITERAL_DATA, "unsubscribe_url": ""},
                tuple(entries[a] for a in pending),
                headers,
                mail_tags(batch.incident_id, batch.message_id, batch.version, batch.channel_id),
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
            self.store.add_timeline_entry(_failed_entry(record, now))
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


@dataclass(frozen=True)
class BatchTotals:
    batches: int = 0
    attempted: int = 0
    delivered: int = 0
    failed: int = 0
    unknown: int = 0
    unfinished: int = 0


def batch_totals(records: Iterable[BatchRecord]) -> dict[tuple[str, int, str], BatchTotals]:
    """What SES accepted per (message id, version, channel id), summed over its batch records."""
    totals: dict[tuple[str, int, str], BatchTotals] = {}
    for record in records:
        key = (record.message_id, record.version, record.channel_id)
        now = totals.get(key, BatchTotals())
        finished = record.state == BatchState.SENT
        totals[key] = BatchTotals(
            batches=now.batches + 1,
            attempted=now.attempted + record.attempted,
            delivered=now.delivered + record.delivered,
            failed=now.failed + record.failed,
            unknown=now.unknown + record.unknown,
            unfinished=now.unfinished + int(not finished),
        )
    return totals


def record_outcome(outcome: BatchOutcome, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log what a batch did (counts and reasons, never addresses) and count it."""
    summary = outcome.as_dict()
    if outcome.result in (BatchResult.REJECTED, BatchResult.NOT_PUBLISHABLE) or summary.get("failed"):
        logger.warning("email batch not fully sent", extra=summary)
    else:
        logger.info("email batch handled", extra=summary)
    for name, value in outcome.counts().items():
        metrics.add_metric(name=name, unit=unit, value=value)
