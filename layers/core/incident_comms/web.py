"""The parts of an HTTP request our pages read, and the refusals they answer with.

Shared by every page a person opens from an email (approvals, subscribe, unsubscribe): a form is read only
when it is a small ``application/x-www-form-urlencoded`` body in UTF-8, a cross-site POST is recognised from
what the browser says, and every refusal is a generic reason that names nothing about the incident.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qs, urlsplit

from incident_comms.text import one_line, truncate

MAX_FORM_BYTES = 64 * 1024
"""A form with every channel's text edited stays far below this; anything larger is refused before parsing."""


MAX_FORM_FIELDS = 200


USER_AGENT_MAX = 300


FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


PAGE_HEADERS: dict[str, str] = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}
"""Every page a person opens from a link (approval, console, declare, subscribe, unsubscribe) goes out with these
headers. The token is in the URL: nothing may cache the page or send it on as a referrer, no script may run, and no
other site may frame the page or receive its form. Kept here, beside the requests the pages read, so the subscribe
and unsubscribe functions load no approval code (draft checks, word lists, the draft renderer) to send them."""


_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


_DEFAULT_PORTS = {"http": 80, "https": 443}


class Refusal(StrEnum):
    """Why a link or a request was refused; each has one HTTP status and one generic text (no incident facts)."""

    INVALID = "invalid"
    """Malformed, forged, or naming a message that does not exist: the same answer, so it reveals nothing."""
    EXPIRED = "expired"
    USED = "used"
    SUPERSEDED = "superseded"
    """The draft changed (an edit) since the link was sent: only the newest email's links work."""
    REPLACED = "replaced"
    """A newer message of the incident (another phase, an update) replaced the draft: it will never be published."""
    OUTDATED = "outdated"
    """A newer message of the incident was already published: this older one must not follow it."""
    DECIDED = "decided"
    """Approved already: nothing is left to do with this draft."""
    REJECTED = "rejected"
    """Rejected: nothing went out, and the next message is drafted from the console."""
    ROLE_APPROVED = "role_approved"
    NOT_APPROVER = "not_approver"
    BAD_FORM = "bad_form"
    CROSS_SITE = "cross_site"
    TOO_LARGE = "too_large"
    BUSY = "busy"


class FormProblem(StrEnum):
    """What is wrong with a posted form: logged as is, and shown to the person in their words."""

    UNREADABLE = "unreadable"
    ENCODING = "encoding"
    UNKNOWN_FIELD = "unknown_field"
    REPEATED_FIELD = "repeated_field"
    DECISION_MISMATCH = "decision_mismatch"
    NOT_CONFIRMED = "not_confirmed"
    REASON_MISSING = "reason_missing"
    REASON_TOO_LONG = "reason_too_long"
    ERRORS_NEED_REASON = "errors_need_reason"
    """Approving (or saving an edit of) a version whose drafts have errors, without a written reason."""
    UNKNOWN_CHANNEL = "unknown_channel"
    NO_SUBJECT_HERE = "no_subject_here"
    SUBJECT_INVALID = "subject_invalid"
    TEXT_INVALID = "text_invalid"


@dataclass(frozen=True)
class RequestMeta:
    """Where a decision came from, for the audit trail."""

    source_ip: str | None = None
    user_agent: str | None = None

    @classmethod
    def of(cls, source_ip: str | None, user_agent: str | None) -> RequestMeta:
        """Keep the user agent to :data:`USER_AGENT_MAX` characters on one line: it is whatever the client says."""
        agent = truncate(one_line(user_agent), USER_AGENT_MAX) if user_agent else None
        return cls(source_ip=source_ip or None, user_agent=agent)


class LinkRefused(Exception):
    """A link or request that must not be acted on: :func:`refusal_page` turns it into its 4xx page."""

    def __init__(self, refusal: Refusal, problem: FormProblem | None = None, checks: Sequence[str] = ()) -> None:
        self.refusal = refusal
        self.problem = problem
        self.checks = tuple(checks)
        super().__init__(refusal.value if problem is None else f"{refusal.value}: {problem.value}")


class BadForm(LinkRefused):
    """A posted form that cannot be acted on (400); ``problem`` says why, in words safe to show and log, and
    ``checks`` which draft checks found errors (for :attr:`FormProblem.ERRORS_NEED_REASON`)."""

    def __init__(self, problem: FormProblem, checks: Sequence[str] = ()) -> None:
        super().__init__(Refusal.BAD_FORM, problem, checks)


