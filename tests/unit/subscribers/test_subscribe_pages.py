"""The subscribe pages: the form only emails a confirmation, looking at a link never subscribes, nothing reveals who
is on the list, bad or foreign posts send nothing, and one address gets one confirmation per 15 minutes."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from incident_comms.plan.models import Plan
from incident_comms.subscribers.directory import Added
from incident_comms.subscribers.models import Subscriber, new_subscriber
from incident_comms.subscribers.subscribe import (
    CONFIRMATION_INTERVAL,
    MAX_SUBSCRIBE_FORM_BYTES,
    confirm_subscription,
    record_subscribe_page,
    request_subscription,
    show_confirmation,
    show_form,
)
from incident_comms.subscribers.subscribe_pages import SubscribeOutcome
from incident_comms.subscribers.subscribe_texts import SubscribeRefusal, subscribe_texts
from incident_comms.subscribers.tokens import confirmation_token, unsubscribe_token, verify_confirmation_token
from incident_comms.team.emails import Email
from incident_comms.web import HttpRequest
from tests.factories import RecordingSender
from tests.forms import FormReader

KEY = b"k" * 64
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
BASE_URL = "https://api.nubeteca.example"
API_HOST = "api.nubeteca.example"
STATUS_ORIGIN = "https://estado.nubeteca.example"  # the plan's organisation.status_page_url
ANA = "ana@cliente.example"


class MemoryLimiter:
    """The limiter's contract in memory: one claim per address per interval; release gives it back."""

    def __init__(self, interval: timedelta = CONFIRMATION_INTERVAL) -> None:
        self.interval = interval
        self.sent_at: dict[str, datetime] = {}
        self.claims = 0
        self.admitted: list[str | None] = []
        self.budget = 10**6

    def claim(self, email: str, now: datetime) -> bool:
        self.claims += 1
        last = self.sent_at.get(email)
        if last is not None and now < last + self.interval:
            return False
        self.sent_at[email] = now
        return True

    def release(self, email: str, now: datetime) -> None:
        if self.sent_at.get(email) == now:
            del self.sent_at[email]

    def admit(self, client: str | None, now: datetime) -> bool:
        self.admitted.append(client)
        return len(self.admitted) <= self.budget


class FailingSender:
    def send(self, email: Email) -> str:
        raise RuntimeError(f"MessageRejected: Email address is not verified: {email.to[0]}")


class Directory:
    """Only what the pages may call: ``add``; records every call."""

    def __init__(self) -> None:
        self.added: list[tuple[Subscriber, bool]] = []

    def add(self, subscriber: Subscriber, *, resubscribe: bool = False) -> Added:
        self.added.append((subscriber, resubscribe))
        return Added.ADDED if len(self.added) == 1 else Added.UPDATED


def post(fields: dict[str, Any] | str, **headers: str) -> HttpRequest:
    body = fields if isinstance(fields, str) else urlencode(fields, doseq=True)
    sent = {"host": API_HOST, "content-type": "application/x-www-form-urlencoded"}
    sent.update({name.replace("_", "-").lower(): value for name, value in headers.items()})
    return HttpRequest(headers=sent, body=body, domain_name=API_HOST, raw_path="/subscribe")


def ask(
    request: HttpRequest,
    plan: Plan,
    sender: Any = None,
    limiter: MemoryLimiter | None = None,
    now: datetime = NOW,
) -> Any:
    return request_subscription(
        request,
        plan,
        sender if sender is not None else RecordingSender(),
        limiter if limiter is not None else MemoryLimiter(),
        KEY,
        BASE_URL,
        now,
    )


GOOD = {"email": "Ana@Cliente.example", "component": ["api", "web"], "locale": "en"}


# --- the form ---------------------------------------------------------------------------------------------------


def test_the_form_has_the_email_every_component_as_a_checkbox_and_the_plans_locales(plan: Plan) -> None:
    page = show_form(plan)

    form = FormReader(page.html)
    assert page.status == 200 and page.outcome == SubscribeOutcome.FORM_SHOWN
    assert len(form.posting_forms) == 1 and form.posting_forms[0]["action"] == ""
    checkboxes = re.findall(r'<input type="checkbox" name="component" value="([^"]+)"', page.html)
    assert checkboxes == [component.id for component in plan.definition.components]
    assert re.findall(r'<option value="([^"]+)"', page.html) == plan.definition.locales
    assert 'type="email" id="email" name="email"' in page.html
    assert "<script" not in page.html
    assert 'lang="es"' in page.html and "Suscribirme" in page.html


def test_the_form_speaks_the_asked_locale_and_ignores_one_the_plan_lacks(plan: Plan) -> None:
    english = show_form(plan, "en")
    unknown = show_form(plan, "xx")

    assert 'lang="en"' in english.html and "Public API" in english.html and "Subscribe" in english.html
    assert '<option value="en" selected>' in english.html
    assert unknown.html == show_form(plan).html


