"""Delivery report: fired by a one-time Scheduler schedule after a publication; emails the comms lead once."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from incident_comms.composition import TRACED_MODULES, services
from incident_comms.delivery.report.use_cases import ReportNotSent, record_outcome, send_delivery_report

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = services()
    outcome = send_delivery_report(
        event,
        deps.plan,
        deps.store,
        deps.batch_ledger,
        deps.bounce_ledger,
        deps.report_ledger,
        deps.email_sender,
        deps.clock.now(),
    )
    record_outcome(outcome, logger, metrics, MetricUnit.Count)
    ReportNotSent.raise_for(outcome)
    return outcome.as_dict()
