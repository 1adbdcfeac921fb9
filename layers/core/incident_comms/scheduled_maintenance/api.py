"""The maintenance routes of the approvals API: JSON for programs (IAM-authorised, what ``incident-comms
maintenance`` calls) and the approval page of a personal link.

- ``POST /maintenances``: 201 ``{"maintenance_id", "status"}``; 400 ``{"error"}`` for a body that is not a window
  or a window the plan refuses (nothing kept); 413 above :data:`MAX_BODY_BYTES`.
- ``GET /maintenances``: 200 ``{"maintenances": [...]}``, those not ended or ended less than 90 days ago.
- ``POST /maintenances/{id}/cancel``: 200 ``{"maintenance_id", "status"}``; 404 unknown; 409 completed or cancelled.
- ``GET``/``HEAD /maintenance/{token}`` shows the window to its approver and changes nothing (mail scanners fetch
  every link); ``POST`` approves it once, from the page's own button (``confirm=yes``), never from another site's
  page (403). Refusals: 404 a link that is not genuine or for a maintenance that is gone, 410 expired, 409 no longer
  awaiting approval. The page is in the team's language, autoescaped, with the approval pages' headers.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any

from pydantic import ValidationError

from incident_comms.errors import BadInput
from incident_comms.maintenance.links import MaintenanceClaims, MaintenanceLinkExpired, verify_link
from incident_comms.maintenance.models import Maintenance, MaintenanceRequest, MaintenanceStatus, MaintenanceStep
from incident_comms.maintenance.texts import texts_for
from incident_comms.scheduled_maintenance.emails import team_draft, team_values
from incident_comms.scheduled_maintenance.use_cases import (
    STATUS_AFTER,
    MaintenanceConflict,
    MaintenanceNotFound,
    Maintenances,
    Outcome,
    approve_maintenance,
    cancel_maintenance,
    listed,
    schedule_maintenance,
    send_progress,
)
from incident_comms.signing import SignatureRejected
from incident_comms.team.emails import email_environment
from incident_comms.web import PAGE_HEADERS, HttpRequest, LinkRefused

MAX_BODY_BYTES = 32 * 1024
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"}


@dataclass(frozen=True)
class Answer:
    """A status and a body (JSON or HTML), plus what logs may say: the problems of the use case, never a token."""

    status: int
    body: str
    headers: dict[str, str]
    problems: tuple[str, ...] = ()
    maintenance_id: str | None = None

    @property
    def log_fields(self) -> dict[str, object]:
        """What logs may say of the answer (never the body: it may hold a link)."""
        return {
            "result": "rejected" if self.status >= HTTPStatus.BAD_REQUEST else "done",
            "status": self.status,
            "maintenance_id": self.maintenance_id,
            "problems": list(self.problems),
        }


def _json(status: HTTPStatus, body: dict[str, Any], outcome: Outcome | None = None) -> Answer:
    return Answer(
        int(status),
        json.dumps(body, ensure_ascii=False),
        dict(JSON_HEADERS),
        tuple(outcome.problems) if outcome else (),
        outcome.maintenance.id if outcome else body.get("maintenance_id"),
    )


def summary(maintenance: Maintenance) -> dict[str, Any]:
    return {
        "id": maintenance.id,
        "status": maintenance.status.value,
        "components": list(maintenance.components),
        "starts_at": maintenance.starts_at.isoformat(),
        "ends_at": maintenance.ends_at.isoformat(),
        "title": dict(maintenance.title),
    }


def schedule_from_json(deps: Maintenances, body: str | None, is_base64: bool, caller: str, now: datetime) -> Answer:
    """``POST /maintenances``."""
    raw = body or ""
    if len(raw) > (MAX_BODY_BYTES * 4) // 3 + 4:
        return _json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "the body is larger than 32 KB"})
    try:
        data = base64.b64decode(raw, validate=True) if is_base64 else raw.encode("utf-8")
        request = MaintenanceRequest.model_validate_json(data)
    except (binascii.Error, ValueError, ValidationError) as error:
        return _json(HTTPStatus.BAD_REQUEST, {"error": _shape_problem(error)})
    try:
        outcome = schedule_maintenance(deps, request, caller, now)
    except BadInput as refused:
        return _json(HTTPStatus.BAD_REQUEST, {"error": str(refused)})
    body_201 = {"maintenance_id": outcome.maintenance.id, "status": outcome.maintenance.status.value}
    return _json(HTTPStatus.CREATED, body_201, outcome)


def _shape_problem(error: Exception) -> str:
    if isinstance(error, ValidationError) and all(item["type"] != "json_invalid" for item in error.errors()):
        fields = sorted({".".join(str(part) for part in item["loc"]) or "(body)" for item in error.errors()})
        return f"not a maintenance window: check {', '.join(fields)}"
    return "the body is not JSON in UTF-8"


def list_json(deps: Maintenances, now: datetime) -> Answer:
    """``GET /maintenances``."""
    return _json(HTTPStatus.OK, {"maintenances": [summary(m) for m in listed(deps.store, now)]})


def cancel_json(deps: Maintenances, maintenance_id: str, caller: str, now: datetime) -> Answer:
    """``POST /maintenances/{id}/cancel``."""
    try:
        outcome = cancel_maintenance(deps, maintenance_id, caller, now)
    except MaintenanceNotFound:
        return _json(HTTPStatus.NOT_FOUND, {"error": f"no maintenance {maintenance_id}"})
    except MaintenanceConflict as conflict:
        return _json(HTTPStatus.CONFLICT, {"error": str(conflict), "maintenance_id": maintenance_id})
    body = {"maintenance_id": maintenance_id, "status": outcome.maintenance.status.value}
    return _json(HTTPStatus.OK, body, outcome)


def _page(deps: Maintenances, status: HTTPStatus, message: str, maintenance: Maintenance | None = None) -> Answer:
    t = texts_for(deps.plan.main_locale)
    values: dict[str, Any] = {
        "t": t,
        "locale": deps.plan.main_locale,
        "title": t["page_title"],
        "message": message,
        "maintenance": None,
        "draft": None,
    }
    if maintenance is not None:
        values.update(team_values(deps.plan, maintenance))
        values["title"] = t["page_title"]
        values["message"] = message
        values["approvable"] = maintenance.status == MaintenanceStatus.AWAITING_APPROVAL
        values["button"] = t["approve"]
    html = email_environment().get_template("maintenance_page.html.j2").render(values)
    return Answer(int(status), html, dict(PAGE_HEADERS), maintenance_id=maintenance.id if maintenance else None)


def _linked(deps: Maintenances, token: str, now: datetime) -> tuple[Maintenance, MaintenanceClaims] | Answer:
    t = texts_for(deps.plan.main_locale)
    try:
        claims = verify_link(token, deps.link_key(), now)
    except MaintenanceLinkExpired:
        return _page(deps, HTTPStatus.GONE, t["expired"])
    except SignatureRejected:
        return _page(deps, HTTPStatus.NOT_FOUND, t["refused"])
    maintenance = deps.store.get(claims.maintenance_id)
    if maintenance is None:
        return _page(deps, HTTPStatus.NOT_FOUND, t["gone"])
    return maintenance, claims


def show_page(deps: Maintenances, token: str, now: datetime) -> Answer:
    """``GET``/``HEAD /maintenance/{token}``: shows, never acts."""
    linked = _linked(deps, token, now)
    if isinstance(linked, Answer):
        return linked
    maintenance, claims = linked
    t = texts_for(deps.plan.main_locale)
    if claims.step is not None:
        return _progress_page(deps, HTTPStatus.OK, maintenance, claims.step, "")
    waiting = maintenance.status == MaintenanceStatus.AWAITING_APPROVAL
    return _page(
        deps, HTTPStatus.OK, "" if waiting else t["already"].format(status=maintenance.status.value), maintenance
    )


def approve_page(deps: Maintenances, token: str, request: HttpRequest, now: datetime) -> Answer:
    """``POST /maintenance/{token}``: approve once, as the link's person."""
    t = texts_for(deps.plan.main_locale)
    if request.is_cross_site():
        return _page(deps, HTTPStatus.FORBIDDEN, t["cross_site"])
    linked = _linked(deps, token, now)
    if isinstance(linked, Answer):
        return linked
    maintenance, claims = linked
    recipient = claims.recipient
    try:
        confirmed = request.form().get("confirm") == ["yes"]
    except LinkRefused:
        confirmed = False
    if claims.step is not None:
        return _approve_progress(deps, maintenance, claims.step, recipient, now, confirmed)
    if not confirmed:
        return _page(deps, HTTPStatus.BAD_REQUEST, t["confirm"], maintenance)
    try:
        outcome = approve_maintenance(deps, maintenance.id, recipient, now)
    except MaintenanceConflict:
        current = deps.store.get(maintenance.id) or maintenance
        return _page(deps, HTTPStatus.CONFLICT, t["already"].format(status=current.status.value), current)
    answer = _page(deps, HTTPStatus.OK, t["approved"], outcome.maintenance)
    return Answer(answer.status, answer.body, answer.headers, tuple(outcome.problems), outcome.maintenance.id)


