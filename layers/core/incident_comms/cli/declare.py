"""``incident-comms declare``: declare an incident by hand from a terminal, through ``POST /incidents``.

``--local URL`` posts plain JSON to the local stack (which routes the API without IAM); ``--api URL`` (or
``$INCIDENT_COMMS_API_URL``) signs the request with the caller's AWS credentials (SigV4, service ``execute-api``),
so the deployed API's IAM authoriser knows who declares. The declaration is checked against the plan first
(``--plan``, as every command): bad flags, an unknown component or severity, or an impact missing in a plan locale
exit 2 with one ``error:`` line, and nothing is sent. The stack's answers: 201 prints the incident id (exit 0); 409,
an incident already open there, exits 1 naming it; 400 exits 2 with its reason; anything else exits 1.

Locale texts are flags per plan locale (``--impact-es``, ``--customer-action-en``...), read from the arguments the
command's parser does not know, so any plan's locales work. boto3 and botocore are imported only to sign.

The way to the stack (:func:`add_stack_arguments`, :func:`ask_stack`, :func:`signed_headers`, :func:`send`) and
:func:`locale_texts` serve every command that talks to the stack (``maintenance`` too), so they all sign, refuse and
report alike.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from incident_comms.cli.common import load_plan_or_refuse
from incident_comms.errors import BadInput
from incident_comms.intake.declare import Declaration, DeclaredFrom, declaration_problems

if TYPE_CHECKING:
    from botocore.credentials import Credentials

API_URL_VARIABLE = "INCIDENT_COMMS_API_URL"
TIMEOUT_SECONDS = 30
MAX_ANSWER_BYTES = 1024 * 1024
DECLARE_TEXTS = ("impact", "customer-action")
_LOCALE = r"([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)"
_REGION_IN_HOST = re.compile(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$")


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def add_declare_command(commands: Any) -> None:
    declare = commands.add_parser(
        "declare",
        help="declare an incident by hand (POST /incidents)",
        description="Texts per plan locale: --impact-<locale> TEXT (required in every locale), "
        "--customer-action-<locale> TEXT (optional; every locale or none).",
    )
    declare.add_argument("--component", required=True, help="a plan component id, e.g. api")
    declare.add_argument("--severity", required=True, help="a plan severity id, e.g. SEV2")
    declare.add_argument("--plan", help="plan folder the declaration is checked against (default: ./plan)")
    add_stack_arguments(declare)
    declare.set_defaults(run=_declare, locale_flags=True)


def add_stack_arguments(parser: argparse.ArgumentParser) -> None:
    """``--local URL`` or ``--api URL``, one or the other: every command that talks to the stack offers both."""
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--local", metavar="URL", help="the local stack (incident-comms local): plain JSON, no IAM")
    target.add_argument(
        "--api", metavar="URL", help=f"the approvals API, signed with IAM (default: ${API_URL_VARIABLE})"
    )


def locale_texts(extra: Sequence[str], names: Sequence[str] = DECLARE_TEXTS) -> dict[str, dict[str, str]]:
    """Each of ``names`` (``customer-action`` keyed ``customer_action``) -> locale -> text, from ``--impact-es TEXT``
    (or ``--impact-es=TEXT``) flags, so any plan's locales work without a flag per locale; anything else, a flag given
    twice or one without its text is :class:`BadInput`."""
    text_flag = re.compile(rf"--({'|'.join(map(re.escape, names))})-{_LOCALE}(?:=(.*))?", re.DOTALL)
    texts: dict[str, dict[str, str]] = {name.replace("-", "_"): {} for name in names}
    items = list(extra)
    while items:
        flag = items.pop(0)
        match = text_flag.fullmatch(flag)
        if match is None:
            raise BadInput(f"unrecognized arguments: {flag}")
        name, locale, inline = match.group(1).replace("-", "_"), match.group(2), match.group(3)
        if inline is None:
            if not items or text_flag.fullmatch(items[0]):
                raise BadInput(f"{flag}: expected one argument")
            inline = items.pop(0)
        if locale in texts[name]:
            raise BadInput(f"{flag.split('=', 1)[0]} given twice")
        texts[name][locale] = inline
    return texts


def _declare(args: argparse.Namespace) -> int:
    texts = locale_texts(getattr(args, "extra", []))
    plan = load_plan_or_refuse(args)
    declaration = Declaration(
        component=args.component,
        severity=args.severity,
        impact=texts["impact"],
        customer_action=texts["customer_action"],
        by="cli",
        source=DeclaredFrom.API,
    )
    problems = declaration_problems(plan, declaration)
    if problems:
        raise BadInput("; ".join(_flag_words(str(problem)) for problem in problems))
    body = json.dumps(
        {
            "component": declaration.component,
            "severity": declaration.severity,
            "impact": dict(declaration.impact),
            "customer_action": dict(declaration.customer_action),
        },
        ensure_ascii=False,
    ).encode("utf-8")
    answer = ask_stack(args, "declare", "POST", "incidents", body)
    return 1 if answer is None else _report(answer)


def _flag_words(problem: str) -> str:
    """A problem worded for the command line: ``customer_action`` is ``customer-action`` there."""
    return problem.replace("customer_action", "customer-action")


def ask_stack(args: argparse.Namespace, purpose: str, method: str, path: str, body: bytes | None) -> Answer | None:
    """Send ``method {stack}/{path}`` where the flags say: plain to ``--local``, signed to ``--api`` (or
    ``$INCIDENT_COMMS_API_URL``); nowhere to send is :class:`BadInput` (``purpose`` says what for). None: the stack
    could not be reached, already said on stderr (exit 1: the input may be fine, so not bad input)."""
    if args.local:
        url = api_url(args.local, path)
        headers = {} if body is None else {"Content-Type": "application/json"}
    else:
        api = args.api or os.environ.get(API_URL_VARIABLE, "")
        if not api:
            raise BadInput(f"say where to {purpose}: --local URL or --api URL (or set {API_URL_VARIABLE})")
        url = api_url(api, path)
        headers = signed_headers(url, body, method=method)
    try:
        return send(url, body, headers, method=method)
    except OSError as error:
        reason = getattr(error, "reason", None) or error.strerror or error
        print(error_line(f"cannot reach {url}: {reason}"), file=sys.stderr)
        return None


def api_url(base: str, path: str) -> str:
    """``{base}/{path}``; the base must be an http(s) URL (http only makes sense for the local stack)."""
    parts = urlsplit(base.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadInput(f"{base!r} is not an http(s) URL")
    return f"{base.strip().rstrip('/')}/{path}"


def signed_headers(
    url: str,
    body: bytes | None,
    credentials: Credentials | None = None,
    region: str | None = None,
    *,
    method: str = "POST",
) -> dict[str, str]:
    """The headers of ``method url`` signed with SigV4 for API Gateway (service ``execute-api``): the caller's
    credentials and region from their AWS session unless given (tests give stub credentials: no network). A body of
    None is a request without one (a GET), signed without a content type."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    if credentials is None or region is None:
        import boto3

        session = boto3.session.Session()
        credentials = credentials or session.get_credentials()
        region = region or session.region_name or _region_of(url)
    if credentials is None:
        raise BadInput("no AWS credentials to sign with: configure a profile or set AWS_ACCESS_KEY_ID (or use --local)")
    if not region:
        raise BadInput("no AWS region to sign for: set AWS_REGION or AWS_DEFAULT_REGION")
    headers = {} if body is None else {"Content-Type": "application/json"}
    request = AWSRequest(method=method, url=url, data=body or b"", headers=headers)
    SigV4Auth(credentials, "execute-api", region).add_auth(request)
    return {name: str(value) for name, value in request.headers.items()}


