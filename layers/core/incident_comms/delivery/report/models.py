"""What a delivery report says: per channel of one published message version, who was reached and who was not.

Per channel (:class:`ChannelReport`, its :class:`Counts`):

- ``attempted``: recipients (email) or posts (other channels) the channel tried;
- ``delivered``: email: accepted by SES minus those that bounced; others: what the service accepted;
- ``failed``: refused for good, plus email whose outcome SES never told (it may or may not have arrived);
- ``bounced`` / ``complaints``: permanent bounces; people who marked the email as spam (those were delivered);
- ``pending``: email recipients in batches the sender has not finished yet ("still sending").

The one-line summary (``312 of 320 delivered, 8 bounced``) counts email recipients, the number the
communications lead answers for; when the message reached nobody by email it counts every channel's deliveries.

Also the request the report schedule hands the delivery report function (:class:`ReportRequest`: unknown fields
ignored, a wrong one refused by name, never by value) and the claim that makes the report go out once per message
version (:class:`ReportClaim`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from incident_comms.delivery.report.texts import report_texts
from incident_comms.errors import BadInput
from incident_comms.plan.models import ChannelKind

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"


@dataclass(frozen=True)
class Counts:
    attempted: int = 0
    delivered: int = 0
    failed: int = 0
    bounced: int = 0
    complaints: int = 0
    pending: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            attempted=self.attempted + other.attempted,
            delivered=self.delivered + other.delivered,
            failed=self.failed + other.failed,
            bounced=self.bounced + other.bounced,
            complaints=self.complaints + other.complaints,
            pending=self.pending + other.pending,
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "attempted": self.attempted,
            "delivered": self.delivered,
            "failed": self.failed,
            "bounced": self.bounced,
            "complaints": self.complaints,
            "pending": self.pending,
        }


class ProblemKind(StrEnum):
    CHANNEL = "channel"
    """The channel as a whole: a refusal, a publisher that never finished, a queue that refused batches."""
    FAILED = "failed"
    """One recipient SES refused (or never answered for)."""
    BOUNCE = "bounce"
    COMPLAINT = "complaint"


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    detail: str
    address: str | None = None


@dataclass(frozen=True)
class ChannelReport:
    channel_id: str
    kind: str
    counts: Counts
    problems: tuple[Problem, ...] = ()

    @property
    def email(self) -> bool:
        return self.kind == ChannelKind.EMAIL.value

    @property
    def troubled(self) -> bool:
        """Something on this channel did not reach its people (bounces and complaints aside), or the channel as a
        whole reported a problem (a publisher that never finished)."""
        counts = self.counts
        return (
            counts.failed > 0
            or counts.delivered + counts.bounced + counts.pending < counts.attempted
            or any(problem.kind == ProblemKind.CHANNEL for problem in self.problems)
        )


@dataclass(frozen=True)
class DeliveryReport:
    incident_id: str
    message_id: str
    version: int
    published_at: datetime | None
    channels: tuple[ChannelReport, ...]

    @property
    def nothing_to_report(self) -> bool:
        """No channel of this message version was published (nothing claimed a delivery)."""
        return not self.channels

    @property
    def totals(self) -> Counts:
        """Every channel's counts added up (recipients and posts alike)."""
        return sum((channel.counts for channel in self.channels), Counts())

    @property
    def recipients(self) -> Counts:
        """The email channels' counts: people."""
        return sum((channel.counts for channel in self.channels if channel.email), Counts())

    def summary(self, locale: str) -> str:
        """``312 of 320 delivered, 8 bounced`` (``…, 2 failed``, ``…, 3 still sending`` only when not zero).

        Counts email recipients; other channels that failed are added as ``1 more channel failed``. A message
        that reached nobody by email (no email channel, or nobody subscribed) counts every channel's deliveries.
        """
        words = report_texts(locale)
        if self.nothing_to_report:
            return words["nothing"]
        by_email = self.recipients.attempted > 0
        counts = self.recipients if by_email else self.totals
        parts = [words["delivered"].format(delivered=counts.delivered, attempted=counts.attempted)]
        parts += [
            (words.get(f"{name}_one", words[name]) if value == 1 else words[name]).format(count=value)
            for name, value in (("bounced", counts.bounced), ("failed", counts.failed), ("pending", counts.pending))
            if value
        ]
        others = sum(1 for channel in self.channels if not channel.email and channel.troubled) if by_email else 0
        if others:
            parts.append(words["other_failed_one"] if others == 1 else words["other_failed_many"].format(count=others))
        return ", ".join(parts)

    def channel_counts(self) -> dict[str, dict[str, int]]:
        return {channel.channel_id: channel.counts.as_dict() for channel in self.channels}

    def as_dict(self, locale: str) -> dict[str, Any]:
        """The report as JSON values: what the local stack shows and the timeline keeps."""
        return {
            "message_id": self.message_id,
            "version": self.version,
            "summary": self.summary(locale),
            "totals": self.totals.as_dict(),
            "recipients": self.recipients.as_dict(),
            "channels": [
                {
                    "channel_id": channel.channel_id,
                    "kind": channel.kind,
                    **channel.counts.as_dict(),
                    "problems": len(channel.problems),
                }
                for channel in self.channels
            ],
        }


class ReportRequest(BaseModel):
    """What the report schedule hands the delivery report function; the scheduler adapter writes it from this model.

    Fields it does not know are ignored, so a newer scheduler adding one cannot make this function drop a report
    during a deployment."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    incident_id: str = Field(pattern=_ID_PATTERN)
    message_id: str = Field(pattern=_ID_PATTERN)
    version: int = Field(ge=1)


def parse_report_request(event: Any) -> ReportRequest:
    """The event as a :class:`ReportRequest`, or :class:`BadInput` naming each wrong field (never its value)."""
    try:
        return ReportRequest.model_validate(event)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in problem['loc']) or 'event'}: {problem['msg']}"
            for problem in error.errors(include_input=False, include_url=False)
        ]
        raise BadInput(f"not a delivery report request: {'; '.join(problems)}") from error


class ReportState(StrEnum):
    SENDING = "sending"
    SENT = "sent"


class ReportClaim(BaseModel):
    """The one report of a message version: claimed before the email goes out, marked sent after."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    incident_id: str
    message_id: str
    version: int
    state: ReportState = ReportState.SENDING
    claimed_at: datetime
    sent_at: datetime | None = None
    provider_id: str | None = None
    summary: str | None = None
