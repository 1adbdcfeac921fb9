"""The status page's inputs and what it shows of one incident, before any locale.

An incident comes in as the store has it (:class:`SiteIncident`: the incident, its messages and publications); the
page keeps only the updates customers were told (:class:`PublishedUpdate`: approved, and handed to publishing), and
shows an incident with at least one of them as a :class:`ShownIncident`: its updates, the phase the last published
update announced and, once it is over, when it was resolved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from incident_comms.incidents.models import Incident, Message, Publication
from incident_comms.plan.models import Phase


@dataclass(frozen=True)
class SiteIncident:
    """One incident as the store has it: :func:`build_site` picks the published messages itself."""

    incident: Incident
    messages: Sequence[Message] = ()
    publications: Sequence[Publication] = ()


@dataclass(frozen=True)
class PublishedUpdate:
    """A message version customers were told: approved, and handed to publishing at ``published_at``."""

    message: Message
    published_at: datetime


@dataclass(frozen=True)
class ShownIncident:
    """An incident the page shows: its published updates, the phase they announced, when it was resolved."""

    incident: Incident
    updates: list[PublishedUpdate]
    """Oldest first; never empty."""
    phase: Phase
    resolved_at: datetime | None

    @property
    def last_activity(self) -> datetime:
        return max([self.updates[-1].published_at, *([self.resolved_at] if self.resolved_at else [])])
