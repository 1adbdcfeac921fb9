"""Subscribe with double opt-in: the form (GET) emails a confirmation link (POST); the link's page (GET, HEAD) shows
a button and changes nothing; its POST subscribes. The subscriber's own links work alike: the manage page (GET shows
components and language, POST changes them) and the undo of an unsubscribe (POST subscribes again, once)."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from incident_comms.composition import TRACED_MODULES, services
from incident_comms.subscribers.manage import (
    change_subscription,
    record_subscription_page,
    show_manage,
    show_undo,
    undo_unsubscribe,
)
from incident_comms.subscribers.manage_pages import SubscriptionPage
from incident_comms.subscribers.subscribe import (
    confirm_subscription,
    record_subscribe_page,
    request_subscription,
    show_confirmation,
    show_form,
)
from incident_comms.subscribers.subscribe_pages import SubscribePage
from incident_comms.web import PAGE_HEADERS, HttpRequest

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics()
app = APIGatewayHttpResolver(debug=False)


def answer(page: SubscribePage, *, with_body: bool = True) -> Response[str]:
    record_subscribe_page(page, logger, metrics, MetricUnit.Count)
    return Response(status_code=page.status, headers=dict(PAGE_HEADERS), body=page.html if with_body else "")


@app.get("/subscribe")
def form() -> Response[str]:
    return answer(show_form(services().plan, app.current_event.get_query_string_value("locale")))


@app.post("/subscribe")
def subscription_request() -> Response[str]:
    deps = services()
    request = HttpRequest.from_event(app.current_event.raw_event)
    page = request_subscription(
        request,
        deps.plan,
        deps.email_sender,
        deps.confirmation_limiter,
        deps.approval_key,
        deps.settings.approvals_base_url or request.base_url,
        deps.clock.now(),
    )
    return answer(page)


@app.get("/subscribe/confirm/<token>")
def confirmation(token: str) -> Response[str]:
    deps = services()
    return answer(show_confirmation(deps.plan, token, deps.approval_key, deps.clock.now()))


@app.head("/subscribe/confirm/<token>")
def confirmation_head(token: str) -> Response[str]:
    deps = services()
    return answer(show_confirmation(deps.plan, token, deps.approval_key, deps.clock.now()), with_body=False)


@app.post("/subscribe/confirm/<token>")
def confirm(token: str) -> Response[str]:
    deps = services()
    request = HttpRequest.from_event(app.current_event.raw_event)
    page = confirm_subscription(request, deps.plan, deps.subscribers, token, deps.approval_key, deps.clock.now())
    return answer(page)


def answer_own(page: SubscriptionPage, *, with_body: bool = True) -> Response[str]:
    record_subscription_page(page, logger, metrics, MetricUnit.Count)
    return Response(status_code=page.status, headers=dict(PAGE_HEADERS), body=page.html if with_body else "")


@app.get("/subscribe/manage/<token>")
def manage_page(token: str) -> Response[str]:
    deps = services()
    return answer_own(show_manage(deps.plan, deps.subscribers, token, deps.approval_key, deps.clock.now()))


@app.head("/subscribe/manage/<token>")
def manage_page_head(token: str) -> Response[str]:
    deps = services()
    page = show_manage(deps.plan, deps.subscribers, token, deps.approval_key, deps.clock.now())
    return answer_own(page, with_body=False)


@app.post("/subscribe/manage/<token>")
def manage(token: str) -> Response[str]:
    deps = services()
    request = HttpRequest.from_event(app.current_event.raw_event)
    return answer_own(
        change_subscription(request, deps.plan, deps.subscribers, token, deps.approval_key, deps.clock.now())
    )


@app.get("/subscribe/undo/<token>")
def undo_page(token: str) -> Response[str]:
    deps = services()
    return answer_own(show_undo(deps.plan, token, deps.approval_key, deps.clock.now()))


@app.head("/subscribe/undo/<token>")
def undo_page_head(token: str) -> Response[str]:
    deps = services()
    return answer_own(show_undo(deps.plan, token, deps.approval_key, deps.clock.now()), with_body=False)


@app.post("/subscribe/undo/<token>")
def undo(token: str) -> Response[str]:
    deps = services()
    request = HttpRequest.from_event(app.current_event.raw_event)
    page = undo_unsubscribe(
        request, deps.plan, deps.subscribers, deps.undo_ledger, token, deps.approval_key, deps.clock.now()
    )
    return answer_own(page)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
