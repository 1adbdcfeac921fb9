"""Use case: an Alertmanager or Grafana webhook, authenticated by a bearer token, accepted at once and applied from a
queue.

Why a queue: a group of 1,000 alerts (about 500 KB, far past the 256 KB of an SNS or EventBridge event) took longer
to apply than API Gateway waits (29 s), and Alertmanager never retries a 4xx: a refused or timed-out group was lost.
So the webhook only checks, keeps and hands over; the worker applies:

1. **Token first.** Without the bearer token: 401, and not a byte of the body is read as text.
2. **Readable or 400.** The body is decoded (strict UTF-8, JSON, up to :data:`WEBHOOK_MAX_BYTES`) and must be an
   Alertmanager or Grafana webhook; anything else is a 400 with the reason, and nothing is kept.
3. **Kept, then queued, then 202.** The raw body goes to the body store (S3, expiring), a small
   :class:`WebhookReference` to the queue, and the answer is 202 with that reference. A failure of either is raised
   (a 5xx, which Alertmanager retries): a group is never answered 2xx unless it is queued.
4. **Applied once.** The worker (:func:`incident_comms.intake.groups.apply_queued_webhook`) reads the body and
   applies the group; a redelivered message or a retried post applies nothing twice.

This module imports nothing of the stages that apply alarms (store, lifecycle, drafting): the webhook function's
cold start loads what accepting takes, no more (issue 16).

One path for every size: a group of one is queued too, so "accepted" means the same thing whatever the size, and
the worker is the only code that applies webhooks.
"""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from incident_comms.clock import Clock
from incident_comms.errors import BadInput
from incident_comms.intake.payloads import SHAPE_ALERTMANAGER, SHAPE_GRAFANA, detect_shape, parse_payload
from incident_comms.observability import Logger, Metrics, add_counts

WEBHOOK_SHAPES = (SHAPE_ALERTMANAGER, SHAPE_GRAFANA)
WEBHOOK_MAX_BYTES = 6 * 1024 * 1024
"""Lambda's synchronous request payload limit (6 MB): the HTTP API takes 10 MB, but a larger body never reaches the
function. About 12,000 Alertmanager alerts."""


class WebhookReference(BaseModel):
    """What the queue carries for one accepted webhook: where its body is kept, and what the webhook saw of it."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    key: str
    received_at: datetime
    shape: str
    alerts: int


class WebhookBodies(Protocol):
    def put(self, key: str, body: bytes) -> None:
        """Keep ``body`` under ``key``; raises when it could not be kept."""
        ...

    def get(self, key: str) -> bytes:
        """The body kept under ``key``; LookupError when there is none (never kept, or expired)."""
        ...


class WebhookQueue(Protocol):
    def send(self, reference: WebhookReference) -> None:
        """Hand ``reference`` to the worker; raises when it could not."""
        ...


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    body: dict[str, Any]
    rejected: str | None = None
    """Why a payload was refused (a 400): logged and counted as ``EventsRejected``, like any inbound event's."""
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
    bodies: WebhookBodies,
    queue: WebhookQueue,
    clock: Clock,
) -> WebhookAnswer:
    """401 without the token, 400 with a reason for a payload we cannot take, else 202 with the queued reference
    (module doc)."""
    if not bearer_token_matches(authorization, token):
        return WebhookAnswer(HTTPStatus.UNAUTHORIZED, {"error": "missing or wrong bearer token"}, unauthorized=True)
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else (body or b"")
    try:
        payload = parse_payload(raw, limit=WEBHOOK_MAX_BYTES)
        shape = detect_shape(payload)
        if shape not in WEBHOOK_SHAPES:
            raise BadInput(f"this endpoint takes Alertmanager or Grafana webhooks, not a {shape} payload")
    except BadInput as error:
        return WebhookAnswer(HTTPStatus.BAD_REQUEST, {"error": str(error)}, rejected=str(error))
    now = clock.now()
    alerts = payload.get("alerts")
    reference = WebhookReference(
        key=f"webhooks/{now:%Y-%m-%d}/{uuid.uuid4()}.json",
        received_at=now,
        shape=shape,
        alerts=len(alerts) if isinstance(alerts, list) else 0,
    )
    bodies.put(reference.key, raw)
    queue.send(reference)
    return WebhookAnswer(HTTPStatus.ACCEPTED, {"accepted": reference.model_dump(mode="json")})


def record_answer(answer: WebhookAnswer, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log a refused payload's reason (never the payload) and count what the webhook did, zeros included."""
    if answer.rejected:
        logger.warning("inbound event rejected", extra={"reason": answer.rejected})
    counts = {
        "EventsRejected": int(answer.rejected is not None),
        "WebhookUnauthorized": int(answer.unauthorized),
        "WebhooksQueued": int(answer.status == HTTPStatus.ACCEPTED),
    }
    add_counts(metrics, counts, unit)
