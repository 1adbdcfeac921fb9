"""What a draft is written from and what drafting gives back: models only, so the incidents, checks and senders that
hold drafts do not import the template engine (:mod:`incident_comms.drafting.render` renders them)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from incident_comms.alarms import Alarm
from incident_comms.plan.models import ChannelFormat, ChannelKind, LocalizedText

SNS_SUBJECT_MAX = 99
ALARM_TEXT_MAX = 200
HTML_FORMATS = frozenset({ChannelFormat.EMAIL, ChannelFormat.STATUS_PAGE})


class MessageFacts(BaseModel):
    """What a draft is written from: the incident as known now, plus what the responder has said."""

    model_config = ConfigDict(defer_build=True)

    incident_id: str
    component_id: str
    severity_id: str
    started_at: datetime
    now: datetime
    next_update_at: datetime | None = None
    next_update_by_audience: dict[str, datetime] = Field(
        default_factory=dict, description="audience id -> its own next update; others read next_update_at"
    )
    resolved_at: datetime | None = None
    data_loss: Literal["yes", "no", "unknown"] = "unknown"
    impact: LocalizedText | None = None
    data_lost: LocalizedText | None = None
    customer_action: LocalizedText | None = None
    cause: LocalizedText | None = None
    actions_taken: LocalizedText | None = None
    actions_planned: LocalizedText | None = None
    root_cause: LocalizedText | None = None
    lessons: LocalizedText | None = None
    alarms: list[Alarm] = Field(default_factory=list)

    @field_validator("started_at", "now", "next_update_at", "resolved_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must be timezone-aware")
        return value

    @field_validator("next_update_by_audience")
    @classmethod
    def _all_aware(cls, value: dict[str, datetime]) -> dict[str, datetime]:
        if any(due.tzinfo is None for due in value.values()):
            raise ValueError("must be timezone-aware")
        return value

    def next_update_for(self, audience_id: str) -> datetime | None:
        """The next update the channels of ``audience_id`` promise: its own due time, else the message's."""
        return self.next_update_by_audience.get(audience_id, self.next_update_at)


class ChannelDraft(BaseModel):
    """One channel's message, ready for approval and publishing."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    channel_id: str
    kind: ChannelKind
    format: ChannelFormat
    locale: str
    subject: str | None = Field(description="email subject / status page title: one line")
    text: str = Field(description="plain text as the channel will show it")
    html: str | None = Field(description="email and status page only: the text in an autoescaped HTML layout")
