"""Use case: an inbound monitoring event opens, joins or updates incidents as the plan says."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from incident_comms.alarms import Alarm, AlarmState
from incident_comms.approvals.requests import ApprovalRequest, ApprovalRequests, request_approval
from incident_comms.cadence.due import audience_dues, next_update_due, promise_audiences
from incident_comms.clock import Clock
from incident_comms.drafting.models import MessageFacts
from incident_comms.drafting.render import render_drafts
from incident_comms.errors import BadInput
from incident_comms.incidents.facts import IncidentFacts, draft_values
from incident_comms.incidents.machine_models import LifecycleState, Outcome
from incident_comms.incidents.models import (
    AlarmSnapshot,
    Incident,
    Message,
    TimelineEntry,
    TimelineKind,
    new_incident_id,
    new_message_id,
    notification_failed,
)
from incident_comms.incidents.operators import NoOperators, OperatorAlerts, record_or_tell, report_failure
from incident_comms.incidents.store import Applied, IncidentStore, Opening
from incident_comms.intake.classify import classify_alarm
from incident_comms.intake.common import Rejection
from incident_comms.intake.payloads import read_alarms
from incident_comms.observability import Logger, Metrics, add_counts
from incident_comms.plan.models import Phase, Plan
from incident_comms.team.emails import EmailSender
from incident_comms.team.engage import engagement_emails
from incident_comms.text import error_text

if TYPE_CHECKING:
    from incident_comms.lifecycle.models import Step


class AlarmLifecycle(Protocol):
    def alarm_changed(self, incident_id: str, alarm: Alarm, severity_id: str, now: datetime) -> Step:
        """Feed an alarm change recorded on an open incident to its state machine
        (:class:`incident_comms.lifecycle.transitions.IncidentLifecycle`); never raises."""
        ...


@dataclass(frozen=True)
class AlarmOutcome:
    alarm: str
    state: str
    incident: bool
    rule: str | None
    applied: str
    incident_id: str | None = None
    approval_request: ApprovalRequest | None = None
    notification_error: str | None = None
    lifecycle: str | None = None
    """What the state machine made of the change: applied, ignored, refused or failed (None: not fed to it)."""
    lifecycle_reason: str | None = None


@dataclass
class IngestReport:
    """What one inbound event came to: an outcome per alarm applied, each payload refused whole (``rejected``: its
    reason) and each alert of a group refused alone (``rejected_alerts``: its position and reason)."""

    outcomes: list[AlarmOutcome] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    rejected_alerts: list[Rejection] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        applied = [outcome.applied for outcome in self.outcomes]
        requests = [outcome.approval_request for outcome in self.outcomes]
        return {
            "AlarmsReceived": len(self.outcomes),
            "EventsRejected": len(self.rejected),
            "AlertsRejected": len(self.rejected_alerts),
            "IncidentsOpened": applied.count(Applied.OPENED),
            "DuplicateEvents": applied.count(Applied.DUPLICATE),
            "OutdatedAlarmChanges": applied.count(Applied.OUTDATED),
            "ApprovalRequestsSent": requests.count(ApprovalRequest.SENT),
            "ApprovalRequestsFailed": requests.count(ApprovalRequest.FAILED),
            **{
                f"Lifecycle{outcome.capitalize()}": [item.lifecycle for item in self.outcomes].count(outcome)
                for outcome in (*(value.value for value in Outcome), "failed")
            },
        }

    def as_dict(self) -> dict[str, Any]:
        """``accepted`` and ``rejected_count`` say at a glance how many alarms were taken and refused."""
        return {
            "accepted": len(self.outcomes),
            "rejected_count": len(self.rejected) + len(self.rejected_alerts),
            "outcomes": [outcome.__dict__ for outcome in self.outcomes],
            "rejected": self.rejected,
            "rejected_alerts": [alert.__dict__ for alert in self.rejected_alerts],
        }


def split_records(event: Any) -> list[Any]:
    """One payload per SNS record, so one bad record does not sink the others; anything else is one payload."""
    if isinstance(event, dict) and isinstance(event.get("Records"), list):
        return [{"Records": [record]} for record in event["Records"]]
    return [event]


def ingest_event(
    event: Any,
    plan: Plan,
    store: IncidentStore,
    clock: Clock,
    approvals: ApprovalRequests,
    lifecycle: AlarmLifecycle | None = None,
) -> IngestReport:
    """Apply every alarm an inbound event carries. Bad payloads, and bad alerts of a group, are reported, not raised:
    a retry cannot fix them, and the good alerts beside a bad one are applied.

    ``approvals`` sends the approval request of each incident the event opens (never on a join or a redelivery).
    """
    report = IngestReport()
    received_at = clock.now()
    for payload in split_records(event):
        try:
            read = read_alarms(payload, received_at)
        except BadInput as error:
            report.rejected.append(str(error))
            continue
        report.rejected_alerts.extend(read.rejected)
        report.outcomes.extend(apply_alarm(alarm, plan, store, clock, approvals, lifecycle) for alarm in read.alarms)
    return report


def apply_alarm(
    alarm: Alarm,
    plan: Plan,
    store: IncidentStore,
    clock: Clock,
    approvals: ApprovalRequests,
    lifecycle: AlarmLifecycle | None = None,
) -> AlarmOutcome:
    """ALARM opens or joins the component's incident; any other state is recorded on the open one.

    A change recorded on (or joining) an open incident then goes to its state machine (``lifecycle``): recovery,
    relapse and escalation; what it made of it is in the outcome.

    Only the alarm that opens the incident asks for approval: the store's conditional writes decide which
    one that is, so a redelivered event or a second alarm at once never sends a second request. The first draft is
    rendered only for that alarm too (the store calls ``draft`` only when it opens): a storm of redeliveries and
    joins renders nothing.
    """
    classification = classify_alarm(alarm, plan)
    if not classification.incident or classification.component is None or classification.severity is None:
        return AlarmOutcome(alarm.name, alarm.state, False, classification.rule, "not_an_incident")
    now = clock.now()
    component, severity = classification.component, classification.severity
    if alarm.state != AlarmState.ALARM:
        entry = TimelineEntry(
            incident_id="",
            at=now,
            kind=TimelineKind.ALARM_STATE,
            text=f"Alarm {alarm.name} is {alarm.state}",
            data={"alarm_id": alarm.id, "state": alarm.state, "changed_at": alarm.changed_at.isoformat()},
        )
        result = store.record_alarm_state(component, alarm, entry)
    else:
        incident = new_incident(
            component,
            severity,
            now,
            impact_started_at=min(alarm.changed_at, now),
            alarms={alarm.id: AlarmSnapshot.of(alarm)},
            rule_id=classification.rule,
        )
        why = f"{severity} incident opened on {component} by alarm {alarm.name} (rule {classification.rule})"
        data = {"alarm_id": alarm.id, "rule": classification.rule, "changed_at": alarm.changed_at.isoformat()}
        drafted: list[Message] = []

        def draft() -> Opening:
            """Rendered only when the store is about to open the incident: never for a redelivery or a join."""
            drafted.append(first_message(incident, alarm, plan))
            return Opening(opening_entries(incident, drafted[-1], why, data), drafted[-1])

        joining = TimelineEntry(
            incident_id="",
            at=now,
            kind=TimelineKind.ALARM_JOINED,
            text=f"Alarm {alarm.name} joined the incident",
            data={"alarm_id": alarm.id, "severity": severity, "changed_at": alarm.changed_at.isoformat()},
        )
        result = store.open_or_join(incident, alarm, draft, joining)
        if result.applied == Applied.OPENED:
            request, error = start_pipeline(plan, store, approvals, incident, drafted[-1], now)
            opened = AlarmOutcome(alarm.name, alarm.state, True, classification.rule, result.applied, incident.id)
            return replace(opened, approval_request=request, notification_error=error)
    outcome = AlarmOutcome(alarm.name, alarm.state, True, classification.rule, result.applied, result.incident_id)
    if lifecycle is not None and result.incident_id and result.applied in (Applied.RECORDED, Applied.JOINED):
        step = lifecycle.alarm_changed(result.incident_id, alarm, severity, now)
        state = step.outcome.value if step.outcome else "failed"
        return replace(outcome, lifecycle=state, lifecycle_reason=step.reason)
    return outcome


def new_incident(
    component_id: str,
    severity_id: str,
    now: datetime,
    *,
    impact_started_at: datetime,
    alarms: dict[str, AlarmSnapshot] | None = None,
    rule_id: str | None = None,
    facts: IncidentFacts | None = None,
) -> Incident:
    """A candidate incident opening ``now``, with the state machine's state of it: what an alarm and a person's
    declaration both hand to the store, so both run the same state machine from the start."""
    incident = Incident(
        id=new_incident_id(now),
        component_id=component_id,
        severity_id=severity_id,
        opened_at=now,
        updated_at=now,
        impact_started_at=impact_started_at,
        alarms=alarms or {},
        rule_id=rule_id,
        facts=facts or IncidentFacts(),
    )
    return incident.model_copy(update={"lifecycle": LifecycleState.of_incident(incident).model_dump(mode="json")})


def opening_entries(incident: Incident, message: Message, opened: str, data: dict[str, Any]) -> list[TimelineEntry]:
    """The timeline an incident opens with: why it opened (``opened``, ``data``), then its first draft."""
    return [
        TimelineEntry(incident_id=incident.id, at=incident.opened_at, kind=TimelineKind.OPENED, text=opened, data=data),
        TimelineEntry(
            incident_id=incident.id,
            at=incident.opened_at,
            kind=TimelineKind.DRAFT_CREATED,
            text=f"Investigating message drafted for {len(message.drafts)} channels, awaiting approval",
            data={"message_id": message.id, "approvers": message.approvers},
        ),
    ]


def start_pipeline(
    plan: Plan, store: IncidentStore, approvals: ApprovalRequests, incident: Incident, message: Message, now: datetime
) -> tuple[ApprovalRequest, str | None]:
    """What follows the store's OPENED, whoever opened the incident: the approval requests of the first draft (with
    its approval timeout) and the engagement emails. Answers the approval request's outcome and first error."""
    request, error = request_approval(plan, store, approvals, incident, message, now)
    engage_roles(
        plan, store, approvals.sender, incident, now, partial(approvals.console_link, incident), approvals.operators
    )
    return request, error


