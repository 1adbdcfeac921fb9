"""The declare function on moto: the declare page of a personal link (looking declares nothing; a POST of its own
button by a person who may declare opens the incident and sends them to its console) and ``POST /incidents``."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import timedelta
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import pytest

from incident_comms.composition import Services
from incident_comms.incidents.models import TimelineKind
from incident_comms.team.console_links import DECLARE_LINK_LIFETIME, console_url, declare_token, link_fingerprint
from tests.conftest import FakeLambdaContext, load_handler_module
from tests.factories import emitted_metrics, invoke, sent_emails, stored_incidents
from tests.handlers.conftest import STARTED, ComposeServices
from tests.handlers.test_approvals_handler import API_HOST, BROWSER, EXPECTED_HEADERS

CONFIGURED_BASE_URL = "https://approvals.nubeteca.example"
MARTA = "marta.ibanez@nubeteca.example"  # communications_lead: may declare
DIEGO = "diego.ferrer@nubeteca.example"  # technical_lead: may not
CALLER = "arn:aws:iam::123456789012:user/lucia"
FORM = {
    "component": "api",
    "severity": "SEV2",
    "impact_es": "Algunos clientes no pueden iniciar sesión.",
    "impact_en": "Some customers cannot sign in.",
    "customer_action_es": "",
    "customer_action_en": "",
    "confirm": "yes",
}
DECLARATION = {
    "component": "api",
    "severity": "SEV2",
    "impact": {"es": FORM["impact_es"], "en": FORM["impact_en"]},
    "customer_action": {"es": "Reintente en unos minutos.", "en": "Try again in a few minutes."},
}


@pytest.fixture
def deps(compose_services: ComposeServices) -> Services:
    return compose_services(approvals_base_url=CONFIGURED_BASE_URL)


@pytest.fixture(scope="module")
def handler() -> ModuleType:
    return load_handler_module("declare")


def token_of(deps: Services, recipient: str = MARTA, issued_at: Any = STARTED) -> str:
    return declare_token(deps.approval_key, recipient, issued_at)


def http_event(
    method: str,
    path: str,
    body: str | None = None,
    *,
    authorizer: dict[str, Any] | None = None,
    route: str | None = None,
    **headers: str,
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event, as a browser (or the signed CLI) sends it; ``route`` is the
    template's path (``/declare/{token}`` for a declare page unless given)."""
    sent = {"host": API_HOST, "user-agent": BROWSER, **{key.replace("_", "-"): value for key, value in headers.items()}}
    route = route or ("/declare/{token}" if path.startswith("/declare/") else path)
    context: dict[str, Any] = {
        "accountId": "123456789012",
        "apiId": "a1b2c3d4e5",
        "domainName": API_HOST,
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": "203.0.113.7",
            "userAgent": BROWSER,
        },
        "requestId": "Jx1QkgOtjoEEPdw=",
        "routeKey": f"{method} {route}",
        "stage": "$default",
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    return {
        "version": "2.0",
        "routeKey": f"{method} {route}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": sent,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": False,
    }


