"""Publisher: each publish queue message is one approved message version, delivered on all its channels."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from incident_comms.composition import TRACED_MODULES, services
from incident_comms.delivery.publishing import publish_message, record_report
from incident_comms.delivery.report.use_cases import record_scheduling, schedule_report
from incident_comms.delivery.sweeps import arm_sweep, record_sweep_armed
from incident_comms.lifecycle.transitions import record_step

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)


def publish(record: SQSRecord) -> None:
    deps = services()
    now = deps.clock.now()
    record_sweep_armed(arm_sweep(deps.sweeps, now), logger, metrics, MetricUnit.Count)
    report = publish_message(
        record.body, deps.plan, deps.store, deps.channel_publishers, now, deps.update_schedules, deps.operators
    )
    record_report(report, logger, metrics, MetricUnit.Count)
    record_step(deps.lifecycle.message_published(report, now), logger, metrics, MetricUnit.Count)
    schedules = deps.delivery_report_schedules
    scheduled = schedule_report(report, schedules, deps.store, now, deps.settings.report_delay, deps.operators)
    record_scheduling(scheduled, logger, metrics, MetricUnit.Count)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=publish, processor=processor, context=context)
