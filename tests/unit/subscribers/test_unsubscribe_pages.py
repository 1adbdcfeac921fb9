"""The one-click unsubscribe pages: looking never unsubscribes, the POST does, forged links get a bare 404."""

from __future__ import annotations

from incident_comms.plan.models import Plan
from incident_comms.subscribers.tokens import unsubscribe_token
from incident_comms.subscribers.unsubscribe import confirm_unsubscribe, show_unsubscribe
from tests.conftest import APPROVAL_KEY
from tests.forms import FormReader

KEY = APPROVAL_KEY.encode()


class Directory:
    """Only what the pages may call: ``unsubscribe``; records who was unsubscribed."""

    def __init__(self) -> None:
        self.unsubscribed: list[str] = []

    def unsubscribe(self, email: str) -> bool:
        self.unsubscribed.append(email)
        return True


def test_the_page_of_a_genuine_link_is_a_button_and_acts_on_nothing(plan: Plan) -> None:
    page = show_unsubscribe(plan, unsubscribe_token("ana@cliente.example", KEY), KEY)

    form = FormReader(page.html)
    assert page.status == 200 and not page.unsubscribed
    assert len(form.posting_forms) == 1
    assert form.fields == {"List-Unsubscribe": "One-Click"}
    assert "<script" not in page.html and "ana@cliente.example" not in page.html


def test_the_post_unsubscribes_the_address_the_link_names(plan: Plan) -> None:
    directory = Directory()

    page = confirm_unsubscribe(plan, directory, unsubscribe_token("Ana@Cliente.example", KEY), KEY)  # type: ignore[arg-type]

    assert page.status == 200 and page.unsubscribed
    assert directory.unsubscribed == ["ana@cliente.example"]


def test_forged_and_tampered_links_get_a_404_and_unsubscribe_nobody(plan: Plan) -> None:
    directory = Directory()
    genuine = unsubscribe_token("ana@cliente.example", KEY)
    payload, signature = genuine.split(".")
    other = unsubscribe_token("ana@cliente.example", b"x" * 64)

    for token in (f"{payload}.{signature[::-1]}", other, "nonsense", ""):
        assert show_unsubscribe(plan, token, KEY).status == 404
        refused = confirm_unsubscribe(plan, directory, token, KEY)  # type: ignore[arg-type]
        assert refused.status == 404 and refused.refused
    assert directory.unsubscribed == []
