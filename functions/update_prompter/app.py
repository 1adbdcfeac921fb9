"""Update prompter: fired by an incident's update schedule when a promised update is due, or overdue."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from incident_comms.composition import TRACED_MODULES, services
from incident_comms.lifecycle.prompter import prompt, record_prompt

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = services()
    schedules = deps.update_schedules_for(context.invoked_function_arn)
    report = prompt(event, deps.plan, deps.store, deps.approval_requests, schedules, deps.clock.now())
    record_prompt(report, logger, metrics, MetricUnit.Count)
    return report.as_dict()
