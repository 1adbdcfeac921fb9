"""The one-click unsubscribe pages: in the subscriber's language, naming the address; looking never unsubscribes, the
POST does and offers a signed undo; forged links get a bare 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from incident_comms.plan.models import Plan
from incident_comms.subscribers.links import UNDO_PATH, verify_undo_token
from incident_comms.subscribers.models import Subscriber
from incident_comms.subscribers.tokens import unsubscribe_token
from incident_comms.subscribers.unsubscribe import confirm_unsubscribe, show_unsubscribe
from tests.conftest import APPROVAL_KEY
from tests.forms import FormReader

KEY = APPROVAL_KEY.encode()
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
BASE = "https://api.nubeteca.example"
BOB = Subscriber(email="bob@client.example", components=("api", "web"), locale="en", audience="customers_intl")


class Directory:
    """Only what the pages may call: ``subscriber`` and ``unsubscribe``; records who was unsubscribed."""

    def __init__(self, *subscribers: Subscriber, failing: bool = False) -> None:
        self.subscribers = {subscriber.email: subscriber for subscriber in subscribers}
        self.unsubscribed: list[str] = []
        self.failing = failing

    def subscriber(self, email: str) -> Subscriber | None:
        if self.failing:
            raise RuntimeError(f"ThrottlingException for {email}")
        return self.subscribers.get(email)

    def unsubscribe(self, email: str) -> bool:
        self.unsubscribed.append(email)
        return email in self.subscribers


def test_the_page_of_a_genuine_link_names_the_address_in_its_language_and_acts_on_nothing(plan: Plan) -> None:
    directory = Directory(BOB)

    page = show_unsubscribe(plan, directory, unsubscribe_token(BOB.email, KEY), KEY)  # type: ignore[arg-type]

    form = FormReader(page.html)
    assert page.status == 200 and directory.unsubscribed == []
    assert len(form.posting_forms) == 1 and form.fields == {"List-Unsubscribe": "One-Click"}
    assert 'lang="en"' in page.html and "bob@client.example" in page.html and "Unsubscribe" in page.html
    assert "<script" not in page.html


def test_when_ses_does_not_answer_the_page_still_works_in_the_plans_language(plan: Plan) -> None:
    page = show_unsubscribe(plan, Directory(failing=True), unsubscribe_token(BOB.email, KEY), KEY)  # type: ignore[arg-type]

    assert page.status == 200 and 'lang="es"' in page.html and "Darme de baja" in page.html


def test_the_post_unsubscribes_and_offers_an_undo_of_exactly_that_subscription(plan: Plan) -> None:
    directory = Directory(BOB)

    page = confirm_unsubscribe(plan, directory, unsubscribe_token("Bob@Client.example", KEY), KEY, BASE, NOW)  # type: ignore[arg-type]

    assert page.status == 200 and directory.unsubscribed == ["bob@client.example"]
    assert "You are unsubscribed" in page.html and "bob@client.example" in page.html
    (undo,) = FormReader(page.html).posting_forms
    assert undo["action"].startswith(f"{BASE}{UNDO_PATH}")
    subscriber, expires = verify_undo_token(undo["action"].rsplit("/", 1)[1], KEY, NOW)
    assert subscriber == BOB and expires == NOW + timedelta(hours=24)


def test_an_address_not_in_the_list_gets_the_same_answer_without_an_undo(plan: Plan) -> None:
    page = confirm_unsubscribe(plan, Directory(), unsubscribe_token(BOB.email, KEY), KEY, BASE, NOW)  # type: ignore[arg-type]

    assert page.status == 200 and "Se ha dado de baja" in page.html
    assert FormReader(page.html).posting_forms == []


def test_when_ses_does_not_answer_the_post_is_a_503_that_names_no_address(plan: Plan) -> None:
    directory = Directory(BOB, failing=True)

    page = confirm_unsubscribe(plan, directory, unsubscribe_token(BOB.email, KEY), KEY, BASE, NOW)  # type: ignore[arg-type]

    assert page.status == 503 and directory.unsubscribed == []
    assert page.error is not None and BOB.email not in page.error


def test_forged_and_tampered_links_get_a_404_and_unsubscribe_nobody(plan: Plan) -> None:
    directory = Directory(BOB)
    genuine = unsubscribe_token(BOB.email, KEY)
    payload, signature = genuine.split(".")
    other = unsubscribe_token(BOB.email, b"x" * 64)

    for token in (f"{payload}.{signature[::-1]}", other, "nonsense", ""):
        assert show_unsubscribe(plan, directory, token, KEY).status == 404  # type: ignore[arg-type]
        refused = confirm_unsubscribe(plan, directory, token, KEY, BASE, NOW)  # type: ignore[arg-type]
        assert refused.status == 404 and refused.refusal is not None
    assert directory.unsubscribed == []
