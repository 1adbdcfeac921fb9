"""Subscribers, pure: addresses, validation against the plan, the CSV import format, topics, unsubscribe links."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

import pytest

from incident_comms.approvals.tokens import ApprovalAction, TokenClaims, issue_token
from incident_comms.errors import BadInput
from incident_comms.plan.models import Component, Plan
from incident_comms.subscribers.csv_import import parse_csv
from incident_comms.subscribers.directory import Added, ImportReport
from incident_comms.subscribers.models import (
    MAX_TOPICS,
    Subscriber,
    from_topics,
    new_subscriber,
    normalise_address,
    plan_topics,
    subscriber_topics,
)
from incident_comms.subscribers.tokens import (
    UnsubscribeRejected,
    unsubscribe,
    unsubscribe_token,
    unsubscribe_url,
    verify_unsubscribe_token,
)

KEY = b"k" * 64


# --- addresses -------------------------------------------------------------------------------------------------


def test_an_address_is_trimmed_and_lower_cased_so_one_person_is_one_contact() -> None:
    assert normalise_address("  Ana.Perez+avisos@Cliente.EXAMPLE ") == "ana.perez+avisos@cliente.example"


@pytest.mark.parametrize(
    "address",
    [
        "",
        "ana",
        "ana@",
        "@cliente.example",
        "ana@cliente",
        "ana@@cliente.example",
        "ana pérez@cliente.example",  # SES cannot send to a non-ASCII local part (no SMTPUTF8)
        "ana@clïente.example",  # IDN domains go as punycode
        "ana@cliente.example\r\nBcc: everyone@example.com",
        '"ana"@cliente.example',
        "<ana@cliente.example>",
        "a" * 65 + "@cliente.example",
        "ana@" + "d" * 250 + ".example",
        "ana@-cliente.example",
    ],
)
def test_what_ses_cannot_send_to_is_refused(address: str) -> None:
    with pytest.raises(ValueError, match="not an email address"):
        normalise_address(address)


# --- validation against the plan -------------------------------------------------------------------------------


def test_a_subscriber_defaults_to_the_main_locale_and_its_customer_email_audience(plan: Plan) -> None:
    subscriber = new_subscriber(plan, "Ana@Cliente.example", ["api", "invoicing", "api"])

    assert subscriber == Subscriber(
        email="ana@cliente.example", components=("api", "invoicing"), locale="es", audience="customers_es"
    )
    assert new_subscriber(plan, "bo@client.example", ["web"], "en").audience == "customers_intl"
    assert new_subscriber(plan, "lu@cliente.example", ["web"], "es", "customers_latam").audience == "customers_latam"


@pytest.mark.parametrize(
    ("components", "locale", "audience", "message"),
    [
        ([], None, None, "at least one component"),
        (["api", "payroll"], None, None, "unknown component 'payroll'"),
        (["api"], "fr", None, "unknown locale 'fr'"),
        (["api"], "es", "partners", "unknown audience 'partners'"),
        (["api"], "es", "customers_intl", "no email channel of the plan reaches audience 'customers_intl' in locale"),
        (["api"], "en", "customers_es", "no email channel of the plan reaches audience 'customers_es' in locale"),
    ],
)
def test_a_subscriber_the_plan_could_never_email_is_refused(
    plan: Plan, components: list[str], locale: str | None, audience: str | None, message: str
) -> None:
    with pytest.raises(BadInput, match=message):
        new_subscriber(plan, "ana@cliente.example", components, locale, audience)


def test_a_bad_address_is_named_without_echoing_a_long_input(plan: Plan) -> None:
    with pytest.raises(BadInput, match="not an email address") as raised:
        new_subscriber(plan, "x" * 300, ["api"])
    assert len(str(raised.value)) < 200


# --- topics ----------------------------------------------------------------------------------------------------


def test_the_plan_needs_one_topic_per_component_audience_and_locale(plan: Plan) -> None:
    topics = plan_topics(plan)

    assert [topic.name for topic in topics] == [
        "component-api",
        "component-invoicing",
        "component-storage",
        "component-web",
        "audience-customers_es",
        "audience-customers_latam",
        "audience-customers_intl",
        "audience-staff",
        "locale-es",
        "locale-en",
    ]
    assert topics[0].display_name == "API pública"  # what SES shows people: the plan's main-locale names


def test_a_plan_too_large_for_one_contact_list_is_refused(plan: Plan) -> None:
    components = [Component(id=f"c{n}", name=f"C{n}", impact="x") for n in range(MAX_TOPICS)]
    bigger = plan.model_copy(update={"definition": plan.definition.model_copy(update={"components": components})})

    with pytest.raises(BadInput, match="SES allows 20"):
        plan_topics(bigger)


def test_a_subscriber_is_its_opted_in_topics_and_back(plan: Plan) -> None:
    subscriber = new_subscriber(plan, "ana@cliente.example", ["web", "api"], "en")

    topics = subscriber_topics(subscriber)

    assert topics == {"component-web", "component-api", "audience-customers_intl", "locale-en"}
    assert from_topics(subscriber.email, topics, unsubscribed=True) == subscriber.model_copy(
        update={"components": ("api", "web"), "unsubscribed": True}
    )
    assert from_topics("x@y.example", {"audience-staff", "locale-es"}, unsubscribed=False) is None


def test_a_contact_with_an_address_we_would_refuse_is_still_listed_as_ses_holds_it() -> None:
    found = from_topics("Señor@x.example", {"component-api"}, unsubscribed=False)

    assert found is not None and found.email == "Señor@x.example"


def test_a_contact_without_exactly_one_audience_and_locale_shows_them_as_unknown() -> None:
    found = from_topics("x@y.example", {"component-api", "locale-es", "locale-en"}, unsubscribed=False)

    assert found is not None
    assert (found.locale, found.audience) == ("", "")


def test_attributes_data_says_locale_and_audience_as_json(plan: Plan) -> None:
    subscriber = new_subscriber(plan, "ana@cliente.example", ["api"])

    assert subscriber.attributes() == '{"audience": "customers_es", "locale": "es"}'


# --- CSV import ------------------------------------------------------------------------------------------------


def test_an_import_file_gives_every_row_with_its_defaults(plan: Plan) -> None:
    text = (
        "\ufeffEmail,Components,Locale,Audience\r\n"
        "ana@cliente.example,api;invoicing,,\r\n"
        "\r\n"
        '"bob@client.example"," web ; storage ",en,customers_intl\r\n'
        "lu@cliente.example,api,es,customers_latam\r\n"
    )

    subscribers = parse_csv(text, plan)

    assert [(s.email, s.components, s.locale, s.audience) for s in subscribers] == [
        ("ana@cliente.example", ("api", "invoicing"), "es", "customers_es"),
        ("bob@client.example", ("web", "storage"), "en", "customers_intl"),
        ("lu@cliente.example", ("api",), "es", "customers_latam"),
    ]


def test_locale_and_audience_columns_may_be_left_out(plan: Plan) -> None:
    (subscriber,) = parse_csv("email,components\nana@cliente.example,web\n", plan)

    assert (subscriber.locale, subscriber.audience) == ("es", "customers_es")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the CSV file is empty"),
        ("email,locale\nana@cliente.example,es\n", "row 1: the header lacks components"),
        ("email,components\nana@cliente.example,api\nnot-an-address,api\n", "row 3: 'not-an-address': not an email"),
        ("email,components\nana@cliente.example,api\nbo@client.example,\n", "row 3: give at least one component"),
        ("email,components\n\nana@cliente.example,payroll\n", "row 3: unknown component 'payroll'"),
        ("email,components,locale\nana@cliente.example,api,fr\n", "row 2: unknown locale 'fr'"),
        ("email,components\nAna@cliente.example,api\nana@cliente.example,web\n", "row 3: .* is already on row 2"),
        ('email,components\n"ana@cliente.example,api\n', "row .*not CSV"),
    ],
)
def test_a_bad_row_is_named_and_fails_the_whole_file(plan: Plan, text: str, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        parse_csv(text, plan)


# --- unsubscribe links -----------------------------------------------------------------------------------------


def test_an_unsubscribe_token_names_its_address_and_nothing_else_verifies() -> None:
    token = unsubscribe_token("Ana@Cliente.example", KEY)

    assert verify_unsubscribe_token(token, KEY) == "ana@cliente.example"
    assert token == unsubscribe_token("ana@cliente.example", KEY)  # one link per address, stable across emails
    assert unsubscribe_url("https://x.example/prod/", "ana@cliente.example", KEY) == (
        f"https://x.example/prod/unsubscribe/{token}"
    )


def _tampered(token: str) -> Iterator[object]:
    payload, signature = token.split(".")
    other = unsubscribe_token("eve@evil.example", KEY)
    yield f"{other.split('.')[0]}.{signature}"  # another address under this signature
    yield f"{payload}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}"
    yield f"{payload}.{signature}="  # padded: not canonical
    yield f"{payload}="
    yield token + ".x"
    yield ""
    yield None
    yield 42
    yield "x" * 5000
    yield unsubscribe_token("ana@cliente.example", b"z" * 64)  # another key


@pytest.mark.parametrize("bad", list(_tampered(unsubscribe_token("ana@cliente.example", KEY))))
def test_a_tampered_or_foreign_token_is_rejected_without_repeating_it(bad: object) -> None:
    with pytest.raises(UnsubscribeRejected) as raised:
        verify_unsubscribe_token(bad, KEY)
    assert str(raised.value) == "unsubscribe link rejected"


def test_an_approval_token_signed_with_the_same_key_is_no_unsubscribe_link() -> None:
    claims = TokenClaims(
        incident_id="INC-1",
        message_id="m-1",
        message_version=1,
        recipient="ana@cliente.example",
        action=ApprovalAction.APPROVE,
        expires_at=datetime(2026, 11, 23, 16, 0, tzinfo=UTC),
    )

    with pytest.raises(UnsubscribeRejected):
        verify_unsubscribe_token(issue_token(claims, KEY), KEY)


def test_a_short_key_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        unsubscribe_token("ana@cliente.example", b"short")


class RecordingDirectory:
    """Only what :func:`unsubscribe` uses: records who was unsubscribed."""

    def __init__(self) -> None:
        self.unsubscribed: list[str] = []

    def add(self, subscriber: Subscriber, *, resubscribe: bool = False) -> Added:
        raise AssertionError("not used")

    def remove(self, email: str) -> bool:
        raise AssertionError("not used")

    def list(self, component: str | None = None) -> Iterator[Subscriber]:
        raise AssertionError("not used")

    def import_csv(self, rows: Iterable[Subscriber]) -> ImportReport:
        raise AssertionError("not used")

    def recipients(self, component: str, audience: str, locale: str) -> Iterator[str]:
        raise AssertionError("not used")

    def unsubscribe(self, email: str) -> bool:
        self.unsubscribed.append(email)
        return True


def test_unsubscribing_acts_only_on_a_genuine_link() -> None:
    directory = RecordingDirectory()

    with pytest.raises(UnsubscribeRejected):
        unsubscribe(directory, "forged.token", KEY)
    assert directory.unsubscribed == []

    assert unsubscribe(directory, unsubscribe_token("ana@cliente.example", KEY), KEY) is True
    assert directory.unsubscribed == ["ana@cliente.example"]
