"""Builders and readers several test folders share, so each test states only what it changes.

The incident is the one the sample CloudWatch alarm opens with the repo's plan: SEV1 on the public API, its first
(``investigating``) message awaiting approval. The readers parse what a handler leaves behind on moto.
"""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

from incident_comms.alarms import Alarm, AlarmKind, AlarmSource, AlarmState
from incident_comms.delivery.status_page.models import SiteIncident
from incident_comms.incidents.models import (
    AlarmSnapshot,
    Incident,
    IncidentStatus,
    Message,
    MessageStatus,
    Publication,
    PublicationReason,
    TimelineEntry,
    TimelineKind,
)
from incident_comms.incidents.store import IncidentStore, Opening
from incident_comms.intake.ingest import first_message
from incident_comms.plan.models import Phase, Plan
from incident_comms.team.emails import Email
from tests.conftest import FakeLambdaContext, load_event

OPENED = datetime(2026, 11, 22, 10, 15, tzinfo=UTC)

STATUS_API_ENDPOINTS = (
    "summary.json",
    "status.json",
    "components.json",
    "incidents.json",
    "incidents/unresolved.json",
    "scheduled-maintenances.json",
    "scheduled-maintenances/upcoming.json",
    "scheduled-maintenances/active.json",
)
"""Statuspage's public API v2, as issue 18 lists it: every one is written under ``api/v2/`` in each locale."""


def status_site_files(*incident_ids: str, locales: tuple[str, ...] = ("", "en/")) -> set[str]:
    """The main files of the sample plan's status site (both locales) with the pages of ``incident_ids``."""
    main = {"index.html", "index.json", "feed.atom", "404.html"}
    main |= {f"api/v2/{endpoint}" for endpoint in STATUS_API_ENDPOINTS}
    main |= {f"incidents/{incident_id}.html" for incident_id in incident_ids}
    return {f"{prefix}{path}" for prefix in locales for path in main}


"""When the unit tests' incident opens; its alarm fired a minute before."""


def make_alarm(name: str = "prod-api-5xx", changed_at: datetime = OPENED - timedelta(minutes=1)) -> Alarm:
    """A CloudWatch metric alarm in ALARM; ``name`` also names its ARN, so another name is another alarm."""
    return Alarm(
        source=AlarmSource.CLOUDWATCH,
        kind=AlarmKind.METRIC,
        id=f"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:{name}",
        name=name,
        state=AlarmState.ALARM,
        changed_at=changed_at,
    )


def opened_incident(
    plan: Plan,
    alarm: Alarm | None = None,
    *,
    at: datetime = OPENED,
    incident_id: str | None = None,
    phase: Phase = Phase.INVESTIGATING,
) -> tuple[Incident, Message]:
    """The SEV1 API incident ``alarm`` opened ``at`` (rule ``api-5xx``, as ingest classifies the sample alarm) and
    its first message; with another ``phase``, the message is that phase's, awaiting the approvers the plan names."""
    alarm = alarm or make_alarm()
    incident = Incident(
        id=incident_id or f"INC-{at:%Y%m%d-%H%M}-abc123",
        component_id="api",
        severity_id="SEV1",
        opened_at=at,
        updated_at=at,
        alarms={alarm.id: AlarmSnapshot.of(alarm)},
        rule_id="api-5xx",
    )
    message = first_message(incident, alarm, plan)
    if phase != Phase.INVESTIGATING:
        message = message.model_copy(update={"phase": phase, "approvers": plan.approvers_for("SEV1", phase)})
    return incident, message


def stored_incident(
    store: IncidentStore,
    plan: Plan,
    alarm: Alarm,
    *,
    at: datetime,
    incident_id: str | None = None,
    phase: Phase = Phase.INVESTIGATING,
) -> tuple[Incident, Message]:
    """:func:`opened_incident`, written through the store's one opening transaction, without ingest around it; both
    as stored (the message with its sequence, 1)."""
    incident, message = opened_incident(plan, alarm, at=at, incident_id=incident_id, phase=phase)
    store_opening(store, incident, alarm, message)
    stored, first = store.get_incident(incident.id), store.get_message(incident.id, message.id)
    assert stored is not None and first is not None
    return stored, first


def stored_approved_message(store: IncidentStore, plan: Plan) -> Message:
    """The sample alarm's incident stored with its first message already approved: what the channels send."""
    alarm = make_alarm()
    incident, message = opened_incident(plan, alarm)
    approved = message.model_copy(update={"status": MessageStatus.APPROVED})
    store_opening(store, incident, alarm, approved)
    return approved.model_copy(update={"sequence": 1})


def store_opening(store: IncidentStore, incident: Incident, alarm: Alarm, message: Message) -> None:
    """Write ``incident`` and its first ``message`` through the store's one opening transaction."""
    opened = TimelineEntry(incident_id=incident.id, at=incident.opened_at, kind=TimelineKind.OPENED, text="opened")
    joining = TimelineEntry(incident_id="", at=incident.opened_at, kind=TimelineKind.ALARM_JOINED, text="joined")
    store.open_or_join(incident, alarm, lambda: Opening([opened], message), joining)


