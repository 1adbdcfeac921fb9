"""The SES v2 contact list as the subscriber directory (moto), and the ``subscribers`` command over it.

moto's contact lists are partial, and these tests lean only on what it does like SES: lists, topics, contacts,
topic preferences, ``UnsubscribeAll``. It ignores ``ListContacts``' filter and pages (the directory filters again,
and the paging requests are checked against the SES API model with botocore's Stubber) and overwrites a contact
that ``CreateContact`` should refuse as existing (the directory reads before it writes).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from incident_comms.adapters.contacts import PAGE_SIZE, SesContactDirectory
from incident_comms.cli.main import main
from incident_comms.errors import BadInput
from incident_comms.plan.models import Plan
from incident_comms.subscribers.directory import Added
from incident_comms.subscribers.models import Subscriber, new_subscriber, plan_topics
from tests.conftest import REPO

LIST = "subscribers-test"
PLAN_DIR = str(REPO / "plan")


@pytest.fixture
def sesv2(aws: None, template: dict[str, Any]) -> Any:
    """The SES client, with the contact list created as the template declares it (description, no topics)."""
    client = boto3.client("sesv2")
    (properties,) = [
        resource["Properties"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::SES::ContactList"
    ]
    client.create_contact_list(ContactListName=LIST, Description=properties["Description"])
    return client


@pytest.fixture
def directory(sesv2: Any, plan: Plan) -> SesContactDirectory:
    return SesContactDirectory(sesv2, LIST, plan_topics(plan))


def preferences(sesv2: Any, email: str) -> dict[str, str]:
    contact = sesv2.get_contact(ContactListName=LIST, EmailAddress=email)
    return {p["TopicName"]: p["SubscriptionStatus"] for p in contact["TopicPreferences"]}


def test_adding_creates_the_missing_topics_and_opts_in_to_component_audience_and_locale(
    directory: SesContactDirectory, sesv2: Any, plan: Plan
) -> None:
    result = directory.add(new_subscriber(plan, "Ana@Cliente.example", ["api", "web"]))

    assert result == Added.ADDED
    listed = sesv2.get_contact_list(ContactListName=LIST)
    assert listed["Description"].startswith("Customers subscribed")  # kept while topics were added
    topics = {topic["TopicName"]: topic for topic in listed["Topics"]}
    assert set(topics) == {"component-api", "component-web", "audience-customers_es", "locale-es"}
    assert topics["component-api"]["DisplayName"] == "API pública"
    assert {topic["DefaultSubscriptionStatus"] for topic in topics.values()} == {"OPT_OUT"}
    contact = sesv2.get_contact(ContactListName=LIST, EmailAddress="ana@cliente.example")
    assert json.loads(contact["AttributesData"]) == {"locale": "es", "audience": "customers_es"}
    assert contact["UnsubscribeAll"] is False
    assert preferences(sesv2, "ana@cliente.example") == dict.fromkeys(topics, "OPT_IN")


def test_adding_again_adds_components_and_moves_audience_and_locale(
    directory: SesContactDirectory, sesv2: Any, plan: Plan
) -> None:
    directory.add(new_subscriber(plan, "ana@cliente.example", ["api"]))
    directory.add(new_subscriber(plan, "bo@client.example", ["storage"], "en"))

    result = directory.add(new_subscriber(plan, "ana@cliente.example", ["web"], "en"))

    assert result == Added.UPDATED
    assert preferences(sesv2, "ana@cliente.example") == {
        "component-api": "OPT_IN",
        "component-web": "OPT_IN",
        "component-storage": "OPT_OUT",
        "audience-customers_es": "OPT_OUT",
        "audience-customers_intl": "OPT_IN",
        "locale-es": "OPT_OUT",
        "locale-en": "OPT_IN",
    }
    contact = sesv2.get_contact(ContactListName=LIST, EmailAddress="ana@cliente.example")
    assert json.loads(contact["AttributesData"]) == {"locale": "en", "audience": "customers_intl"}


def test_recipients_are_those_opted_in_to_the_component_in_the_channels_audience_and_locale(
    directory: SesContactDirectory, plan: Plan
) -> None:
    directory.add(new_subscriber(plan, "ana@cliente.example", ["api", "web"]))
    directory.add(new_subscriber(plan, "bea@cliente.example", ["web"]))
    directory.add(new_subscriber(plan, "bo@client.example", ["api"], "en"))
    directory.add(new_subscriber(plan, "lu@cliente.example", ["api"], "es", "customers_latam"))
    directory.add(new_subscriber(plan, "gone@cliente.example", ["api"]))
    directory.unsubscribe("gone@cliente.example")

    assert list(directory.recipients("api", "customers_es", "es")) == ["ana@cliente.example"]
    assert list(directory.recipients("api", "customers_intl", "en")) == ["bo@client.example"]
    assert list(directory.recipients("api", "customers_latam", "es")) == ["lu@cliente.example"]
    assert sorted(directory.recipients("web", "customers_es", "es")) == ["ana@cliente.example", "bea@cliente.example"]
    assert list(directory.recipients("storage", "customers_es", "es")) == []


def test_recipients_ask_ses_for_the_topic_page_by_page() -> None:
    """SES filters and pages; moto does neither, so the requests are checked against the API model instead."""
    client = boto3.client("sesv2", region_name="eu-west-1")
    directory = SesContactDirectory(client, LIST)
    in_all = [
        {"TopicName": name, "SubscriptionStatus": "OPT_IN"}
        for name in ("component-api", "audience-customers_es", "locale-es")
    ]
    expected = {
        "ContactListName": LIST,
        "PageSize": PAGE_SIZE,
        "Filter": {
            "FilteredStatus": "OPT_IN",
            "TopicFilter": {"TopicName": "component-api", "UseDefaultIfPreferenceUnavailable": False},
        },
    }
    with Stubber(client) as stubber:
        stubber.add_response(
            "list_contacts",
            {
                "Contacts": [
                    {"EmailAddress": "a@x.example", "TopicPreferences": in_all, "UnsubscribeAll": False},
                    {"EmailAddress": "b@x.example", "TopicPreferences": in_all[:2], "UnsubscribeAll": False},
                ],
                "NextToken": "page-2",
            },
            expected,
        )
        stubber.add_response(
            "list_contacts",
            {"Contacts": [{"EmailAddress": "c@x.example", "TopicPreferences": in_all, "UnsubscribeAll": False}]},
            {**expected, "NextToken": "page-2"},
        )

        found = list(directory.recipients("api", "customers_es", "es"))

        stubber.assert_no_pending_responses()
    assert found == ["a@x.example", "c@x.example"]  # b is in no locale topic: never guessed into one


def test_an_unsubscribed_person_is_kept_and_not_quietly_subscribed_again(
    directory: SesContactDirectory, sesv2: Any, plan: Plan
) -> None:
    ana = new_subscriber(plan, "ana@cliente.example", ["api"])
    directory.add(ana)

    assert directory.unsubscribe("Ana@cliente.example") is True

    contact = sesv2.get_contact(ContactListName=LIST, EmailAddress="ana@cliente.example")
    assert contact["UnsubscribeAll"] is True
    assert preferences(sesv2, "ana@cliente.example")["component-api"] == "OPT_IN"  # kept: SES needs them all
    assert directory.add(ana) == Added.KEPT_UNSUBSCRIBED
    assert list(directory.recipients("api", "customers_es", "es")) == []
    assert directory.add(ana, resubscribe=True) == Added.UPDATED
    assert list(directory.recipients("api", "customers_es", "es")) == ["ana@cliente.example"]
    assert directory.unsubscribe("nobody@cliente.example") is False


def test_a_subscription_reads_back_as_one_contact_and_a_change_replaces_it(
    directory: SesContactDirectory, sesv2: Any, plan: Plan
) -> None:
    directory.add(new_subscriber(plan, "ana@cliente.example", ["api", "web"]))

    changed = directory.change(new_subscriber(plan, "ana@cliente.example", ["storage"], "en"))

    assert changed and directory.subscriber("Ana@Cliente.example") == Subscriber(
        email="ana@cliente.example", components=("storage",), locale="en", audience="customers_intl"
    )
    assert {name for name, status in preferences(sesv2, "ana@cliente.example").items() if status == "OPT_IN"} == {
        "component-storage",
        "audience-customers_intl",
        "locale-en",
    }
    assert directory.subscriber("nobody@cliente.example") is None


def test_a_change_never_subscribes_an_unsubscribed_or_unknown_address_unless_it_is_their_undo(
    directory: SesContactDirectory, plan: Plan
) -> None:
    ana = new_subscriber(plan, "ana@cliente.example", ["api"])
    directory.add(ana)
    directory.suppress(ana.email, "complaint on 2026-11-30")

    assert not directory.change(ana.model_copy(update={"components": ("web",)}))
    assert not directory.change(new_subscriber(plan, "nobody@cliente.example", ["api"]), resubscribe=True)
    found = directory.subscriber(ana.email)
    assert found is not None and found.unsubscribed and found.components == ("api",)

    assert directory.change(ana, resubscribe=True)
    assert directory.subscriber(ana.email) == ana and directory.suppression(ana.email) is None


def test_removing_deletes_the_contact(directory: SesContactDirectory, plan: Plan) -> None:
    directory.add(new_subscriber(plan, "ana@cliente.example", ["api"]))

    assert directory.remove("ANA@cliente.example") is True
    assert directory.remove("ana@cliente.example") is False
    assert list(directory.list()) == []


def test_listing_shows_each_subscriber_and_who_unsubscribed(directory: SesContactDirectory, plan: Plan) -> None:
    directory.add(new_subscriber(plan, "ana@cliente.example", ["api", "web"]))
    directory.add(new_subscriber(plan, "bo@client.example", ["storage"], "en"))
    directory.unsubscribe("bo@client.example")

    assert sorted(directory.list(), key=lambda s: s.email) == [
        Subscriber(email="ana@cliente.example", components=("api", "web"), locale="es", audience="customers_es"),
        Subscriber(
            email="bo@client.example",
            components=("storage",),
            locale="en",
            audience="customers_intl",
            unsubscribed=True,
        ),
    ]
    assert [s.email for s in directory.list("web")] == ["ana@cliente.example"]


def test_a_contact_added_by_another_tool_is_listed_from_its_attributes(
    directory: SesContactDirectory, sesv2: Any, plan: Plan
) -> None:
    directory.add(new_subscriber(plan, "ana@cliente.example", ["api"]))
    sesv2.create_contact(
        ContactListName=LIST,
        EmailAddress="legacy@cliente.example",
        TopicPreferences=[{"TopicName": "component-api", "SubscriptionStatus": "OPT_IN"}],
        AttributesData=json.dumps({"locale": "es", "audience": "customers_es"}),
    )

    (legacy,) = [s for s in directory.list() if s.email == "legacy@cliente.example"]

    assert (legacy.locale, legacy.audience) == ("es", "customers_es")
    assert list(directory.recipients("api", "customers_es", "es")) == ["ana@cliente.example"]  # no segment topics


def test_importing_adds_updates_and_keeps_the_unsubscribed(directory: SesContactDirectory, plan: Plan) -> None:
    directory.add(new_subscriber(plan, "ana@cliente.example", ["api"]))
    directory.add(new_subscriber(plan, "gone@cliente.example", ["api"]))
    directory.unsubscribe("gone@cliente.example")
    rows = [
        new_subscriber(plan, "ana@cliente.example", ["web"]),
        new_subscriber(plan, "gone@cliente.example", ["web"]),
        new_subscriber(plan, "new@cliente.example", ["storage"]),
    ]

    report = directory.import_csv(rows)

    assert report.as_dict() == {"added": 1, "updated": 1, "kept_unsubscribed": ["gone@cliente.example"]}
    assert sorted(directory.recipients("web", "customers_es", "es")) == ["ana@cliente.example"]


def test_a_missing_contact_list_is_bad_input_not_an_empty_one(aws: None, plan: Plan) -> None:
    directory = SesContactDirectory(boto3.client("sesv2"), "no-such-list", plan_topics(plan))

    with pytest.raises(BadInput, match="'no-such-list' does not exist"):
        list(directory.recipients("api", "customers_es", "es"))
    with pytest.raises(BadInput, match="does not exist"):
        directory.add(new_subscriber(plan, "ana@cliente.example", ["api"]))
    with pytest.raises(BadInput, match="does not exist"):
        directory.unsubscribe("ana@cliente.example")


def test_topics_already_in_the_list_are_kept_and_twenty_is_the_limit(sesv2: Any, plan: Plan) -> None:
    own = [{"TopicName": f"other-{n}", "DisplayName": "x", "DefaultSubscriptionStatus": "OPT_OUT"} for n in range(17)]
    sesv2.update_contact_list(ContactListName=LIST, Topics=own)
    directory = SesContactDirectory(sesv2, LIST, plan_topics(plan))

    with pytest.raises(BadInput, match="more than 20 topics"):
        directory.add(new_subscriber(plan, "ana@cliente.example", ["api", "web"]))

    assert len(sesv2.get_contact_list(ContactListName=LIST)["Topics"]) == 17
    assert list(sesv2.list_contacts(ContactListName=LIST)["Contacts"]) == []


def test_an_unset_contact_list_name_fails_when_used_not_when_built(aws: None) -> None:
    directory = SesContactDirectory(boto3.client("sesv2"), "")

    with pytest.raises(RuntimeError, match="CONTACT_LIST_NAME is not set"):
        list(directory.recipients("api", "customers_es", "es"))


# --- the command line ------------------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, Any]], str]:
    code = main(["subscribers", *argv])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def assert_bad_input(code: int, lines: list[dict[str, Any]], err: str, match: str) -> None:
    assert code == 2, err
    assert lines == []
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert match in err, err


@pytest.fixture
def cli_env(sesv2: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTACT_LIST_NAME", LIST)
    monkeypatch.setenv("INCIDENT_COMMS_PLAN_DIR", PLAN_DIR)


@pytest.mark.usefixtures("cli_env")
def test_the_command_adds_lists_and_removes(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "add", "Ana@Cliente.example", "--component", "api", "--component", "web")[:2] == (
        0,
        [{"email": "ana@cliente.example", "result": "added"}],
    )
    assert run(capsys, "add", "bo@client.example", "--component", "storage", "--locale", "en")[0] == 0

    code, lines, _ = run(capsys, "list")
    assert code == 0
    assert sorted(lines, key=lambda line: line["email"]) == [
        {
            "email": "ana@cliente.example",
            "components": ["api", "web"],
            "locale": "es",
            "audience": "customers_es",
            "unsubscribed": False,
        },
        {
            "email": "bo@client.example",
            "components": ["storage"],
            "locale": "en",
            "audience": "customers_intl",
            "unsubscribed": False,
        },
    ]
    assert [line["email"] for line in run(capsys, "list", "--component", "web")[1]] == ["ana@cliente.example"]
    assert run(capsys, "remove", "ana@cliente.example")[:2] == (
        0,
        [{"email": "ana@cliente.example", "result": "removed"}],
    )
    assert run(capsys, "remove", "ana@cliente.example")[1] == [
        {"email": "ana@cliente.example", "result": "not_subscribed"}
    ]


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["add", "ana@cliente.example", "--component", "payroll"], "unknown component 'payroll'"),
        (["add", "ana@cliente.example", "--component", "api", "--locale", "fr"], "unknown locale 'fr'"),
        (["add", "not an address", "--component", "api"], "not an email address"),
        (["add", "ana@cliente.example"], "--component"),
        (["list", "--component", "payroll"], "unknown component 'payroll'"),
        (["list", "--list", "no-such-list"], "'no-such-list' does not exist"),
        (["remove", "x"], "not an email address"),
        (["import", "/no/such/file.csv"], "cannot read /no/such/file.csv"),
    ],
)
def test_bad_input_is_one_error_line_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], sesv2: Any, argv: list[str], match: str
) -> None:
    assert_bad_input(*run(capsys, *argv), match)
    assert sesv2.list_contacts(ContactListName=LIST)["Contacts"] == []


def test_without_a_list_name_the_command_says_how_to_give_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONTACT_LIST_NAME", raising=False)

    assert_bad_input(*run(capsys, "list", "--plan", PLAN_DIR), "give --list NAME or set CONTACT_LIST_NAME")


@pytest.mark.usefixtures("cli_env")
def test_adding_someone_who_unsubscribed_needs_resubscribe(
    capsys: pytest.CaptureFixture[str], directory: SesContactDirectory
) -> None:
    assert run(capsys, "add", "ana@cliente.example", "--component", "api")[0] == 0
    directory.unsubscribe("ana@cliente.example")

    assert_bad_input(*run(capsys, "add", "ana@cliente.example", "--component", "api"), "--resubscribe")
    assert run(capsys, "add", "ana@cliente.example", "--component", "api", "--resubscribe")[1] == [
        {"email": "ana@cliente.example", "result": "updated"}
    ]


@pytest.mark.usefixtures("cli_env")
def test_importing_a_file_imports_every_row(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "subscribers.csv"
    path.write_text("email,components,locale,audience\nana@cliente.example,api;web,,\nbo@client.example,web,en,\n")

    code, lines, err = run(capsys, "import", str(path))

    assert code == 0, err
    assert lines == [{"rows": 2, "added": 2, "updated": 0, "kept_unsubscribed": []}]
    assert [line["email"] for line in run(capsys, "list", "--component", "web")[1]] == [
        "ana@cliente.example",
        "bo@client.example",
    ]


@pytest.mark.usefixtures("cli_env")
def test_an_import_with_one_bad_row_imports_nothing(
    capsys: pytest.CaptureFixture[str], sesv2: Any, tmp_path: Path
) -> None:
    path = tmp_path / "subscribers.csv"
    path.write_text("email,components\nana@cliente.example,api\nbo@client.example,payroll\ncy@cliente.example,web\n")

    assert_bad_input(*run(capsys, "import", str(path)), "row 3: unknown component 'payroll'")
    assert sesv2.list_contacts(ContactListName=LIST)["Contacts"] == []
    assert sesv2.get_contact_list(ContactListName=LIST).get("Topics", []) == []


@pytest.mark.usefixtures("cli_env")
def test_an_import_that_is_not_utf8_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "subscribers.csv"
    path.write_bytes("email,components\nnúñez@cliente.example,api\n".encode("latin-1"))

    assert_bad_input(*run(capsys, "import", str(path)), "is not UTF-8")