def call(handler: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
    return invoke(handler, event, FakeLambdaContext())


def post_form(handler: ModuleType, token: str, fields: dict[str, str], **headers: str) -> dict[str, Any]:
    headers.setdefault("content_type", "application/x-www-form-urlencoded")
    return call(handler, http_event("POST", f"/declare/{token}", urlencode(fields), **headers))


def post_json(handler: ModuleType, body: Any, *, caller: str | None = CALLER) -> dict[str, Any]:
    authorizer = {"iam": {"userArn": caller, "accountId": "123456789012"}} if caller else None
    text = body if isinstance(body, str) else json.dumps(body)
    return call(handler, http_event("POST", "/incidents", text, authorizer=authorizer, content_type="application/json"))


def nothing_happened(deps: Services) -> bool:
    return deps.store.list_incidents() == [] and sent_emails() == []


# --- the page ---------------------------------------------------------------------------------------------------


def test_looking_shows_the_form_and_declares_nothing(deps: Services, handler: ModuleType) -> None:
    token = token_of(deps)

    page = call(handler, http_event("GET", f"/declare/{token}"))
    head = call(handler, http_event("HEAD", f"/declare/{token}"))

    assert page["statusCode"] == head["statusCode"] == 200
    assert page["headers"] == EXPECTED_HEADERS and head["body"] == ""
    body = page["body"]
    assert '<option value="api">' in body and '<option value="SEV1">' in body
    assert 'name="impact_es"' in body and 'name="customer_action_en"' in body
    assert 'name="confirm" value="yes"' in body and "<script" not in body
    assert f'href="{token}/maintenance"' in body, "planned work has its own form, a link away"
    assert nothing_happened(deps)


@pytest.mark.parametrize(
    ("token", "status"),
    [("forged.token", 404), ("expired", 410), ("not-a-declarer", 403)],
)
def test_a_link_that_cannot_declare_is_refused_on_sight_and_on_post(
    deps: Services, handler: ModuleType, token: str, status: int
) -> None:
    if token == "expired":
        token = token_of(deps, issued_at=STARTED - DECLARE_LINK_LIFETIME - timedelta(seconds=1))
    elif token == "not-a-declarer":
        token = token_of(deps, DIEGO)

    shown = call(handler, http_event("GET", f"/declare/{token}"))
    posted = post_form(handler, token, FORM)

    assert shown["statusCode"] == posted["statusCode"] == status
    assert 'name="component"' not in posted["body"]
    assert nothing_happened(deps)


def test_declaring_opens_the_incident_and_sends_the_declarer_to_its_console(
    deps: Services, handler: ModuleType
) -> None:
    response = post_form(handler, token_of(deps), FORM)

    assert response["statusCode"] == 303
    (incident,) = stored_incidents(deps.store)
    expected = console_url(CONFIGURED_BASE_URL, deps.approval_key, incident.id, MARTA, incident.opened_at)
    assert response["headers"]["Location"] == expected
    assert (incident.component_id, incident.severity_id, incident.opened_at) == ("api", "SEV2", STARTED)
    opened = deps.store.timeline(incident.id)[0]
    assert opened.kind == TimelineKind.OPENED and f"declared by {MARTA} (from declare page)" in opened.text
    subjects = [email["subject"] for email in sent_emails()]
    assert any(subject.endswith("— aprobación necesaria") for subject in subjects)
    assert len(subjects) > 2, "approval requests and engagement emails"


def test_a_cross_site_post_is_refused(deps: Services, handler: ModuleType) -> None:
    response = post_form(handler, token_of(deps), FORM, sec_fetch_site="cross-site")

    assert response["statusCode"] == 403
    assert nothing_happened(deps)


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"impact_en": ""}, "escríbalo en todos los idiomas (falta: en)"),
        ({"confirm": "no"}, "Pulse el botón"),
        ({"severity": "SEV9"}, "Severidad: elija una de la lista."),
        ({"surprise": "1"}, "un campo que no es de esta página"),
    ],
)
def test_a_bad_form_says_what_to_correct_and_writes_nothing(
    deps: Services, handler: ModuleType, changes: dict[str, str], said: str
) -> None:
    response = post_form(handler, token_of(deps), {**FORM, **changes})

    assert response["statusCode"] == 400
    assert said in response["body"] and 'name="component"' in response["body"]
    assert nothing_happened(deps)


def test_a_bad_form_keeps_what_was_typed(deps: Services, handler: ModuleType) -> None:
    response = post_form(handler, token_of(deps), {**FORM, "impact_en": "", "impact_es": "Va <lento>"})

    assert "Va &lt;lento&gt;</textarea>" in response["body"]
    assert '<option value="SEV2" selected>' in response["body"]


def test_a_component_with_an_open_incident_answers_409_with_its_console(deps: Services, handler: ModuleType) -> None:
    post_form(handler, token_of(deps), FORM)
    (incident,) = stored_incidents(deps.store)
    sent = len(sent_emails())

    response = post_form(handler, token_of(deps), {**FORM, "severity": "SEV1"})

    assert response["statusCode"] == 409
    link = console_url(CONFIGURED_BASE_URL, deps.approval_key, incident.id, MARTA, incident.opened_at)
    assert f'href="{link}"' in response["body"] and incident.id in response["body"]
    assert len(deps.store.list_incidents()) == 1 and len(sent_emails()) == sent


