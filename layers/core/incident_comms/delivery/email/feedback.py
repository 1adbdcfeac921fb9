"""Use case: bounces and complaints SES reports back, recorded once and the address suppressed.

SES accepts a customer email and only later learns that the mailbox does not exist (a *permanent bounce*) or that
the person marked it as spam (a *complaint*). The template's configuration set publishes both event types to an
SNS topic the feedback function is subscribed to; each SNS message is one SES event notification (the *event
publishing* format: ``eventType``, ``mail`` with the tags the sender put on the email, and a ``bounce`` or
``complaint`` object). :meth:`EmailFeedback.handle` takes one and:

1. parses it (pydantic); anything that is not an SES event is a counted, logged rejection and changes nothing:
   SNS retrying bad input would only repeat the rejection;
2. counts transient and undetermined bounces and changes nothing (SES retries those itself, and a full mailbox
   today is no reason to stop telling someone about an incident);
3. finds the message from the email's tags (:func:`incident_comms.delivery.email.tags.mail_tags`); an email without
   them (sent by another tool through the same configuration set) or about a message the store does not hold is
   counted and logged, and changes nothing;
4. for each permanently bouncing or complaining recipient: suppresses the address in the contact list (never a
   recipient again, kept so an import does not add it back) and records a :class:`BounceRecord` once per
   recipient and message version (a redelivered notification counts once in the delivery report);
5. puts one entry on the incident's timeline per message version and channel (the first feedback claims it),
   never one per recipient: the delivery report has the numbers.

The configuration set's own suppression (``SuppressedReasons: [BOUNCE, COMPLAINT]``) already stops SES sending to
such an address from this account; suppressing it in the contact list as well keeps it out of the recipients, the
batches and the counts, and shows people why.

Pure: the store, the ledger and the directory come from the caller.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, model_validator

from incident_comms.delivery.email.bounces import BounceLedger, BounceRecord, FeedbackKind
from incident_comms.delivery.email.tags import TAG_CHANNEL, TAG_INCIDENT, TAG_MESSAGE, TAG_VERSION, decode_tag_value
from incident_comms.incidents.models import TimelineEntry, TimelineKind
from incident_comms.incidents.store import IncidentStore
from incident_comms.observability import Logger, Metrics, add_counts
from incident_comms.subscribers.directory import SubscriberDirectory
from incident_comms.subscribers.models import normalise_address
from incident_comms.text import one_line, truncate

PERMANENT = "Permanent"
BOUNCE_EVENT = "Bounce"
COMPLAINT_EVENT = "Complaint"
REASON_MAX = 300
"""The suppression reason stored in the contact's attributes: short, one line."""
_KNOWN_MAX = 256
MAX_NOTIFICATION_BYTES = 256 * 1024
"""An SNS message is at most 256 KB: anything larger did not come from SNS."""


# --- the SES event notification ---------------------------------------------------------------------------------


class _SesModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True, defer_build=True)


class SesMail(_SesModel):
    """``mail``: the email the event is about, with its tags (each tag name maps to a list of values)."""

    message_id: str = Field(alias="messageId", min_length=1)
    timestamp: datetime | None = None
    tags: dict[str, list[str]] = Field(default_factory=dict)


class SesRecipient(_SesModel):
    email_address: str = Field(alias="emailAddress", min_length=1, max_length=320)


class SesBounce(_SesModel):
    bounce_type: str = Field(alias="bounceType", min_length=1)
    """``Permanent``, ``Transient`` or ``Undetermined``."""
    bounce_sub_type: str = Field("", alias="bounceSubType")
    bounced_recipients: list[SesRecipient] = Field(alias="bouncedRecipients", min_length=1)
    timestamp: datetime | None = None


class SesComplaint(_SesModel):
    complained_recipients: list[SesRecipient] = Field(alias="complainedRecipients", min_length=1)
    complaint_feedback_type: str | None = Field(None, alias="complaintFeedbackType")
    timestamp: datetime | None = None


