"""The local stack with ``ExistingContactListName`` set: the named list is in the embedded account as an operator
would already have it, the stack creates no list of its own, and every function is pointed at the named one. Left
empty, the stack creates its own list as before: the local stack runs with either setting."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from incident_comms.local.aws import LOGICAL_NAME_PREFIX, EmbeddedAws
from incident_comms.local.functions import functions_of
from tests.conftest import REPO

EXISTING = "team-subscribers"


@pytest.fixture
def embedded() -> Iterator[EmbeddedAws]:
    aws = EmbeddedAws()
    aws.start()
    # moto's backends are process-wide: each test starts from an empty account and leaves one behind.
    reset(aws)
    yield aws
    reset(aws)
    aws.stop()


def reset(aws: EmbeddedAws) -> None:
    urllib.request.urlopen(urllib.request.Request(aws.endpoint + "/moto-api/reset", method="POST"), timeout=30)


def contact_lists(aws: EmbeddedAws) -> set[str]:
    return {item["ContactListName"] for item in aws.client("sesv2").list_contact_lists()["ContactLists"]}


def list_names_the_functions_use(aws: EmbeddedAws, template: dict[str, Any], intrinsics: Any) -> set[str]:
    functions = functions_of(template, REPO, intrinsics).values()
    return {f.environment["CONTACT_LIST_NAME"] for f in functions if "CONTACT_LIST_NAME" in f.environment}


def test_a_named_list_is_created_if_absent_and_the_stack_creates_none_of_its_own(
    embedded: EmbeddedAws, template: dict[str, Any]
) -> None:
    intrinsics = embedded.provision(template, {"ExistingContactListName": EXISTING})

    assert contact_lists(embedded) == {EXISTING}
    assert "SubscriberContactList" not in intrinsics.refs
    assert list_names_the_functions_use(embedded, template, intrinsics) == {EXISTING}


def test_a_named_list_already_there_is_used_as_it_is(embedded: EmbeddedAws, template: dict[str, Any]) -> None:
    sesv2 = embedded.client("sesv2")
    sesv2.create_contact_list(ContactListName=EXISTING)
    sesv2.create_contact(ContactListName=EXISTING, EmailAddress="ana@example.com")

    embedded.provision(template, {"ExistingContactListName": EXISTING})

    assert contact_lists(embedded) == {EXISTING}
    assert [c["EmailAddress"] for c in sesv2.list_contacts(ContactListName=EXISTING)["Contacts"]] == ["ana@example.com"]


def test_left_empty_the_stack_creates_its_own_list(embedded: EmbeddedAws, template: dict[str, Any]) -> None:
    intrinsics = embedded.provision(template)

    (created,) = contact_lists(embedded)
    assert created == intrinsics.refs["SubscriberContactList"] == f"{LOGICAL_NAME_PREFIX}-subscribers"
    assert list_names_the_functions_use(embedded, template, intrinsics) == {created}
