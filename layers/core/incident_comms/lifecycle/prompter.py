"""Use case: the update prompter, fired by the incident's update schedule (:mod:`incident_comms.cadence.keeping`).

``due`` (the promised time has come, no update kept the promise): draft a holding ``update`` — what is known, what
is being done, the next update time — and ask the communications lead to approve it
(:func:`incident_comms.approvals.requests.draft_and_request`), unless a draft already awaits approval (then nothing is
sent again; the timeline notes that the update it holds is due). Either way an ``overdue`` check is armed at the due
time plus the plan's escalation grace.

``overdue`` (grace passed, still no update): the promise is recorded as missed (PROMISE_MISSED: "promised 14:30,
no update by 14:40") and the escalation roles (``roles.yaml`` ``escalation``) are emailed, once.

Schedulers redeliver and publications race with firings, so a firing is checked against the ledger first and does
nothing (answered and counted, never raised) when the incident is over, the promise it was armed for is no longer
the open one (kept, or replaced by a newer publication: stale), or the same firing was handled already (the ledger
write that claims it is conditional, so two firings at once act once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from incident_comms.approvals.requests import ApprovalRequests, draft_and_request
from incident_comms.cadence.keeping import PromptEvent, PromptKind, UpdateSchedules
from incident_comms.incidents.machine_models import FINISHED_PHASES
from incident_comms.incidents.models import (
    Incident,
    IncidentStatus,
    Message,
    MessageStatus,
    TimelineEntry,
    TimelineKind,
    notification_failed,
)
from incident_comms.incidents.operators import OperatorAlerts, report_failure
from incident_comms.incidents.promises import Promise, PromiseLedger, open_promise, record_missed
from incident_comms.incidents.store import IncidentStore
from incident_comms.mail_threads import TEAM, thread_key
from incident_comms.observability import Logger, Metrics, add_counts
from incident_comms.plan.models import Phase, Plan, localized
from incident_comms.team.emails import Email, approver_addresses, email_environment, team_zone
from incident_comms.text import error_text, format_datetime, format_elapsed, format_time

CLAIM_ATTEMPTS = 4
_FALLBACK_LOCALE = "en"

_TEXTS: dict[str, dict[str, str]] = {
    "es": {
        "subject": "[{severity}] {incident}: la actualización prometida para las {due} no ha salido",
        "intro": "A los clientes se les prometió una actualización como muy tarde a las {due}. Son las {now} y no "
        "se ha publicado ninguna ({late} de retraso). Recibe este aviso porque el plan le asigna las escaladas.",
        "incident": "Incidente",
        "component": "Componente",
        "severity": "Severidad",
        "promised": "Prometida",
        "waiting": "Pendiente de aprobación",
        "waiting_none": "Ningún borrador espera aprobación.",
        "waiting_draft": "{phase} {message}, redactado {created}",
        "act": "Asegúrese de que alguien aprueba (o corrige) la actualización y de que sale cuanto antes.",
    },
    "en": {
        "subject": "[{severity}] {incident}: the update promised by {due} has not gone out",
        "intro": "Customers were promised an update by {due}. It is {now} and none was published ({late} late). "
        "You get this alert because the plan names you for escalations.",
        "incident": "Incident",
        "component": "Component",
        "severity": "Severity",
        "promised": "Promised",
        "waiting": "Awaiting approval",
        "waiting_none": "No draft awaits approval.",
        "waiting_draft": "{phase} {message}, drafted {created}",
        "act": "Make sure someone approves (or edits) the update and that it goes out as soon as possible.",
    },
}


class PromptResult(StrEnum):
    DRAFTED = "drafted"
    """A holding update was drafted and its approval requested."""
    ALREADY_WAITING = "already_waiting"
    """A draft already awaits approval: nothing re-sent, the timeline notes the update is due."""
    DRAFT_FAILED = "draft_failed"
    """The holding update could not be drafted (the reason is on the timeline)."""
    ESCALATED = "escalated"
    STALE = "stale"
    DUPLICATE = "duplicate"
    RESOLVED = "resolved"
    EARLY = "early"
    """An overdue check that fired before the grace ended: armed again for the right time."""
    REJECTED = "rejected"


IGNORED = frozenset({PromptResult.STALE, PromptResult.DUPLICATE, PromptResult.RESOLVED, PromptResult.EARLY})


@dataclass
class PromptReport:
    result: PromptResult
    reason: str
    incident_id: str | None = None
    message_id: str | None = None
    schedule: str | None = None
    notified: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    scheduling_failed: bool = False
    """The overdue check could not be armed after retries: counted, for the operators' alarm."""

    def counts(self) -> dict[str, int]:
        return {
            "PromptsRejected": int(self.result == PromptResult.REJECTED),
            "PromptsIgnored": int(self.result in IGNORED),
            "HoldingUpdatesDrafted": int(self.result == PromptResult.DRAFTED),
            "UpdatesAlreadyWaiting": int(self.result == PromptResult.ALREADY_WAITING),
            "PromisesMissed": int(self.result == PromptResult.ESCALATED),
            "EscalationEmailsSent": len(self.notified),
            "PrompterErrors": len(self.errors),
            "UpdateSchedulingFailed": int(self.scheduling_failed),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "result": self.result.value,
            "reason": self.reason,
            "incident_id": self.incident_id,
            "message_id": self.message_id,
            "schedule": self.schedule,
            "notified": self.notified,
            "errors": self.errors,
        }


