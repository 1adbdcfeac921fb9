"""``ChannelPublisher`` for chat incoming webhooks (Slack, Microsoft Teams), over ``urllib`` (no extra dependency).

Each webhook channel's URL lives in the chat webhooks SecureString parameter (channel id -> URL): an incoming-webhook
URL is a credential (anyone holding it can post), so it is read only when publishing, and never written to a log, a
detail or the timeline; results name the host only.

The payload follows the URL's host:

- Microsoft Teams (``*.webhook.office.com``, ``outlook.office.com``, Workflows on ``*.logic.azure.com`` or
  ``*.api.powerplatform.com``): a ``message`` carrying an Adaptive Card, the form both the old connectors and
  the Workflows that replace them accept. TextBlocks read a Markdown subset, so Markdown punctuation of the text
  is escaped with backslashes (CommonMark escapes): an alarm name cannot become a disguised link.
- Slack (``hooks.slack.com``, and any other host): ``text`` (the notification fallback) and ``blocks`` with the
  subject as a ``header`` and the text as ``mrkdwn`` sections. ``&``, ``<`` and ``>`` are escaped as Slack asks,
  so untrusted text cannot form a link or a ``<!channel>`` mention, and sections are ``verbatim`` so Slack does
  not turn a bare ``@here`` into a mention either; the plan's own status page URL is linked explicitly.

Delivery: POST with a timeout (10 s), redirects refused (a webhook that redirects is misconfigured, and following a
redirect would turn the POST into a GET that delivers nothing), up to three attempts with exponential backoff and
jitter when the post could not be made (no connection: urllib wraps it in ``URLError`` before any answer), on 5xx
and 429 (honouring ``Retry-After`` up to a cap). Any other answer (4xx, 3xx) is permanent: reported at once, never
retried. The waits are small on purpose: the publisher function has 60 s for every channel of a message. A post
whose answer was lost after it left (a read timeout, a dropped connection) is never posted again: the service may
have it, so it is answered as ``unknown`` (issue 14: nothing twice), put on the timeline and told to operators.
This loop is not :func:`incident_comms.adapters.retries.with_retries`: that one judges boto3's errors and knows
no ``Retry-After``; the rule is the same.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from incident_comms.delivery.manual import printable
from incident_comms.delivery.publishing import ChannelJob, ChannelResult
from incident_comms.text import one_line, truncate

Flavour = Literal["slack", "teams"]

TEAMS_HOSTS = (".webhook.office.com", "outlook.office.com", ".logic.azure.com", ".api.powerplatform.com")
"""Host suffixes of Microsoft Teams incoming webhooks (connectors) and of the Workflows that replace them."""

TIMEOUT_SECONDS = 10.0
ATTEMPTS = 3
BACKOFF_SECONDS = 1.0
"""The first retry waits about this long (between half and all of it, by jitter); each next one twice as long."""
BACKOFF_MAX_SECONDS = 8.0
RETRY_AFTER_MAX_SECONDS = 10.0
"""A ``Retry-After`` longer than this is cut to it: the whole publication must fit in the function's time."""

SLACK_HEADER_MAX = 150
SLACK_SECTION_MAX = 3000
SLACK_SECTIONS_MAX = 8
SLACK_FALLBACK_MAX = 3000
TEXT_MAX = 12_000
"""The longest text posted (Teams takes about 28 KB a message; Slack 50 blocks of 3,000 characters)."""

ERROR_TEXT_MAX = 500
_RESPONSE_READ_MAX = 2048
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_~\[\]()<>#|])")


