"""Bounces and complaints: what SES reports back after it accepted an email, kept per message and channel.

SES accepts an email and only later learns that the mailbox does not exist (a permanent bounce) or that the
person marked it as spam (a complaint). Both come back through the configuration set's event destination; each
is recorded once per recipient and message version (a redelivered notification changes nothing), the address is
suppressed so it is never emailed again, and the delivery report counts them ("312 of 320 delivered, 8 bounced").
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field


class FeedbackKind(StrEnum):
    BOUNCE = "bounce"
    """A permanent bounce: the address cannot receive mail. Transient bounces are SES's to retry, not ours."""
    COMPLAINT = "complaint"
    """The person marked the email as spam."""


class BounceRecord(BaseModel):
    """One recipient's bounce or complaint about one message version on one email channel."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    incident_id: str
    message_id: str
    version: int = Field(ge=1)
    channel_id: str
    address: str
    kind: FeedbackKind
    at: datetime
    detail: str | None = Field(None, description="SES's bounce type and sub-type, or the complaint feedback type")


class BounceLedger(Protocol):
    """Where bounce and complaint records live (DynamoDB, next to the incident they are about)."""

    def record_bounce(self, record: BounceRecord) -> bool:
        """Store ``record`` unless the same recipient already bounced or complained about that message version and
        channel; True when it was new (so a redelivered notification is counted once)."""
        ...

    def bounces(self, incident_id: str) -> list[BounceRecord]:
        """Every bounce and complaint recorded for the incident's messages."""
        ...
