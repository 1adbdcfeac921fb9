"""The event an approval timeout schedule hands its function, apart from the use case that answers it: the scheduler
adapter writes it, and every function that schedules a timeout would otherwise import the holding texts, the
renderer and Jinja on its cold start (issue 16)."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

TIMEOUT_EVENT_KIND: Final = "approval_timeout"
"""The ``kind`` of the event the approval timeout schedule hands the function."""
_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"


class ApprovalTimeoutEvent(BaseModel):
    """What the approval timeout schedule hands the function; the scheduler adapter writes it from this model.

    Fields it does not know are ignored: a newer scheduler adding one must not make this function drop a
    timeout during a deployment.
    """

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    kind: Literal["approval_timeout"]
    incident_id: str = Field(pattern=_ID_PATTERN)
    message_id: str = Field(pattern=_ID_PATTERN)
