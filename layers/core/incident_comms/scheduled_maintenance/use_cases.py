"""Use cases of a maintenance: schedule it, approve it, run its steps, cancel it.

1. **Schedule** (:func:`schedule_maintenance`): the window is checked (every problem named, nothing kept), kept
   ``awaiting_approval``, and each approver is emailed their own approval link. Nothing reaches customers yet.
2. **Approve** (:func:`approve_maintenance`, from the link's POST): moved to ``scheduled`` only if it still awaits
   approval (the link works once, whoever clicks first), then its one-time schedules are armed: each announcement
   at the lead times of each audience emailed (:func:`~incident_comms.maintenance.notice.announcement_times`), its
   start and its end; and the status page shows it.
3. **Steps** (:func:`run_step`, from the schedules): an announcement emails its audience while the maintenance is
   still scheduled; the start moves it ``in_progress``, the end ``completed``, each emails the audiences and refreshes
   the page. A step that no longer applies (cancelled, already done) does nothing. When the plan wants those emails
   approved (``maintenance.approve_progress``), the approvers get a link instead and :func:`send_progress` queues
   the email once one of them approves it, while it is still true.
4. **Cancel** (:func:`cancel_maintenance`): before its start it leaves the page; in progress it ends now. Audiences
   already told of it are emailed the cancellation (or the completion); the schedules still armed fire and find
   nothing to do.

Exactly once: every move is a conditional write on the status read (a retried or concurrent run finds it moved and
does not move it again, but still finishes the emails and the page of a move it finds done); emails go through the
email batch queue as incident emails do, one batch claim per (maintenance, step, channel, batch) in the sender
(:mod:`incident_comms.delivery.email.batches`), with recipients in a stable order, so a step run twice sends no one
anything twice. Every failure that is not the caller's is told to the operators and answered, never raised past the
move already written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError

from incident_comms.delivery.email.batches.models import MAX_BATCH, EmailBatch
from incident_comms.errors import BadInput
from incident_comms.incidents.operators import NoOperators, OperatorAlert, OperatorAlerts
from incident_comms.maintenance.links import approval_link
from incident_comms.maintenance.logic import SHOWN_AFTER, declare_maintenance
from incident_comms.maintenance.models import (
    Maintenance,
    MaintenanceRequest,
    MaintenanceStatus,
    MaintenanceStep,
    StepEvent,
)
from incident_comms.maintenance.notice import announcement_times
from incident_comms.maintenance.store import MaintenanceStore
from incident_comms.maintenance.transitions import approved, customers_told, stepped
from incident_comms.observability import Logger, Metrics
from incident_comms.plan.models import Channel, Plan
from incident_comms.scheduled_maintenance.emails import (
    approval_request_emails,
    maintenance_approvers,
    maintenance_channels,
    progress_request_emails,
)
from incident_comms.subscribers.models import normalise_address
from incident_comms.team.emails import EmailSender
from incident_comms.text import error_text


class StepSchedules(Protocol):
    def arm(self, event: StepEvent, at: datetime) -> None:
        """Invoke the maintenance timer with ``event`` at ``at``, once (arming it again changes nothing)."""
        ...


class StatusPage(Protocol):
    def refresh(self, plan: Plan, maintenances: Sequence[Maintenance], now: datetime) -> str | None:
        """Rebuild the status site with ``maintenances``; answers what failed, None when every file was written."""
        ...


class Recipients(Protocol):
    def recipients(self, component: str, audience: str, locale: str) -> Iterable[str]: ...


class BatchQueue(Protocol):
    def queue(self, batches: list[EmailBatch]) -> tuple[int, int, list[str]]:
        """Queue batches for the email sender: recipients queued, refused, and why."""
        ...


class MaintenanceNotFound(LookupError):
    pass


class MaintenanceConflict(Exception):
    """The maintenance cannot move so from where it stands (already approved, completed, cancelled)."""


@dataclass
class Maintenances:
    """What the use cases talk to. ``schedules``, ``page``, ``subscribers`` and ``emails`` may be None where a
    deployment has no such part (the local stack without a status page): that part is skipped and said."""

    plan: Plan
    store: MaintenanceStore
    team_sender: EmailSender
    link_key: Callable[[], bytes]
    base_url: str
    schedules: StepSchedules | None = None
    page: StatusPage | None = None
    subscribers: Recipients | None = None
    emails: BatchQueue | None = None
    operators: OperatorAlerts = field(default_factory=NoOperators)


@dataclass
class Outcome:
    """What one use case did: the maintenance as it stands, and what did not work (each said once)."""

    maintenance: Maintenance
    moved: bool = True
    asked: int = 0
    armed: int = 0
    queued: int = 0
    problems: list[str] = field(default_factory=list)


def schedule_maintenance(deps: Maintenances, request: MaintenanceRequest, by: str, now: datetime) -> Outcome:
    """Keep the window awaiting approval and ask the approvers; :class:`BadInput` for a bad window (nothing kept)."""
    maintenance = declare_maintenance(
        deps.plan, request.components, request.starts_at, request.ends_at, request.title, request.details, by, now
    )
    deps.store.create(maintenance)
    outcome = Outcome(maintenance)
    approvers = maintenance_approvers(deps.plan)
    try:
        key = deps.link_key()
        links = {address: approval_link(deps.base_url, key, maintenance, address, now) for address in approvers}
        for email in approval_request_emails(deps.plan, maintenance, links):
            try:
                deps.team_sender.send(email)
                outcome.asked += 1
            except Exception as error:  # noqa: BLE001 - the other approvers are still asked
                outcome.problems.append(f"an approval request: {error_text(error)}")
    except Exception as error:  # noqa: BLE001 - kept, and the operators hear nobody was asked
        outcome.problems.append(f"approval requests: {error_text(error)}")
    if not outcome.asked:
        outcome.problems.append("no approver could be asked")
    _tell(deps, maintenance, outcome.problems)
    return outcome


def approve_maintenance(deps: Maintenances, maintenance_id: str, by: str, now: datetime) -> Outcome:
    """Approve once; :class:`MaintenanceConflict` when it no longer awaits approval (nothing changes)."""
    current = _get(deps, maintenance_id)
    moved = approved(current, by, now)
    if moved is None or not deps.store.replace(moved, MaintenanceStatus.AWAITING_APPROVAL):
        raise MaintenanceConflict(f"{maintenance_id} no longer awaits approval")
    outcome = Outcome(moved)
    for event, at in planned_steps(deps.plan, moved):
        if deps.schedules is None:
            outcome.problems.append("no scheduler: the steps of the maintenance are not armed")
            break
        try:
            deps.schedules.arm(event, at)
            outcome.armed += 1
        except Exception as error:  # noqa: BLE001 - the other steps are still armed
            outcome.problems.append(f"{event.message_id} not armed: {error_text(error)}")
    _refresh(deps, moved, now, outcome)
    _tell(deps, moved, outcome.problems)
    return outcome


def planned_steps(plan: Plan, maintenance: Maintenance) -> list[tuple[StepEvent, datetime]]:
    """The one-time schedules of an approved maintenance: its announcements per audience, its start, its end."""
    steps: list[tuple[StepEvent, datetime]] = []
    audiences = dict.fromkeys(channel.audience for channel in maintenance_channels(plan))
    approved_at = maintenance.approved_at or maintenance.created_at
    for audience_id in audiences:
        audience = plan.audience(audience_id)
        for at in announcement_times(maintenance, audience, audience.maintenance_notice, approved_at):
            event = StepEvent(maintenance_id=maintenance.id, step=MaintenanceStep.ANNOUNCE, audience=audience_id, at=at)
            steps.append((event, at))
    steps.append((StepEvent(maintenance_id=maintenance.id, step=MaintenanceStep.START), maintenance.starts_at))
    steps.append((StepEvent(maintenance_id=maintenance.id, step=MaintenanceStep.COMPLETE), maintenance.ends_at))
    return steps


STATUS_AFTER = {
    MaintenanceStep.START: MaintenanceStatus.IN_PROGRESS,
    MaintenanceStep.COMPLETE: MaintenanceStatus.COMPLETED,
}
"""Where the start and the completion move a maintenance: their emails are true only while it stands there."""


def run_step(deps: Maintenances, event: StepEvent, now: datetime) -> Outcome:
    """What a schedule fired: an announcement, the start or the end (see the module doc)."""
    current = _get(deps, event.maintenance_id)
    if event.step == MaintenanceStep.ANNOUNCE:
        if current.status != MaintenanceStatus.SCHEDULED or now >= current.starts_at:
            return Outcome(current, moved=False)
        outcome = Outcome(current, moved=False)
        channels = [c for c in maintenance_channels(deps.plan) if c.audience == event.audience]
        _email(deps, current, event, channels, outcome)
        _tell(deps, current, outcome.problems)
        return outcome
    if event.step not in STATUS_AFTER:
        raise BadInput(f"{event.step.value} is not a scheduled step")
    if current.status == STATUS_AFTER[event.step]:
        outcome = Outcome(current, moved=False)
    else:
        moved = stepped(current, event.step, now)
        if moved is None:
            return Outcome(current, moved=False)
        if not deps.store.replace(moved, current.status):
            return Outcome(_get(deps, event.maintenance_id), moved=False)
        outcome = Outcome(moved)
    _refresh(deps, outcome.maintenance, now, outcome)
    if deps.plan.roles.maintenance.approve_progress:
        _ask_progress(deps, outcome.maintenance, event.step, now, outcome)
    else:
        _email(deps, outcome.maintenance, event, maintenance_channels(deps.plan), outcome)
    _tell(deps, outcome.maintenance, outcome.problems)
    return outcome


def send_progress(deps: Maintenances, maintenance_id: str, step: MaintenanceStep, by: str, now: datetime) -> Outcome:
    """The approval of a step's email (the plan's ``maintenance.approve_progress``): queued once, while it is still
    true (an "in progress" email approved after the work ended is :class:`MaintenanceConflict`, nothing sent)."""
    current = _get(deps, maintenance_id)
    if step not in STATUS_AFTER or current.status != STATUS_AFTER[step]:
        raise MaintenanceConflict(f"{maintenance_id} is {current.status.value}")
    if not deps.store.claim_step(maintenance_id, step.value, now):
        raise MaintenanceConflict(f"the {step.value} email of {maintenance_id} was already sent")
    outcome = Outcome(current, moved=False)
    _email(deps, current, StepEvent(maintenance_id=maintenance_id, step=step), maintenance_channels(deps.plan), outcome)
    _tell(deps, current, outcome.problems)
    return outcome


def _ask_progress(
    deps: Maintenances, maintenance: Maintenance, step: MaintenanceStep, now: datetime, outcome: Outcome
) -> None:
    """Email each approver their link to approve the customer email of ``step``."""
    try:
        key = deps.link_key()
        links = {
            address: approval_link(deps.base_url, key, maintenance, address, now, step)
            for address in maintenance_approvers(deps.plan)
        }
        for email in progress_request_emails(deps.plan, maintenance, step, links):
            try:
                deps.team_sender.send(email)
                outcome.asked += 1
            except Exception as error:  # noqa: BLE001 - the other approvers are still asked
                outcome.problems.append(f"a {step.value} approval request: {error_text(error)}")
    except Exception as error:  # noqa: BLE001 - the move stands; the operators hear nobody was asked
        outcome.problems.append(f"{step.value} approval requests: {error_text(error)}")


def cancel_maintenance(deps: Maintenances, maintenance_id: str, by: str, now: datetime) -> Outcome:
    """Cancel (or, in progress, end now); :class:`MaintenanceConflict` once completed or cancelled."""
    current = _get(deps, maintenance_id)
    moved = stepped(current, MaintenanceStep.CANCEL, now)
    if moved is None or not deps.store.replace(moved, current.status):
        raise MaintenanceConflict(f"{maintenance_id} is {current.status.value}: it cannot be cancelled")
    outcome = Outcome(moved)
    if customers_told(current):
        step = MaintenanceStep.COMPLETE if moved.status == MaintenanceStatus.COMPLETED else MaintenanceStep.CANCEL
        told = [c for c in maintenance_channels(deps.plan) if _announced(deps.plan, current, c, now)]
        _email(deps, moved, StepEvent(maintenance_id=moved.id, step=step), told, outcome)
        _refresh(deps, moved, now, outcome)
    _tell(deps, moved, outcome.problems)
    return outcome


def listed(store: MaintenanceStore, now: datetime) -> list[Maintenance]:
    """The maintenances a person may still act on or see on the page: those that ended less than
    :data:`~incident_comms.maintenance.logic.SHOWN_AFTER` ago, or have not ended."""
    return store.recent(now - SHOWN_AFTER)


def _announced(plan: Plan, maintenance: Maintenance, channel: Channel, now: datetime) -> bool:
    """Whether ``channel``'s audience was due an announcement before ``now`` (or the work had started)."""
    if maintenance.status == MaintenanceStatus.IN_PROGRESS or now >= maintenance.starts_at:
        return True
    audience = plan.audience(channel.audience)
    approved_at = maintenance.approved_at or maintenance.created_at
    return any(at <= now for at in announcement_times(maintenance, audience, audience.maintenance_notice, approved_at))