def engage_roles(
    plan: Plan,
    store: IncidentStore,
    sender: EmailSender,
    incident: Incident,
    now: datetime,
    console_link: Callable[[str], str] | None = None,
    operators: OperatorAlerts | None = None,
) -> None:
    """Tell every person of the roles the plan engages for the severity that the incident opened, and what is
    theirs to do, with their own console link (``console_link``: address -> link). Each refusal is a
    ``notification_failed`` entry told to the operators; who was reached is a ``roles_engaged`` one."""
    told = operators or NoOperators()
    try:
        emails = engagement_emails(plan, incident, now, console_link)
    except Exception as error:  # noqa: BLE001 - a plan that cannot be rendered must not hide the incident
        reason = error_text(error)
        report_failure(store, told, notification_failed(incident.id, now, "engagement", "Engagement emails", reason))
        return
    reached: list[str] = []
    for email in emails:
        try:
            sender.send(email)
        except Exception as error:  # noqa: BLE001 - one refused address must not keep the others uninformed
            reason = error_text(error)
            what = f"Engagement email to {email.to[0]}"
            report_failure(store, told, notification_failed(incident.id, now, "engagement", what, reason))
        else:
            reached.extend(email.to)
    if reached:
        roles = plan.roles.engage.get(incident.severity_id, [])
        record_or_tell(
            store,
            told,
            TimelineEntry(
                incident_id=incident.id,
                at=now,
                kind=TimelineKind.ROLES_ENGAGED,
                text=f"Roles engaged by email: {', '.join(roles)}",
                data={"roles": roles, "to": reached},
            ),
        )


