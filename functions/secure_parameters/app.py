"""Secure parameters: the custom resource that creates the stack's SecureString parameters at deploy (CloudFormation
cannot), keeps them on every update and deletes them with the stack."""

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from incident_comms.adapters.secure_parameters import answer_custom_resource, send_custom_resource_answer
from incident_comms.composition import TRACED_MODULES, services

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = services()
    answer = answer_custom_resource(event, deps.ssm)
    logger.info("custom resource answered", extra={"request": event.get("RequestType"), "status": answer["Status"]})
    send_custom_resource_answer(str(event.get("ResponseURL", "")), answer)
    return answer
