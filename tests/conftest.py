"""Shared fixtures: the repo's plan and template, and moto AWS with the table built from template.yaml."""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.faults import no_retry_waits  # noqa: F401 - a fixture for every test that injects faults

REPO = Path(__file__).resolve().parent.parent
EVENTS = REPO / "events"

for _name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
    os.environ.pop(_name, None)
os.environ.update(
    {
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_METRICS_NAMESPACE": "IncidentComms",
        "POWERTOOLS_SERVICE_NAME": "incident-comms",
        "POWERTOOLS_DEV": "false",
    }
)


def load_event(name: str) -> Any:
    """A sample inbound payload from events/, shared by tests and docs."""
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    from incident_comms.local.cfn import load_template

    return load_template(REPO / "template.yaml")


@pytest.fixture(scope="session")
def plan():  # type: ignore[no-untyped-def]
    from incident_comms.lint.plan_texts import load_checked_plan

    return load_checked_plan(REPO / "plan")


@pytest.fixture
def aws() -> Iterator[None]:
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture
def table_name(aws: None, template: dict[str, Any]) -> str:
    """The incidents table, created from the template's own AWS::DynamoDB::Table definition."""
    import boto3

    from incident_comms.local.cfn import create_table_request, resources_of_type

    (properties,) = resources_of_type(template, "AWS::DynamoDB::Table").values()
    client = boto3.client("dynamodb")
    client.create_table(**create_table_request(properties, "incidents-test"))
    return "incidents-test"


APPROVAL_KEY = "k" * 64
"""The approval link key tests store in their parameter (as the template's approval-key parameter holds one)."""


@pytest.fixture
def approval_key_parameter(aws: None) -> str:
    """A SecureString parameter like the template's approval key; answers its name."""
    import boto3

    name = "/incident-comms/test/approval-key"
    boto3.client("ssm").put_parameter(Name=name, Value=APPROVAL_KEY, Type="SecureString")
    return name


@pytest.fixture
def store(table_name: str):  # type: ignore[no-untyped-def]
    import boto3

    from incident_comms.adapters.dynamodb import DynamoIncidentStore

    return DynamoIncidentStore(boto3.client("dynamodb"), table_name)


@dataclass
class FakeLambdaContext:
    function_name: str = "test-function"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:test-function"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


def load_handler_module(function: str) -> ModuleType:
    """Import ``functions/<function>/app.py`` as Lambda would, without touching sys.path."""
    path = REPO / "functions" / function / "app.py"
    spec = importlib.util.spec_from_file_location(f"functions_{function}_app", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