class RecordingSender:
    """An email sender that keeps every email it is given and answers provider ids ``id-1``, ``id-2``, …"""

    def __init__(self) -> None:
        self.sent: list[Email] = []

    def send(self, email: Email) -> str:
        self.sent.append(email)
        return f"id-{len(self.sent)}"


# --- what a handler leaves behind -------------------------------------------------------------------------------


def approve_stored(
    store: IncidentStore, message: Message, at: datetime, fingerprint: str = "a" * 16
) -> tuple[Message, Publication]:
    """Approve the stored ``message`` at ``at`` as the approvals API records it: the approved version, the spent token
    (``fingerprint``) and the publication hand-off, in one decision. Answers the approved message and publication."""
    after = message.model_copy(
        update={"status": MessageStatus.APPROVED, "revision": message.revision + 1, "decided_at": at}
    )
    publication = Publication(
        incident_id=message.incident_id,
        message_id=message.id,
        version=message.version,
        requested_at=at,
        reason=PublicationReason.APPROVED,
    )
    store.save_decision(message, after, fingerprint, at + timedelta(hours=1), [], publication)
    return after, publication


def stored_newer(store: IncidentStore, message: Message, phase: Phase, at: datetime) -> Message:
    """A newer ``phase`` draft of ``message``'s incident stored ``at`` through the store's one way of adding a draft
    (it supersedes ``message`` when that still waits); answers it as stored, with its sequence."""
    draft = message.model_copy(
        update={
            "id": f"{phase.value}-{at:%H%M%S}00",
            "phase": phase,
            "created_at": at,
            "status": MessageStatus.AWAITING_APPROVAL,
            "revision": 0,
            "sequence": 0,
        }
    )
    added = store.add_message(draft, [])
    assert added is not None
    return added.message


def alert_webhook_request(body: bytes, token: str) -> dict[str, Any]:
    """The HTTP API event of a POST of ``body`` to the alert webhook with a bearer ``token``, as Alertmanager sends."""
    return {
        "version": "2.0",
        "routeKey": "POST /webhooks/alerts",
        "rawPath": "/webhooks/alerts",
        "rawQueryString": "",
        "headers": {"authorization": f"Bearer {token}", "content-type": "application/json"},
        "requestContext": {
            "http": {"method": "POST", "path": "/webhooks/alerts", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7"},
            "requestId": "webhook-1",
            "routeKey": "POST /webhooks/alerts",
            "stage": "$default",
        },
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def invoke(handler: ModuleType, event: Any, context: FakeLambdaContext) -> dict[str, Any]:
    """Call a handler module's ``lambda_handler`` as Lambda does; answers its (JSON-shaped) result."""
    result: dict[str, Any] = handler.lambda_handler(event, context)
    return result


def sent_emails() -> list[dict[str, Any]]:
    """What moto's SES accepted for delivery, parsed as a person reads it."""
    from incident_comms.local.outbox import sent_emails as parsed

    return parsed("eu-west-1")


def emitted_metrics(output: str) -> dict[str, float]:
    """The CloudWatch embedded-metric-format values Powertools printed, summed by metric name."""
    values: dict[str, float] = {}
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            document = json.loads(line)
            for definition in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
                value = document[definition["Name"]]
                values[definition["Name"]] = values.get(definition["Name"], 0) + sum(
                    value if isinstance(value, list) else [value]
                )
    return values


def alertmanager_group(size: int, *, severity: str = "critical") -> dict[str, Any]:
    """An Alertmanager group of ``size`` firing alerts on the billing service (the sample's shape), each its own
    alert (fingerprint and instance label)."""
    payload = load_event("alertmanager-firing.json")
    sample = payload["alerts"][0]
    payload["alerts"] = []
    for n in range(size):
        alert = copy.deepcopy(sample)
        alert["fingerprint"] = f"{n:016x}"
        alert["labels"] = {**alert["labels"], "instance": f"billing-{n}", "severity": severity}
        payload["alerts"].append(alert)
    return payload


def stored_incidents(store: IncidentStore) -> list[Incident]:
    """Every listed incident read whole: a listing leaves out the alarms, :meth:`get_incident` has them."""
    found = [store.get_incident(listed.id) for listed in store.list_incidents()]
    return [incident for incident in found if incident is not None]


def published_record(
    plan: Plan, incident_id: str, at: datetime, *, component: str = "api", resolved_at: datetime | None = None
) -> SiteIncident:
    """A status page record: the incident opened ``at`` on ``component``, its first message approved and handed off
    ``at``; resolved (by the store) ``resolved_at`` when given."""
    incident, message = opened_incident(plan, make_alarm(f"{incident_id}-alarm", changed_at=at), at=at)
    incident = incident.model_copy(update={"id": incident_id, "component_id": component})
    if resolved_at is not None:
        incident = incident.model_copy(
            update={"status": IncidentStatus.RESOLVED, "resolved_at": resolved_at, "updated_at": resolved_at}
        )
    message = message.model_copy(
        update={"incident_id": incident_id, "status": MessageStatus.APPROVED, "revision": 1, "decided_at": at}
    )
    publication = Publication(
        incident_id=incident_id,
        message_id=message.id,
        version=message.version,
        requested_at=at,
        reason=PublicationReason.APPROVED,
    )
    return SiteIncident(incident, [message], [publication])