class SesEvent(_SesModel):
    """One SES event notification (event publishing format; the older identity notifications name the type
    ``notificationType``, accepted too)."""

    event_type: str = Field(validation_alias=AliasChoices("eventType", "notificationType"), min_length=1)
    mail: SesMail
    bounce: SesBounce | None = None
    complaint: SesComplaint | None = None

    @model_validator(mode="after")
    def _has_its_object(self) -> SesEvent:
        if self.event_type == BOUNCE_EVENT and self.bounce is None:
            raise ValueError("a Bounce event without its bounce object")
        if self.event_type == COMPLAINT_EVENT and self.complaint is None:
            raise ValueError("a Complaint event without its complaint object")
        return self


class NotAnSesEvent(ValueError):
    """The text is not an SES event notification; the message names the problem, never repeats the input."""


def parse_ses_event(message: Any) -> SesEvent:
    """The SES event an SNS message carries (a JSON string, or the object already decoded)."""
    if isinstance(message, str | bytes):
        if len(message) > MAX_NOTIFICATION_BYTES:
            raise NotAnSesEvent("larger than an SNS message can be")
        try:
            message = json.loads(message)
        except ValueError:
            raise NotAnSesEvent("not JSON") from None
    if not isinstance(message, dict):
        raise NotAnSesEvent("not a JSON object")
    try:
        return SesEvent.model_validate(message)
    except ValidationError as error:
        fields = ", ".join(".".join(str(part) for part in item["loc"]) or "(event)" for item in error.errors())
        raise NotAnSesEvent(f"not an SES event notification: {fields}") from None


@dataclass(frozen=True)
class Attribution:
    """Which message version and channel an email belonged to, from its tags."""

    incident_id: str
    message_id: str
    version: int
    channel_id: str


def attribution(tags: dict[str, list[str]]) -> Attribution | None:
    """What :func:`incident_comms.delivery.email.tags.mail_tags` put on the email; None when a tag is missing or is
    not one we could have written."""
    try:
        values = {name: tags[name][0] for name in (TAG_INCIDENT, TAG_MESSAGE, TAG_VERSION, TAG_CHANNEL)}
        version = values[TAG_VERSION]
        if not version.isascii() or not version.isdigit() or int(version) < 1:
            return None
        return Attribution(
            incident_id=decode_tag_value(values[TAG_INCIDENT]),
            message_id=decode_tag_value(values[TAG_MESSAGE]),
            version=int(version),
            channel_id=decode_tag_value(values[TAG_CHANNEL]),
        )
    except (KeyError, IndexError, TypeError, ValueError):
        return None


# --- the use case -----------------------------------------------------------------------------------------------


class FeedbackLedger(BounceLedger, Protocol):
    """The bounce ledger, plus the one-per-channel claim that keeps the timeline to one entry per message
    version and channel however many recipients bounce."""

    def claim_notice(self, incident_id: str, message_id: str, version: int, channel_id: str) -> bool:
        """True for the first caller only, per message version and channel."""
        ...


class FeedbackResult(StrEnum):
    RECORDED = "recorded"
    """A permanent bounce or a complaint about one of our messages: recorded and suppressed."""
    TRANSIENT = "transient"
    """A transient or undetermined bounce: counted, nothing changed."""
    UNATTRIBUTED = "unattributed"
    """Without our tags, or about a message the store does not hold: counted and logged, nothing changed."""
    IGNORED = "ignored"
    """Another event type (delivery, open…) the configuration set was told to publish: nothing to do."""
    REJECTED = "rejected"
    """Not an SES event notification at all."""


