"""The delivery report's ports: where report claims live, and what arms a report's one-time schedule.

A claim is taken before the email goes out and answers the earlier claim when there is one, so a duplicate
firing sends nothing; a schedule raises when the scheduler refused, so the refusal can be recorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from incident_comms.delivery.report.models import ReportClaim


class ReportLedger(Protocol):
    """Where report claims live (DynamoDB, ``REPORT#<message>#v<version>`` next to the incident)."""

    def claim_report(self, claim: ReportClaim) -> ReportClaim | None:
        """Claim the report of ``claim``'s message version: None when this call claimed it, else the earlier claim."""
        ...

    def finish_report(self, claim: ReportClaim) -> None:
        """Store the claim as sent (state SENT, ``sent_at``, ``provider_id``)."""
        ...

    def release_report(self, claim: ReportClaim) -> None:
        """Drop a claim whose email could not be sent, so the next firing (a retry) may send it."""
        ...


class ReportSchedules(Protocol):
    def schedule(self, incident_id: str, message_id: str, version: int, due_at: datetime) -> str:
        """Make the report of ``message_id`` v``version`` go out once at ``due_at``; answers the schedule's name.
        Raises when the scheduler refused."""
        ...
