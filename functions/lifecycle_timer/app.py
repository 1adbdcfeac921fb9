"""Lifecycle timer: fired by a one-time Scheduler schedule (settle check, quiet period check, postmortem reminder)."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from incident_comms.composition import TRACED_MODULES, services
from incident_comms.lifecycle.transitions import fire_timer, record_step

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = services()
    step = fire_timer(event, deps.lifecycle_for(context.invoked_function_arn), deps.clock.now())
    record_step(step, logger, metrics, MetricUnit.Count)
    return step.as_dict()
