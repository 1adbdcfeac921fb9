"""template.yaml is the deployment truth: its handlers import, its table is the one tests use, IAM is scoped."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import boto3
import pytest

from incident_comms.local.cfn import resources_of_type
from tests.conftest import REPO, load_handler_module


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return resources_of_type(template, "AWS::Serverless::Function")


def test_template_passes_cfn_lint() -> None:
    from cfnlint.api import lint_file

    problems = [str(match) for match in lint_file(REPO / "template.yaml")]
    assert problems == []


def test_every_handler_resolves_to_a_callable(template: dict[str, Any]) -> None:
    assert functions(template), "the template declares no function"
    for logical_id, properties in functions(template).items():
        module_name, _, attribute = properties["Handler"].rpartition(".")
        code = REPO / properties["CodeUri"]
        assert (code / f"{module_name}.py").is_file(), f"{logical_id}: {code}/{module_name}.py missing"
        module = load_handler_module(Path(properties["CodeUri"]).name)
        assert callable(getattr(module, attribute, None)), f"{logical_id}: {properties['Handler']} is not callable"


def test_tests_use_the_templates_own_table(table_name: str, template: dict[str, Any]) -> None:
    (properties,) = resources_of_type(template, "AWS::DynamoDB::Table").values()
    table = boto3.client("dynamodb").describe_table(TableName=table_name)["Table"]

    assert table["KeySchema"] == properties["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(properties["AttributeDefinitions"], key=str)
    assert [index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])] == [
        index["IndexName"] for index in properties["GlobalSecondaryIndexes"]
    ]


def test_table_is_durable_encrypted_and_expires_dedup_records(template: dict[str, Any]) -> None:
    (properties,) = resources_of_type(template, "AWS::DynamoDB::Table").values()

    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_layer_requirements_equal_the_runtime_dependencies() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    lines = (REPO / "layers/core/requirements.txt").read_text().splitlines()
    layer = [line.strip() for line in lines if line.strip() and not line.startswith("#")]

    assert sorted(layer) == sorted(project["dependencies"])
    assert not any(re.match(r"moto\b", requirement) for requirement in layer), "moto never goes in the layer"


def test_core_layer_is_compiled_for_the_functions_runtime_and_platform(template: dict[str, Any]) -> None:
    """Bytecode is valid only for the Python that wrote it: a runtime bump in the template without the layer's
    Makefile would ship bytecode the functions ignore, and every cold start would compile from source again."""
    makefile = (REPO / "layers/core/Makefile").read_text()
    settings = dict(re.findall(r"^([A-Z]+) :?= (\S+)$", makefile, re.MULTILINE))
    globals_ = template["Globals"]["Function"]
    layer = template["Resources"]["CoreLayer"]

    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert globals_["Runtime"] == f"python{settings['RUNTIME']}"
    assert layer["Properties"]["CompatibleRuntimes"] == [globals_["Runtime"]]
    assert globals_["Architectures"] == ["arm64"] and settings["PLATFORM"].endswith("_aarch64")
    assert "--invalidation-mode checked-hash" in makefile, "SAM zips files dated 1980: timestamp .pyc never validate"


def _statements(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for logical_id, properties in functions(template).items():
        for policy in properties.get("Policies", []):
            assert isinstance(policy, dict) and "Statement" in policy, f"{logical_id}: use explicit statements"
            found += [(logical_id, statement) for statement in policy["Statement"]]
    return found


def test_iam_never_grants_every_resource_or_action(template: dict[str, Any]) -> None:
    statements = _statements(template)
    assert statements
    for logical_id, statement in statements:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert "*" not in resources, f"{logical_id} {statement.get('Sid')}: Resource '*'"
        assert not any(action.endswith("*") for action in actions), f"{logical_id}: wildcard action"


APPROVAL_TIMEOUTS = (
    "arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/${IncidentScheduleGroup}/approval-*"
)


FIRST_DRAFT_ONLY = {"DeclareFunction", "PublicationSweeperFunction"}
"""Functions that draft only an incident's first message (it supersedes nothing), or only re-arm timeouts that could
not be armed (the sweeper): they delete no timeout."""


def test_every_function_that_drafts_may_delete_the_approval_timeouts_its_drafts_supersede(
    template: dict[str, Any],
) -> None:
    drafting = {
        logical_id
        for logical_id, properties in functions(template).items()
        if "APPROVAL_TIMEOUT_FUNCTION_ARN" in properties.get("Environment", {}).get("Variables", {})
    } - FIRST_DRAFT_ONLY
    deleting = {
        logical_id
        for logical_id, statement in _statements(template)
        if "scheduler:DeleteSchedule" in statement["Action"] and statement["Resource"] == {"Fn::Sub": APPROVAL_TIMEOUTS}
    }
    assert drafting == deleting
    assert {"IngestAlarmFunction", "ApprovalsApiFunction", "LifecycleTimerFunction"} <= drafting


@pytest.mark.parametrize("needed", ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"])
def test_ingest_may_make_the_transactional_writes_it_makes(template: dict[str, Any], needed: str) -> None:
    actions = {
        action
        for logical_id, statement in _statements(template)
        if logical_id == "IngestAlarmFunction"
        for action in statement["Action"]
    }
    assert needed in actions


def test_declaring_from_a_program_takes_iam_and_the_declare_page_takes_its_signed_link(
    template: dict[str, Any],
) -> None:
    events = functions(template)["DeclareFunction"]["Events"]
    routes = {
        (event["Properties"]["Method"], event["Properties"]["Path"]): event["Properties"] for event in events.values()
    }

    assert routes[("POST", "/incidents")]["Auth"] == {"Authorizer": "AWS_IAM"}
    assert {("GET", "/declare/{token}"), ("HEAD", "/declare/{token}"), ("POST", "/declare/{token}")} < set(routes)
    assert not any("Auth" in properties for key, properties in routes.items() if key[1] != "/incidents")
    api = template["Resources"]["ApprovalsApi"]["Properties"]
    assert api["Auth"] == {"EnableIamAuthorizer": True} and "DefaultAuthorizer" not in api["Auth"]
