"""``POST /incidents``: declare an incident from a program (the ``incident-comms declare`` command), JSON in and out.

The route is IAM-authorised (the CLI signs with SigV4), so who declares is the caller's IAM identity, taken from the
request the API Gateway verified (``requestContext.authorizer.iam.userArn``); the local stack routes it without IAM,
and the declarer is then ``local``. Answers, per the contract:

- 201 ``{"incident_id", "component", "severity"}``: declared; the same pipeline as an alarm's incident.
- 409 ``{"error", "incident_id"}``: the component has an open incident (nothing written).
- 400 ``{"error"}``: a body that is not the declaration JSON, or a declaration the plan refuses (nothing written).
- 413 ``{"error"}``: a body above :data:`MAX_BODY_BYTES`.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any

from incident_comms.approvals.requests import ApprovalRequests
from incident_comms.incidents.store import IncidentStore
from incident_comms.intake.declare import (
    Declaration,
    DeclarationRefused,
    DeclaredFrom,
    IncidentAlreadyOpen,
    declare_incident,
)
from incident_comms.observability import Logger, Metrics
from incident_comms.plan.models import Plan

MAX_BODY_BYTES = 32 * 1024
"""Two texts per locale of at most 2,000 characters each fit many times over."""
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"}
_FIELDS = frozenset({"component", "severity", "impact", "customer_action"})


@dataclass(frozen=True)
class JsonAnswer:
    """What to answer (status and JSON body), plus what logs and metrics may say about it."""

    status: int
    body: dict[str, Any]
    caller: str
    reasons: tuple[str, ...] = ()
    approval_request: str | None = None
    notification_error: str | None = None

    def text(self) -> str:
        return json.dumps(self.body, ensure_ascii=False)


class _BadBody(Exception):
    def __init__(self, status: HTTPStatus, reason: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(reason)


def declare_from_json(
    body: str | None,
    is_base64_encoded: bool,
    caller: str,
    plan: Plan,
    store: IncidentStore,
    approvals: ApprovalRequests,
    now: datetime,
) -> JsonAnswer:
    """Declare the incident a JSON body describes, as ``caller``; every refusal is an answer, never an exception."""
    try:
        fields = _fields(body or "", is_base64_encoded)
    except _BadBody as bad:
        return JsonAnswer(int(bad.status), {"error": bad.reason}, caller, reasons=("bad_body",))
    declaration = Declaration(
        component=fields["component"],
        severity=fields["severity"],
        impact=fields["impact"],
        customer_action=fields["customer_action"],
        by=caller,
        source=DeclaredFrom.API,
    )
    try:
        declared = declare_incident(declaration, plan, store, approvals, now)
    except DeclarationRefused as refused:
        codes = tuple(problem.code.value for problem in refused.problems)
        return JsonAnswer(int(HTTPStatus.BAD_REQUEST), {"error": str(refused)}, caller, reasons=codes)
    except IncidentAlreadyOpen as open_one:
        body_409 = {"error": str(open_one), "incident_id": open_one.incident_id}
        return JsonAnswer(int(HTTPStatus.CONFLICT), body_409, caller, reasons=("already_open",))
    incident = declared.incident
    return JsonAnswer(
        int(HTTPStatus.CREATED),
        {"incident_id": incident.id, "component": incident.component_id, "severity": incident.severity_id},
        caller,
        approval_request=declared.approval_request.value,
        notification_error=declared.notification_error,
    )


def _fields(body: str, is_base64_encoded: bool) -> dict[str, Any]:
    """The declaration's fields from the body: a JSON object with the contract's keys and types, else
    :class:`_BadBody` saying what is wrong."""
    if len(body) > (MAX_BODY_BYTES * 4) // 3 + 4:
        raise _BadBody(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the body is larger than {MAX_BODY_BYTES // 1024} KB")
    try:
        raw = base64.b64decode(body, validate=True) if is_base64_encoded else body.encode("utf-8")
        if len(raw) > MAX_BODY_BYTES:
            raise _BadBody(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the body is larger than {MAX_BODY_BYTES // 1024} KB")
        data = json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeError, ValueError):
        raise _BadBody(HTTPStatus.BAD_REQUEST, "the body is not JSON in UTF-8") from None
    if not isinstance(data, dict):
        raise _BadBody(HTTPStatus.BAD_REQUEST, "the body must be a JSON object")
    unknown = sorted(str(key) for key in data if key not in _FIELDS)
    if unknown:
        raise _BadBody(HTTPStatus.BAD_REQUEST, f"unknown fields: {', '.join(unknown)}")
    for name in ("component", "severity"):
        if not isinstance(data.get(name), str):
            raise _BadBody(HTTPStatus.BAD_REQUEST, f"{name} must be a string")
    for name in ("impact", "customer_action"):
        texts = data.get(name, {})
        if not isinstance(texts, dict) or not all(isinstance(text, str) for text in texts.values()):
            raise _BadBody(HTTPStatus.BAD_REQUEST, f"{name} must be an object of locale -> text")
        data[name] = texts
    return data


def record_answer(answer: JsonAnswer, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log who declared what (or why not) and count it like the declare page does."""
    where = {"caller": answer.caller, "status": answer.status, "incident_id": answer.body.get("incident_id")}
    if answer.status != HTTPStatus.CREATED:
        logger.warning("declaration refused", extra={**where, "problems": list(answer.reasons)})
        metrics.add_metric(name="DeclareRefused", unit=unit, value=1)
        return
    logger.info("incident declared", extra={**where, "approval_request": answer.approval_request})
    metrics.add_metric(name="IncidentsDeclared", unit=unit, value=1)
    if answer.notification_error:
        logger.warning("approval request not sent", extra={**where, "reason": answer.notification_error})
