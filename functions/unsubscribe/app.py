"""One-click unsubscribe (RFC 8058) in the subscriber's language: GET and HEAD show the address and a button and
change nothing; POST unsubscribes and offers the undo."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from incident_comms.composition import TRACED_MODULES, services
from incident_comms.subscribers.manage import record_subscription_page
from incident_comms.subscribers.manage_pages import SubscriptionPage
from incident_comms.subscribers.unsubscribe import confirm_unsubscribe, show_unsubscribe
from incident_comms.web import PAGE_HEADERS, HttpRequest

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics()
app = APIGatewayHttpResolver(debug=False)


def answer(page: SubscriptionPage, *, with_body: bool = True) -> Response[str]:
    record_subscription_page(page, logger, metrics, MetricUnit.Count)
    return Response(status_code=page.status, headers=dict(PAGE_HEADERS), body=page.html if with_body else "")


@app.get("/unsubscribe/<token>")
def page(token: str) -> Response[str]:
    deps = services()
    return answer(show_unsubscribe(deps.plan, deps.subscribers, token, deps.approval_key, logger))


@app.head("/unsubscribe/<token>")
def page_head(token: str) -> Response[str]:
    deps = services()
    return answer(show_unsubscribe(deps.plan, deps.subscribers, token, deps.approval_key, logger), with_body=False)


@app.post("/unsubscribe/<token>")
def one_click(token: str) -> Response[str]:
    deps = services()
    base_url = deps.settings.approvals_base_url or HttpRequest.from_event(app.current_event.raw_event).base_url
    return answer(
        confirm_unsubscribe(deps.plan, deps.subscribers, token, deps.approval_key, base_url, deps.clock.now())
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