def prompt(
    body: Any,
    plan: Plan,
    store: IncidentStore,
    approvals: ApprovalRequests,
    schedules: UpdateSchedules | None,
    now: datetime,
) -> PromptReport:
    """Handle one update schedule firing (module doc). Bad input is answered REJECTED and changes nothing."""
    try:
        event = (
            PromptEvent.model_validate_json(body) if isinstance(body, str | bytes) else PromptEvent.model_validate(body)
        )
    except ValidationError as error:
        fields = ", ".join(".".join(str(part) for part in item["loc"]) or "(body)" for item in error.errors())
        return PromptReport(PromptResult.REJECTED, f"not an update prompt: {fields}")
    incident = store.get_incident(event.incident_id)
    if incident is None:
        return PromptReport(PromptResult.REJECTED, "no such incident", event.incident_id)
    if incident.status == IncidentStatus.RESOLVED or incident.phase in FINISHED_PHASES:
        return PromptReport(PromptResult.RESOLVED, f"the incident is {incident.phase.value}", incident.id)
    if event.kind == PromptKind.DUE:
        return _due(event, plan, store, approvals, schedules, incident, now)
    return _overdue(event, plan, store, approvals, schedules, incident, now)


def _for_this_promise(ledger: PromiseLedger, event: PromptEvent) -> Promise | None:
    """The open promise if it is the one the firing was armed for, else None (kept or replaced: stale)."""
    current = open_promise(ledger.promises)
    if current is None or current.due_at != event.due_at:
        return None
    return current


def _due(
    event: PromptEvent,
    plan: Plan,
    store: IncidentStore,
    approvals: ApprovalRequests,
    schedules: UpdateSchedules | None,
    incident: Incident,
    now: datetime,
) -> PromptReport:
    waiting: list[Message] = []
    for _ in range(CLAIM_ATTEMPTS):
        ledger = store.promise_ledger(incident.id)
        promise = _for_this_promise(ledger, event)
        if promise is None:
            return PromptReport(PromptResult.STALE, "the promise this reminder was armed for is not open", incident.id)
        if promise.due_at in ledger.prompted:
            return PromptReport(PromptResult.DUPLICATE, "this reminder was handled already", incident.id)
        waiting = [
            message
            for message in store.messages(incident.id)
            if message.status == MessageStatus.AWAITING_APPROVAL and not message.holding
        ]
        note = _due_entry(incident, promise, waiting, now)
        if store.save_promise_ledger(ledger, ledger.changed(prompted=[*ledger.prompted, promise.due_at]), [note]):
            break
    else:
        raise RuntimeError(f"the promise ledger of {incident.id} kept changing; reminder not handled")
    report = _draft_unless_waiting(plan, store, approvals, incident, waiting, now)
    grace = plan.roles.escalation.grace
    overdue = PromptEvent(incident_id=incident.id, due_at=event.due_at, kind=PromptKind.OVERDUE)
    _arm(store, approvals.operators, schedules, overdue, event.due_at + grace, now, report)
    return report