class WebhookChannel:
    """Posts each update to the incoming webhook the parameter names for the channel; see the module doc.

    ``urls`` reads the parameter (once per container, in composition); ``sleep``, ``jitter`` (a number in [0, 1)) and
    ``timeout`` are injectable so tests can run the retries without waiting.
    """

    def __init__(
        self,
        urls: Callable[[], dict[str, str]],
        *,
        timeout: float = TIMEOUT_SECONDS,
        attempts: int = ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        backoff: float = BACKOFF_SECONDS,
        backoff_max: float = BACKOFF_MAX_SECONDS,
        retry_after_max: float = RETRY_AFTER_MAX_SECONDS,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self._urls = urls
        self._timeout = timeout
        self._attempts = attempts
        self._sleep = sleep
        self._jitter = jitter
        self._backoff = backoff
        self._backoff_max = backoff_max
        self._retry_after_max = retry_after_max
        self._opener = urllib.request.build_opener(_RefuseRedirects())

    def publish(self, job: ChannelJob) -> ChannelResult:
        channel_id = job.channel.id
        try:
            urls = self._urls()
        except Exception as error:  # noqa: BLE001 - an unreadable parameter is this channel's failure, reported
            return _failed(f"the chat webhooks parameter could not be read: {type(error).__name__}: {error}")
        url = urls.get(channel_id)
        if not url:
            return _failed(f"the chat webhooks parameter has no URL for channel {channel_id}")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return _failed(f"the webhook URL of channel {channel_id} is not an http(s) URL; nothing was posted")
        host = parts.hostname
        flavour = webhook_flavour(host)
        header, body = message_parts(job)
        link = job.plan.definition.organisation.status_page_url
        payload = teams_payload(header, body) if flavour == "teams" else slack_payload(header, body, link=link)
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return self._deliver(url, f"{flavour} webhook ({host})", data, job.now)

    def _deliver(self, url: str, where: str, data: bytes, now: datetime) -> ChannelResult:
        outcome = _Outcome(ok=False, retry=False, what="not attempted")
        for attempt in range(1, self._attempts + 1):
            outcome = self._post(url, data, now)
            if outcome.ok:
                return ChannelResult(attempted=1, delivered=1)
            if outcome.unknown:
                reason = f"{where}: {outcome.what}; the post may have arrived, not resent"
                return ChannelResult(attempted=1, unknown=1, detail=truncate(one_line(reason), ERROR_TEXT_MAX))
            if not outcome.retry:
                return _failed(f"{where} refused the post: {outcome.what}; not retried (permanent)")
            if attempt < self._attempts:
                self._sleep(self._delay(attempt, outcome.retry_after))
        return _failed(f"{where}: {outcome.what}; gave up after {self._attempts} attempts")

    def _post(self, url: str, data: bytes, now: datetime) -> _Outcome:
        request = urllib.request.Request(  # noqa: S310 - publish lets only http(s) URLs through
            url,
            data=data,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "incident-comms"},
        )
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                response.read(_RESPONSE_READ_MAX)
                return _Outcome(ok=True, retry=False, what=f"HTTP {response.status}")
        except urllib.error.HTTPError as error:
            status = error.code
            answer = _answer_text(error)
            retry_after = retry_after_seconds(error.headers.get("Retry-After"), now) if error.headers else None
            error.close()
            what = f"HTTP {status}" + (f" {answer}" if answer else "")
            if status == 429 or status >= 500:
                return _Outcome(ok=False, retry=True, what=what, retry_after=retry_after)
            return _Outcome(ok=False, retry=False, what=what)
        except urllib.error.URLError as error:
            reason = error.reason
            return _Outcome(ok=False, retry=True, what=f"network error: {type(reason).__name__}: {reason}")
        except (http.client.HTTPException, OSError) as error:
            return _Outcome(ok=False, retry=False, what=f"no answer: {type(error).__name__}: {error}", unknown=True)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """``Retry-After`` when the service gave one (capped), else exponential backoff with equal jitter."""
        if retry_after is not None:
            return max(0.0, min(retry_after, self._retry_after_max))
        ceiling = min(self._backoff_max, self._backoff * 2.0 ** (attempt - 1))
        return ceiling / 2 + self._jitter() * ceiling / 2


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    retry: bool
    what: str
    retry_after: float | None = None
    unknown: bool = False
    """The post left and its answer was lost: it may have arrived."""


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """Answers every redirect with its own 3xx error instead of following it (see the module doc)."""

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        return None


def webhook_flavour(host: str) -> Flavour:
    """``"teams"`` for Microsoft Teams webhook hosts, ``"slack"`` for Slack and anything else (the common format)."""
    host = host.lower().rstrip(".")
    return "teams" if any(host.endswith(suffix) or host == suffix.lstrip(".") for suffix in TEAMS_HOSTS) else "slack"


