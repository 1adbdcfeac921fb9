"""Incidents, their timeline and their messages: the domain the store persists and the use cases change."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from incident_comms.alarms import Alarm, AlarmSource, AlarmState
from incident_comms.drafting import ChannelDraft
from incident_comms.plan.models import Phase


class IncidentStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class AlarmSnapshot(BaseModel):
    """The last known state of one alarm that is part of an incident."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    source: AlarmSource
    state: AlarmState
    changed_at: datetime

    @classmethod
    def of(cls, alarm: Alarm) -> AlarmSnapshot:
        return cls(id=alarm.id, name=alarm.name, source=alarm.source, state=alarm.state, changed_at=alarm.changed_at)


class Incident(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    component_id: str
    severity_id: str
    phase: Phase = Phase.INVESTIGATING
    status: IncidentStatus = IncidentStatus.OPEN
    opened_at: datetime
    updated_at: datetime
    alarms: dict[str, AlarmSnapshot] = Field(default_factory=dict, description="alarm id -> last known state")
    rule_id: str | None = None


class TimelineKind(StrEnum):
    OPENED = "opened"
    ALARM_JOINED = "alarm_joined"
    ALARM_STATE = "alarm_state"
    DRAFT_CREATED = "draft_created"
    APPROVAL_REQUESTED = "approval_requested"
    NOTIFICATION_FAILED = "notification_failed"


class TimelineEntry(BaseModel):
    """One thing that happened to an incident, in the order it happened."""

    model_config = ConfigDict(frozen=True)

    incident_id: str
    at: datetime
    kind: TimelineKind
    text: str
    data: dict[str, Any] = Field(default_factory=dict)
    key: str = Field(default_factory=lambda: secrets.token_hex(6), description="unique among entries of one instant")


class MessageStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    REJECTED = "rejected"


class Message(BaseModel):
    """A phase message drafted for every channel of the incident; published only once approved."""

    model_config = ConfigDict(frozen=True)

    id: str
    incident_id: str
    phase: Phase
    version: int = 1
    status: MessageStatus = MessageStatus.AWAITING_APPROVAL
    created_at: datetime
    approvers: list[str] = Field(description="role ids that must all approve")
    drafts: list[ChannelDraft]


def new_incident_id(now: datetime) -> str:
    """Readable and sortable (``INC-20261122-1847-3fa9c2``); the random tail makes two at once distinct."""
    return f"INC-{now:%Y%m%d-%H%M}-{secrets.token_hex(3)}"


def new_message_id(phase: Phase) -> str:
    return f"{phase.value}-{secrets.token_hex(4)}"
