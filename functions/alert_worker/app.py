"""Alert worker: applies the alert webhooks the webhook function accepted and queued, one group per message."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from incident_comms.composition import TRACED_MODULES, services
from incident_comms.intake.groups import apply_queued_webhook
from incident_comms.intake.ingest import record_report

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)


def apply(record: SQSRecord) -> None:
    deps = services()
    report = apply_queued_webhook(
        record.body,
        deps.webhook_bodies,
        deps.plan,
        deps.store,
        deps.alarm_batches,
        deps.clock,
        deps.approval_requests,
        deps.lifecycle,
    )
    record_report(report, logger, metrics, MetricUnit.Count)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=apply, processor=processor, context=context)
