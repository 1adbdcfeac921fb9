"""Incidents, their timeline and their messages: the domain the store persists and the use cases change."""

from __future__ import annotations

import secrets
import threading
import time
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from incident_comms.alarms import Alarm, AlarmSource, AlarmState
from incident_comms.drafting.models import ChannelDraft
from incident_comms.incidents.facts import IncidentFacts
from incident_comms.incidents.promises import DuePromise
from incident_comms.plan.models import Phase


class IncidentStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class AlarmSnapshot(BaseModel):
    """The last known state of one alarm that is part of an incident."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    name: str
    source: AlarmSource
    state: AlarmState
    changed_at: datetime

    @classmethod
    def of(cls, alarm: Alarm) -> AlarmSnapshot:
        return cls(id=alarm.id, name=alarm.name, source=alarm.source, state=alarm.state, changed_at=alarm.changed_at)


class Incident(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    component_id: str
    severity_id: str
    phase: Phase = Phase.INVESTIGATING
    status: IncidentStatus = IncidentStatus.OPEN
    opened_at: datetime
    updated_at: datetime
    alarms: dict[str, AlarmSnapshot] = Field(default_factory=dict, description="alarm id -> last known state")
    rule_id: str | None = None
    revision: int = Field(
        0, description="bumped by every lifecycle transition, which is saved only if it is still the one it read"
    )
    lifecycle: dict[str, Any] | None = Field(
        None,
        description="the state machine's own state (lifecycle.LifecycleState as JSON): the alarm states it applied, "
        "kept apart from `alarms` (recorded before the machine sees the change), and its clocks",
    )
    impact_started_at: datetime | None = Field(
        None,
        description="the impact window's start: when the opening alarm went to ALARM (never after opened_at); None "
        "for an incident stored before it was kept, which reads opened_at (see impact_start)",
    )
    resolved_at: datetime | None = Field(
        None, description="the impact window's end: when the last alarm went OK (or the responder's resolving move)"
    )
    message_sequence: int = Field(
        0,
        description="the sequence of the last message stored for it: the store gives the next one one more, in the "
        "transaction that stores it (0: none yet; an incident stored before messages were sequenced reads 0 too)",
    )
    published_sequence: int = Field(
        0,
        description="the sequence of the last message handed to publishing (its last approval or its approval "
        "timeout): nothing older is handed over or published after it (incidents.ordering)",
    )
    published_message_id: str | None = Field(None, description="that message (a holding text shares its draft's)")
    facts: IncidentFacts = Field(
        default_factory=IncidentFacts, description="what customers are told (incidents.facts); every draft reads it"
    )

    @property
    def impact_start(self) -> datetime:
        """When customers were first affected: a responder's correction, else the first ALARM change, else when
        the incident opened."""
        return self.facts.impact_started_at or self.impact_started_at or self.opened_at


class TimelineKind(StrEnum):
    OPENED = "opened"
    ALARM_JOINED = "alarm_joined"
    ALARM_STATE = "alarm_state"
    DRAFT_CREATED = "draft_created"
    APPROVAL_REQUESTED = "approval_requested"
    NOTIFICATION_FAILED = "notification_failed"
    ROLES_ENGAGED = "roles_engaged"
    APPROVED = "approved"
    EDITED = "edited"
    REJECTED = "rejected"
    PUBLISH_REQUESTED = "publish_requested"
    APPROVAL_TIMED_OUT = "approval_timed_out"
    PUBLISHED = "published"
    DELIVERY_FAILED = "delivery_failed"
    DELIVERIES_RESUMED = "deliveries_resumed"
    """The sweeper finished claims a publisher left: the message's channel counts as the records now stand."""
    DELIVERY_REPORT = "delivery_report"
    PROMISE_MADE = "promise_made"
    PROMISE_KEPT = "promise_kept"
    PROMISE_MISSED = "promise_missed"
    UPDATE_DUE = "update_due"
    PHASE_CHANGED = "phase_changed"
    SEVERITY_ESCALATED = "severity_escalated"
    SEVERITY_CHANGED = "severity_changed"
    """By hand, raised or lowered, with the responder's reason (``data.why``)."""
    LIFECYCLE_TIMER = "lifecycle_timer"
    SUPERSEDED = "superseded"
    PUBLICATION_REFUSED = "publication_refused"
    FACTS_SET = "facts_set"


_last_key_ns = 0
_key_lock = threading.Lock()


def entry_key() -> str:
    """Unique, and increasing within a process: entries a use case writes one after another at the same clock
    instant (an approval request, then the engagement emails) sort in the order they were written."""
    global _last_key_ns
    with _key_lock:
        _last_key_ns = max(_last_key_ns + 1, time.time_ns())
        stamp = _last_key_ns
    return f"{stamp:016x}{secrets.token_hex(3)}"


