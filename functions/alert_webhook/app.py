"""Alert webhook: Prometheus Alertmanager and Grafana post here (HTTP API), with a bearer token; kept and queued."""

import base64
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from incident_comms.composition import TRACED_MODULES, services
from incident_comms.intake.webhooks import accept_webhook, record_answer

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics()
app = APIGatewayHttpResolver()


def raw_body(body: str | None, encoded: bool) -> bytes | str:
    """The body as sent, undecoded: the token is checked before a byte of it is read as text."""
    return base64.b64decode(body or "") if encoded else (body or "")


@app.post("/webhooks/alerts")
def alerts() -> Response[dict[str, Any]]:
    deps = services()
    event = app.current_event
    answer = accept_webhook(
        event.headers.get("authorization"),
        raw_body(event.body, event.is_base64_encoded),
        deps.webhook_token,
        deps.webhook_bodies,
        deps.webhook_queue,
        deps.clock,
    )
    record_answer(answer, logger, metrics, MetricUnit.Count)
    return Response(status_code=answer.status, content_type=content_types.APPLICATION_JSON, body=answer.body)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
