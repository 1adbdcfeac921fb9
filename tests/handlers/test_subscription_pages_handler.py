"""A subscriber's own pages on moto, through the unsubscribe and subscribe Lambda handlers: the unsubscribe page in
the subscriber's language naming the address, the undo (once), and the manage page (GET shows, POST changes); forged,
expired, cross-site and bad requests change nothing."""

from __future__ import annotations

import re
from types import ModuleType
from typing import Any
from urllib.parse import urlencode, urlsplit

import boto3
import pytest

from incident_comms.composition import Services
from incident_comms.subscribers.links import MANAGE_LINK_VALIDITY, UNDO_VALIDITY, manage_token
from incident_comms.subscribers.models import Subscriber
from incident_comms.subscribers.tokens import unsubscribe_token
from tests.conftest import APPROVAL_KEY, FakeLambdaContext, load_handler_module
from tests.factories import emitted_metrics, invoke
from tests.faults import FOR_GOOD, Faults
from tests.forms import FormReader
from tests.handlers.conftest import ComposeServices
from tests.handlers.http_events import api_event

BASE_URL = "https://api.nubeteca.example"
LIST = "subscribers-test"
KEY = APPROVAL_KEY.encode()
BOB = Subscriber(email="bob@client.example", components=("api", "web"), locale="en", audience="customers_intl")
SAME_SITE = {"origin": "null", "sec_fetch_site": "same-origin"}


@pytest.fixture
def deps(compose_services: ComposeServices) -> Services:
    boto3.client("sesv2").create_contact_list(ContactListName=LIST, Description="Customers subscribed")
    services = compose_services(approvals_base_url=BASE_URL, contact_list=LIST)
    services.subscribers.add(BOB)
    return services


@pytest.fixture(scope="module")
def unsubscribe() -> ModuleType:
    return load_handler_module("unsubscribe")


@pytest.fixture(scope="module")
def subscribe() -> ModuleType:
    return load_handler_module("subscribe")


