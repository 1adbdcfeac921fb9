"""Email feedback: SES bounce and complaint events (SNS, from the configuration set) recorded once and suppressed."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from incident_comms.composition import TRACED_MODULES, services
from incident_comms.delivery.email.feedback import record_feedback

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics()


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Bad input is answered, not raised: SNS retrying it would only repeat the rejection. AWS errors raise, so
    Lambda retries the notification and, failing that, leaves it in the dead-letter queue."""
    deps = services()
    outcomes = deps.email_feedback.handle_sns_event(event, deps.clock.now())
    for outcome in outcomes:
        record_feedback(outcome, logger, metrics, MetricUnit.Count)
    return {"outcomes": [outcome.as_dict() for outcome in outcomes]}
