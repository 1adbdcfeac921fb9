"""Use case: an Alertmanager or Grafana webhook, authenticated by a bearer token, feeds the ingest use case."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from incident_comms.approvals.requests import ApprovalRequests
from incident_comms.clock import Clock
from incident_comms.errors import BadInput
from incident_comms.incidents.store import IncidentStore
from incident_comms.intake.ingest import AlarmLifecycle, IngestReport, ingest_event
from incident_comms.intake.payloads import SHAPE_ALERTMANAGER, SHAPE_GRAFANA, detect_shape, parse_payload
from incident_comms.plan.models import Plan

WEBHOOK_SHAPES = (SHAPE_ALERTMANAGER, SHAPE_GRAFANA)


@dataclass
class WebhookAnswer:
    status: int
    body: dict[str, Any]
    report: IngestReport = field(default_factory=IngestReport)
    unauthorized: bool = False


def bearer_token_matches(authorization: str | None, expected: str) -> bool:
    """Constant-time check of ``Authorization: Bearer <token>``: the webhook URL alone must not open incidents."""
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not given or not expected:
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def accept_webhook(
    authorization: str | None,
    body: str | bytes | None,
    token: str,
    plan: Plan,
    store: IncidentStore,
    clock: Clock,
    approvals: ApprovalRequests,
    lifecycle: AlarmLifecycle | None = None,
) -> WebhookAnswer:
    """401 without the token, 400 with a reason for a payload we cannot read, else 202 with what happened."""
    if not bearer_token_matches(authorization, token):
        return WebhookAnswer(HTTPStatus.UNAUTHORIZED, {"error": "missing or wrong bearer token"}, unauthorized=True)
    try:
        payload = parse_payload(body or b"")
        shape = detect_shape(payload)
        if shape not in WEBHOOK_SHAPES:
            raise BadInput(f"this endpoint takes Alertmanager or Grafana webhooks, not a {shape} payload")
    except BadInput as error:
        return WebhookAnswer(HTTPStatus.BAD_REQUEST, {"error": str(error)}, IngestReport(rejected=[str(error)]))
    report = ingest_event(payload, plan, store, clock, approvals, lifecycle)
    status = HTTPStatus.BAD_REQUEST if report.rejected else HTTPStatus.ACCEPTED
    body_out = {"error": report.rejected[0]} if report.rejected else report.as_dict()
    return WebhookAnswer(status, body_out, report)
