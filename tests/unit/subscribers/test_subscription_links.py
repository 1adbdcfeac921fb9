"""Manage and undo links: signed under contexts of their own, expiring, and no other kind of token passes for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from incident_comms.subscribers.links import (
    MANAGE_LINK_VALIDITY,
    UNDO_VALIDITY,
    LinkProblem,
    SubscriptionLinkRejected,
    manage_token,
    undo_token,
    verify_manage_token,
    verify_undo_token,
)
from incident_comms.subscribers.models import Subscriber
from incident_comms.subscribers.tokens import confirmation_token, unsubscribe_token
from tests.conftest import APPROVAL_KEY

KEY = APPROVAL_KEY.encode()
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
BOB = Subscriber(email="bob@client.example", components=("api",), locale="en", audience="customers_intl")


def problem(check: object) -> LinkProblem:
    with pytest.raises(SubscriptionLinkRejected) as rejected:
        check()  # type: ignore[operator]
    return rejected.value.problem


def test_a_manage_link_opens_its_address_until_it_expires() -> None:
    token = manage_token("Bob@Client.example", KEY, NOW)

    assert verify_manage_token(token, KEY, NOW + MANAGE_LINK_VALIDITY - timedelta(seconds=1)) == BOB.email
    assert problem(lambda: verify_manage_token(token, KEY, NOW + MANAGE_LINK_VALIDITY)) == LinkProblem.EXPIRED


def test_an_undo_link_gives_back_the_subscription_until_it_expires() -> None:
    token = undo_token(BOB, KEY, NOW)

    assert verify_undo_token(token, KEY, NOW) == (BOB, NOW + UNDO_VALIDITY)
    assert problem(lambda: verify_undo_token(token, KEY, NOW + UNDO_VALIDITY)) == LinkProblem.EXPIRED


def test_no_other_kind_of_token_and_no_tampered_one_passes() -> None:
    manage = manage_token(BOB.email, KEY, NOW)
    undo = undo_token(BOB, KEY, NOW)
    payload, signature = manage.split(".")
    others = [unsubscribe_token(BOB.email, KEY), confirmation_token(BOB, KEY, NOW), f"{payload}.{signature[::-1]}"]

    for token in [*others, undo, manage_token(BOB.email, b"y" * 64, NOW), "", "a.b"]:
        assert problem(lambda token=token: verify_manage_token(token, KEY, NOW)) == LinkProblem.INVALID
    for token in [*others, manage, undo_token(BOB, b"y" * 64, NOW)]:
        assert problem(lambda token=token: verify_undo_token(token, KEY, NOW)) == LinkProblem.INVALID
