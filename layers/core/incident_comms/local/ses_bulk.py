"""SES v2 SendBulkEmail for moto, which lacks it: a WSGI middleware in front of moto's server app.

``POST /v2/email/outbound-bulk-emails`` is answered here; every other request goes to moto untouched. Each bulk
entry becomes one raw MIME email handed to moto's SES backend exactly as moto's own ``SendEmail`` (Raw content)
does (``send_raw_email``: sender verification, address checks, the sent-message list), so
:func:`incident_comms.local.outbox.sent_emails` shows one email per recipient, with its headers.

The template content is rendered the way SES renders inline content: simple ``{{name}}`` substitution from the
entry's replacement data (else the default data), HTML-escaped as Handlebars does, ``{{{name}}}`` raw. A variable
with no value fails that entry (SES reports a rendering failure), so a sender that forgot one is caught here.

It also counts calls and can play SES's throttle (:meth:`SesBulkEmail.throttle`), for tests that count SES calls
or check that a throttled batch is retried.

And it plays SES's **mailbox simulator**, which moto does not: an email accepted for
``bounce@simulator.amazonses.com`` or ``complaint@simulator.amazonses.com`` (``+label`` suffixes too) sent with a
configuration set makes the SES event notification (event publishing format, with the call's tags and the
email's message id) that SES would publish to the configuration set's SNS event destination
(:meth:`SesBulkEmail.add_event_destination`, which the local stack calls for each
``AWS::SES::ConfigurationSetEventDestination`` of the template: moto keeps no event destinations). It is
published to moto's SNS directly, so it reaches whatever the topic feeds, as in AWS.

Wrap moto's app with it (``SesBulkEmail(DomainDispatcherApplication(create_backend_app))``) inside any lock that
serialises moto: it touches moto's backend.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import formataddr, parseaddr
from typing import Any

BULK_PATH = "/v2/email/outbound-bulk-emails"
MAX_ENTRIES = 50
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"

_VARIABLE = re.compile(r"\{\{\{\s*([\w.-]+)\s*\}\}\}|\{\{\s*([\w.-]+)\s*\}\}")
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/")
_HOST_REGION = re.compile(r"\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com")
_HANDLEBARS_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#x27;",
    "`": "&#x60;",
    "=": "&#x3D;",
}

SIMULATOR_DOMAIN = "simulator.amazonses.com"
SIMULATED_EVENTS = {"bounce": "bounce", "complaint": "complaint"}
"""Mailbox simulator local parts and the event type (as the template's ``MatchingEventTypes`` name it) each makes."""

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class _MissingVariable(Exception):
    pass


def render(template: str, data: Mapping[str, Any]) -> str:
    """SES's simple substitution: ``{{name}}`` HTML-escaped like Handlebars, ``{{{name}}}`` as is."""

    def value(match: re.Match[str]) -> str:
        raw, escaped = match.group(1), match.group(2)
        name = raw or escaped
        if name not in data:
            raise _MissingVariable(name)
        text = str(data[name])
        return text if raw else "".join(_HANDLEBARS_ESCAPES.get(char, char) for char in text)

    return _VARIABLE.sub(value, template)


class SesBulkEmail:
    """The WSGI middleware; ``calls`` counts SendBulkEmail requests (throttled ones included)."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.calls = 0
        self._throttles = 0
        self._lock = threading.Lock()
        self._destinations: dict[str, list[tuple[str, frozenset[str]]]] = {}
        self.published: list[dict[str, Any]] = []
        """Every simulated event notification published, in order (for tests)."""

    def add_event_destination(self, configuration_set: str, topic_arn: str, event_types: Iterable[str]) -> None:
        """Publish the simulator's ``event_types`` (``bounce``, ``complaint``; any case) of emails sent with
        ``configuration_set`` to the SNS topic ``topic_arn``."""
        with self._lock:
            types = frozenset(kind.lower() for kind in event_types)
            self._destinations.setdefault(configuration_set, []).append((topic_arn, types))

    def throttle(self, calls: int = 1) -> None:
        """Answer the next ``calls`` SendBulkEmail requests as SES does when over the send rate (429)."""
        with self._lock:
            self._throttles += calls

    def reset(self) -> None:
        with self._lock:
            self.calls = 0
            self._throttles = 0

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != BULK_PATH:
            return self.app(environ, start_response)
        with self._lock:
            self.calls += 1
            throttled = self._throttles > 0
            self._throttles -= int(throttled)
        if throttled:
            return _error(start_response, 429, "TooManyRequestsException", "Maximum sending rate exceeded.")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            request = json.loads(environ["wsgi.input"].read(length) or b"{}")
        except (ValueError, KeyError):
            return _error(start_response, 400, "BadRequestException", "The request body is not JSON.")
        account, region = _account_and_region(environ)
        try:
            results = _send(request, account, region)
        except _Refused as refused:
            return _error(start_response, 400, refused.code, refused.message)
        self._simulate_feedback(request, results, account, region)
        body = json.dumps({"BulkEmailEntryResults": results}).encode("utf-8")
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def _simulate_feedback(
        self, request: Mapping[str, Any], results: list[dict[str, Any]], account: str, region: str
    ) -> None:
        """Publish the event SES would, for each accepted email to a mailbox simulator address."""
        configuration_set = request.get("ConfigurationSetName")
        with self._lock:
            destinations = list(self._destinations.get(configuration_set or "", []))
        if not destinations:
            return
        default_tags = _tags(request.get("DefaultEmailTags"))
        for entry, result in zip(request.get("BulkEmailEntries") or [], results, strict=False):
            if result.get("Status") != "SUCCESS":
                continue
            tags = {**default_tags, **_tags(entry.get("ReplacementTags"))}
            for address in (entry.get("Destination") or {}).get("ToAddresses") or []:
                kind = simulated_event(address)
                for topic, types in destinations:
                    if kind is None or kind not in types:
                        continue
                    event = ses_event(
                        kind,
                        source=str(request.get("FromEmailAddress")),
                        address=address,
                        mail_id=str(result["MessageId"]),
                        tags={**tags, "ses:configuration-set": [str(configuration_set)]},
                        account=account,
                        region=region,
                    )
                    _publish(topic, event)
                    with self._lock:
                        self.published.append({"topic": topic, "event": event})


def simulated_event(address: str) -> str | None:
    """The event type the SES mailbox simulator makes of ``address`` (``bounce``, ``complaint``), or None."""
    local, _, domain = address.strip().lower().rpartition("@")
    if domain != SIMULATOR_DOMAIN:
        return None
    return SIMULATED_EVENTS.get(local.split("+", 1)[0])


def _tags(found: Any) -> dict[str, list[str]]:
    """Message tags (``[{Name, Value}]``) as an event's ``mail.tags`` holds them: each name with a list of values."""
    return {str(tag["Name"]): [str(tag["Value"])] for tag in found or [] if isinstance(tag, dict) and "Name" in tag}


def _timestamp() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ses_event(
    kind: str, *, source: str, address: str, mail_id: str, tags: dict[str, list[str]], account: str, region: str
) -> dict[str, Any]:
    """An SES event notification (event publishing format) of a permanent bounce or a complaint, as the mailbox
    simulator makes SES publish it."""
    now = _timestamp()
    domain = source.rpartition("@")[2]
    mail = {
        "timestamp": now,
        "source": source,
        "sourceArn": f"arn:aws:ses:{region}:{account}:identity/{source}",
        "sendingAccountId": account,
        "messageId": mail_id,
        "destination": [address],
        "headersTruncated": False,
        "tags": {
            "ses:operation": ["SendBulkEmail"],
            "ses:source-ip": ["127.0.0.1"],
            "ses:from-domain": [domain],
            "ses:caller-identity": ["local"],
            **tags,
        },
    }
    feedback_id = f"{uuid.uuid4().hex}-000000"
    if kind == "bounce":
        return {
            "eventType": "Bounce",
            "bounce": {
                "feedbackId": feedback_id,
                "bounceType": "Permanent",
                "bounceSubType": "General",
                "bouncedRecipients": [
                    {
                        "emailAddress": address,
                        "action": "failed",
                        "status": "5.1.1",
                        "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                    }
                ],
                "timestamp": now,
                "reportingMTA": f"dns; {SIMULATOR_DOMAIN}",
            },
            "mail": mail,
        }
    return {
        "eventType": "Complaint",
        "complaint": {
            "feedbackId": feedback_id,
            "complainedRecipients": [{"emailAddress": address}],
            "timestamp": now,
            "userAgent": "Amazon SES Mailbox Simulator",
            "complaintFeedbackType": "abuse",
            "arrivalDate": now,
        },
        "mail": mail,
    }


def _publish(topic_arn: str, event: Mapping[str, Any]) -> None:
    """Publish to moto's SNS backend itself: this runs inside the lock that serialises moto's requests, so a
    request to the server would wait for itself."""
    from moto.sns.models import sns_backends

    _, _, _, region, account, _ = topic_arn.split(":", 5)
    sns_backends[account][region].publish(message=json.dumps(event), arn=topic_arn)


class _Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


def _error(start_response: StartResponse, status: int, code: str, message: str) -> list[bytes]:
    body = json.dumps({"message": message}).encode("utf-8")
    reason = {400: "Bad Request", 429: "Too Many Requests"}[status]
    start_response(
        f"{status} {reason}",
        [("Content-Type", "application/json"), ("x-amzn-ErrorType", code), ("Content-Length", str(len(body)))],
    )
    return [body]


def _account_and_region(environ: Mapping[str, Any]) -> tuple[str, str]:
    """Which moto backend the request is for, found as moto finds it (account from the access key, region from
    the signature's credential scope, else the host)."""
    authorization = str(environ.get("HTTP_AUTHORIZATION", ""))
    credential = _CREDENTIAL.search(authorization)
    host = _HOST_REGION.search(str(environ.get("HTTP_HOST", "")))
    region = credential.group(2) if credential else host.group(1) if host else DEFAULT_REGION
    account = os.environ.get("MOTO_ACCOUNT_ID") or str(environ.get("HTTP_X_MOTO_ACCOUNT_ID", ""))
    if not account:
        from moto.iam.models import get_account_id_from

        account = str(get_account_id_from(credential.group(1))) if credential else DEFAULT_ACCOUNT
    return account, region


def _send(request: Mapping[str, Any], account: str, region: str) -> list[dict[str, Any]]:
    from moto.ses.exceptions import SesError
    from moto.ses.models import ses_backends

    source = request.get("FromEmailAddress")
    template = (request.get("DefaultContent") or {}).get("Template") or {}
    content = template.get("TemplateContent")
    entries = request.get("BulkEmailEntries") or []
    if not source:
        raise _Refused("BadRequestException", "FromEmailAddress is required.")
    if not isinstance(content, dict) or not (content.get("Text") or content.get("Html")):
        raise _Refused("BadRequestException", "Only inline TemplateContent (with Text or Html) is played locally.")
    if not entries or len(entries) > MAX_ENTRIES:
        raise _Refused("BadRequestException", f"BulkEmailEntries must hold 1 to {MAX_ENTRIES} entries.")
    backend = ses_backends[account][region]
    if not backend._is_verified_address(source):
        raise _Refused("MessageRejected", f"Email address is not verified. The following identities failed: {source}")
    default_data = _data(template.get("TemplateData"))
    default_headers = [(h["Name"], h["Value"]) for h in template.get("Headers") or []]
    results: list[dict[str, Any]] = []
    for entry in entries:
        to = list((entry.get("Destination") or {}).get("ToAddresses") or [])
        replacement = ((entry.get("ReplacementEmailContent") or {}).get("ReplacementTemplate") or {}).get(
            "ReplacementTemplateData"
        )
        data = _data(replacement) if replacement is not None else default_data
        overrides = [(h["Name"], h["Value"]) for h in entry.get("ReplacementHeaders") or []]
        named = {name.lower() for name, _ in overrides}
        headers = [(n, v) for n, v in default_headers if n.lower() not in named] + overrides
        try:
            raw = _mime(source, to, content, data, headers)
            message = backend.send_raw_email(source=source, destinations=[], raw_data=raw)
        except _MissingVariable as missing:
            results.append({"Status": "FAILED", "Error": f"Attribute '{missing}' is not present in the data."})
        except SesError as error:
            results.append({"Status": "INVALID_PARAMETER", "Error": str(getattr(error, "message", error))})
        else:
            results.append({"Status": "SUCCESS", "MessageId": message.id})
    return results


def _data(document: Any) -> dict[str, Any]:
    if not document:
        return {}
    try:
        data = json.loads(document)
    except ValueError:
        raise _Refused("BadRequestException", "Template data is not JSON.") from None
    if not isinstance(data, dict):
        raise _Refused("BadRequestException", "Template data must be a JSON object.")
    return data


def _mime(
    source: str, to: list[str], content: Mapping[str, str], data: Mapping[str, Any], headers: list[tuple[str, str]]
) -> str:
    """One recipient's email as RFC 5322 text, as SES would build it from the template and their data: 7-bit, as
    :func:`incident_comms.adapters.ses.to_mime` makes team emails (UTF-8 bodies quoted-printable, non-ASCII header
    words RFC 2047 encoded, a sender's display name encoded apart from its address).

    Built with the email package's compat32 classes: three times faster than ``EmailMessage`` here, which matters
    when a test sends 10,000 of them; the parsed result is the same.
    """
    text, html = content.get("Text"), content.get("Html")
    charset = Charset("utf-8")
    charset.body_encoding = QP  # the stock utf-8 charset would make base64 bodies: unreadable on the wire
    parts = []
    for body, subtype in ((text, "plain"), (html, "html")):
        if body:
            part = MIMENonMultipart("text", subtype)
            part.set_payload(render(body, data), charset)
            parts.append(part)
    message: Message = parts[0] if len(parts) == 1 else MIMEMultipart("alternative", _subparts=parts)
    message["From"] = formataddr(parseaddr(source), charset="utf-8")
    message["To"] = ", ".join(to)
    message["Subject"] = Header(render(content.get("Subject", ""), data), "utf-8").encode()
    for name, value in headers:
        message[name] = value
    return message.as_string()


class _OneAtATime:
    """moto's backends are not thread-safe: one request at a time (as the local stack serves moto)."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


@contextmanager
def moto_server_with_bulk_email() -> Iterator[tuple[SesBulkEmail, str]]:
    """A moto server on a free loopback port, fronted by :class:`SesBulkEmail`: yields it and the endpoint URL.

    For tests: it serves the backends of this process, so it shares state with ``mock_aws`` (SES calls pointed at
    the endpoint, everything else mocked in-process), and what it sends is in
    :func:`incident_comms.local.outbox.sent_emails`.
    """
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    bulk = SesBulkEmail(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, _OneAtATime(bulk), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield bulk, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
