"""Customers hear an incident's messages in order: a new draft supersedes the drafts still awaiting approval, and
nothing older than the last message handed to publishing goes out after it.

Guarantees (the store enforces them inside its conditional transactions; the use cases read them to answer early):

- **Sequence.** Every message gets the incident's next sequence when it is stored (a counter on the incident,
  incremented in the same transaction). A holding text carries the sequence of the draft it stands in for.
- **Superseded means dead.** Storing a new draft marks every message of the incident still awaiting approval
  SUPERSEDED (:func:`supersede`), in the same transaction, each on the condition that its revision did not move.
  Closing the incident does the same with nothing replacing them (:func:`retire`).
- **Nothing older publishes.** A publication is refused when its message is :func:`outdated`: older than the last
  message handed to publishing. A holding text ranks just below its own draft: approving the draft after its holding
  text went out still publishes, while the holding text never goes out after the draft (or anything newer).

Messages stored before messages were sequenced read sequence 0, and so does an incident's published sequence when
nothing sequenced was handed over yet: such a message is older than every message stored since (a leftover draft is
refused once a newer message was published) and may still be published while nothing newer was; among themselves
they keep the order they had, none (the first new draft supersedes every one of them still waiting).

Pure: reads nothing, writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from incident_comms.incidents.models import Incident, Message, MessageStatus, TimelineEntry, TimelineKind


@dataclass(frozen=True)
class Superseded:
    """One waiting message replaced by a newer draft: as it was read, as it is stored, and its timeline entry."""

    before: Message
    after: Message
    entry: TimelineEntry


def supersede(messages: Sequence[Message], by: Message, now: datetime) -> list[Superseded]:
    """What storing ``by`` does to the incident's other ``messages``: each one still awaiting approval (``by`` itself
    excepted) becomes SUPERSEDED by it, one revision later, with a ``superseded`` timeline entry."""
    return _kill_waiting(
        [message for message in messages if message.id != by.id],
        now,
        by.id,
        f"superseded by {by.phase.value} message {by.id}",
    )


def retire(messages: Sequence[Message], now: datetime, why: str) -> list[Superseded]:
    """What closing the incident does to its ``messages``: each one still awaiting approval becomes SUPERSEDED with
    nothing replacing it (``superseded_by`` None), with a ``superseded`` timeline entry saying ``why``."""
    return _kill_waiting(messages, now, None, f"superseded: {why}")


def _kill_waiting(messages: Sequence[Message], now: datetime, by: str | None, how: str) -> list[Superseded]:
    replaced: list[Superseded] = []
    for message in messages:
        if message.status != MessageStatus.AWAITING_APPROVAL:
            continue
        after = message.model_copy(
            update={
                "status": MessageStatus.SUPERSEDED,
                "superseded_by": by,
                "revision": message.revision + 1,
                "decided_at": now,
            }
        )
        entry = TimelineEntry(
            incident_id=message.incident_id,
            at=now,
            kind=TimelineKind.SUPERSEDED,
            text=f"Message {message.id} ({message.phase.value}, version {message.version}) {how}: "
            "its links and its approval timeout are dead",
            data={
                "message_id": message.id,
                "version": message.version,
                "superseded_by": by,
                "pending_roles": message.pending_roles,
            },
        )
        replaced.append(Superseded(message, after, entry))
    return replaced


def outdated(incident: Incident, message: Message) -> bool:
    """Whether publishing ``message`` now would tell customers something older than what they were last told: its
    sequence is below the incident's published one, or it is a holding text whose draft (or the holding text of
    another draft of its sequence) was handed to publishing already."""
    if message.sequence < incident.published_sequence:
        return True
    same = message.sequence == incident.published_sequence
    return message.holding and same and incident.published_message_id not in (None, message.id)


def outdated_reason(incident: Incident, message: Message) -> str:
    """The words for an :func:`outdated` message, for the timeline and the logs."""
    return (
        f"message {message.id} (sequence {message.sequence}) is older than message {incident.published_message_id} "
        f"(sequence {incident.published_sequence}), already handed to publishing"
    )