def http_event(method: str, path: str, body: str | None = None, **headers: str) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event for ``{method} {path}``, ``path`` ending in the token."""
    return api_event(method, path, f"{path.rpartition('/')[0]}/{{token}}", body, **headers)


def call(handler: ModuleType, method: str, path: str, body: str | None = None, **headers: str) -> dict[str, Any]:
    return invoke(handler, http_event(method, path, body, **headers), FakeLambdaContext())


def contact(email: str = BOB.email) -> tuple[set[str], bool]:
    """The topics ``email`` is opted in to, and whether it unsubscribed, as the contact list holds them."""
    found = boto3.client("sesv2").get_contact(ContactListName=LIST, EmailAddress=email)
    topics = {p["TopicName"] for p in found["TopicPreferences"] if p["SubscriptionStatus"] == "OPT_IN"}
    return topics, bool(found.get("UnsubscribeAll"))


BOB_TOPICS = {"component-api", "component-web", "audience-customers_intl", "locale-en"}
UNSUBSCRIBE_PATH = f"/unsubscribe/{unsubscribe_token(BOB.email, KEY)}"


def manage_path(deps: Services) -> str:
    return f"/subscribe/manage/{manage_token(BOB.email, KEY, deps.clock.now())}"


def unsubscribed_with_undo(unsubscribe: ModuleType) -> str:
    """POST the unsubscribe link; answers the path of the undo form the page offers."""
    done = call(unsubscribe, "POST", UNSUBSCRIBE_PATH, "List-Unsubscribe=One-Click")
    assert done["statusCode"] == 200 and contact()[1]
    (form,) = FormReader(done["body"]).posting_forms
    return urlsplit(form["action"]).path


# --- unsubscribe and undo ----------------------------------------------------------------------------------------


def test_an_english_subscriber_sees_their_address_in_english_and_looking_changes_nothing(
    deps: Services, unsubscribe: ModuleType
) -> None:
    looked = [call(unsubscribe, method, UNSUBSCRIBE_PATH) for method in ("GET", "HEAD", "GET")]

    assert [answer["statusCode"] for answer in looked] == [200, 200, 200]
    page = looked[0]["body"]
    assert 'lang="en"' in page and "Stop incident emails" in page and BOB.email in page
    assert contact() == (BOB_TOPICS, False)


def test_the_one_click_post_unsubscribes_and_the_undo_gives_back_the_same_subscription_once(
    deps: Services, unsubscribe: ModuleType, subscribe: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    one_click = call(unsubscribe, "POST", UNSUBSCRIBE_PATH, "List-Unsubscribe=One-Click")  # a mail provider's POST
    assert one_click["statusCode"] == 200 and "You are unsubscribed" in one_click["body"]
    assert BOB.email in one_click["body"] and contact()[1]
    undo = urlsplit(FormReader(one_click["body"]).posting_forms[0]["action"]).path
    assert undo.startswith("/subscribe/undo/")

    shown = call(subscribe, "GET", undo)
    assert shown["statusCode"] == 200 and contact()[1], "looking at the undo changes nothing"

    undone = call(subscribe, "POST", undo, "undo=yes", **SAME_SITE)
    assert undone["statusCode"] == 200 and "You are subscribed again" in undone["body"]
    assert contact() == (BOB_TOPICS, False)

    later_undo = unsubscribed_with_undo(unsubscribe)  # at the same instant: the pinned clock has not moved
    again = call(subscribe, "POST", undo, "undo=yes", **SAME_SITE)
    assert again["statusCode"] == 409 and "Already undone" in again["body"]
    assert contact()[1], "an old undo never undoes a later unsubscribe"
    assert call(subscribe, "POST", later_undo, "undo=yes", **SAME_SITE)["statusCode"] == 200, "the later one's does"
    assert contact() == (BOB_TOPICS, False)
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["Unsubscribed"] == 2 and metrics["UnsubscribesUndone"] == 2


def test_a_cross_site_forged_or_expired_undo_changes_nothing(
    deps: Services, unsubscribe: ModuleType, subscribe: ModuleType
) -> None:
    undo = unsubscribed_with_undo(unsubscribe)
    payload, signature = undo.rsplit("/", 1)[1].split(".")

    foreign = call(subscribe, "POST", undo, "undo=yes", origin="https://evil.example", sec_fetch_site="cross-site")
    forged = call(subscribe, "POST", f"/subscribe/undo/{payload}.{signature[::-1]}", "undo=yes", **SAME_SITE)
    deps.clock.advance(UNDO_VALIDITY)  # type: ignore[attr-defined]
    expired = call(subscribe, "POST", undo, "undo=yes", **SAME_SITE)

    assert [foreign["statusCode"], forged["statusCode"], expired["statusCode"]] == [403, 404, 410]
    assert contact()[1]


@pytest.mark.usefixtures("no_retry_waits")
def test_a_lost_answer_to_the_unsubscribe_still_unsubscribes_once(deps: Services, unsubscribe: ModuleType) -> None:
    faults = Faults(deps.sesv2_lists).lose_answer("UpdateContact")

    done = call(unsubscribe, "POST", UNSUBSCRIBE_PATH, "List-Unsubscribe=One-Click")

    assert done["statusCode"] == 200 and contact() == (BOB_TOPICS, True)
    assert faults.committed["UpdateContact"] == 2, "the SDK sent the unsubscribe again; it sets the same state"


@pytest.mark.usefixtures("no_retry_waits")
def test_ses_throttling_for_good_is_a_503_that_changes_nothing_and_gives_the_undo_back(
    deps: Services, unsubscribe: ModuleType, subscribe: ModuleType
) -> None:
    faults = Faults(deps.sesv2_lists).refuse("UpdateContact", FOR_GOOD)
    refused = call(unsubscribe, "POST", UNSUBSCRIBE_PATH, "List-Unsubscribe=One-Click")
    assert refused["statusCode"] == 503 and 'lang="en"' in refused["body"] and BOB.email not in refused["body"]
    assert contact() == (BOB_TOPICS, False)
    faults.clear()
    undo = unsubscribed_with_undo(unsubscribe)

    faults.refuse("UpdateContact", FOR_GOOD)
    throttled = call(subscribe, "POST", undo, "undo=yes", **SAME_SITE)
    assert throttled["statusCode"] == 503 and contact()[1]
    faults.clear()

    assert call(subscribe, "POST", undo, "undo=yes", **SAME_SITE)["statusCode"] == 200, "the link was given back"
    assert contact() == (BOB_TOPICS, False)


@pytest.mark.usefixtures("no_retry_waits")
def test_a_page_whose_language_ses_will_not_tell_still_shows_in_the_plans_language(
    deps: Services, unsubscribe: ModuleType
) -> None:
    Faults(deps.sesv2_lists).refuse("GetContact", FOR_GOOD)

    looked = call(unsubscribe, "GET", UNSUBSCRIBE_PATH)

    assert looked["statusCode"] == 200 and 'lang="es"' in looked["body"] and BOB.email in looked["body"]


# --- manage ------------------------------------------------------------------------------------------------------


def test_the_manage_page_shows_the_subscription_and_looking_changes_nothing(
    deps: Services, subscribe: ModuleType
) -> None:
    path = manage_path(deps)

    looked = [call(subscribe, method, path) for method in ("GET", "HEAD")]

    assert [answer["statusCode"] for answer in looked] == [200, 200]
    page = looked[0]["body"]
    assert 'lang="en"' in page and BOB.email in page and "Your subscription" in page
    assert re.findall(r'name="component" value="(\w+)" checked', page) == ["api", "web"]
    assert re.findall(r'<option value="(\w+)" selected>', page) == ["en"]
    assert len(re.findall(r'name="component"', page)) == len(deps.plan.definition.components)
    assert contact() == (BOB_TOPICS, False)


def test_posting_the_manage_form_replaces_components_and_language(deps: Services, subscribe: ModuleType) -> None:
    form = urlencode({"component": ["storage"], "locale": "es"}, doseq=True)

    changed = call(subscribe, "POST", manage_path(deps), form, **SAME_SITE)

    assert changed["statusCode"] == 200 and 'lang="es"' in changed["body"] and "Cambios guardados" in changed["body"]
    assert contact() == ({"component-storage", "audience-customers_es", "locale-es"}, False)


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        ({"locale": "en"}, "Choose at least one service."),
        ({"component": "nope", "locale": "en"}, "One of the chosen services does not exist."),
        ({"component": "api", "locale": "fr"}, "Choose one of the listed languages."),
        ({"component": "api", "locale": "en", "email": "eve@evil.example"}, "The form has a field we do not expect."),
    ],
)
def test_a_bad_manage_form_is_a_400_with_the_reason_and_changes_nothing(
    deps: Services, subscribe: ModuleType, form: dict[str, str], reason: str
) -> None:
    refused = call(subscribe, "POST", manage_path(deps), urlencode(form), **SAME_SITE)

    assert refused["statusCode"] == 400 and reason in refused["body"] and 'lang="en"' in refused["body"]
    assert contact() == (BOB_TOPICS, False)


def test_a_cross_site_forged_or_expired_manage_post_changes_nothing(deps: Services, subscribe: ModuleType) -> None:
    form = urlencode({"component": "storage", "locale": "es"})
    path = manage_path(deps)
    forged = f"/subscribe/manage/{manage_token(BOB.email, b'z' * 64, deps.clock.now())}"

    foreign = call(subscribe, "POST", path, form, origin="https://evil.example", sec_fetch_site="cross-site")
    fake = [call(subscribe, method, forged, form if method == "POST" else None) for method in ("GET", "POST")]
    deps.clock.advance(MANAGE_LINK_VALIDITY)  # type: ignore[attr-defined]
    expired = [call(subscribe, method, path, form if method == "POST" else None) for method in ("GET", "POST")]

    assert foreign["statusCode"] == 403
    assert [answer["statusCode"] for answer in fake] == [404, 404]
    assert [answer["statusCode"] for answer in expired] == [410, 410]
    assert contact() == (BOB_TOPICS, False)


def test_the_manage_link_of_an_unsubscribed_address_subscribes_nobody(
    deps: Services, unsubscribe: ModuleType, subscribe: ModuleType
) -> None:
    unsubscribed_with_undo(unsubscribe)

    shown = call(subscribe, "GET", manage_path(deps))
    posted = call(subscribe, "POST", manage_path(deps), urlencode({"component": "api", "locale": "en"}), **SAME_SITE)

    assert [shown["statusCode"], posted["statusCode"]] == [409, 409]
    assert contact() == (BOB_TOPICS, True)


@pytest.mark.usefixtures("no_retry_waits")
def test_the_undo_ledgers_lost_answer_still_undoes_once_and_a_refused_one_changes_nothing(
    deps: Services, unsubscribe: ModuleType, subscribe: ModuleType
) -> None:
    faults = Faults(deps.dynamodb).lose_answer("PutItem")
    undo = unsubscribed_with_undo(unsubscribe)
    undone = call(subscribe, "POST", undo, "undo=yes", **SAME_SITE)
    assert undone["statusCode"] == 200 and "You are subscribed again" in undone["body"]
    assert faults.injected["PutItem"] == 1 and contact() == (BOB_TOPICS, False)
    assert call(subscribe, "POST", undo, "undo=yes", **SAME_SITE)["statusCode"] == 409

    later = unsubscribed_with_undo(unsubscribe)
    faults.refuse("PutItem", FOR_GOOD)
    refused = call(subscribe, "POST", later, "undo=yes", **SAME_SITE)
    assert refused["statusCode"] == 503 and contact()[1], "the ledger refused: nothing spent, nothing changed"
    faults.clear()
    assert call(subscribe, "POST", later, "undo=yes", **SAME_SITE)["statusCode"] == 200
    assert contact() == (BOB_TOPICS, False)