@dataclass(frozen=True)
class HttpRequest:
    """The parts of an API Gateway HTTP API request (payload format 2.0) the approvals API reads."""

    headers: Mapping[str, str]
    body: str | None = None
    is_base64_encoded: bool = False
    domain_name: str = ""
    raw_path: str = ""
    source_ip: str | None = None
    user_agent: str | None = None

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> HttpRequest:
        """Read a payload 2.0 event; header names are matched case-insensitively."""
        context = event.get("requestContext") or {}
        http = context.get("http") or {}
        headers = {str(name).lower(): str(value) for name, value in (event.get("headers") or {}).items()}
        return cls(
            headers=headers,
            body=event.get("body"),
            is_base64_encoded=bool(event.get("isBase64Encoded")),
            domain_name=str(context.get("domainName") or headers.get("host", "")),
            raw_path=str(event.get("rawPath") or http.get("path") or ""),
            source_ip=http.get("sourceIp"),
            user_agent=http.get("userAgent") or headers.get("user-agent"),
        )

    @property
    def meta(self) -> RequestMeta:
        return RequestMeta.of(self.source_ip, self.user_agent)

    @property
    def base_url(self) -> str:
        """Where this API answers, as the person reached it: links sent after an edit must point here too.

        ``https://{domain}`` plus whatever the path had in front of ``/approvals/`` or ``/console/`` (a stage or an
        API mapping); plain ``http`` only for the local stack on this machine.
        """
        host = self.domain_name or self.headers.get("host", "")
        hostname = urlsplit(f"//{host}").hostname or ""
        scheme = "http" if hostname in _LOCAL_HOSTS else "https"
        at = max(self.raw_path.rfind("/approvals/"), self.raw_path.rfind("/console/"))
        prefix = self.raw_path[:at] if at > 0 else ""
        return f"{scheme}://{host}{prefix}"

    def is_cross_site(self) -> bool:
        """Whether the browser says this POST came from another site's page.

        ``Sec-Fetch-Site`` is set by the browser itself and decides when present. Otherwise ``Origin`` must name
        this host. ``Origin: null`` is not a verdict: our own pages send ``Referrer-Policy: no-referrer``, and
        under it browsers serialise a form post's origin as ``null`` (Fetch, "append a request Origin header"),
        so refusing it would refuse our own form; the signed token is still required either way.
        """
        fetch_site = self.headers.get("sec-fetch-site", "").strip().lower()
        if fetch_site:
            return fetch_site not in ("same-origin", "none")
        origin = self.headers.get("origin", "").strip()
        if not origin or origin.lower() == "null":
            return False
        try:
            parts = urlsplit(origin)
            default_port = _DEFAULT_PORTS.get(parts.scheme.lower())
            claimed = (parts.hostname or "", parts.port or default_port)
            host = urlsplit(f"//{self.headers.get('host') or self.domain_name}")
            actual = (host.hostname or "", host.port or default_port)
        except ValueError:
            return True
        return not claimed[0] or claimed != actual

    def form(self) -> dict[str, list[str]]:
        """The posted ``application/x-www-form-urlencoded`` fields; 413 above :data:`MAX_FORM_BYTES`, else 400
        for anything that is not such a form in UTF-8 with at most :data:`MAX_FORM_FIELDS` fields."""
        raw = self.body or ""
        if len(raw) > (MAX_FORM_BYTES * 4) // 3 + 4:
            raise LinkRefused(Refusal.TOO_LARGE)
        try:
            data = base64.b64decode(raw, validate=True) if self.is_base64_encoded else raw.encode("utf-8")
        except ValueError:  # binascii.Error and UnicodeEncodeError included
            raise BadForm(FormProblem.UNREADABLE) from None
        if len(data) > MAX_FORM_BYTES:
            raise LinkRefused(Refusal.TOO_LARGE)
        content_type = self.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type != FORM_CONTENT_TYPE:
            raise BadForm(FormProblem.ENCODING)
        try:
            return parse_qs(
                data.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS, errors="strict"
            )
        except ValueError:  # UnicodeDecodeError included; too many fields
            raise BadForm(FormProblem.UNREADABLE) from None


LOCAL_CALLER = "local"


def caller_of(event: Mapping[str, Any]) -> str:
    """The IAM identity API Gateway verified for this request (its ARN); ``local`` when there is none (the local
    stack, which routes the API without IAM)."""
    context = event.get("requestContext") or {}
    iam = (context.get("authorizer") or {}).get("iam") or {}
    arn = iam.get("userArn") if isinstance(iam, Mapping) else None
    return str(arn) if arn else LOCAL_CALLER


def base_url_of(request: HttpRequest, configured: str) -> str:
    """Where the approvals API answers, for the links this request sends (console, approval links): the configured
    base URL, else the request's own host plus whatever the path had in front of ``/declare/``, ``/incidents`` or
    ``/maintenance``."""
    if configured:
        return configured
    path = request.raw_path
    found = [at for at in (path.find(route) for route in ("/declare/", "/incidents", "/maintenance")) if at >= 0]
    cut = min(found, default=0)
    return f"{request.base_url}{path[:cut]}"
