"""A scheduled maintenance as stored: the window, the components, its texts per locale and where it stands.

Not an incident: it has no alarms, no severity and no update cadence. Its status moves one way
(``awaiting_approval`` → ``scheduled`` → ``in_progress`` → ``completed``), or to ``cancelled`` before it completes.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class MaintenanceStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Maintenance(BaseModel):
    """A maintenance window; texts are one per plan locale, customers read their own locale's only."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    id: str
    components: list[str] = Field(min_length=1)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    title: dict[str, str] = Field(description="locale -> what is done, in a line")
    details: dict[str, str] = Field(default_factory=dict, description="locale -> what customers will notice")
    status: MaintenanceStatus = MaintenanceStatus.AWAITING_APPROVAL
    created_at: AwareDatetime
    created_by: str
    approved_at: AwareDatetime | None = None
    approved_by: str | None = None
    started_at: AwareDatetime | None = None
    completed_at: AwareDatetime | None = None
    cancelled_at: AwareDatetime | None = None
    updated_at: AwareDatetime


MAINTENANCE_ID_PREFIX = "MNT-"


def new_maintenance_id(now: datetime) -> str:
    """Readable and sortable like an incident's (``MNT-20261201-0300-3fa9c2``); never an incident's
    (``INC-…``), so the email ledgers keep a maintenance's batches apart under its own id."""
    return f"{MAINTENANCE_ID_PREFIX}{now:%Y%m%d-%H%M}-{secrets.token_hex(3)}"


class MaintenanceRequest(BaseModel):
    """The body of ``POST /maintenances`` (what ``incident-comms maintenance schedule`` sends): a window as typed.

    Only the shape is checked here; :func:`~incident_comms.maintenance.logic.maintenance_problems` checks it against
    the plan and the clock."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    components: list[str] = Field(max_length=50)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    title: dict[str, str] = Field(max_length=10)
    details: dict[str, str] = Field(default_factory=dict, max_length=10)


class MaintenanceStep(StrEnum):
    """What a one-time schedule (or a person) does to a maintenance; each tells the subscribers of its components."""

    ANNOUNCE = "announce"
    START = "start"
    COMPLETE = "complete"
    CANCEL = "cancel"


class StepEvent(BaseModel):
    """What a maintenance's one-time schedule invokes the maintenance timer with. ``audience`` and ``at`` name one
    announcement (an audience may be announced to at several lead times)."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    kind: Literal["maintenance_step"] = "maintenance_step"
    maintenance_id: str = Field(pattern=r"^MNT-[0-9A-Za-z-]{1,60}$")
    step: MaintenanceStep
    audience: str | None = Field(None, max_length=64)
    at: AwareDatetime | None = None

    @property
    def message_id(self) -> str:
        """The step as the email ledgers name it: one per announcement, one per start, completion, cancellation."""
        if self.step == MaintenanceStep.ANNOUNCE:
            return f"announce-{self.audience}-{self.at:%Y%m%dT%H%M}" if self.at else f"announce-{self.audience}"
        return self.step.value
