"""The subscribers' SES contact list coexists with another stack's and survives the stack (issue 15, part 1).

SES allows one contact list per account and region: a second stack (staging beside production) names the existing
list with ``ExistingContactListName`` and creates none. A list the stack creates is retained on delete and on
replacement (deleting it deletes every subscriber), and declares no topics: the code adds one per plan component at
run time, so the template must not own them too (an update would wipe them).
"""

from __future__ import annotations

from typing import Any

import pytest

from incident_comms.local.cfn import Intrinsics, parameter_defaults

CONTACT_LIST = {"Fn::If": ["CreatesContactList", {"Ref": "SubscriberContactList"}, {"Ref": "ExistingContactListName"}]}


def mentions(value: Any, name: str) -> bool:
    """Whether ``value`` refers to ``name`` anywhere (``Ref``, ``GetAtt`` or inside a ``Sub`` string)."""
    if isinstance(value, dict):
        return any(mentions(item, name) for item in value.values())
    if isinstance(value, list):
        return any(mentions(item, name) for item in value)
    return isinstance(value, str) and (value == name or "${" + name + "}" in value)


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def test_the_list_the_stack_creates_is_retained_and_declares_no_topics(template: dict[str, Any]) -> None:
    contact_list = template["Resources"]["SubscriberContactList"]

    assert contact_list["Condition"] == "CreatesContactList"
    assert (contact_list["DeletionPolicy"], contact_list["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert "Topics" not in contact_list["Properties"]
    assert template["Parameters"]["ExistingContactListName"]["Default"] == ""
    assert template["Conditions"]["CreatesContactList"] == {"Fn::Equals": [{"Ref": "ExistingContactListName"}, ""]}


def test_every_function_names_the_list_through_the_condition(template: dict[str, Any]) -> None:
    named = {
        logical_id: properties["Environment"]["Variables"]["CONTACT_LIST_NAME"]
        for logical_id, properties in functions(template).items()
        if "CONTACT_LIST_NAME" in properties.get("Environment", {}).get("Variables", {})
    }

    assert len(named) >= 5
    assert all(value == CONTACT_LIST for value in named.values()), named


def test_every_grant_on_the_list_names_it_through_the_condition(template: dict[str, Any]) -> None:
    """A bare ``${SubscriberContactList}`` would not resolve when the stack creates no list."""
    grants = [
        statement["Resource"]
        for properties in functions(template).values()
        for policy in properties.get("Policies", [])
        for statement in policy["Statement"]
        if mentions(statement["Resource"], "SubscriberContactList")
    ]

    assert len(grants) >= 5
    for resource in grants:
        text, variables = resource["Fn::Sub"]
        assert text.endswith(":contact-list/${ContactList}")
        assert variables == {"ContactList": CONTACT_LIST}


@pytest.mark.parametrize(
    ("existing", "created", "name"), [("", True, "stack-subscribers"), ("production-subscribers", False, None)]
)
def test_an_existing_list_is_used_and_none_created(
    template: dict[str, Any], existing: str, created: bool, name: str | None
) -> None:
    intrinsics = Intrinsics({**parameter_defaults(template), "ExistingContactListName": existing}, {}, {})
    intrinsics.refs["SubscriberContactList"] = "stack-subscribers"
    intrinsics.evaluate_conditions(template)

    assert intrinsics.holds(template["Resources"]["SubscriberContactList"]) is created
    assert intrinsics.resolve(CONTACT_LIST) == (name or existing)
    arn = intrinsics.resolve(
        {"Fn::Sub": ["arn:aws:ses:eu-west-1:1:contact-list/${ContactList}", {"ContactList": CONTACT_LIST}]}
    )
    assert arn == f"arn:aws:ses:eu-west-1:1:contact-list/{name or existing}"