@pytest.fixture
def log_lines(handler: ModuleType) -> Iterator[io.StringIO]:
    """Every line the handler's Powertools logger writes (it keeps the stdout it saw at import, out of capsys)."""
    stream = io.StringIO()
    previous = handler.logger.registered_handler.setStream(stream)
    yield stream
    handler.logger.registered_handler.setStream(previous)


def test_logs_carry_the_links_fingerprint_never_the_link_and_refusals_are_counted(
    deps: Services, handler: ModuleType, log_lines: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    refused, allowed = token_of(deps, DIEGO), token_of(deps)

    post_form(handler, refused, FORM)
    call(handler, http_event("GET", f"/declare/{allowed}"))
    post_form(handler, allowed, FORM)

    captured = capsys.readouterr()
    logged = log_lines.getvalue() + captured.out + captured.err
    records = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    assert [record["message"] for record in records] == [
        "declare request refused",
        "declare page shown",
        "incident declared",
    ]
    assert records[0]["reason"] == "not_allowed" and records[2]["incident_id"]
    for token in (refused, allowed):
        payload, signature = token.split(".")
        assert payload not in logged and signature not in logged
        assert link_fingerprint(token) in logged
    metrics = emitted_metrics(captured.out)
    assert metrics["DeclareRefused"] == 1 and metrics["DeclareRefusedNotAllowed"] == 1
    assert metrics["DeclarePagesShown"] == 1 and metrics["IncidentsDeclared"] == 1


# --- POST /incidents ----------------------------------------------------------------------------------------------


def test_json_declares_as_the_iam_caller(deps: Services, handler: ModuleType) -> None:
    response = post_json(handler, DECLARATION)

    assert response["statusCode"] == 201
    assert response["headers"]["Content-Type"].startswith("application/json")
    body = json.loads(response["body"])
    (incident,) = stored_incidents(deps.store)
    assert body == {"incident_id": incident.id, "component": "api", "severity": "SEV2"}
    assert incident.facts.customer_action == DECLARATION["customer_action"]
    opened = deps.store.timeline(incident.id)[0]
    assert f"declared by {CALLER} (from incidents API)" in opened.text


def test_json_without_an_iam_caller_is_the_local_stacks(deps: Services, handler: ModuleType) -> None:
    response = post_json(handler, DECLARATION, caller=None)

    assert response["statusCode"] == 201
    (incident,) = stored_incidents(deps.store)
    assert "declared by local (from incidents API)" in deps.store.timeline(incident.id)[0].text


def test_json_on_a_component_with_an_open_incident_is_409_naming_it(deps: Services, handler: ModuleType) -> None:
    first = json.loads(post_json(handler, DECLARATION)["body"])

    response = post_json(handler, {**DECLARATION, "severity": "SEV1"})

    assert response["statusCode"] == 409
    body = json.loads(response["body"])
    assert body["incident_id"] == first["incident_id"] and "already open" in body["error"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("not json", "the body is not JSON in UTF-8"),
        ([1, 2], "the body must be a JSON object"),
        ({**DECLARATION, "colour": "red"}, "unknown fields: colour"),
        ({**DECLARATION, "severity": 2}, "severity must be a string"),
        ({**DECLARATION, "impact": "down"}, "impact must be an object of locale -> text"),
        ({**DECLARATION, "impact": {"es": "Caído."}}, "impact: say it in every locale (missing: en)"),
        ({**DECLARATION, "component": "coffee"}, "component: 'coffee' is not one of"),
    ],
)
def test_bad_json_is_400_with_the_reason_and_writes_nothing(
    deps: Services, handler: ModuleType, body: Any, error: str
) -> None:
    response = post_json(handler, body)

    assert response["statusCode"] == 400
    assert json.loads(response["body"])["error"].startswith(error)
    assert nothing_happened(deps)
