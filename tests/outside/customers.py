"""Every message the customers (and the staff chat) received, read where they receive it, and what it is.

A *stream* is one place a reader sees messages one after the other: one subscriber's mailbox, the SMS topic, the
chat channel, the status page in one locale. Each received item is attributed to the incident's message it carries
(the email's ``X-Incident-Message`` header, the status page's ``message_id``; SMS and chat by their text, matched
against the channel's drafts on ``GET /local/incidents``) and ranked by that message's sequence, a holding text just
below its draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.e2e.conftest import RunningStack
from tests.outside.desk import header, outbox

PHASE_RANK = {"investigating": 0, "identified": 1, "monitoring": 2, "resolved": 3, "postmortem": 4}
"""Customers' phase order; an ``update`` belongs to its time and has no rank of its own."""

MANUAL_CHANNELS = {"social-media": "es"}
"""The plan's manual customer channels (channels.yaml, kind manual) and their locale: their approved text is emailed
to the people who post it by hand, so that email is what customers will read."""


@dataclass(frozen=True)
class Subscriber:
    email: str
    locale: str
    audience: str


@dataclass
class Received:
    stream: str  # e.g. "email to jane@…", "sns sms-customers", "status page (en)"
    channel: str
    locale: str
    position: int  # order of arrival within the whole outbox (status page: order of its updates)
    message_id: str | None
    text: str
    phase: str | None = None
    sequence: float | None = None  # holding texts rank half a step below their draft
    holding: bool = False

    def label(self) -> str:
        return f"{self.stream} #{self.position} [{self.message_id or '?'} {self.phase or '?'} seq {self.sequence}]"


def _flat(text: str) -> str:
    return " ".join(text.split())


def message_index(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """message id → phase, sequence (holding texts just below their draft), holding, drafts by channel."""
    timed_out = {p["message_id"] for p in state["publications"] if p.get("reason") == "approval_timeout"}
    index: dict[str, dict[str, Any]] = {}
    for m in state["messages"]:
        holding = m["id"] in timed_out or (m.get("replaces") is not None and not m.get("approvers"))
        sequence = float(m.get("sequence") or 0) - (0.5 if holding else 0.0)
        index[m["id"]] = {
            "phase": m["phase"],
            "sequence": sequence,
            "holding": holding,
            "status": m["status"],
            "drafts": {d["channel_id"]: d for d in m.get("drafts", [])},
        }
    return index


def _attribute_by_text(index: dict[str, dict[str, Any]], channel: str, text: str) -> str | None:
    flat = _flat(text)
    exact = [mid for mid, m in index.items() if channel in m["drafts"] and _flat(m["drafts"][channel]["text"]) == flat]
    if len(exact) == 1:
        return exact[0]
    loose = [
        mid
        for mid, m in index.items()
        if channel in m["drafts"]
        and (_flat(m["drafts"][channel]["text"])[:120] == flat[:120] or flat in _flat(m["drafts"][channel]["text"]))
    ]
    candidates = exact or loose
    return candidates[-1] if candidates else None


def customer_emails(items: list[dict[str, Any]], subscribers: list[Subscriber]) -> list[Received]:
    by_address = {s.email: s for s in subscribers}
    found: list[Received] = []
    for position, item in enumerate(items):
        if item.get("kind") != "email":
            continue
        manual = header(item, "X-Incident-Channel")
        if manual and manual in MANUAL_CHANNELS:  # a text someone posts by hand to customers (social media)
            found.append(
                Received(
                    stream=f"manual {manual} to {','.join(item.get('to') or [])}",
                    channel=manual,
                    locale=MANUAL_CHANNELS[manual],
                    position=position,
                    message_id=header(item, "X-Incident-Message-Id"),
                    text=f"{item.get('subject') or ''}\n\n{item.get('text') or ''}",
                )
            )
            continue
        for address in item.get("to") or []:
            subscriber = by_address.get(address)
            if subscriber is None:
                continue
            tag = header(item, "X-Incident-Message") or ""
            message_id = tag.split()[0] if tag else None
            subject = item.get("subject") or ""
            found.append(
                Received(
                    stream=f"email to {address} ({subscriber.locale})",
                    channel=f"email/{subscriber.audience}",
                    locale=subscriber.locale,
                    position=position,
                    message_id=message_id,
                    text=f"{subject}\n\n{item.get('text') or ''}",
                )
            )
    return found


def sns_and_chat(items: list[dict[str, Any]], index: dict[str, dict[str, Any]], chat_locale: str) -> list[Received]:
    found: list[Received] = []
    for position, item in enumerate(items):
        if item.get("kind") == "sns":
            attributes = item.get("attributes") or {}
            channel = str((attributes.get("channel") or {}).get("Value") or "sns")
            locale = str((attributes.get("locale") or {}).get("Value") or "?")
            text = str(item.get("message") or "")
            found.append(
                Received(
                    stream=f"sns {channel} ({locale})",
                    channel=channel,
                    locale=locale,
                    position=position,
                    message_id=_attribute_by_text(index, channel, text),
                    text=text,
                )
            )
        elif item.get("kind") == "webhook":
            channel = str(item.get("channel") or "webhook")
            payload = item.get("payload") or {}
            text = str(payload.get("text") or "") if isinstance(payload, dict) else str(payload)
            found.append(
                Received(
                    stream=f"webhook {channel}",
                    channel=channel,
                    locale=chat_locale,
                    position=position,
                    message_id=_attribute_by_text(index, channel, text),
                    text=text,
                )
            )
    return found


def status_page(stack: RunningStack, locales: list[str], incident_id: str) -> list[Received]:
    """The incident's updates on the published status page, per locale, in the order the page lists them by
    publication time (oldest first)."""
    found: list[Received] = []
    for locale in locales:
        path = "/status/index.json" if locale == locales[0] else f"/status/{locale}/index.json"
        answer = stack.request("GET", path)
        if answer.status == 404:  # nothing published yet: the bucket has no page
            continue
        assert answer.status == 200, f"status page {path} answered {answer.status}"
        page = answer.json()
        listed = [i for i in page.get("incidents", []) + page.get("history", []) if i.get("id") == incident_id]
        listed_updates = [u for i in listed[:1] for u in i.get("updates", [])]
        ordered = sorted(enumerate(listed_updates), key=lambda pair: (pair[1].get("published_at") or "", pair[0]))
        for position, (_, update) in enumerate(ordered):
            found.append(
                Received(
                    stream=f"status page ({locale})",
                    channel="status-page",
                    locale=locale,
                    position=position,
                    message_id=update.get("message_id"),
                    text=f"{update.get('title') or ''}\n\n{update.get('text') or ''}",
                )
            )
    return found


def everything_received(
    stack: RunningStack, state: dict[str, Any], subscribers: list[Subscriber], locales: list[str]
) -> list[Received]:
    items = outbox(stack)
    index = message_index(state)
    received = (
        customer_emails(items, subscribers)
        + sns_and_chat(items, index, chat_locale=locales[0])
        + status_page(stack, locales, state["id"])
    )
    for r in received:
        known = index.get(r.message_id or "")
        if known is not None:
            r.phase, r.sequence, r.holding = known["phase"], known["sequence"], known["holding"]
    return received


def streams(received: list[Received]) -> dict[str, list[Received]]:
    grouped: dict[str, list[Received]] = {}
    for r in received:
        grouped.setdefault(r.stream, []).append(r)
    for items in grouped.values():
        items.sort(key=lambda r: r.position)
    return grouped
