"""The stack's SecureString parameters (issue 16, idle costs nothing): created once by the custom resource, never
rotated by a redeploy, deleted with the stack, and CloudFormation always answered, under faults too."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from incident_comms.adapters.secure_parameters import (
    SecureParameter,
    answer_custom_resource,
    delete_parameters,
    ensure_parameters,
    parse_parameters,
)
from incident_comms.errors import BadInput
from incident_comms.local.faults import Faults
from tests.conftest import EVENTS

CREATE = json.loads((EVENTS / "cloudformation" / "secure-parameters-create.json").read_text(encoding="utf-8"))
NAMES = [item["Name"] for item in CREATE["ResourceProperties"]["Parameters"]]


def request(kind: str, **properties: Any) -> dict[str, Any]:
    event = {**CREATE, "RequestType": kind}
    if kind != "Create":
        event["PhysicalResourceId"] = f"{CREATE['StackId']}/secure-parameters"
    if properties:
        event["ResourceProperties"] = {**CREATE["ResourceProperties"], **properties}
    return event


def stored(ssm: Any) -> dict[str, tuple[str, str]]:
    found = {}
    for name in NAMES:
        try:
            parameter = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
        except ssm.exceptions.ParameterNotFound:
            continue
        found[name] = (parameter["Type"], parameter["Value"])
    return found


@pytest.fixture
def ssm(aws: None) -> Any:
    return boto3.client("ssm")


def test_create_makes_each_parameter_a_secure_string_generated_or_with_its_starting_value(ssm: Any) -> None:
    answer = answer_custom_resource(request("Create"), ssm)

    assert answer["Status"] == "SUCCESS", answer
    values = stored(ssm)
    assert {kind for kind, _ in values.values()} == {"SecureString"}
    key, token, webhooks = (values[name][1] for name in NAMES)
    assert len(key) == 64 and len(token) == 48 and key != token
    assert webhooks == "{}"
    assert answer["Data"] == {"Names": ",".join(NAMES)}


def test_no_redeploy_rotates_a_parameter_the_operator_may_have_set(ssm: Any) -> None:
    answer_custom_resource(request("Create"), ssm)
    filled = json.dumps({"chat-incidents": "https://hooks.example.com/x"})
    ssm.put_parameter(Name=NAMES[2], Value=filled, Type="SecureString", Overwrite=True)
    before = stored(ssm)

    again = answer_custom_resource(request("Create"), ssm)
    updated = answer_custom_resource(request("Update"), ssm)

    assert again["Status"] == updated["Status"] == "SUCCESS"
    assert stored(ssm) == before
    assert updated["PhysicalResourceId"] == again["PhysicalResourceId"], "a new id would make CloudFormation delete"


def test_delete_removes_them_all_and_a_second_delete_is_fine(ssm: Any) -> None:
    answer_custom_resource(request("Create"), ssm)

    first = answer_custom_resource(request("Delete"), ssm)
    second = answer_custom_resource(request("Delete"), ssm)

    assert first["Status"] == second["Status"] == "SUCCESS"
    assert stored(ssm) == {}


@pytest.mark.parametrize(
    ("parameters", "reason"),
    [
        (None, "needs Parameters"),
        ([{"Name": "no-slash", "Generate": "48"}], "must be a path"),
        ([{"Name": "/a/b", "Generate": "48", "Value": "x"}], "either Generate"),
        ([{"Name": "/a/b"}], "either Generate"),
        ([{"Name": "/a/b", "Generate": "8"}], "at least 16"),
        ([{"Name": "/a/b", "Generate": "lots"}], "number of bytes"),
        ([{"Name": "/a/b", "Value": "x" * 4097}], "1 to 4096"),
    ],
)
def test_a_malformed_resource_fails_the_deploy_with_the_reason_and_creates_nothing(
    ssm: Any, parameters: Any, reason: str
) -> None:
    answer = answer_custom_resource(request("Create", Parameters=parameters), ssm)

    assert answer["Status"] == "FAILED" and reason in answer["Reason"]
    assert ssm.describe_parameters()["Parameters"] == []


def test_a_malformed_resource_never_blocks_deleting_the_stack(ssm: Any) -> None:
    answer = answer_custom_resource(request("Delete", Parameters="garbage"), ssm)

    assert answer["Status"] == "SUCCESS"


def test_an_unknown_request_type_is_answered_failed(ssm: Any) -> None:
    answer = answer_custom_resource(request("Rename"), ssm)

    assert answer["Status"] == "FAILED" and "RequestType" in answer["Reason"]


def test_throttled_put_is_answered_failed_and_a_retried_deploy_completes_without_rotating(ssm: Any) -> None:
    puts: list[str] = []

    def second_put_throttled(params: dict[str, Any], **_: Any) -> None:
        puts.append(params["Name"])
        if len(puts) == 2:
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "PutParameter")

    ssm.meta.events.register("provide-client-params.ssm.PutParameter", second_put_throttled)

    failed = answer_custom_resource(request("Create"), ssm)
    created_before_the_fault = stored(ssm)
    retried = answer_custom_resource(request("Create"), ssm)

    assert failed["Status"] == "FAILED" and "ThrottlingException" in failed["Reason"]
    assert list(created_before_the_fault) == NAMES[:1]
    assert retried["Status"] == "SUCCESS"
    assert set(stored(ssm)) == set(NAMES)
    assert stored(ssm)[NAMES[0]] == created_before_the_fault[NAMES[0]]


def test_a_lost_answer_to_put_keeps_the_value_it_committed(ssm: Any) -> None:
    """The put committed, its answer was lost: boto3 sends it again, meets ParameterAlreadyExists, and the value
    the first try wrote stays (the generated key is never written twice)."""
    Faults(ssm).lose_answer("PutParameter")

    created = ensure_parameters(ssm, [SecureParameter(NAMES[0], generate=48)], token=lambda size: "v" * 64)

    assert created == [] or created == [NAMES[0]]
    assert stored(ssm)[NAMES[0]] == ("SecureString", "v" * 64)


def test_a_refused_delete_is_answered_failed_not_raised(ssm: Any) -> None:
    answer_custom_resource(request("Create"), ssm)
    Faults(ssm).refuse("DeleteParameter", code="AccessDeniedException")

    answer = answer_custom_resource(request("Delete"), ssm)

    assert answer["Status"] == "FAILED" and "AccessDenied" in answer["Reason"]


def test_parse_reads_numbers_given_as_text() -> None:
    (parameter,) = parse_parameters({"Parameters": [{"Name": "/x/y", "Generate": "32", "Description": "d"}]})

    assert parameter == SecureParameter("/x/y", "d", 32, None)
    with pytest.raises(BadInput):
        parse_parameters({"Parameters": []})


def test_deleting_what_is_not_there_is_not_an_error(ssm: Any) -> None:
    delete_parameters(ssm, [SecureParameter("/never/made", generate=32)])