def first_message(incident: Incident, alarm: Alarm | None, plan: Plan) -> Message:
    """The ``investigating`` draft for every channel the plan names for the severity: said early, never guessed.

    Written from the incident's facts like every later draft (a declared incident's impact and customer action;
    none yet for an alarm's, whose impact reads the plan's component), plus the opening ``alarm`` when there is one
    (internal audiences see it)."""
    audiences = promise_audiences(plan, incident.severity_id)
    severity = plan.severity(incident.severity_id)
    promise = next_update_due(severity, audiences, incident.opened_at) if audiences else None
    dues = audience_dues(severity, audiences, incident.opened_at) if promise else {}
    facts = MessageFacts(
        incident_id=incident.id,
        component_id=incident.component_id,
        severity_id=incident.severity_id,
        started_at=incident.impact_start,
        now=incident.opened_at,
        next_update_at=promise.due_at if promise else None,
        next_update_by_audience=dues,
        alarms=[alarm] if alarm is not None else [],
        **draft_values(incident.facts, told_cause=False),
    )
    return Message(
        id=new_message_id(Phase.INVESTIGATING),
        incident_id=incident.id,
        phase=Phase.INVESTIGATING,
        created_at=incident.opened_at,
        approvers=plan.approvers_for(incident.severity_id, Phase.INVESTIGATING),
        drafts=render_drafts(plan, Phase.INVESTIGATING, facts),
        promise=promise,
        promised_by_audience=dues,
    )


def record_report(report: IngestReport, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log every rejection (its reason and, for an alert of a group, its position; never the payload) and count
    what happened."""
    for reason in report.rejected:
        logger.warning("inbound event rejected", extra={"reason": reason})
    for alert in report.rejected_alerts:
        logger.warning("alert rejected", extra={"position": alert.position, "reason": alert.reason})
    for outcome in report.outcomes:
        if outcome.approval_request == ApprovalRequest.FAILED:
            logger.warning(
                "approval request not sent",
                extra={"incident_id": outcome.incident_id, "reason": outcome.notification_error},
            )
    for outcome in report.outcomes:
        if outcome.lifecycle in (Outcome.REFUSED.value, "failed"):
            logger.warning(
                "lifecycle did not apply the alarm change",
                extra={
                    "incident_id": outcome.incident_id,
                    "outcome": outcome.lifecycle,
                    "reason": outcome.lifecycle_reason,
                },
            )
    for outcome in report.outcomes:
        logger.info("alarm applied", extra=outcome.__dict__)
    add_counts(metrics, report.counts(), unit)
