"""The persistence interface the use cases depend on; :mod:`incident_comms.adapters.dynamodb` implements it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from incident_comms.alarms import Alarm
from incident_comms.incidents.models import Delivery, Incident, Message, Publication, TimelineEntry
from incident_comms.incidents.promises import PromiseLedger


class Applied(StrEnum):
    OPENED = "opened"
    JOINED = "joined"
    RECORDED = "recorded"
    DUPLICATE = "duplicate"
    NO_OPEN_INCIDENT = "no_open_incident"
    ALREADY_OPEN = "already_open"
    """A declaration on a component that has an open incident: nothing written (``incident_id`` names that one)."""
    OUTDATED = "outdated"
    """An alarm change older than the one the incident holds for that alarm (another path delivered the newer one
    first): the event is recorded as applied, so a redelivery is a duplicate, and the alarm keeps its newer state."""


class DecisionSaved(StrEnum):
    SAVED = "saved"
    TOKEN_USED = "token_used"  # noqa: S105 - a state name, not a password
    """The link's single use is spent: another request with the same token was saved first."""
    MESSAGE_CHANGED = "message_changed"
    """The message changed since it was read (another decision, an edit, a newer draft): read it again and
    recompute."""
    OUTDATED = "outdated"
    """The decision would publish a message older than the last one handed to publishing
    (:func:`incident_comms.incidents.ordering.outdated`): nothing was saved, and the link still stands unspent."""


@dataclass(frozen=True)
class StoreResult:
    applied: Applied
    incident_id: str | None = None


@dataclass(frozen=True)
class Opening:
    """What an incident opens with: its timeline (why it opened, its first draft) and its first message, if any."""

    entries: list[TimelineEntry]
    message: Message | None = None


Drafting = Callable[[], Opening]
"""Builds an :class:`Opening` (renders the first draft): called only when the incident is about to be written, so a
redelivered or joining alarm renders nothing."""


@dataclass(frozen=True)
class MessageAdded:
    """A new draft as stored (with its sequence), and the waiting messages it superseded, as stored (SUPERSEDED)."""

    message: Message
    superseded: list[Message] = field(default_factory=list)


