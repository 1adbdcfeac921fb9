"""Publication sweeper: when a one-time schedule armed it (and hourly as a backstop), asks again for approved updates
whose hand-off to the publisher failed, resumes channel deliveries a publisher left unfinished, and arms the next
sweep while any of that is still open."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from incident_comms.approvals.rearm import rearm_approval_timeouts, record_rearm
from incident_comms.composition import TRACED_MODULES, services
from incident_comms.delivery.sweeper import record_sweep, resend_stalled_publications, resume_deliveries
from incident_comms.delivery.sweeps import arm_sweep, record_sweep_armed

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics()


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = services()
    if deps.publish_queue is None:
        raise RuntimeError("PUBLISH_QUEUE_URL is not set: the function runs outside its template")
    now = deps.clock.now()
    report = resend_stalled_publications(deps.store, deps.publish_queue, now)
    report = resume_deliveries(deps.plan, deps.store, deps.channel_publishers, deps.operators, now, report=report)
    record_sweep(report, logger, metrics, MetricUnit.Count)
    rearmed = rearm_approval_timeouts(deps.store, deps.approval_requests, deps.clock.now())
    record_rearm(rearmed, logger, metrics, MetricUnit.Count)
    if report.still_open or rearmed.failed:
        record_sweep_armed(arm_sweep(deps.sweeps, now), logger, metrics, MetricUnit.Count)
    return report.counts()