@dataclass
class FeedbackOutcome:
    result: FeedbackResult
    reason: str | None = None
    kind: FeedbackKind | None = None
    about: Attribution | None = None
    recipients: int = 0
    recorded: int = 0
    """Recipients recorded for the first time (a redelivered notification records none)."""
    duplicates: int = 0
    suppressed: int = 0
    """Recipients suppressed in the contact list (already suppressed ones included: it is idempotent)."""
    not_subscribed: int = 0
    """Recipients the contact list does not hold (removed since, or never a subscriber)."""
    unusable: int = 0
    """Recipient addresses SES reported that are no address we could have sent to."""
    noticed: bool = False
    """This notification put the channel's entry on the timeline."""

    def counts(self) -> dict[str, int]:
        recorded = self.result == FeedbackResult.RECORDED
        return {
            "EmailBouncesRecorded": self.recorded if recorded and self.kind == FeedbackKind.BOUNCE else 0,
            "EmailComplaintsRecorded": self.recorded if recorded and self.kind == FeedbackKind.COMPLAINT else 0,
            "EmailFeedbackDuplicates": self.duplicates,
            "AddressesSuppressed": self.suppressed,
            "EmailBouncesTransient": self.recipients if self.result == FeedbackResult.TRANSIENT else 0,
            "EmailFeedbackUnattributed": int(self.result == FeedbackResult.UNATTRIBUTED),
            "EmailFeedbackIgnored": int(self.result == FeedbackResult.IGNORED),
            "EmailFeedbackRejected": int(self.result == FeedbackResult.REJECTED),
        }

    def as_dict(self) -> dict[str, Any]:
        """What to log and answer: counts and ids, never an address."""
        about = self.about
        return {
            "result": self.result.value,
            "reason": self.reason,
            "kind": self.kind.value if self.kind else None,
            **(
                {
                    "incident_id": about.incident_id,
                    "message_id": about.message_id,
                    "version": about.version,
                    "channel_id": about.channel_id,
                }
                if about
                else {}
            ),
            "recipients": self.recipients,
            "recorded": self.recorded,
            "duplicates": self.duplicates,
            "suppressed": self.suppressed,
            "not_subscribed": self.not_subscribed,
            "unusable": self.unusable,
            "noticed": self.noticed,
        }