def _get(deps: Maintenances, maintenance_id: str) -> Maintenance:
    found = deps.store.get(maintenance_id)
    if found is None:
        raise MaintenanceNotFound(maintenance_id)
    return found


def recipients_of(subscribers: Recipients, maintenance: Maintenance, channel: Channel) -> list[str]:
    """Everyone subscribed to any of its components on ``channel``'s audience and locale, each once, sorted: the
    same batches however often a step runs."""
    found: set[str] = set()
    for component in maintenance.components:
        for address in subscribers.recipients(component, channel.audience, channel.locale):
            try:
                found.add(normalise_address(address))
            except ValueError:
                continue
    return sorted(found)


def _email(
    deps: Maintenances, maintenance: Maintenance, event: StepEvent, channels: list[Channel], outcome: Outcome
) -> None:
    if not channels:
        return
    if deps.subscribers is None or deps.emails is None:
        outcome.problems.append("no subscriber list or email queue: customers were not emailed")
        return
    for channel in channels:
        try:
            recipients = recipients_of(deps.subscribers, maintenance, channel)
            groups = [recipients[start : start + MAX_BATCH] for start in range(0, len(recipients), MAX_BATCH)]
            batches = [
                EmailBatch(
                    incident_id=maintenance.id,
                    message_id=event.message_id,
                    version=1,
                    channel_id=channel.id,
                    batch=number,
                    batches=len(groups),
                    recipients=group,
                )
                for number, group in enumerate(groups, start=1)
            ]
            queued, failed, errors = deps.emails.queue(batches) if batches else (0, 0, [])
        except Exception as error:  # noqa: BLE001 - the other channels are still emailed
            outcome.problems.append(f"{event.message_id} on {channel.id}: {error_text(error)}")
            continue
        outcome.queued += queued
        if failed:
            outcome.problems.append(f"{event.message_id} on {channel.id}: {failed} recipients not queued: {errors[0]}")