class IncidentStore(Protocol):
    """Incidents with one open incident per component; every inbound event applied at most once."""

    def open_or_join(self, candidate: Incident, alarm: Alarm, opening: Drafting, joining: TimelineEntry) -> StoreResult:
        """Open ``candidate`` (with the timeline and first message ``opening`` builds, sequence 1) unless the
        component already has an open incident, in which case the alarm joins that one with ``joining`` on its
        timeline (``incident_id`` in the entry is replaced). A redelivered alarm event changes nothing and answers
        DUPLICATE; a join older than the state the incident holds for that alarm answers OUTDATED (see
        :meth:`record_alarm_state`).

        ``opening`` is called at most once, and only when no open incident and no record of the event were found:
        rendering drafts is most of an alarm's cost, and a storm is mostly redeliveries and joins."""
        ...

    def open_declared(self, candidate: Incident, opening: list[TimelineEntry], message: Message) -> StoreResult:
        """Open ``candidate`` (a person's declaration: no alarm) with its timeline and first message (sequence 1),
        only while its component has no open incident: OPENED, else ALREADY_OPEN naming the open one and nothing
        written. The component lock is the one :meth:`open_or_join` takes, so a declaration racing another, or an
        alarm, opens one incident."""
        ...

    def record_alarm_state(self, component_id: str, alarm: Alarm, entry: TimelineEntry) -> StoreResult:
        """Record a non-ALARM state (OK, INSUFFICIENT_DATA) on the component's open incident, at most once: a
        redelivered event answers DUPLICATE (naming the incident it went to, even once that incident closed), without
        writing anything.

        Alarm changes apply monotonically by ``changed_at``: one older than the change the incident holds for that
        alarm leaves the alarm as it is and answers OUTDATED (its event and a timeline entry saying so are written,
        so a redelivery is a DUPLICATE)."""
        ...

    def add_timeline_entry(self, entry: TimelineEntry) -> None:
        """Append one entry to ``entry.incident_id``'s timeline (what a use case did after the incident changed:
        an email sent, a delivery that failed). Never overwrites an entry; it sorts after entries written
        earlier at the same instant."""
        ...

    def get_incident(self, incident_id: str) -> Incident | None: ...

    def open_incident_id(self, component_id: str) -> str | None: ...

    def timeline(self, incident_id: str) -> list[TimelineEntry]: ...

    def messages(self, incident_id: str) -> list[Message]: ...

    def list_incidents(self, limit: int = 100) -> list[Incident]:
        """Most recently opened first, without their alarms (``alarms`` is empty: :meth:`get_incident` has them),
        so that a listing costs the same whatever the size of its incidents."""
        ...

    def get_message(self, incident_id: str, message_id: str) -> Message | None: ...

    def token_used(self, fingerprint: str) -> bool:
        """Whether a decision was already saved with the approval link of this fingerprint."""
        ...

    def save_decision(
        self,
        before: Message,
        after: Message,
        token_fingerprint: str,
        token_expires_at: datetime,
        entries: list[TimelineEntry],
        publication: Publication | None,
    ) -> DecisionSaved:
        """Replace ``before`` with ``after`` (its ``revision`` one higher), spend the token, append ``entries`` and
        hand ``publication`` over, all or nothing. Refused when the token was spent (TOKEN_USED) or ``before`` is no
        longer the stored revision (MESSAGE_CHANGED); so ten simultaneous clicks on one link save one decision and
        one publication. With a publication, also refused when ``after`` is older than the last message handed to
        publishing (OUTDATED), whatever the race; saved, it becomes the incident's last published message."""
        ...

    def save_holding(
        self, waiting: Message, holding: Message, entries: list[TimelineEntry], publication: Publication
    ) -> bool:
        """Store the holding message published in place of ``waiting`` with its publication, only while
        ``waiting`` still awaits approval (not decided, not superseded), only once, and only while nothing as new
        as ``holding`` (its draft, or anything newer) was handed to publishing (True; the holding text becomes the
        incident's last published message); otherwise change nothing (False)."""
        ...

    def renew_message(self, before: Message, after: Message) -> bool:
        """Replace the approved ``before`` with ``after`` (its ``revision`` one higher: the same version, its promise
        and texts renewed at publication), only while ``before`` is the stored revision (True); otherwise change
        nothing (False). What was sent is then what every later reader of the message (the email batches, the status
        page, a resumed delivery) reads."""
        ...

    def publications(self, incident_id: str) -> list[Publication]: ...

    def claim_delivery(self, delivery: Delivery) -> Delivery | None:
        """Claim publishing ``delivery``'s message version on its channel: None when this call claimed it, else the
        delivery stored by the earlier claim (a redelivered request must not publish twice)."""
        ...

    def finish_delivery(self, delivery: Delivery) -> None:
        """Store the outcome of a claimed delivery (``finished_at`` set, counts final)."""
        ...

    def advance_delivery(self, delivery: Delivery, held: Delivery) -> bool:
        """Store ``delivery`` (its new ``state`` or ``claimed_at``) only while the stored claim is still ``held``:
        unfinished, in ``held.state``, claimed at ``held.claimed_at``. True when it was stored; False when someone
        else moved the claim first (a sweeper that took it over, a publisher that finished it)."""
        ...

    def deliveries(self, incident_id: str) -> list[Delivery]: ...

    def save_lifecycle(self, before: Incident, after: Incident, entries: list[TimelineEntry]) -> bool:
        """Store a lifecycle transition: ``after``'s phase, status, severity, lifecycle state, facts,
        ``resolved_at`` and ``updated_at`` (its ``revision`` one higher) with ``entries``, all or nothing, only while
        ``before.revision`` is still the stored one; False (nothing changed) when another transition landed first:
        read and recompute. Resolving (``after`` resolved, ``before`` open) releases the component for a new
        incident in the same transaction, so the next ALARM opens one instead of joining this."""
        ...

    def save_facts(self, before: Incident, after: Incident, entries: list[TimelineEntry]) -> bool:
        """Store ``after``'s facts and ``updated_at`` (its ``revision`` one higher) with ``entries``, all or nothing,
        only while ``before.revision`` is still the stored one (as a lifecycle transition is); False (nothing
        changed) when another change landed first: read and apply the change again."""
        ...

    def add_message(self, message: Message, entries: list[TimelineEntry]) -> MessageAdded | None:
        """Store a newly drafted ``message`` with ``entries`` (its DRAFT_CREATED), with the incident's next sequence,
        and supersede every other message of the incident still awaiting approval
        (:func:`incident_comms.incidents.ordering.supersede`: each on the condition that its revision did not move,
        with its ``superseded`` entry), all in one transaction; a lost race (another draft, a decision) is read
        again and retried. None when a message with that id exists already (nothing changed)."""
        ...

    def supersede_waiting(self, incident_id: str, now: datetime, why: str) -> list[Message]:
        """Mark every message of the incident still awaiting approval SUPERSEDED with nothing replacing it
        (:func:`incident_comms.incidents.ordering.retire`, each on the condition that its revision did not move,
        with its ``superseded`` entry saying ``why``), all in one transaction; a lost race (a decision) is read again
        and retried. Answers the messages as stored (empty: none was waiting)."""
        ...

    def promise_ledger(self, incident_id: str) -> PromiseLedger:
        """The incident's promise ledger; an empty one at revision 0 when nothing was promised yet."""
        ...

    def save_promise_ledger(self, before: PromiseLedger, after: PromiseLedger, entries: list[TimelineEntry]) -> bool:
        """Replace ``before`` with ``after`` (one revision later) and append ``entries``, all or nothing; False (and
        nothing changed) when the stored ledger is no longer ``before``: read it again and recompute."""
        ...