def _draft_unless_waiting(
    plan: Plan,
    store: IncidentStore,
    approvals: ApprovalRequests,
    incident: Incident,
    waiting: list[Message],
    now: datetime,
) -> PromptReport:
    if waiting:
        names = ", ".join(f"{message.phase.value} {message.id}" for message in waiting)
        return PromptReport(PromptResult.ALREADY_WAITING, f"awaiting approval already: {names}", incident.id)
    message = draft_and_request(plan, store, approvals, incident, Phase.UPDATE, now)
    if message is None:
        return PromptReport(PromptResult.DRAFT_FAILED, "the holding update could not be drafted", incident.id)
    return PromptReport(PromptResult.DRAFTED, "holding update drafted", incident.id, message.id)


def _due_entry(incident: Incident, promise: Promise, waiting: list[Message], now: datetime) -> TimelineEntry:
    due = f"{promise.due_at:%H:%M} UTC"
    if waiting:
        names = ", ".join(message.id for message in waiting)
        text = f"Update promised by {due} is due; {names} awaits approval already, so nothing new is drafted"
    else:
        text = f"Update promised by {due} is due and none was published: a holding update is drafted"
    return TimelineEntry(
        incident_id=incident.id,
        at=now,
        kind=TimelineKind.UPDATE_DUE,
        text=text,
        data={
            "due_at": promise.due_at.isoformat(),
            "promised_by": promise.message_id,
            "waiting": [message.id for message in waiting],
        },
    )


def _overdue(
    event: PromptEvent,
    plan: Plan,
    store: IncidentStore,
    approvals: ApprovalRequests,
    schedules: UpdateSchedules | None,
    incident: Incident,
    now: datetime,
) -> PromptReport:
    grace = plan.roles.escalation.grace
    for _ in range(CLAIM_ATTEMPTS):
        ledger = store.promise_ledger(incident.id)
        promise = _for_this_promise(ledger, event)
        if promise is None:
            return PromptReport(PromptResult.STALE, "the promise this check was armed for is not open", incident.id)
        if promise.missed_at is not None:
            return PromptReport(PromptResult.DUPLICATE, "the miss was escalated already", incident.id)
        if now < promise.due_at + grace:
            report = PromptReport(PromptResult.EARLY, "fired before the grace period ended", incident.id)
            _arm(store, approvals.operators, schedules, event, promise.due_at + grace, now, report)
            return report
        entry = TimelineEntry(
            incident_id=incident.id,
            at=now,
            kind=TimelineKind.PROMISE_MISSED,
            text=f"Promised {promise.due_at:%H:%M} UTC, no update by {now:%H:%M} UTC: escalated to "
            + ", ".join(plan.roles.escalation.roles),
            data={
                "due_at": promise.due_at.isoformat(),
                "promised_by": promise.message_id,
                "roles": plan.roles.escalation.roles,
            },
        )
        if store.save_promise_ledger(ledger, ledger.changed(promises=record_missed(ledger.promises, now)), [entry]):
            break
    else:
        raise RuntimeError(f"the promise ledger of {incident.id} kept changing; missed promise not recorded")
    report = PromptReport(PromptResult.ESCALATED, "promise missed: escalation roles emailed", incident.id)
    _escalate(plan, store, approvals, incident, promise, now, report)
    return report


