"""Approvals API: the page of an approval link (GET, HEAD: shows, changes nothing) and its decision (POST); the
incident console of a person's console link (GET, HEAD: shows; POST: one change through the lifecycle)."""

from dataclasses import replace
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from incident_comms.approvals.pages import Page, record_page
from incident_comms.approvals.use_cases import review, submit
from incident_comms.composition import TRACED_MODULES, services
from incident_comms.console.pages import ConsolePage, record_console
from incident_comms.console.use_cases import act_on_console, show_console
from incident_comms.web import PAGE_HEADERS, HttpRequest

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics()
app = APIGatewayHttpResolver(debug=False)


def answer(page: Page, *, with_body: bool = True) -> Response[str]:
    record_page(page, logger, metrics, MetricUnit.Count)
    return Response(status_code=page.status, headers=dict(PAGE_HEADERS), body=page.html if with_body else "")


def shown(token: str) -> Page:
    deps = services()
    base_url = HttpRequest.from_event(app.current_event.raw_event).base_url
    return review(token, deps.plan, deps.store, deps.approval_key, deps.clock.now(), base_url)


@app.get("/approvals/<token>")
def page(token: str) -> Response[str]:
    return answer(shown(token))


@app.head("/approvals/<token>")
def page_head(token: str) -> Response[str]:
    return answer(shown(token), with_body=False)


@app.post("/approvals/<token>")
def decision(token: str) -> Response[str]:
    deps = services()
    request = HttpRequest.from_event(app.current_event.raw_event)
    approvals = replace(deps.approval_requests, base_url=request.base_url)
    outcome = submit(
        token, request, deps.plan, deps.store, deps.approval_key, deps.clock.now(), approvals, deps.publish_queue
    )
    return answer(outcome)


def console_answer(page: ConsolePage, *, with_body: bool = True) -> Response[str]:
    record_console(page, logger, metrics, MetricUnit.Count)
    return Response(status_code=page.status, headers=dict(PAGE_HEADERS), body=page.html if with_body else "")


def console_shown(token: str) -> ConsolePage:
    deps = services()
    base_url = HttpRequest.from_event(app.current_event.raw_event).base_url
    return show_console(token, deps.plan, deps.store, deps.approval_key, deps.clock.now(), base_url)


@app.get("/console/<token>")
def console(token: str) -> Response[str]:
    return console_answer(console_shown(token))


@app.head("/console/<token>")
def console_head(token: str) -> Response[str]:
    return console_answer(console_shown(token), with_body=False)


@app.post("/console/<token>")
def console_change(token: str) -> Response[str]:
    deps = services()
    request = HttpRequest.from_event(app.current_event.raw_event)
    lifecycle = replace(deps.lifecycle, approvals=replace(deps.lifecycle.approvals, base_url=request.base_url))
    page = act_on_console(
        token, request, deps.plan, deps.store, deps.approval_key, deps.clock.now(), lifecycle, request.base_url
    )
    return console_answer(page)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
