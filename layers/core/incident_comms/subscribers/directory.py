"""Where customer subscribers live: the directory interface the fan-out, the pages and the command line use.

Pure (no boto3): :class:`SubscriberDirectory` is a port; the directory itself is the SES v2 contact list
(:class:`incident_comms.adapters.contacts.SesContactDirectory`): the managed store that knows who unsubscribed.
Every method names the address it changes; adding never resubscribes someone who used the one-click unsubscribe
link unless it is their own request (``resubscribe``), and an import says whom it kept unsubscribed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from incident_comms.subscribers.models import Subscriber


class Added(StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    """Already subscribed: the new components were added, locale and audience replaced."""
    KEPT_UNSUBSCRIBED = "kept_unsubscribed"
    """The person unsubscribed with the one-click link; only ``resubscribe`` (their own request) undoes that."""


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    kept_unsubscribed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"added": self.added, "updated": self.updated, "kept_unsubscribed": self.kept_unsubscribed}


class SubscriberDirectory(Protocol):
    """Where subscribers live (the SES contact list); every method names the address it changes."""

    def add(self, subscriber: Subscriber, *, resubscribe: bool = False) -> Added:
        """Subscribe (or extend the subscription of) ``subscriber``; never resubscribes someone who unsubscribed
        unless ``resubscribe``."""
        ...

    def subscriber(self, email: str) -> Subscriber | None:
        """The subscription of ``email`` as the list holds it (``unsubscribed`` marked), or None when it holds none."""
        ...

    def change(self, subscriber: Subscriber, *, resubscribe: bool = False) -> bool:
        """Replace the components, locale and audience of the address's subscription with ``subscriber``'s (the
        person's own choice, not a merge). False, changing nothing, when the list does not hold the address, or it
        unsubscribed and ``resubscribe`` (the person's own undo) is not given."""
        ...

    def remove(self, email: str) -> bool:
        """Delete the contact (an operator's removal, not the person's unsubscribe); False if it was not there."""
        ...

    def list(self, component: str | None = None) -> Iterator[Subscriber]:
        """Every subscriber (opted in to ``component``, when given), unsubscribed ones included and marked."""
        ...

    def import_csv(self, rows: Iterable[Subscriber]) -> ImportReport:
        """:meth:`add` every row (already checked by :func:`~incident_comms.subscribers.csv_import.parse_csv`)."""
        ...

    def recipients(self, component: str, audience: str, locale: str) -> Iterator[str]:
        """The addresses to email about ``component`` on a channel of ``audience`` and ``locale``: opted in to the
        component, in that audience and locale, and not unsubscribed."""
        ...

    def unsubscribe(self, email: str) -> bool:
        """The person's own unsubscribe: never a recipient again. False when the address is not in the list."""
        ...

    def suppress(self, email: str, reason: str) -> bool:
        """Stop emailing an address SES reported as permanently bouncing or complaining: never a recipient again,
        kept in the list with ``reason`` (so an import does not add it back, and a listing says why). False when
        the address is not in the list."""
        ...


# --- double opt-in: signed subscription confirmation links ------------------------------------------------------
