"""Maintenance timer: fired by a maintenance's one-time schedules (announcements, start, end)."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from incident_comms.composition import TRACED_MODULES, services
from incident_comms.scheduled_maintenance.use_cases import fire_step, record_outcome

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = services()
    answer = fire_step(deps.maintenances, event, deps.clock.now())
    record_outcome("step", answer, logger, metrics, MetricUnit.Count)
    return answer
