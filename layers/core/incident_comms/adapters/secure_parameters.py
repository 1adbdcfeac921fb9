"""The stack's credentials as SSM Parameter Store SecureString parameters, created at deploy by a custom resource.

Why not Secrets Manager: three secrets cost $1.20 a month with nothing happening; standard SecureString parameters
and their reads cost nothing (issue 16, "idle costs nothing"). CloudFormation cannot create a SecureString, so the
template's ``SecureParameters`` custom resource asks the ``SecureParametersFunction`` to, through
:func:`answer_custom_resource`; the local stack calls :func:`ensure_parameters` itself with the same specification.

- **Created once, never overwritten.** A parameter that exists keeps its value on every create and update: a
  redeploy must never rotate the approval key (that kills every link sent) or the webhook token (that locks out
  Alertmanager). Rotating is the operator's ``aws ssm put-parameter --overwrite`` (README).
- **Generated where no value is given.** ``Generate`` is a number of random bytes, written URL-safe base64
  (:func:`secrets.token_urlsafe`); ``Value`` is a starting value the operator fills in (the chat webhooks' ``{}``).
- **Deleted with the stack.** A delete removes the parameters; one already gone is not an error.
- **Always answered.** CloudFormation waits an hour for a custom resource that never answers: every outcome,
  a failure included, is answered (``SUCCESS`` or ``FAILED`` with the reason).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from incident_comms.adapters.client_errors import error_code
from incident_comms.errors import BadInput

if TYPE_CHECKING:
    from mypy_boto3_ssm.client import SSMClient

MIN_GENERATED_BYTES = 16
MAX_VALUE_LENGTH = 4096
"""A standard parameter's largest value: anything larger would need the advanced (paid) tier."""


@dataclass(frozen=True)
class SecureParameter:
    """One parameter the stack owns: its name, and either how many random bytes it is generated from or the value
    it starts with."""

    name: str
    description: str = ""
    generate: int | None = None
    value: str | None = None


def parse_parameters(properties: Mapping[str, Any]) -> list[SecureParameter]:
    """The ``Parameters`` list of the custom resource's properties (CloudFormation passes every number as text);
    BadInput names what is wrong."""
    listed = properties.get("Parameters")
    if not isinstance(listed, list) or not listed:
        raise BadInput("SecureParameters needs Parameters: a list of {Name, Generate | Value}")
    found: list[SecureParameter] = []
    for position, item in enumerate(listed, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("Name"), str) or not item["Name"].startswith("/"):
            raise BadInput(f"parameter {position}: Name must be a path such as /incident-comms/stack/key")
        name, generate, value = item["Name"], item.get("Generate"), item.get("Value")
        if (generate is None) == (value is None):
            raise BadInput(f"{name}: give either Generate (random bytes) or Value, not both or neither")
        if generate is not None:
            if not str(generate).isdigit() or int(generate) < MIN_GENERATED_BYTES:
                raise BadInput(f"{name}: Generate must be a number of bytes, at least {MIN_GENERATED_BYTES}")
            generate = int(generate)
        elif not isinstance(value, str) or not value or len(value) > MAX_VALUE_LENGTH:
            raise BadInput(f"{name}: Value must be text of 1 to {MAX_VALUE_LENGTH} characters")
        found.append(SecureParameter(name, str(item.get("Description", "")), generate, value))
    return found


def ensure_parameters(
    ssm: SSMClient, parameters: list[SecureParameter], token: Callable[[int], str] = secrets.token_urlsafe
) -> list[str]:
    """Create each parameter that does not exist yet (SecureString, encrypted with the account's ``aws/ssm`` key);
    leave every existing one as it is. Answers the names created."""
    created: list[str] = []
    for parameter in parameters:
        value = token(parameter.generate) if parameter.generate is not None else str(parameter.value)
        request: dict[str, Any] = {"Name": parameter.name, "Value": value, "Type": "SecureString", "Overwrite": False}
        if parameter.description:
            request["Description"] = parameter.description
        try:
            ssm.put_parameter(**request)
        except ClientError as error:
            if error_code(error) != "ParameterAlreadyExists":
                raise
            continue
        created.append(parameter.name)
    return created


def delete_parameters(ssm: SSMClient, parameters: list[SecureParameter]) -> None:
    """Delete the stack's parameters; one already gone is what a delete wants."""
    for parameter in parameters:
        try:
            ssm.delete_parameter(Name=parameter.name)
        except ClientError as error:
            if error_code(error) != "ParameterNotFound":
                raise


def answer_custom_resource(event: Mapping[str, Any], ssm: SSMClient) -> dict[str, Any]:
    """What CloudFormation is told for one custom resource request (``Create``, ``Update``, ``Delete``): the body
    to PUT to its ``ResponseURL``. Never raises: a failure is answered ``FAILED`` with its reason, so a deploy
    fails at once instead of waiting an hour."""
    request = str(event.get("RequestType", ""))
    answer: dict[str, Any] = {
        "Status": "SUCCESS",
        "PhysicalResourceId": event.get("PhysicalResourceId") or f"{event.get('StackId', '')}/secure-parameters",
        "StackId": event.get("StackId", ""),
        "RequestId": event.get("RequestId", ""),
        "LogicalResourceId": event.get("LogicalResourceId", ""),
    }
    try:
        parameters = parse_parameters(event.get("ResourceProperties") or {})
        if request == "Delete":
            delete_parameters(ssm, parameters)
        elif request in ("Create", "Update"):
            ensure_parameters(ssm, parameters)
        else:
            raise BadInput(f"unknown RequestType {request!r}")
        answer["Data"] = {"Names": ",".join(parameter.name for parameter in parameters)}
    except (BadInput, ClientError) as error:
        if request == "Delete" and isinstance(error, BadInput):
            return answer
        answer.update(Status="FAILED", Reason=f"{type(error).__name__}: {error}"[:1000])
    return answer


def read_secure_parameter(ssm: SSMClient, name: str) -> str:
    """The decrypted value of ``name``."""
    found = ssm.get_parameter(Name=name, WithDecryption=True)
    return str(found["Parameter"].get("Value", ""))


def send_custom_resource_answer(response_url: str, answer: Mapping[str, Any], timeout: float = 10.0) -> None:
    """PUT ``answer`` to the pre-signed S3 URL CloudFormation gave (an empty content type, as the URL was signed)."""
    import json
    import urllib.request

    if not response_url.startswith("https://"):
        raise BadInput("ResponseURL must be CloudFormation's https URL")
    body = json.dumps(answer).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - https only, checked above
        response_url, data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=timeout):  # noqa: S310 - https only, checked above
        pass
