"""Scheduled maintenance on the approvals API: ``/maintenances`` (IAM-authorised JSON, what ``incident-comms
maintenance`` calls), the form of a personal declare link (``/declare/{token}/maintenance``) and the approval page of
a personal approval link (``/maintenance/{token}``). GET and HEAD show, POST acts."""

from dataclasses import replace
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from incident_comms.composition import TRACED_MODULES, Services, services
from incident_comms.scheduled_maintenance.api import (
    Answer,
    approve_page,
    cancel_json,
    list_json,
    schedule_from_json,
    show_page,
)
from incident_comms.scheduled_maintenance.form import post_form, show_form
from incident_comms.scheduled_maintenance.use_cases import Maintenances, record_outcome
from incident_comms.web import HttpRequest, base_url_of, caller_of

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics()
app = APIGatewayHttpResolver(debug=False)


def flow(deps: Services) -> Maintenances:
    """The maintenance flow with its links under the base URL this request reached."""
    request = HttpRequest.from_event(app.current_event.raw_event)
    return replace(deps.maintenances, base_url=base_url_of(request, deps.settings.approvals_base_url))


def answer(what: str, done: Answer, *, with_body: bool = True) -> Response[str]:
    record_outcome(what, done.log_fields, logger, metrics, MetricUnit.Count)
    return Response(status_code=done.status, headers=done.headers, body=done.body if with_body else "")


@app.post("/maintenances")
def schedule() -> Response[str]:
    deps = services()
    event = app.current_event.raw_event
    request = HttpRequest.from_event(event)
    done = schedule_from_json(flow(deps), request.body, request.is_base64_encoded, caller_of(event), deps.clock.now())
    return answer("scheduled", done)


@app.get("/maintenances")
def listing() -> Response[str]:
    deps = services()
    return answer("listed", list_json(deps.maintenances, deps.clock.now()))


@app.post("/maintenances/<maintenance_id>/cancel")
def cancel(maintenance_id: str) -> Response[str]:
    deps = services()
    caller = caller_of(app.current_event.raw_event)
    return answer("cancelled", cancel_json(deps.maintenances, maintenance_id, caller, deps.clock.now()))


@app.get("/maintenance/<token>")
def page(token: str) -> Response[str]:
    deps = services()
    return answer("shown", show_page(deps.maintenances, token, deps.clock.now()))


@app.head("/maintenance/<token>")
def page_head(token: str) -> Response[str]:
    deps = services()
    return answer("shown", show_page(deps.maintenances, token, deps.clock.now()), with_body=False)


@app.post("/maintenance/<token>")
def approve(token: str) -> Response[str]:
    deps = services()
    request = HttpRequest.from_event(app.current_event.raw_event)
    return answer("approved", approve_page(deps.maintenances, token, request, deps.clock.now()))


@app.get("/declare/<token>/maintenance")
def form(token: str) -> Response[str]:
    deps = services()
    return answer("form shown", show_form(deps.maintenances, token, deps.clock.now()))


@app.head("/declare/<token>/maintenance")
def form_head(token: str) -> Response[str]:
    deps = services()
    return answer("form shown", show_form(deps.maintenances, token, deps.clock.now()), with_body=False)


@app.post("/declare/<token>/maintenance")
def form_post(token: str) -> Response[str]:
    deps = services()
    request = HttpRequest.from_event(app.current_event.raw_event)
    return answer("scheduled", post_form(flow(deps), token, request, deps.clock.now()))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
