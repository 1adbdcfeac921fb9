"""The status page's materialised view: what the page needs of each incident, kept at publication time so that a
publication reads a constant number of items however many incidents the table holds (issue 16, part 2).

A view record is a :class:`~.models.SiteIncident` trimmed to what :func:`~.logic.shown_incident` and the locale views
read (the incident, its approved messages that were handed off, its publications). Records are ordered by their
:func:`stamp`: the newest hand-off, then how many there were, then the incident's own last change; of two records of
one incident the page always uses the one with the greater stamp, so a redelivered or older publication never wins
over a newer one, whatever order the writes land in.

Persistence sits behind :class:`StatusView` (DynamoDB in :mod:`incident_comms.adapters.dynamodb_status_view`).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from incident_comms.delivery.status_page.models import ShownIncident, SiteIncident
from incident_comms.incidents.models import Incident, Message, MessageStatus, Publication


@dataclass(frozen=True)
class ViewEntry:
    """One stored record and the key it is stored under."""

    record: SiteIncident
    key: str = ""


@dataclass(frozen=True)
class ViewSnapshot:
    """What one read of the view gives: the records (several per incident possible) and the files last written."""

    entries: list[ViewEntry] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)
    """Site path -> sha256 of the bytes last written there."""


class StatusView(Protocol):
    """The status page's own items: records by last activity, open incidents, the digests of the files written."""

    def read(self, since: datetime) -> ViewSnapshot:
        """Records of every open incident and of every incident active since ``since``, and the file digests."""
        ...

    def keep(self, record: SiteIncident, shown: ShownIncident) -> None:
        """Store ``record`` (shown as ``shown``); the page keeps using a newer record of the incident if any."""
        ...

    def remember_files(self, digests: Mapping[str, str | None]) -> None:
        """Remember what was written to each path, merged into what other publications remembered: ``None`` forgets
        a path (S3 refused its last write, so the next publication writes it whatever its bytes)."""
        ...

    def month(self, month: str) -> list[SiteIncident]:
        """The newest record of every incident opened in ``month`` (:func:`month_of`) that was ever kept: the
        history by month, kept without expiry."""
        ...


def _utc(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stamp(record: SiteIncident) -> str:
    """Sortable as text: the newest hand-off, the number of hand-offs, the incident's last change."""
    newest = max((publication.requested_at for publication in record.publications), default=None)
    handed = _utc(newest) if newest else "0"
    return f"{handed}|{len(record.publications):06d}|{_utc(record.incident.updated_at)}"


def month_of(incident: Incident) -> str:
    """The month (``YYYY-MM``, UTC) whose history page lists the incident: the one it opened in, which never
    changes, so an incident is on one month's page however long it lasts."""
    return incident.opened_at.astimezone(UTC).strftime("%Y-%m")


def trimmed(record: SiteIncident) -> SiteIncident:
    """Only what the page can show: approved messages with a hand-off of their current version (drafts kept)."""
    handed_off = {(publication.message_id, publication.version) for publication in record.publications}
    messages = [
        message
        for message in record.messages
        if message.status == MessageStatus.APPROVED and (message.id, message.version) in handed_off
    ]
    return SiteIncident(record.incident, messages, list(record.publications))


def newest(entries: Iterable[SiteIncident]) -> list[SiteIncident]:
    """One record per incident, the one with the greatest :func:`stamp`, in first-seen order."""
    chosen: dict[str, SiteIncident] = {}
    for record in entries:
        current = chosen.get(record.incident.id)
        if current is None or stamp(record) > stamp(current):
            chosen[record.incident.id] = record
    return list(chosen.values())


def encode(record: SiteIncident) -> bytes:
    """A record as compressed JSON: an incident's drafts in every locale stay far under DynamoDB's 400 KB."""
    document = {
        "incident": record.incident.model_dump(mode="json"),
        "messages": [message.model_dump(mode="json") for message in record.messages],
        "publications": [publication.model_dump(mode="json") for publication in record.publications],
    }
    return zlib.compress(json.dumps(document, separators=(",", ":")).encode("utf-8"))


def decode(data: bytes) -> SiteIncident:
    document = json.loads(zlib.decompress(data))
    return SiteIncident(
        Incident.model_validate(document["incident"]),
        [Message.model_validate(message) for message in document["messages"]],
        [Publication.model_validate(publication) for publication in document["publications"]],
    )


class MemoryStatusView:
    """The view in memory (tests, and a channel built without a table): same ordering rules as the DynamoDB one."""

    def __init__(self) -> None:
        self.records: dict[str, SiteIncident] = {}
        self.digests: dict[str, str] = {}
        self.reads = 0
        self.month_reads = 0

    def read(self, since: datetime) -> ViewSnapshot:
        self.reads += 1
        return ViewSnapshot(
            [ViewEntry(record, record.incident.id) for record in self.records.values()], dict(self.digests)
        )

    def keep(self, record: SiteIncident, shown: ShownIncident) -> None:
        (self.records[record.incident.id],) = newest([*self._current(record.incident.id), record])

    def remember_files(self, digests: Mapping[str, str | None]) -> None:
        for path, digest in digests.items():
            if digest is None:
                self.digests.pop(path, None)
            else:
                self.digests[path] = digest

    def month(self, month: str) -> list[SiteIncident]:
        self.month_reads += 1
        return [record for record in self.records.values() if month_of(record.incident) == month]

    def _current(self, incident_id: str) -> list[SiteIncident]:
        return [self.records[incident_id]] if incident_id in self.records else []
