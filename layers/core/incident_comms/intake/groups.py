"""Use case: a webhook group of many alerts applied component by component, in a number of writes that does not
grow with each alert.

Per component the plan classifies alerts to: the first ALARM goes the one-by-one way (:func:`~incident_comms.
intake.ingest.apply_alarm`: it opens or joins the component's incident, and an opening asks for approval once);
every other change of that component is written onto the open incident in chunks (:class:`AlarmBatches`: newest
state wins, at most once) and then fed to the state machine in one fold (:func:`~incident_comms.lifecycle.
alarm_groups.alarms_changed`). A component with no open incident and no ALARM in the group records nothing
(NO_OPEN_INCIDENT), as a lone OK does. When the incident closes while the group is applied, the changes left go the
one-by-one way (they may open the next incident).

A redelivered group applies nothing twice: its opening alarm meets its event item, the rest are no newer than what
is stored (DUPLICATE). Those duplicates are still fed to the state machine, which ignores what it knows: a delivery
that failed after writing some chunks leaves none of their changes unseen by it. Outcomes come back in the order of
the alerts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from incident_comms.alarms import Alarm, AlarmState
from incident_comms.approvals.requests import ApprovalRequests
from incident_comms.clock import Clock
from incident_comms.errors import BadInput
from incident_comms.incidents.store import Applied, IncidentStore
from incident_comms.intake.classify import classify_alarm
from incident_comms.intake.ingest import AlarmLifecycle, AlarmOutcome, IngestReport, apply_alarm
from incident_comms.intake.payloads import parse_payload, read_alarms
from incident_comms.intake.webhooks import WEBHOOK_MAX_BYTES, WebhookBodies, WebhookReference
from incident_comms.lifecycle.alarm_groups import alarms_changed
from incident_comms.lifecycle.transitions import IncidentLifecycle
from incident_comms.plan.models import Plan


class BatchResult(Protocol):
    applied: dict[int, Applied]
    closed: bool


class AlarmBatches(Protocol):
    def apply_alarms(self, incident_id: str, alarms: list[Alarm], now: datetime) -> BatchResult:
        """Write the changes that are newer than the stored alarm states onto the open incident (by position:
        JOINED, RECORDED or DUPLICATE); ``closed`` when it was not open, the positions not answered unwritten."""
        ...


def ingest_group(
    alarms: list[Alarm],
    plan: Plan,
    store: IncidentStore,
    batches: AlarmBatches,
    clock: Clock,
    approvals: ApprovalRequests,
    lifecycle: IncidentLifecycle | None = None,
) -> IngestReport:
    """Apply every alarm of one webhook group (module doc); one outcome per alarm, in order."""
    outcomes: dict[int, AlarmOutcome] = {}
    by_component: dict[str, list[tuple[int, Alarm, str, str | None]]] = {}
    for position, alarm in enumerate(alarms):
        classified = classify_alarm(alarm, plan)
        if not classified.incident or classified.component is None or classified.severity is None:
            outcomes[position] = AlarmOutcome(alarm.name, alarm.state, False, classified.rule, "not_an_incident")
            continue
        by_component.setdefault(classified.component, []).append(
            (position, alarm, classified.severity, classified.rule)
        )
    for component, members in by_component.items():
        outcomes.update(_apply_component(component, members, plan, store, batches, clock, approvals, lifecycle))
    return IngestReport(outcomes=[outcomes[position] for position in range(len(alarms))])


def _apply_component(
    component: str,
    members: list[tuple[int, Alarm, str, str | None]],
    plan: Plan,
    store: IncidentStore,
    batches: AlarmBatches,
    clock: Clock,
    approvals: ApprovalRequests,
    lifecycle: IncidentLifecycle | None,
) -> dict[int, AlarmOutcome]:
    one_by_one: AlarmLifecycle | None = lifecycle
    outcomes: dict[int, AlarmOutcome] = {}
    first = next((member for member in members if member[1].state == AlarmState.ALARM), None)
    rest = [member for member in members if member is not first]
    if first is not None:
        opened = apply_alarm(first[1], plan, store, clock, approvals, one_by_one)
        outcomes[first[0]] = opened
        incident_id = opened.incident_id
    else:
        incident_id = store.open_incident_id(component)
    if incident_id is None:
        for position, alarm, _, rule in rest:
            outcomes[position] = AlarmOutcome(alarm.name, alarm.state, True, rule, Applied.NO_OPEN_INCIDENT)
        return outcomes
    now = clock.now()
    batch = batches.apply_alarms(incident_id, [alarm for _, alarm, _, _ in rest], now)
    recorded: list[tuple[int, Alarm, str, str | None]] = []
    written: set[int] = set()
    for index, member in enumerate(rest):
        position, alarm, _, rule = member
        applied = batch.applied.get(index)
        if applied is None:
            outcomes[position] = apply_alarm(alarm, plan, store, clock, approvals, one_by_one)
            continue
        outcomes[position] = AlarmOutcome(alarm.name, alarm.state, True, rule, applied, incident_id)
        recorded.append(member)
        if applied != Applied.DUPLICATE:
            written.add(position)
    if lifecycle is not None and recorded:
        # The duplicates go to the state machine too: a delivery that failed after writing a chunk (a throttled
        # write, a timeout) never folded it, and its redelivery finds the chunk written. The machine ignores a change
        # it already knows, so a plain redelivery costs one read of the incident and writes nothing.
        steps = alarms_changed(lifecycle, incident_id, [(alarm, severity) for _, alarm, severity, _ in recorded], now)
        for (position, *_), step in zip(recorded, steps, strict=True):
            if position not in written:
                continue
            state = step.outcome.value if step.outcome else "failed"
            outcome = outcomes[position]
            outcomes[position] = AlarmOutcome(
                outcome.alarm,
                outcome.state,
                True,
                outcome.rule,
                outcome.applied,
                incident_id,
                lifecycle=state,
                lifecycle_reason=step.reason,
            )
    return outcomes


def apply_queued_webhook(
    message: str,
    bodies: WebhookBodies,
    plan: Plan,
    store: IncidentStore,
    batches: AlarmBatches,
    clock: Clock,
    approvals: ApprovalRequests,
    lifecycle: IncidentLifecycle | None = None,
) -> IngestReport:
    """Apply the webhook a queue message refers to. What no retry can fix (a message or body we cannot read, a body
    gone) is reported as rejected, not raised; a store failure is raised, so the queue delivers it again (and after
    its receive limit, to its dead-letter queue)."""
    try:
        reference = WebhookReference.model_validate_json(message)
    except ValueError as error:
        return IngestReport(rejected=[f"queue message is not a webhook reference: {str(error).splitlines()[0]}"])
    try:
        raw = bodies.get(reference.key)
    except LookupError:
        return IngestReport(rejected=[f"webhook body {reference.key} is gone (expired or never kept)"])
    try:
        read = read_alarms(parse_payload(raw, limit=WEBHOOK_MAX_BYTES), reference.received_at)
    except BadInput as error:
        return IngestReport(rejected=[str(error)])
    report = ingest_group(read.alarms, plan, store, batches, clock, approvals, lifecycle)
    report.rejected_alerts.extend(read.rejected)
    return report