def test_a_locale_without_words_of_its_own_falls_back_to_the_plans_main_locale(plan: Plan) -> None:
    assert subscribe_texts(plan, "pt") is subscribe_texts(plan, "es")
    assert subscribe_texts(plan, "en-GB") is subscribe_texts(plan, "en")


# --- requesting -------------------------------------------------------------------------------------------------


def test_a_good_request_only_emails_a_confirmation_link_in_the_chosen_locale(plan: Plan) -> None:
    sender = RecordingSender()

    page = ask(post(GOOD, origin=STATUS_ORIGIN), plan, sender)

    assert page.status == 200 and page.outcome == SubscribeOutcome.CONFIRMATION_SENT
    assert "Check your inbox" in page.html and ANA not in page.html
    (email,) = sender.sent
    assert email.to == [ANA]
    assert email.subject == "Confirm your subscription to Nubeteca's incident emails"
    assert "- Public API\n- Web app\n" in email.text and "<li>Web app</li>" in email.html
    (link,) = re.findall(r"https://api\.nubeteca\.example/subscribe/confirm/(\S+)", email.text)
    assert f'href="{BASE_URL}/subscribe/confirm/{link}"' in email.html
    assert verify_confirmation_token(link, KEY, NOW) == new_subscriber(plan, ANA, ["api", "web"], "en")
    assert "48" in email.text


def test_the_status_pages_hidden_locale_decides_the_language_and_the_audience(plan: Plan) -> None:
    sender = RecordingSender()

    ask(post({**GOOD, "locale": "es"}, origin=STATUS_ORIGIN), plan, sender)

    (email,) = sender.sent
    assert email.subject.startswith("Confirme su suscripción")
    (link,) = re.findall(r"/subscribe/confirm/(\S+)", email.text)
    subscriber = verify_confirmation_token(link, KEY, NOW)
    assert (subscriber.locale, subscriber.audience) == ("es", "customers_es")


@pytest.mark.parametrize(
    ("fields", "problem", "words"),
    [
        ({**GOOD, "email": "not an address"}, "email_invalid", "Enter a valid email address."),
        ({**GOOD, "email": "ana@cliente.example\r\nBcc: all@x.example"}, "email_invalid", "valid email"),
        ({"email": ANA, "locale": "en"}, "no_component", "Choose at least one service."),
        ({**GOOD, "component": ["api", "mainframe"]}, "unknown_component", "does not exist"),
        ({**GOOD, "locale": "fr"}, "unknown_locale", "Elija uno de los idiomas"),  # in the main locale
        ({**GOOD, "admin": "yes"}, "unknown_field", "a field we do not expect"),
        ({**GOOD, "email": [ANA, "eve@evil.example"]}, "repeated_field", "repeats a field"),
    ],
)
def test_bad_input_gets_a_400_naming_the_problem_and_sends_nothing(
    plan: Plan, fields: dict[str, Any], problem: str, words: str
) -> None:
    sender, limiter = RecordingSender(), MemoryLimiter()

    page = ask(post(fields), plan, sender, limiter)

    assert page.status == 400 and page.refusal == SubscribeRefusal.BAD_FORM and page.reason == problem
    assert words in page.html
    assert sender.sent == [] and limiter.claims == 0
    assert len(FormReader(page.html).posting_forms) == 1  # the form again, to correct


def test_a_bad_form_comes_back_with_what_was_typed_escaped(plan: Plan) -> None:
    page = ask(post({"email": '"><script>alert(1)</script>', "component": ["web"], "locale": "en"}), plan)

    assert page.status == 400
    assert "<script>" not in page.html and "&lt;script&gt;" in page.html
    assert '<input type="checkbox" name="component" value="web" checked>' in page.html


def test_a_locale_no_customer_email_channel_is_in_is_refused_by_the_plans_check(plan: Plan) -> None:
    channels = [c for c in plan.channels.channels if not (c.kind == "email" and c.locale == "en")]
    no_english = plan.model_copy(update={"channels": plan.channels.model_copy(update={"channels": channels})})
    sender = RecordingSender()

    page = ask(post(GOOD), no_english, sender)

    assert page.status == 400 and page.reason == "not_offered" and sender.sent == []


@pytest.mark.parametrize(
    ("body", "headers", "reason"),
    [
        (urlencode(GOOD, doseq=True), {"content_type": "application/json"}, "encoding"),
        ("email=%ff%fe", {}, "unreadable"),
    ],
)
def test_a_body_that_is_no_web_form_is_a_400(plan: Plan, body: str, headers: dict[str, str], reason: str) -> None:
    sender = RecordingSender()

    page = ask(post(body, **headers), plan, sender)

    assert page.status == 400 and page.reason == reason and sender.sent == []


