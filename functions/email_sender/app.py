"""Email sender: each email batch queue message is up to 50 customer emails, sent once, paced under SES's rate."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from incident_comms.composition import TRACED_MODULES, services
from incident_comms.delivery.email.batches.use_cases import MAX_RECEIVES, BatchInFlight, BatchThrottled, record_outcome

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
"""A throttled batch is expected, not an error: it is reported as an item failure and SQS delivers it again."""


def send(record: SQSRecord) -> None:
    """Send one batch; a throttled or in-flight batch raises, so SQS delivers it again later."""
    deps = services()
    last_attempt = int(record.attributes.approximate_receive_count or 1) >= MAX_RECEIVES
    try:
        outcome = deps.email_batch_sender.send(record.json_body, deps.clock.now(), last_attempt=last_attempt)
    except (BatchThrottled, BatchInFlight) as later:
        logger.info("email batch handed back to the queue", extra={"reason": str(later)})
        metrics.add_metric(name="EmailBatchesRetried", unit=MetricUnit.Count, value=1)
        raise
    record_outcome(outcome, logger, metrics, MetricUnit.Count)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=send, processor=processor, context=context)