class TimelineEntry(BaseModel):
    """One thing that happened to an incident, in the order it happened."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    incident_id: str
    at: datetime
    kind: TimelineKind
    text: str
    data: dict[str, Any] = Field(default_factory=dict)
    key: str = Field(default_factory=lambda: entry_key(), description="unique among entries of one instant")


def notification_failed(
    incident_id: str, at: datetime, notification: str, what: str, reason: str, **data: Any
) -> TimelineEntry:
    """The timeline entry of a notification that did not happen: nothing may fail silently, so every use case
    that sends (approval requests, engagement, holding notices) records its refusals the same way."""
    return TimelineEntry(
        incident_id=incident_id,
        at=at,
        kind=TimelineKind.NOTIFICATION_FAILED,
        text=f"{what} could not be sent: {reason}",
        data={"notification": notification, "reason": reason, **data},
    )


class MessageStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    """A newer draft of the incident was stored while this one awaited approval: it is dead (links, timeout)."""


class Approval(BaseModel):
    """One role's yes to one version of a message: who said it, when, and from where (the audit trail)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    recipient: str = Field(description="the address the approval link was sent to")
    at: datetime
    version: int
    source_ip: str | None = None
    user_agent: str | None = None
    reason: str | None = Field(None, description="why it was approved although its drafts had errors (lint)")
    error_checks: list[str] = Field(default_factory=list, description="the lint checks with errors it overrode")


class Message(BaseModel):
    """A phase message drafted for every channel of the incident; published only once approved.

    ``version`` changes when the text changes (an edit): every approval link names a version, so older links
    die. ``revision`` changes on every stored change (an approval by one of several roles, an edit, a
    rejection): decisions are written on the condition that it is still the one they were computed from.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    incident_id: str
    phase: Phase
    version: int = 1
    revision: int = 0
    status: MessageStatus = MessageStatus.AWAITING_APPROVAL
    created_at: datetime
    approvers: list[str] = Field(description="role ids that must all approve")
    approvals: dict[str, Approval] = Field(default_factory=dict, description="role id -> its approval of `version`")
    drafts: list[ChannelDraft]
    decided_at: datetime | None = None
    rejection_reason: str | None = None
    holding: bool = Field(False, description="the plan's pre-approved holding text, published on approval timeout")
    replaces: str | None = Field(None, description="holding text: the message nobody approved in time")
    promise: DuePromise | None = Field(None, description="the next update time its drafts tell customers")
    promised_by_audience: dict[str, datetime] = Field(
        default_factory=dict,
        description="audience id -> the next update its channels' drafts tell, when it differs by audience (office "
        "hours); the others tell `promise`",
    )
    certain: bool = Field(False, description="an editor vouched for the fix time or outcome its drafts promise")
    sequence: int = Field(
        0,
        description="its place among the incident's messages, given by the store when it is stored (a holding text "
        "carries its draft's); 0 before that, and for messages stored before messages were sequenced",
    )
    superseded_by: str | None = Field(None, description="SUPERSEDED: the newer message that replaced it")

    @property
    def pending_roles(self) -> list[str]:
        """Roles that must still approve this version, in plan order."""
        return [role for role in self.approvers if role not in self.approvals]


class DeliveryState(StrEnum):
    """How far a claimed delivery got: the sweeper resumes a ``claimed`` one (nothing was sent) and never resends a
    ``sending`` one (the provider may have it): that one is finished as unknown and reported."""

    CLAIMED = "claimed"
    SENDING = "sending"
    FINISHED = "finished"


class Delivery(BaseModel):
    """What publishing one message version did on one channel: claimed once, then finished with its counts.

    ``attempted`` counts recipients (or posts, or pages) the channel tried; ``delivered`` those the service
    accepted; ``failed`` those it refused for good; ``unknown`` those whose answer was lost (maybe delivered, never
    resent); ``bounced`` those that came back later. ``state`` says how far an unfinished claim got (a record
    written before states existed reads as ``sending``: whether it sent is not known).
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    incident_id: str
    message_id: str
    version: int
    channel_id: str
    kind: str
    claimed_at: datetime
    finished_at: datetime | None = None
    attempted: int = 0
    delivered: int = 0
    failed: int = 0
    unknown: int = 0
    bounced: int = 0
    detail: str | None = None
    state: DeliveryState = DeliveryState.SENDING

    @property
    def complete(self) -> bool:
        return self.finished_at is not None and self.failed == 0 and self.delivered == self.attempted

    @property
    def progress(self) -> DeliveryState:
        return DeliveryState.FINISHED if self.finished_at is not None else self.state


class PublicationReason(StrEnum):
    APPROVED = "approved"
    APPROVAL_TIMEOUT = "approval_timeout"


class Publication(BaseModel):
    """The hand-off to publishing: one per message version, written in the same transaction as the decision
    that makes the version publishable, so an approval can never be recorded without it (or twice)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    incident_id: str
    message_id: str
    version: int
    requested_at: datetime
    reason: PublicationReason


def new_incident_id(now: datetime) -> str:
    """Readable and sortable (``INC-20261122-1847-3fa9c2``); the random tail makes two at once distinct."""
    return f"INC-{now:%Y%m%d-%H%M}-{secrets.token_hex(3)}"


def new_message_id(phase: Phase) -> str:
    return f"{phase.value}-{secrets.token_hex(4)}"
