"""Ingest: CloudWatch (EventBridge, SNS, alarm action), Alertmanager and Grafana alarms into incidents."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from incident_comms.composition import TRACED_MODULES, services
from incident_comms.intake.ingest import ingest_event, record_report

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = services()
    report = ingest_event(event, deps.plan, deps.store, deps.clock, deps.approval_requests, deps.lifecycle)
    record_report(report, logger, metrics, MetricUnit.Count)
    return report.as_dict()
