"""Approval timeout: fired by a one-time Scheduler schedule; publishes the holding text nobody had to approve."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from incident_comms.approvals.timeout import approval_timed_out, record_outcome
from incident_comms.composition import TRACED_MODULES, services

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = services()
    outcome = approval_timed_out(event, deps.plan, deps.store, deps.email_sender, deps.clock.now(), deps.publish_queue)
    record_outcome(outcome, logger, metrics, MetricUnit.Count)
    return outcome.as_dict()