def _refresh(deps: Maintenances, changed: Maintenance, now: datetime, outcome: Outcome) -> None:
    if deps.page is None:
        return
    try:
        others = [m for m in listed(deps.store, now) if m.id != changed.id]
        failed = deps.page.refresh(deps.plan, [*others, changed], now)
    except Exception as error:  # noqa: BLE001 - the move stands; the next refresh writes the page
        failed = error_text(error)
    if failed:
        outcome.problems.append(f"status page: {failed}")


def _tell(deps: Maintenances, maintenance: Maintenance, problems: list[str]) -> None:
    if not problems:
        return
    text = "\n".join(problems)
    try:
        deps.operators.tell(OperatorAlert(incident_id=maintenance.id, subject="maintenance", text=text))
    except Exception as error:  # noqa: BLE001 - answered to the caller either way
        problems.append(f"operators: {error_text(error)}")


def fire_step(deps: Maintenances, event: object, now: datetime) -> dict[str, object]:
    """What the maintenance timer does with a schedule's input: the step run, or why not (a malformed input or an
    unknown maintenance is answered, never raised: Scheduler would only retry it)."""
    try:
        step = StepEvent.model_validate(event)
    except ValidationError as error:
        fields = sorted({".".join(str(part) for part in item["loc"]) or "(event)" for item in error.errors()})
        return {"result": "rejected", "reason": f"not a maintenance step: {', '.join(fields)}"}
    try:
        outcome = run_step(deps, step, now)
    except MaintenanceNotFound:
        return {"result": "rejected", "reason": "no such maintenance", "maintenance_id": step.maintenance_id}
    return {
        "result": "done" if outcome.moved or outcome.queued else "nothing_to_do",
        "maintenance_id": step.maintenance_id,
        "step": step.message_id,
        "status": outcome.maintenance.status.value,
        "queued": outcome.queued,
        "problems": outcome.problems,
    }


def record_outcome(what: str, answer: Mapping[str, object], logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log what a maintenance route or step did and count it: ``Maintenance<What>`` when it worked, with
    ``MaintenanceProblems`` for each problem told to the operators and ``MaintenanceRejected`` for refusals."""
    problems = answer.get("problems") or []
    if answer.get("result") == "rejected":
        logger.warning(f"maintenance {what} rejected", extra=dict(answer))
        metrics.add_metric(name="MaintenanceRejected", unit=unit, value=1)
        return
    logger.info(f"maintenance {what}", extra=dict(answer))
    metrics.add_metric(name=f"Maintenance{what.title().replace(' ', '')}", unit=unit, value=1)
    if isinstance(problems, list) and problems:
        metrics.add_metric(name="MaintenanceProblems", unit=unit, value=len(problems))
