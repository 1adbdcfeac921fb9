"""template.yaml keeps the stack's credentials in SecureString parameters its custom resource creates: every name a
function reads is one the resource creates, each function may read only the ones it is given, and nothing of
Secrets Manager (a dollar a month idle) is left."""

from __future__ import annotations

import json
from typing import Any

from incident_comms.local.cfn import resources_of_type

PATH = "/incident-comms/${AWS::StackName}"
ARN = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"


def sub(value: Any) -> str:
    assert isinstance(value, dict) and set(value) == {"Fn::Sub"}, value
    text: str = value["Fn::Sub"]
    return text


def created(template: dict[str, Any]) -> set[str]:
    (resource,) = resources_of_type(template, "Custom::SecureParameters").values()
    return {sub(parameter["Name"]) for parameter in resource["Parameters"]}


def statements(properties: dict[str, Any]) -> list[dict[str, Any]]:
    return [statement for policy in properties.get("Policies", []) for statement in policy["Statement"]]


def test_the_custom_resource_creates_the_three_credentials_under_the_stacks_path(template: dict[str, Any]) -> None:
    assert created(template) == {f"{PATH}/approval-key", f"{PATH}/webhook-token", f"{PATH}/chat-webhooks"}


def test_every_parameter_a_function_reads_is_created_and_readable_by_it_alone(template: dict[str, Any]) -> None:
    names = created(template)
    read_somewhere: set[str] = set()
    shared = {
        key: sub(value)
        for key, value in template["Globals"]["Function"]["Environment"]["Variables"].items()
        if key.endswith("_PARAMETER")
    }
    for logical_id, properties in resources_of_type(template, "AWS::Serverless::Function").items():
        variables = properties.get("Environment", {}).get("Variables", {})
        given = {**shared, **{key: sub(value) for key, value in variables.items() if key.endswith("_PARAMETER")}}
        assert set(given.values()) <= names, logical_id
        readable = {
            sub(resource).removeprefix(ARN)
            for statement in statements(properties)
            if "ssm:GetParameter" in statement["Action"]
            for resource in (
                [statement["Resource"]] if isinstance(statement["Resource"], dict) else statement["Resource"]
            )
        }
        assert readable <= set(given.values()), f"{logical_id} may read a parameter it is not given"
        read_somewhere |= readable
    assert read_somewhere == names


def test_only_the_custom_resources_function_may_write_them_and_only_those(template: dict[str, Any]) -> None:
    names = created(template)
    for logical_id, properties in resources_of_type(template, "AWS::Serverless::Function").items():
        for statement in statements(properties):
            if {"ssm:PutParameter", "ssm:DeleteParameter"} & set(statement["Action"]):
                assert logical_id == "SecureParametersFunction"
                assert {sub(resource).removeprefix(ARN) for resource in statement["Resource"]} == names


def test_no_secrets_manager_is_left(template: dict[str, Any]) -> None:
    text = json.dumps(template)

    assert "AWS::SecretsManager" not in text and "secretsmanager:" not in text