@dataclass
class EmailFeedback:
    """Applies SES bounce and complaint notifications; see the module doc."""

    store: IncidentStore
    ledger: FeedbackLedger
    directory: SubscriberDirectory
    _known: set[Attribution] = field(default_factory=set, init=False, repr=False)

    def handle_sns_event(self, event: Any, now: datetime) -> list[FeedbackOutcome]:
        """Every SES notification of a Lambda SNS event; an event that is not one is one rejected outcome."""
        records = event.get("Records") if isinstance(event, dict) else None
        if not isinstance(records, list) or not records:
            return [FeedbackOutcome(FeedbackResult.REJECTED, "not an SNS event (no Records)")]
        outcomes = []
        for record in records:
            sns = record.get("Sns") if isinstance(record, dict) else None
            message = sns.get("Message") if isinstance(sns, dict) else None
            if message is None:
                outcomes.append(FeedbackOutcome(FeedbackResult.REJECTED, "an SNS record without a Message"))
            else:
                outcomes.append(self.handle(message, now))
        return outcomes

    def handle(self, message: Any, now: datetime) -> FeedbackOutcome:
        """Apply one SES event notification (the SNS ``Message``)."""
        try:
            event = parse_ses_event(message)
        except NotAnSesEvent as error:
            return FeedbackOutcome(FeedbackResult.REJECTED, str(error))
        if event.bounce is not None and event.event_type == BOUNCE_EVENT:
            kind = FeedbackKind.BOUNCE
            recipients = event.bounce.bounced_recipients
            if event.bounce.bounce_type != PERMANENT:
                reason = f"{event.bounce.bounce_type} bounce: SES retries it, nothing changes"
                return FeedbackOutcome(FeedbackResult.TRANSIENT, reason, kind, recipients=len(recipients))
            detail = "/".join(part for part in (event.bounce.bounce_type, event.bounce.bounce_sub_type) if part)
            at = event.bounce.timestamp or now
        elif event.complaint is not None and event.event_type == COMPLAINT_EVENT:
            kind = FeedbackKind.COMPLAINT
            recipients = event.complaint.complained_recipients
            detail = event.complaint.complaint_feedback_type or "complaint"
            at = event.complaint.timestamp or now
        else:
            return FeedbackOutcome(FeedbackResult.IGNORED, f"{_short(event.event_type, 40)} events change nothing")
        about = attribution(event.mail.tags)
        if about is None:
            reason = "the email carries no incident-comms tags (sent by something else?)"
            return FeedbackOutcome(FeedbackResult.UNATTRIBUTED, reason, kind, recipients=len(recipients))
        unknown = self._unknown(about)
        if unknown:
            return FeedbackOutcome(FeedbackResult.UNATTRIBUTED, unknown, kind, about, recipients=len(recipients))
        outcome = FeedbackOutcome(FeedbackResult.RECORDED, None, kind, about, recipients=len(recipients))
        why = _short(
            f"{kind.value} ({_short(detail, 80)}) on {about.channel_id} {about.message_id} "
            f"v{about.version} of {about.incident_id}, {at:%Y-%m-%d %H:%M} UTC",
            REASON_MAX,
        )
        for recipient in recipients:
            try:
                address = normalise_address(recipient.email_address)
            except ValueError:
                outcome.unusable += 1
                continue
            if self.directory.suppress(address, why):
                outcome.suppressed += 1
            else:
                outcome.not_subscribed += 1
            record = BounceRecord(
                incident_id=about.incident_id,
                message_id=about.message_id,
                version=about.version,
                channel_id=about.channel_id,
                address=address,
                kind=kind,
                at=at,
                detail=_short(detail, 200),
            )
            if self.ledger.record_bounce(record):
                outcome.recorded += 1
            else:
                outcome.duplicates += 1
        if outcome.recorded + outcome.duplicates and self.ledger.claim_notice(
            about.incident_id, about.message_id, about.version, about.channel_id
        ):
            self.store.add_timeline_entry(_notice(about, kind, now))
            outcome.noticed = True
        return outcome

    def _unknown(self, about: Attribution) -> str | None:
        """Why the store does not know the tagged message version and channel; None when it does. A warm
        container remembers what it found: the bounces of one batch arrive one by one."""
        if about in self._known:
            return None
        message = self.store.get_message(about.incident_id, about.message_id)
        if message is None:
            return "no such message in the store"
        if about.version > message.version:
            return f"the message is at version {message.version}, not {about.version}"
        if about.channel_id not in {draft.channel_id for draft in message.drafts}:
            return "the message has no draft for the tagged channel"
        if len(self._known) >= _KNOWN_MAX:
            self._known.clear()
        self._known.add(about)
        return None


def _notice(about: Attribution, kind: FeedbackKind, now: datetime) -> TimelineEntry:
    what = "recipients bounced" if kind == FeedbackKind.BOUNCE else "recipients marked the email as spam"
    return TimelineEntry(
        incident_id=about.incident_id,
        at=now,
        kind=TimelineKind.DELIVERY_FAILED,
        text=f"{about.channel_id}: {what}; see the delivery report",
        data={
            "email_feedback": {
                "kind": kind.value,
                "message_id": about.message_id,
                "version": about.version,
                "channel_id": about.channel_id,
            }
        },
    )


def _short(text: str, limit: int) -> str:
    return truncate(one_line(text), limit)


def record_feedback(outcome: FeedbackOutcome, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log what a notification did (ids and counts, never addresses) and count it."""
    summary = outcome.as_dict()
    if outcome.result in (FeedbackResult.REJECTED, FeedbackResult.UNATTRIBUTED):
        logger.warning("email feedback changed nothing", extra=summary)
    else:
        logger.info("email feedback handled", extra=summary)
    add_counts(metrics, outcome.counts(), unit)