def test_a_body_over_the_limit_is_a_413_before_parsing(plan: Plan) -> None:
    sender = RecordingSender()
    huge = urlencode({**GOOD, "component": ["api"] * (MAX_SUBSCRIBE_FORM_BYTES // 10)}, doseq=True)
    encoded = HttpRequest(
        headers=post(GOOD).headers, body=base64.b64encode(huge.encode()).decode(), is_base64_encoded=True
    )

    assert ask(post(huge), plan, sender).status == 413
    assert ask(encoded, plan, sender).status == 413
    assert sender.sent == []


# --- who may post -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": STATUS_ORIGIN, "sec_fetch_site": "cross-site"},  # the status page in its own bucket website
        {"origin": f"https://{API_HOST}", "sec_fetch_site": "same-origin"},  # the API's own form
        {"origin": "null", "sec_fetch_site": "same-origin"},  # the API's form under no-referrer
        {},  # no browser at all
    ],
)
def test_the_status_page_and_the_api_itself_may_post(plan: Plan, headers: dict[str, str]) -> None:
    sender = RecordingSender()

    assert ask(post(GOOD, **headers), plan, sender).status == 200
    assert len(sender.sent) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "https://estado.nubeteca.example.evil.example"},
        {"origin": "http://estado.nubeteca.example"},  # the status page's host, not its origin
        {"origin": "https://estado.nubeteca.example:8443"},
        {"origin": "null", "sec_fetch_site": "cross-site"},
        {"sec_fetch_site": "same-site"},
        {"origin": "https://"},
    ],
)
def test_any_other_site_is_refused_with_a_403_and_nothing_is_sent(plan: Plan, headers: dict[str, str]) -> None:
    sender, limiter = RecordingSender(), MemoryLimiter()

    page = ask(post(GOOD, **headers), plan, sender, limiter)

    assert page.status == 403 and page.refusal == SubscribeRefusal.CROSS_SITE
    assert sender.sent == [] and limiter.claims == 0


# --- no enumeration, no mail bombing ----------------------------------------------------------------------------


def test_every_valid_request_answers_the_same_page_whoever_the_address_and_however_often(plan: Plan) -> None:
    sender, limiter = RecordingSender(), MemoryLimiter()

    first = ask(post(GOOD), plan, sender, limiter)
    other = ask(post({**GOOD, "email": "bob@client.example"}), plan, sender, limiter)
    again = ask(post(GOOD), plan, sender, limiter, NOW + timedelta(minutes=1))

    assert again.outcome == SubscribeOutcome.CONFIRMATION_LIMITED
    assert (first.status, first.html) == (other.status, other.html) == (again.status, again.html)
    assert [email.to for email in sender.sent] == [[ANA], ["bob@client.example"]]


def test_a_spent_budget_answers_the_same_page_and_sends_nothing(plan: Plan) -> None:
    sender, limiter = RecordingSender(), MemoryLimiter()
    limiter.budget = 1

    sent = ask(post(GOOD), plan, sender, limiter)
    spent = ask(post({**GOOD, "email": "bob@client.example"}), plan, sender, limiter)

    assert spent.outcome == SubscribeOutcome.CONFIRMATION_LIMITED
    assert (sent.status, sent.html) == (spent.status, spent.html)
    assert [email.to for email in sender.sent] == [[ANA]]
    assert "bob@client.example" not in limiter.sent_at, "no address claim is taken once the budget refused"


def test_one_confirmation_per_address_per_fifteen_minutes(plan: Plan) -> None:
    sender, limiter = RecordingSender(), MemoryLimiter()
    moments = [NOW, NOW + timedelta(minutes=5), NOW + timedelta(minutes=14, seconds=59), NOW + timedelta(minutes=15)]

    outcomes = [ask(post(GOOD), plan, sender, limiter, moment).outcome for moment in moments]

    assert outcomes == [
        SubscribeOutcome.CONFIRMATION_SENT,
        SubscribeOutcome.CONFIRMATION_LIMITED,
        SubscribeOutcome.CONFIRMATION_LIMITED,
        SubscribeOutcome.CONFIRMATION_SENT,
    ]
    assert len(sender.sent) == 2


def test_a_send_that_fails_is_a_503_that_gives_the_claim_back_and_names_no_address(plan: Plan) -> None:
    limiter = MemoryLimiter()

    failed = ask(post(GOOD), plan, FailingSender(), limiter)
    retried = ask(post(GOOD), plan, RecordingSender(), limiter, NOW + timedelta(seconds=5))

    assert failed.status == 503 and failed.refusal == SubscribeRefusal.UNAVAILABLE
    assert failed.error is not None and "MessageRejected" in failed.error and ANA not in failed.error
    assert retried.outcome == SubscribeOutcome.CONFIRMATION_SENT


