"""The operators' path: how the people who run incident-comms hear that something it should have done did not happen.

A failure that our own retries could not fix (a schedule never created, a team email refused, a channel that
could not be sent to) goes on the incident's timeline, where the responders look, and is told to the operators by
another path (an SNS topic in the template, ``OperatorsTopic``), because the timeline may be exactly what nobody is
reading at that moment (issue 14).
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict

from incident_comms.incidents.models import TimelineEntry
from incident_comms.incidents.store import IncidentStore
from incident_comms.text import error_text


class OperatorAlert(BaseModel):
    """What operators are told: which incident, what failed, why (never a token or a recipient's address)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    incident_id: str
    subject: str
    text: str


class OperatorAlerts(Protocol):
    def tell(self, alert: OperatorAlert) -> None:
        """Tell the operators; raises when the alert could not be handed over."""
        ...


class NoOperators:
    """Operator alerts where the template has no operators' topic (tests, tools): told to nobody, kept for reading."""

    def __init__(self) -> None:
        self.told: list[OperatorAlert] = []

    def tell(self, alert: OperatorAlert) -> None:
        self.told.append(alert)


def report_failure(store: IncidentStore, operators: OperatorAlerts, entry: TimelineEntry) -> list[str]:
    """Put ``entry`` (a failure retries did not fix) on its incident's timeline and tell the operators.

    Each half is tried even when the other fails, so at least one of them hears it; what failed is answered
    (empty when both worked) for the caller to log and count.
    """
    errors: list[str] = []
    try:
        store.add_timeline_entry(entry)
    except Exception as error:  # noqa: BLE001 - the operators must still be told
        errors.append(f"timeline: {error_text(error)}")
    try:
        operators.tell(OperatorAlert(incident_id=entry.incident_id, subject=entry.kind.value, text=entry.text))
    except Exception as error:  # noqa: BLE001 - the timeline entry stands either way
        errors.append(f"operators: {error_text(error)}")
    return errors


def record_or_tell(store: IncidentStore, operators: OperatorAlerts, entry: TimelineEntry) -> list[str]:
    """Put ``entry`` (something that happened) on the timeline; when the store refuses, tell the operators instead.

    For the steps of a pipeline that must all run (ask for approval, arm the timeout, engage the roles): a timeline
    that cannot be written must not stop the next step, nor be silent. Answers what failed, for logs and counts.
    """
    try:
        store.add_timeline_entry(entry)
    except Exception as error:  # noqa: BLE001 - the next step of the pipeline must still run
        reason = error_text(error)
        text = f"{entry.text} (not on the timeline: {reason})"
        try:
            operators.tell(OperatorAlert(incident_id=entry.incident_id, subject=entry.kind.value, text=text))
        except Exception as told:  # noqa: BLE001 - nothing more can be done here; the caller logs it
            return [f"timeline: {reason}", f"operators: {error_text(told)}"]
        return [f"timeline: {reason}"]
    return []
