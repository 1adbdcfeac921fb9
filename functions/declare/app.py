"""Declare an incident by hand: the declare page of a personal link (GET, HEAD: shows, changes nothing; POST
declares) and ``POST /incidents`` (IAM-authorised JSON, what ``incident-comms declare`` calls)."""

from dataclasses import replace
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from incident_comms.composition import TRACED_MODULES, services
from incident_comms.intake.declare_api import JSON_HEADERS, declare_from_json, record_answer
from incident_comms.intake.declare_pages import (
    DeclarePage,
    post_declare_form,
    record_declare_page,
    show_declare_form,
)
from incident_comms.web import HttpRequest, base_url_of, caller_of

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics()
app = APIGatewayHttpResolver(debug=False)


def answer(page: DeclarePage, *, with_body: bool = True) -> Response[str]:
    record_declare_page(page, logger, metrics, MetricUnit.Count)
    return Response(status_code=page.status, headers=page.headers, body=page.html if with_body else "")


def shown(token: str) -> DeclarePage:
    deps = services()
    return show_declare_form(deps.plan, token, deps.approval_key, deps.clock.now())


@app.get("/declare/<token>")
def form(token: str) -> Response[str]:
    return answer(shown(token))


@app.head("/declare/<token>")
def form_head(token: str) -> Response[str]:
    return answer(shown(token), with_body=False)


@app.post("/declare/<token>")
def declare(token: str) -> Response[str]:
    deps = services()
    request = HttpRequest.from_event(app.current_event.raw_event)
    base_url = base_url_of(request, deps.settings.approvals_base_url)
    approvals = replace(deps.approval_requests, base_url=base_url)
    page = post_declare_form(
        deps.plan, deps.store, approvals, token, request, deps.approval_key, base_url, deps.clock.now()
    )
    return answer(page)


@app.post("/incidents")
def incidents() -> Response[str]:
    deps = services()
    event = app.current_event.raw_event
    request = HttpRequest.from_event(event)
    approvals = replace(deps.approval_requests, base_url=base_url_of(request, deps.settings.approvals_base_url))
    declared = declare_from_json(
        request.body, request.is_base64_encoded, caller_of(event), deps.plan, deps.store, approvals, deps.clock.now()
    )
    record_answer(declared, logger, metrics, MetricUnit.Count)
    return Response(status_code=declared.status, headers=dict(JSON_HEADERS), body=declared.text())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