def _escalate(
    plan: Plan,
    store: IncidentStore,
    approvals: ApprovalRequests,
    incident: Incident,
    promise: Promise,
    now: datetime,
    report: PromptReport,
) -> None:
    """Email every person of the escalation roles; each refusal on the timeline, who was reached too."""
    waiting = [m for m in store.messages(incident.id) if m.status == MessageStatus.AWAITING_APPROVAL]
    roles = plan.roles.escalation.roles
    for recipient in approver_addresses(plan, roles):
        email = escalation_email(plan, incident, promise, waiting, now, recipient)
        try:
            approvals.sender.send(email)
        except Exception as error:  # noqa: BLE001 - one refused address must not keep the others uninformed
            reason = error_text(error)
            report.errors.append(f"{recipient}: {reason}")
            entry = notification_failed(incident.id, now, "escalation", f"Escalation email to {recipient}", reason)
            report_failure(store, approvals.operators, entry)
        else:
            report.notified.append(recipient)
    if report.notified:
        store.add_timeline_entry(
            TimelineEntry(
                incident_id=incident.id,
                at=now,
                kind=TimelineKind.ROLES_ENGAGED,
                text=f"Missed promise escalated by email to {', '.join(roles)}",
                data={"roles": roles, "to": report.notified, "due_at": promise.due_at.isoformat()},
            )
        )


def escalation_email(
    plan: Plan, incident: Incident, promise: Promise, waiting: list[Message], now: datetime, recipient: str
) -> Email:
    """The alert a missed promise sends each escalation person, in the team's language and time zone."""
    locale = plan.main_locale
    texts = _TEXTS.get(locale.split("-")[0], _TEXTS[_FALLBACK_LOCALE])
    zone = team_zone(plan)
    due = format_time(promise.due_at, zone, locale, now)
    context = {
        "locale": locale,
        "t": texts,
        "organisation": plan.definition.organisation.name,
        "subject": texts["subject"].format(severity=incident.severity_id, incident=incident.id, due=due),
        "intro": texts["intro"].format(
            due=due, now=format_time(now, zone, locale, now), late=format_elapsed(now - promise.due_at)
        ),
        "incident": {
            "id": incident.id,
            "component": localized(plan.component(incident.component_id).name, locale, locale),
            "severity": incident.severity_id,
            "promised": format_datetime(promise.promised_at, zone, locale),
        },
        "waiting": [
            texts["waiting_draft"].format(
                phase=message.phase.value,
                message=message.id,
                created=format_time(message.created_at, zone, locale, now),
            )
            for message in waiting
        ],
    }
    environment = email_environment()
    return Email(
        to=[recipient],
        subject=context["subject"],
        text=environment.get_template("promise_missed.txt.j2").render(context).strip() + "\n",
        html=environment.get_template("promise_missed.html.j2").render(context),
        headers={"X-Incident-Id": incident.id},
        thread=thread_key(incident.id, TEAM),
    )


def _arm(
    store: IncidentStore,
    operators: OperatorAlerts,
    schedules: UpdateSchedules | None,
    event: PromptEvent,
    fire_at: datetime,
    now: datetime,
    report: PromptReport,
) -> None:
    """Arm the overdue check; a refusal (or no scheduler at all) is on the timeline and told to the operators."""
    what = f"The overdue check of the update due {event.due_at.isoformat()}"
    try:
        if schedules is None:
            raise LookupError("no update schedules are configured (UPDATE_SCHEDULER_ROLE_ARN)")
        report.schedule = schedules.arm(event, fire_at)
    except Exception as error:  # noqa: BLE001 - a missing escalation must show on the incident
        reason = error_text(error)
        report.errors.append(reason)
        report.scheduling_failed = True
        report_failure(store, operators, notification_failed(event.incident_id, now, "update_schedule", what, reason))


def record_prompt(report: PromptReport, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log what the firing did (ignored and rejected ones with their reason) and count it."""
    if report.result == PromptResult.REJECTED:
        logger.warning("update prompt rejected", extra={"reason": report.reason})
    elif report.result in IGNORED:
        logger.info("update prompt ignored", extra=report.as_dict())
    for error in report.errors:
        logger.warning("update prompter error", extra={"incident_id": report.incident_id, "error": error})
    logger.info("update prompt handled", extra=report.as_dict())
    add_counts(metrics, report.counts(), unit)
