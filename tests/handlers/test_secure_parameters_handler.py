"""The custom resource function: answers CloudFormation at its pre-signed URL, and a lost answer is retried without
rotating what the first try created."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from types import ModuleType
from typing import Any

import boto3
import pytest

from incident_comms.errors import BadInput
from tests.conftest import EVENTS, FakeLambdaContext, load_handler_module
from tests.handlers.conftest import ComposeServices

CREATE = json.loads((EVENTS / "cloudformation" / "secure-parameters-create.json").read_text(encoding="utf-8"))
NAMES = [item["Name"] for item in CREATE["ResourceProperties"]["Parameters"]]


class CloudFormation:
    """Stands in for the pre-signed S3 URL: records each PUT, or loses the first ``lost`` of them."""

    def __init__(self, lost: int = 0) -> None:
        self.answers: list[dict[str, Any]] = []
        self.lost = lost

    def urlopen(self, request: urllib.request.Request, timeout: float) -> Any:
        assert request.get_method() == "PUT" and request.full_url == CREATE["ResponseURL"]
        assert request.get_header("Content-type") == ""
        if self.lost:
            self.lost -= 1
            raise urllib.error.URLError("connection reset")
        assert isinstance(request.data, bytes)
        self.answers.append(json.loads(request.data))
        return _Closing()


class _Closing:
    def __enter__(self) -> _Closing:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.fixture
def function(compose_services: ComposeServices) -> ModuleType:
    compose_services()
    return load_handler_module("secure_parameters")


def values() -> dict[str, str]:
    ssm = boto3.client("ssm")
    return {name: ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] for name in NAMES}


def test_create_makes_the_parameters_and_answers_success_at_the_response_url(
    function: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    cloudformation = CloudFormation()
    monkeypatch.setattr(urllib.request, "urlopen", cloudformation.urlopen)

    function.lambda_handler(CREATE, FakeLambdaContext())

    (answer,) = cloudformation.answers
    assert answer["Status"] == "SUCCESS"
    assert (answer["RequestId"], answer["LogicalResourceId"]) == (CREATE["RequestId"], "SecureParameters")
    assert set(values()) == set(NAMES)
    assert not any(value in json.dumps(answer) for value in values().values() if value != "{}"), "no secret answered"


def test_a_lost_answer_is_retried_and_the_retry_keeps_what_the_first_try_created(
    function: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    cloudformation = CloudFormation(lost=1)
    monkeypatch.setattr(urllib.request, "urlopen", cloudformation.urlopen)

    with pytest.raises(urllib.error.URLError):
        function.lambda_handler(CREATE, FakeLambdaContext())
    first = values()
    function.lambda_handler(CREATE, FakeLambdaContext())

    assert [answer["Status"] for answer in cloudformation.answers] == ["SUCCESS"]
    assert values() == first


def test_an_answer_url_that_is_not_https_is_refused(function: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    cloudformation = CloudFormation()
    monkeypatch.setattr(urllib.request, "urlopen", cloudformation.urlopen)

    with pytest.raises(BadInput):
        function.lambda_handler({**CREATE, "ResponseURL": "http://example.com/x"}, FakeLambdaContext())

    assert cloudformation.answers == []