def _approve_progress(
    deps: Maintenances, maintenance: Maintenance, step: MaintenanceStep, by: str, now: datetime, confirmed: bool
) -> Answer:
    t = texts_for(deps.plan.main_locale)
    if not confirmed:
        return _progress_page(deps, HTTPStatus.BAD_REQUEST, maintenance, step, t["confirm"])
    try:
        outcome = send_progress(deps, maintenance.id, step, by, now)
    except MaintenanceConflict:
        current = deps.store.get(maintenance.id) or maintenance
        sent = current.status == STATUS_AFTER[step]
        message = t["progress_already"] if sent else t["progress_stale"].format(status=current.status.value)
        return _progress_page(deps, HTTPStatus.CONFLICT, current, step, message, approvable=False)
    answer = _progress_page(deps, HTTPStatus.OK, outcome.maintenance, step, t["progress_sent"], approvable=False)
    return Answer(answer.status, answer.body, answer.headers, tuple(outcome.problems), outcome.maintenance.id)


def _progress_page(
    deps: Maintenances,
    status: HTTPStatus,
    maintenance: Maintenance,
    step: MaintenanceStep,
    message: str,
    *,
    approvable: bool = True,
) -> Answer:
    """The customer email of ``step`` as it will go out, with the button that sends it."""
    t = texts_for(deps.plan.main_locale)
    values: dict[str, Any] = {
        **team_values(deps.plan, maintenance),
        "title": t["page_title"],
        "message": message or t["progress_lead"].format(what=t["progress_what"][step.value]),
        "approvable": approvable and maintenance.status == STATUS_AFTER[step],
        "draft": team_draft(deps.plan, maintenance, step),
        "button": t["progress_button"],
    }
    html = email_environment().get_template("maintenance_page.html.j2").render(values)
    return Answer(int(status), html, dict(PAGE_HEADERS), maintenance_id=maintenance.id)