def message_parts(job: ChannelJob) -> tuple[str, str]:
    """The header line and the body of the post: the draft's subject and text, or (chat drafts have no subject)
    the text's first line and the rest. Control characters are dropped, the header is one line."""
    text = truncate(printable(job.draft.text).strip(), TEXT_MAX)
    subject = one_line(printable(job.draft.subject or ""))
    if subject:
        return subject, text
    first, _, rest = text.partition("\n")
    header = one_line(first)
    body = rest.strip()
    return header or job.channel.id, body


def escape_mrkdwn(text: str) -> str:
    """Slack's three control characters as entities, as Slack asks: ``&`` ``<`` ``>``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_markdown(text: str) -> str:
    """Backslash-escape the Markdown punctuation a Teams TextBlock reads (links, emphasis, code)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def slack_payload(header: str, body: str, *, link: str | None = None) -> dict[str, Any]:
    """Slack's incoming-webhook message: fallback ``text``, a ``header`` block and ``mrkdwn`` sections.

    The header is ``plain_text`` (Slack reads no markup there) cut to 150 characters; the body is split on line
    boundaries into sections of at most 3,000 characters after escaping; ``link`` (the plan's status page, trusted)
    is made a link wherever the text shows it.
    """
    header = truncate(one_line(header), SLACK_HEADER_MAX)
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": header}}]
    for chunk in _sections(body, SLACK_SECTION_MAX, SLACK_SECTIONS_MAX):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _linked(chunk, link), "verbatim": True}})
    fallback = escape_mrkdwn(header) + ("\n" + escape_mrkdwn(body) if body else "")
    return {"text": _cut_escaped(fallback, SLACK_FALLBACK_MAX), "blocks": blocks}


def teams_payload(header: str, body: str) -> dict[str, Any]:
    """A Teams message carrying an Adaptive Card (1.4): a bold header TextBlock, then one TextBlock per line."""
    elements: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": escape_markdown(one_line(header)),
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        }
    ]
    new_paragraph = True
    for line in body.split("\n"):
        if not line.strip():
            new_paragraph = True
            continue
        element: dict[str, Any] = {"type": "TextBlock", "text": escape_markdown(line.rstrip()), "wrap": True}
        if not new_paragraph:
            element["spacing"] = "None"
        elements.append(element)
        new_paragraph = False
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": elements,
        "msteams": {"width": "Full"},
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds from ``now`` (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _sections(body: str, limit: int, most: int) -> list[str]:
    """The body escaped and packed line by line into at most ``most`` chunks of at most ``limit`` characters."""
    chunks: list[str] = []
    current = ""
    for line in body.split("\n"):
        escaped = _cut_escaped(escape_mrkdwn(line), limit)
        if current and len(current) + 1 + len(escaped) > limit:
            chunks.append(current)
            current = escaped
        else:
            current = f"{current}\n{escaped}" if current else escaped
    if current.strip():
        chunks.append(current)
    if len(chunks) > most:
        chunks = chunks[:most]
        chunks[-1] = _cut_escaped(chunks[-1] + "\n…", limit)
    return chunks


def _cut_escaped(text: str, limit: int) -> str:
    """Cut escaped text to ``limit`` characters without splitting an entity (``&amp;``) in two."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp]
    return head + "…"


def _linked(escaped: str, link: str | None) -> str:
    if not link or not link.startswith("https://") or any(char in link for char in "<>|& "):
        return escaped
    return escaped.replace(link, f"<{link}>")


def _answer_text(error: urllib.error.HTTPError) -> str:
    try:
        raw = error.read(_RESPONSE_READ_MAX)
    except (OSError, http.client.HTTPException):
        return ""
    return truncate(one_line(printable(raw.decode("utf-8", "replace"))), 200)


def _failed(reason: str) -> ChannelResult:
    return ChannelResult(attempted=1, failed=1, detail=truncate(one_line(reason), ERROR_TEXT_MAX))
