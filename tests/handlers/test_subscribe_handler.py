"""The subscribe Lambda handler on moto: the form emails one confirmation link, looking at it adds nobody, posting it
puts the person in the SES contact list with the topics they chose."""

from __future__ import annotations

import re
from types import ModuleType
from typing import Any
from urllib.parse import urlencode, urlsplit

import boto3
import pytest

from incident_comms.composition import Services
from tests.conftest import FakeLambdaContext, load_handler_module
from tests.factories import emitted_metrics, invoke, sent_emails
from tests.forms import FormReader
from tests.handlers.conftest import ComposeServices
from tests.handlers.http_events import api_event

BASE_URL = "https://api.nubeteca.example"
STATUS_ORIGIN = "https://estado.nubeteca.example"
LIST = "subscribers-test"
ANA = "ana@cliente.example"


@pytest.fixture
def deps(compose_services: ComposeServices) -> Services:
    boto3.client("sesv2").create_contact_list(ContactListName=LIST, Description="Customers subscribed")
    return compose_services(approvals_base_url=BASE_URL, contact_list=LIST)


@pytest.fixture(scope="module")
def handler() -> ModuleType:
    return load_handler_module("subscribe")


def http_event(method: str, path: str, body: str | None = None, query: str = "", **headers: str) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event for ``{method} {path}`` on the approvals API."""
    route = "/subscribe/confirm/{token}" if path.startswith("/subscribe/confirm/") else "/subscribe"
    return api_event(method, path, route, body, query, **headers)


def call(handler: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
    return invoke(handler, event, FakeLambdaContext())


def contacts() -> list[dict[str, Any]]:
    return [dict(contact) for contact in boto3.client("sesv2").list_contacts(ContactListName=LIST)["Contacts"]]


def opted_in(email: str) -> set[str]:
    contact = boto3.client("sesv2").get_contact(ContactListName=LIST, EmailAddress=email)
    return {p["TopicName"] for p in contact["TopicPreferences"] if p["SubscriptionStatus"] == "OPT_IN"}


def confirm_path() -> str:
    (email,) = [email for email in sent_emails() if email["to"] == [ANA]]
    (link,) = re.findall(r"https://\S+/subscribe/confirm/\S+", email["text"])
    assert link.startswith(f"{BASE_URL}/subscribe/confirm/")
    return str(urlsplit(link).path)


def test_the_form_page_is_the_apis_own_with_no_script(deps: Services, handler: ModuleType) -> None:
    answer = call(handler, http_event("GET", "/subscribe", query="locale=en"))

    assert answer["statusCode"] == 200
    assert answer["headers"]["Content-Security-Policy"].startswith("default-src 'none'")
    assert len(FormReader(answer["body"]).posting_forms) == 1 and "<script" not in answer["body"]
    assert 'lang="en"' in answer["body"]
    assert sent_emails() == [] and contacts() == []


def test_subscribing_from_the_status_page_takes_a_confirmed_post_and_nothing_else(
    deps: Services, handler: ModuleType, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    form = urlencode({"email": "Ana@Cliente.example", "component": ["api", "storage"], "locale": "es"}, doseq=True)

    asked = call(handler, http_event("POST", "/subscribe", form, origin=STATUS_ORIGIN, sec_fetch_site="cross-site"))

    assert asked["statusCode"] == 200 and "Revise su correo" in asked["body"]
    (email,) = sent_emails()
    assert email["to"] == [ANA] and email["from"] == "incidents@example.com"
    assert contacts() == []
    path = confirm_path()

    for method in ("GET", "HEAD", "GET"):
        looked = call(handler, http_event(method, path))
        assert looked["statusCode"] == 200
    assert contacts() == []

    confirmed = call(handler, http_event("POST", path, "confirm=yes", origin="null", sec_fetch_site="same-origin"))
    again = call(handler, http_event("POST", path, "confirm=yes"))

    assert confirmed["statusCode"] == again["statusCode"] == 200 and confirmed["body"] == again["body"]
    assert [contact["EmailAddress"] for contact in contacts()] == [ANA]
    assert opted_in(ANA) == {"component-api", "component-storage", "audience-customers_es", "locale-es"}
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["SubscriptionConfirmationsSent"] == 1 and metrics["SubscriptionsConfirmed"] == 2
    assert caplog.records and ANA not in caplog.text and "/subscribe/confirm/" not in caplog.text


def test_a_second_request_within_fifteen_minutes_sends_nothing_and_looks_the_same(
    deps: Services, handler: ModuleType, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    form = urlencode({"email": ANA, "component": "api", "locale": "en"})

    first = call(handler, http_event("POST", "/subscribe", form))
    second = call(handler, http_event("POST", "/subscribe", form))

    assert (first["statusCode"], first["body"]) == (second["statusCode"], second["body"])
    assert len(sent_emails()) == 1
    assert emitted_metrics(capsys.readouterr().out)["SubscriptionConfirmationsLimited"] == 1
    (warning,) = [record for record in caplog.records if record.levelname == "WARNING"]
    assert "subscription confirmation limited" in warning.getMessage() and ANA not in caplog.text


def test_a_foreign_site_or_a_bad_form_sends_nothing(deps: Services, handler: ModuleType) -> None:
    good = urlencode({"email": ANA, "component": "api", "locale": "en"})

    foreign = call(handler, http_event("POST", "/subscribe", good, origin="https://evil.example"))
    bad = call(handler, http_event("POST", "/subscribe", urlencode({"email": ANA, "locale": "en"})))
    huge = call(handler, http_event("POST", "/subscribe", good + "&component=api" * 1000))

    assert [foreign["statusCode"], bad["statusCode"], huge["statusCode"]] == [403, 400, 413]
    assert sent_emails() == []
    assert boto3.client("dynamodb").scan(TableName=deps.settings.table_name)["Items"] == []


def test_a_forged_link_is_a_404_that_adds_nobody(deps: Services, handler: ModuleType) -> None:
    for method in ("GET", "POST"):
        assert call(handler, http_event(method, "/subscribe/confirm/abc.def"))["statusCode"] == 404
    assert contacts() == []


def test_the_deployed_status_page_is_the_origin_a_subscription_may_come_from(
    compose_services: ComposeServices, handler: ModuleType
) -> None:
    """The stack's distribution (``STATUS_PAGE_URL``) replaces the plan's address: its form is accepted, the plan's
    example domain no longer is, and the confirmation page links where the page really is."""
    boto3.client("sesv2").create_contact_list(ContactListName=LIST)
    served = "https://d111111abcdef8.cloudfront.net/"
    compose_services(approvals_base_url=BASE_URL, contact_list=LIST, status_page_url=served)
    form = urlencode({"email": ANA, "component": "api", "locale": "en"})

    old = call(handler, http_event("POST", "/subscribe", form, origin=STATUS_ORIGIN, sec_fetch_site="cross-site"))
    new = call(handler, http_event("POST", "/subscribe", form, origin=served.rstrip("/"), sec_fetch_site="cross-site"))

    assert [old["statusCode"], new["statusCode"]] == [403, 200]
    assert served in new["body"] and STATUS_ORIGIN not in new["body"]
    assert len(sent_emails()) == 1
