"""One mail thread per incident and audience: the ``In-Reply-To`` / ``References`` every email of it carries.

Mail clients group a conversation by its threading headers (RFC 5322 §3.6.4): a message whose ``References`` name
the same message id as another's belongs to the same thread. Gmail also wants the same subject: the plan's customer
subject keeps organisation and impact title fixed for the whole incident, but the phase label at its end changes,
which Gmail reads as a new conversation (a plan that wants one Gmail conversation drops the label from its subject
blocks; the headers need nothing else).

**Why a root that no message carries.** The natural way is for every later message to reply to the first one's
``Message-ID``. Amazon SES does not allow it: whatever ``Message-ID`` a caller gives a raw ``SendEmail``, SES
replaces it with its own ("If you provide a Message-ID header, Amazon SES overrides the header with its own value",
SES developer guide, *Amazon SES header fields*), and with ``SendBulkEmail`` a caller may not set the headers SES sets.
The id SES chooses is known only after the call, per recipient, and keeping it would take a store and a read before
every send. So the thread hangs from a **root id of our own**, derived only from the thread's key (the incident or
maintenance window, and who reads it: ``customers`` or ``team``) and the sender's domain: the same for every phase,
every recipient, every sender process and every retry, and never given to SES as a ``Message-ID``. Every message,
the first included, says ``In-Reply-To: <root>`` and ``References: <root>``; a client that threads by references
(those following the JWZ threading algorithm; Gmail, whose rule is references that "consistently refer to the
same message ID") puts them all under that one, absent, parent — whatever ``Message-ID`` SES gave each. We never set a
``Message-ID`` of our own: SES would throw it away, and the local stack must show what SES would send.

Customers and the team are separate threads of the same incident (a person who is both sees two conversations:
what customers were told, and the team's approvals and engagement).
"""

from __future__ import annotations

import hashlib
import re
from email.utils import parseaddr

CUSTOMERS = "customers"
"""The thread of what customers (and any audience of a customer channel) read about one incident or maintenance."""
TEAM = "team"
"""The thread of the team's own emails about one incident or maintenance: approval requests, engagement."""

FALLBACK_DOMAIN = "incident-comms.invalid"
"""The id's domain when the sender address has none we can use (RFC 2606 ``.invalid``: it can name nobody else's)."""

_UNSAFE = re.compile(r"[^A-Za-z0-9-]+")
_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")
_READABLE_MAX = 64


def thread_key(subject_id: str, readers: str) -> str:
    """The key of one thread: an incident's (or maintenance window's) id and who reads it (:data:`CUSTOMERS`,
    :data:`TEAM`). Emails carry the key; the adapter that sends them turns it into headers with its sender."""
    return f"{subject_id}/{readers}"


def sender_domain(sender: str) -> str:
    """The domain of ``sender`` (``Nubeteca <incidentes@nubeteca.example>`` or a bare address), lower case;
    :data:`FALLBACK_DOMAIN` when it has none that is a plain DNS name."""
    _, address = parseaddr(sender)
    domain = address.rpartition("@")[2].strip().lower().rstrip(".")
    return domain if "@" in address and _DOMAIN.match(domain) else FALLBACK_DOMAIN


def thread_root_id(key: str, sender: str) -> str:
    """The thread's root message id, ``<INC-20261130-1500-3fa9c2.customers.5d41402abc4b2a76@nubeteca.example>``.

    Deterministic (only ``key`` and the sender's domain), RFC 5322 ``msg-id`` syntax (a dot-atom on each side of the
    ``@``, printable ASCII as SES header values must be), readable in a raw header, and distinct for distinct keys:
    the readable part keeps letters, digits and hyphens only, so a digest of the exact key follows it.
    """
    readable = ".".join(part for part in (_UNSAFE.sub("-", piece).strip("-") for piece in key.split("/")) if part)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    left = f"{readable[:_READABLE_MAX].rstrip('.-')}.{digest}" if readable else digest
    return f"<{left}@{sender_domain(sender)}>"


def thread_headers(key: str, sender: str) -> tuple[tuple[str, str], ...]:
    """``In-Reply-To`` and ``References`` naming the thread's root: what puts an email in its thread."""
    root = thread_root_id(key, sender)
    return (("In-Reply-To", root), ("References", root))