class Recorder:
    def __init__(self) -> None:
        self.logs: list[tuple[str, str, dict[str, Any]]] = []
        self.metrics: dict[str, float] = {}

    def warning(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self.logs.append(("warning", msg, kwargs.get("extra", {})))

    def info(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self.logs.append(("info", msg, kwargs.get("extra", {})))

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        self.metrics[name] = self.metrics.get(name, 0) + value


def test_a_limited_request_is_logged_and_counted_without_the_address(plan: Plan) -> None:
    limiter, recorder = MemoryLimiter(), Recorder()
    ask(post(GOOD), plan, RecordingSender(), limiter)

    limited = ask(post(GOOD), plan, RecordingSender(), limiter)
    record_subscribe_page(limited, recorder, recorder, "Count")

    ((level, message, extra),) = recorder.logs
    assert level == "warning" and "limited" in message
    assert extra["address_fingerprint"] and ANA not in repr(recorder.logs)
    assert recorder.metrics == {"SubscriptionConfirmationsLimited": 1}


def test_refusals_are_counted_per_reason(plan: Plan) -> None:
    recorder = Recorder()

    record_subscribe_page(ask(post(GOOD, origin="https://evil.example"), plan), recorder, recorder, "Count")
    record_subscribe_page(ask(post({**GOOD, "email": "x"}), plan), recorder, recorder, "Count")

    assert recorder.metrics == {"SubscribeRefused": 2, "SubscribeRefusedCrossSite": 1, "SubscribeRefusedBadForm": 1}


# --- confirming -------------------------------------------------------------------------------------------------


def test_looking_at_a_confirmation_link_shows_a_button_and_acts_on_nothing(plan: Plan) -> None:
    ana = new_subscriber(plan, ANA, ["api", "web"], "en")
    token = confirmation_token(ana, KEY, NOW)

    pages = [show_confirmation(plan, token, KEY, NOW) for _ in range(3)]

    assert {page.status for page in pages} == {200} and len({page.html for page in pages}) == 1
    form = FormReader(pages[0].html)
    assert len(form.posting_forms) == 1 and form.fields == {"confirm": "yes"}
    assert "Public API" in pages[0].html and "<script" not in pages[0].html
    assert pages[0].outcome == SubscribeOutcome.CONFIRM_SHOWN


def test_posting_the_link_subscribes_undoing_an_unsubscribe_and_a_repeat_answers_the_same(plan: Plan) -> None:
    ana = new_subscriber(plan, ANA, ["api", "web"], "en")
    token = confirmation_token(ana, KEY, NOW)
    directory = Directory()

    first = confirm_subscription(post(""), plan, directory, token, KEY, NOW + timedelta(hours=1))  # type: ignore[arg-type]
    second = confirm_subscription(post(""), plan, directory, token, KEY, NOW + timedelta(hours=2))  # type: ignore[arg-type]

    assert first.status == second.status == 200 and first.html == second.html
    assert first.outcome == SubscribeOutcome.SUBSCRIBED and "Subscription confirmed" in first.html
    assert directory.added == [(ana, True), (ana, True)]


def test_forged_expired_foreign_and_cross_site_confirmations_subscribe_nobody(plan: Plan) -> None:
    ana = new_subscriber(plan, ANA, ["api"], "es")
    token = confirmation_token(ana, KEY, NOW)
    payload, signature = token.split(".")
    directory = Directory()
    later = NOW + timedelta(hours=48)

    cases = [
        (post(""), f"{payload}.{signature[::-1]}", NOW, 404),
        (post(""), unsubscribe_token(ANA, KEY), NOW, 404),
        (post(""), "nonsense", NOW, 404),
        (post(""), token, later, 410),
        (post("", origin="https://evil.example"), token, NOW, 403),
    ]
    for request, link, now, status in cases:
        assert confirm_subscription(request, plan, directory, link, KEY, now).status == status  # type: ignore[arg-type]
        if status != 403:
            assert show_confirmation(plan, link, KEY, now).status == status
    assert directory.added == []


def test_a_link_for_what_the_plan_no_longer_offers_is_gone(plan: Plan) -> None:
    token = confirmation_token(new_subscriber(plan, ANA, ["api", "web"], "es"), KEY, NOW)
    without_web = [c for c in plan.definition.components if c.id != "web"]
    changed = plan.model_copy(update={"definition": plan.definition.model_copy(update={"components": without_web})})
    directory = Directory()

    assert confirm_subscription(post(""), changed, directory, token, KEY, NOW).status == 410  # type: ignore[arg-type]
    assert directory.added == []