def _region_of(url: str) -> str | None:
    match = _REGION_IN_HOST.search(urlsplit(url).hostname or "")
    return match.group(1) if match else None


def send(url: str, body: bytes | None, headers: Mapping[str, str], *, method: str = "POST") -> Answer:
    """Send ``method url`` (``body`` None: none, as a GET) and read the JSON answer, whatever its status; an
    unreachable URL is :class:`OSError`. An answer that is not a JSON object reads as ``{}``."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method=method)  # noqa: S310 - http(s) only
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - checked above
            status, raw = response.status, response.read(MAX_ANSWER_BYTES)
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read(MAX_ANSWER_BYTES)
    try:
        parsed = json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeError, ValueError):
        parsed = {}
    return Answer(status, parsed if isinstance(parsed, dict) else {})


def _report(answer: Answer) -> int:
    body = answer.body
    if answer.status == 201 and body.get("incident_id"):
        print(body["incident_id"])
        return 0
    reason = str(body.get("error") or body.get("message") or "no reason given")
    if answer.status == 400:
        raise BadInput(f"the stack refused the declaration: {reason}")
    if answer.status == 409:
        print(error_line(f"{reason} (open incident: {body.get('incident_id', '?')})"), file=sys.stderr)
    else:
        print(error_line(f"the stack answered {answer.status}: {reason}"), file=sys.stderr)
    return 1


def error_line(text: str) -> str:
    """One ``error:`` line, as :func:`~incident_comms.cli.main.main` prints bad input, for the errors that exit 1."""
    return f"error: {' '.join(text.split())[:500]}"
