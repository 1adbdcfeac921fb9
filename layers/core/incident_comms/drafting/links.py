"""Clickable links in a draft's HTML, for the plan's own addresses only.

The HTML of an email or status page is laid out from the plain text by an autoescaping template, so nothing in the
text can become markup. Links keep that promise: a line is split into text and link segments here, in Python, and
only an exact occurrence of an address the plan itself gives for the channel's audience — the status page, the
incident's own page, the help URL, the contact email (``mailto:``) and URL — becomes a link, whose target is that
plan value, never the text around it. A URL or markup inside alarm text, a responder's fact or an edit stays text
(and is escaped by the layout like all text).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from incident_comms.plan.models import Channel, Plan

_WEB = re.compile(r"^https?://[^\s<>\"']+$")
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")


class Segment(NamedTuple):
    """A piece of one line: ``href`` is None for text, else the plan address it links to."""

    text: str
    href: str | None = None


def plan_links(plan: Plan, channel: Channel, incident_id: str | None = None) -> dict[str, str]:
    """The plan's addresses a reader of ``channel`` may click, as shown text -> link target (web addresses as
    themselves, the contact email as ``mailto:``); only ``http(s)`` addresses and plain email addresses qualify."""
    organisation = plan.definition.organisation
    contact = plan.roles.customer_contact.words_for(channel.audience)
    severities = [s.id for s in plan.definition.severities if s.id in channel.severities]
    incident_pages = [
        plan.incident_page_url(channel.locale, incident_id, severity) for severity in severities if incident_id
    ]
    web = [
        organisation.status_page_url,
        organisation.support_url,
        organisation.support_url_for(channel.audience),
        contact.url,
        *incident_pages,
    ]
    links = {url: url for url in web if url and _WEB.match(url)}
    if contact.email and _EMAIL.match(contact.email):
        links[contact.email] = f"mailto:{contact.email}"
    return links


def _finder(links: dict[str, str]) -> re.Pattern[str] | None:
    """Whole occurrences of the known addresses, longest first (not a piece of a longer address or word)."""
    if not links:
        return None
    alternatives = "|".join(re.escape(text) for text in sorted(links, key=len, reverse=True))
    return re.compile(rf"(?<![\w/.:@%+-])(?:{alternatives})(?![\w/@#?=&%~+-]|[.,;:!?)][^\s])")


def line_segments(line: str, links: dict[str, str], found: re.Pattern[str] | None = None) -> list[Segment]:
    """``line`` as text and link segments: each whole occurrence of a known address (not a piece of a longer
    address or word) becomes a link to it, longest first; everything else stays text. ``found`` is
    :func:`_finder`'s pattern for ``links`` when the caller has it already."""
    found = found or _finder(links)
    if found is None or not line:
        return [Segment(line)]
    segments: list[Segment] = []
    at = 0
    for match in found.finditer(line):
        if match.start() > at:
            segments.append(Segment(line[at : match.start()]))
        segments.append(Segment(match.group(), links[match.group()]))
        at = match.end()
    if at < len(line) or not segments:
        segments.append(Segment(line[at:]))
    return segments


def paragraph_segments(text: str, links: dict[str, str]) -> list[list[list[Segment]]]:
    """The text's paragraphs (split at blank lines), each a list of lines, each a list of segments."""
    found = _finder(links)
    return [
        [line_segments(line, links, found) for line in paragraph.split("\n")]
        for paragraph in text.split("\n\n")
        if paragraph.strip()
    ]
