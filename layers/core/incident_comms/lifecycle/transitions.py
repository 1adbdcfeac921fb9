"""Use case: walk stored incidents through recovery, resolution and postmortem with the state machine.

:mod:`incident_comms.incidents.machine` decides (pure); this module does what it decided, for one stored incident:

1. read the incident and its machine state (:func:`~incident_comms.lifecycle.logic.state_of`), feed the event to
   :func:`~incident_comms.incidents.machine.advance`;
2. when APPLIED, save the new state, phase, status and severity with their timeline entries (PHASE_CHANGED,
   SEVERITY_ESCALATED) in one write conditioned on the incident's ``revision``: two events at once (two alarms, a
   timer and a responder) never both apply to the same state; the later one is computed again from the new state;
3. only then, once: draft each phase message the transition asks for (:func:`incident_comms.approvals.requests.
   draft_and_request`: stored, approval requested, every waiting draft superseded), arm each timer
   (:class:`~incident_comms.lifecycle.store.LifecycleTimers`, whose firing comes back here through
   :meth:`IncidentLifecycle.timer_fired`), stop the update cadence on resolution (:class:`~incident_comms.lifecycle.
   store.UpdateCadence`, the promise side's schedules), and on a close supersede every waiting draft with nothing
   replacing it (approval timeouts deleted) and delete the postmortem reminder.

The console's operations (:meth:`IncidentLifecycle.manual_move`, :meth:`~IncidentLifecycle.change_severity`,
:meth:`~IncidentLifecycle.close`) are events like any other; :meth:`~IncidentLifecycle.change_facts` saves the facts
first (:mod:`incident_comms.lifecycle.facts`) and then drafts the message that tells them, superseding the waiting
ones. A form that cannot be acted on raises (FactsError, BadInput: nothing changed); the machine's refusals are
answered.

Ignored and refused events change nothing and raise nothing: they come back as a :class:`~incident_comms.lifecycle.
models.Step` with the machine's reason, for the caller to log and count. A drafting, scheduling or cadence failure
after the state was saved is a ``notification_failed`` entry on the timeline, never silent and never undoing the
transition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from incident_comms.alarms import Alarm, AlarmState
from incident_comms.approvals.requests import ApprovalRequests, cancel_approval_timeouts, draft_and_request
from incident_comms.delivery.publishing import PublishReport, PublishResult
from incident_comms.incidents.facts import set_facts
from incident_comms.incidents.machine import DEFAULT_SETTLE, advance
from incident_comms.incidents.machine_models import (
    AlarmChanged,
    ClosedByHand,
    Event,
    ManualMove,
    Outcome,
    PostmortemPublished,
    SeverityChanged,
    SeverityClassified,
    Timer,
    TimerKind,
    Transition,
    timer_event,
)
from incident_comms.incidents.models import (
    Incident,
    TimelineEntry,
    TimelineKind,
    notification_failed,
)
from incident_comms.incidents.operators import NoOperators, OperatorAlerts, report_failure
from incident_comms.incidents.store import IncidentStore
from incident_comms.lifecycle.actions import action_steps, actions_taken
from incident_comms.lifecycle.facts import change_facts
from incident_comms.lifecycle.logic import (
    facts_redraft,
    incident_after,
    postmortem_published,
    state_of,
    transition_entries,
)
from incident_comms.lifecycle.models import MAX_REASON_CHARS, Audit, BadInput, Step, TimerFiring
from incident_comms.lifecycle.store import LifecycleTimers, UpdateCadence
from incident_comms.lifecycle.texts import ACTIONS_PLANNED
from incident_comms.observability import Logger, Metrics
from incident_comms.plan.models import Phase, Plan
from incident_comms.text import error_text

SAVE_ATTEMPTS = 5
"""Recomputing after another transition landed first: more than a handful in a row means something is wrong."""

TIMER_NAMES = {
    TimerKind.SETTLE_CHECK: "Settle check",
    TimerKind.QUIET_CHECK: "Quiet period check",
    TimerKind.POSTMORTEM_REMINDER: "Postmortem reminder",
}


@dataclass(frozen=True)
class IncidentLifecycle:
    """The lifecycle of stored incidents: every entry point (alarm change, timer, responder, publication) ends in
    :meth:`apply`. ``timers`` None: no scheduler in this deployment (each timer that could not be armed is on the
    timeline); ``cadence`` None likewise for stopping the update schedule. ``operators`` hear of every timer that
    could not be armed or deleted (after the scheduler adapter's own retries)."""

    plan: Plan
    store: IncidentStore
    approvals: ApprovalRequests
    timers: LifecycleTimers | None = None
    cadence: UpdateCadence | None = None
    settle: timedelta = DEFAULT_SETTLE
    operators: OperatorAlerts = field(default_factory=NoOperators)

    # --- entry points ------------------------------------------------------------------------------------------

    def alarm_changed(self, incident_id: str, alarm: Alarm, severity_id: str, now: datetime) -> Step:
        """An alarm's new state was recorded on (or joined) the open incident ``incident_id``; ``severity_id`` is
        what the plan classifies the alarm to. An ALARM already known (so the machine ignores it) that classifies
        more severe still escalates. Never raises: the alarm is recorded already, and a retried event would only
        meet the duplicate guard, so a failure is answered (and put on the timeline) instead."""
        try:
            step = self.apply(
                incident_id,
                AlarmChanged(at=alarm.changed_at, alarm_id=alarm.id, state=alarm.state, severity_id=severity_id),
                now,
            )
            if step.outcome == Outcome.IGNORED and alarm.state == AlarmState.ALARM:
                escalation = self.apply(incident_id, SeverityClassified(at=now, severity_id=severity_id), now)
                if escalation.outcome == Outcome.APPLIED:
                    return escalation
            return step
        except Exception as error:  # noqa: BLE001 - the recorded alarm must not be lost without a trace
            return self._failed(incident_id, "AlarmChanged", error, now)

    def timer_fired(self, firing: TimerFiring, now: datetime) -> Step:
        """A timer's schedule fired ``now``: a stale or duplicate firing is ignored by the machine."""
        return self.apply(firing.incident_id, timer_event(firing.timer, now), now)

    def manual_move(
        self, incident_id: str, to: Phase, audit: Audit, now: datetime, *, cause: Mapping[str, str] | None = None
    ) -> Step:
        """A responder moves the incident to ``to``; ``cause`` (locale -> the cause in plain words, for
        ``identified``) becomes the incident's cause fact, saved with the move, so each locale's drafts tell their
        own text. The transition's timeline entry records who, when and from where. Raises FactsError (nothing
        changed) for a cause that is not a fact."""
        return self.apply(incident_id, ManualMove(at=now, to=to, by=audit.by), now, audit=audit, cause=cause)

    def change_severity(self, incident_id: str, severity_id: str, reason: str, audit: Audit, now: datetime) -> Step:
        """A responder raises or lowers the severity of an open incident, saying why: applied, an ``update`` is drafted
        for the new severity's channels and approvers (superseding every waiting draft) and the timeline records who,
        from which severity to which and why. Lowering happens only here: an alarm never lowers it. A severity not in
        the plan, the same one, or a resolved incident is REFUSED with the reason. Raises BadInput (nothing read or
        changed) for a reason that is blank or longer than ``MAX_REASON_CHARS``: that is a bad form, not a refusal."""
        why = reason.strip()
        if not why:
            raise BadInput("say why the severity changes")
        if len(why) > MAX_REASON_CHARS:
            raise BadInput(f"the reason is longer than {MAX_REASON_CHARS} characters")
        event = SeverityChanged(at=now, severity_id=severity_id, by=audit.by, reason=why)
        return self.apply(incident_id, event, now, audit=audit)

    def close(self, incident_id: str, audit: Audit, now: datetime) -> Step:
        """A responder closes a resolved incident by hand (the machine's rules: refused while open, and while the
        plan still expects its postmortem). Applied: the incident is in its closed phase, every draft still awaiting
        approval is superseded (links dead, approval timeouts deleted), the postmortem reminder is deleted, and every
        later event is refused."""
        published = postmortem_published(self.store.messages(incident_id))
        return self.apply(
            incident_id, ClosedByHand(at=now, by=audit.by, postmortem_published=published), now, audit=audit
        )

    def change_facts(
        self, incident_id: str, changes: Mapping[str, Any], audit: Audit, now: datetime, *, tell_customers: bool = True
    ) -> Step:
        """A responder sets or corrects the facts (:func:`incident_comms.lifecycle.facts.change_facts`: one write on
        the incident's revision, retried when another change landed first; the ``facts_set`` entry says who and from
        where); adding an affected component is a change of ``components``. Raises FactsError, nothing changed, for
        bad facts. Then, with ``tell_customers``, the message that tells the new facts is drafted, superseding every
        waiting draft (:func:`~incident_comms.lifecycle.logic.facts_redraft`: the waiting draft's phase again, else
        an update while open; nothing once closed). The facts stand whatever the drafting does: a failure is on the
        timeline and in the Step's ``failures``."""
        name = "FactsChanged"
        try:
            saved = change_facts(self.store, self.plan, incident_id, changes, audit.by, now, audit=audit)
        except LookupError:
            return Step(name, incident_id, None, "no such incident")
        except RuntimeError as error:
            return Step(name, incident_id, None, error_text(error))
        step = Step(name, incident_id, Outcome.APPLIED, f"facts set by {audit.by}: {', '.join(sorted(changes))}")
        step.phase, step.severity_id = saved.phase, saved.severity_id
        try:
            phase = facts_redraft(saved, self.store.messages(incident_id)) if tell_customers else None
        except Exception as error:  # noqa: BLE001 - the facts are saved; the message not drafted must show
            self._note_failure(step, incident_id, now, "draft", "The draft telling the new facts", error)
            return step
        if phase is None:
            step.reason += "; nothing drafted" if tell_customers else "; customers not told (nothing drafted)"
        else:
            step.reason += f"; {phase.value} drafted with them"
            self._draft(saved, phase, now, step)
        return step

    def message_published(self, report: PublishReport, now: datetime) -> Step | None:
        """The publisher published a message: when it is the incident's postmortem, the incident is closed for good.
        None for anything else (another phase, a request that published nothing): nothing to do."""
        if report.result != PublishResult.PUBLISHED or report.incident_id is None or report.message_id is None:
            return None
        message = self.store.get_message(report.incident_id, report.message_id)
        if message is None or message.phase != Phase.POSTMORTEM:
            return None
        return self.apply(report.incident_id, PostmortemPublished(at=now), now)

    # --- the one way an event is applied ------------------------------------------------------------------------

    def apply(
        self,
        incident_id: str,
        event: Event,
        now: datetime,
        *,
        audit: Audit | None = None,
        cause: Mapping[str, str] | None = None,
    ) -> Step:
        """Advance the stored incident by ``event`` and, when applied, do what the transition says (module doc)."""
        name = type(event).__name__
        for _ in range(SAVE_ATTEMPTS):
            incident = self.store.get_incident(incident_id)
            if incident is None:
                return Step(name, incident_id, None, "no such incident")
            transition = advance(state_of(incident), event, self.plan, settle=self.settle)
            if transition.outcome != Outcome.APPLIED:
                return Step(
                    name, incident_id, transition.outcome, transition.reason, incident.phase, incident.severity_id
                )
            after = incident_after(incident, transition, now)
            if cause:
                after = after.model_copy(update={"facts": set_facts(after.facts, {"cause": cause}, self.plan)})
            why = event.reason if isinstance(event, SeverityChanged) else None
            entries = transition_entries(incident, after, transition, name, now, audit, cause, why)
            if self.store.save_lifecycle(incident, after, entries):
                step = Step(name, incident_id, Outcome.APPLIED, transition.reason, after.phase, after.severity_id)
                self._follow(after, transition, now, step)
                return step
        return Step(name, incident_id, None, f"another change kept landing first ({SAVE_ATTEMPTS} attempts)")

    def _follow(self, incident: Incident, transition: Transition, now: datetime, step: Step) -> None:
        """Draft, arm, stop and retire what the saved transition asks for; each failure on the timeline and in
        ``step``."""
        for phase in transition.drafts_to_create:
            self._draft(incident, phase, now, step)
        for timer in transition.timers:
            self._arm(incident.id, timer, transition.reason, now, step)
        if transition.cadence_stop:
            self._stop_cadence(incident.id, now, step)
        if transition.supersede_waiting:
            self._retire_waiting(incident.id, now, step)
        for kind in transition.timers_to_cancel:
            self._disarm(incident.id, kind, now, step)

    def _draft(self, incident: Incident, phase: Phase, now: datetime, step: Step) -> None:
        try:
            facts = self.facts_for(incident, phase)
            message = draft_and_request(self.plan, self.store, self.approvals, incident, phase, now, facts_update=facts)
        except Exception as error:  # noqa: BLE001 - what was saved stands; the missing draft must show
            self._note_failure(step, incident.id, now, "draft", f"The {phase.value} draft", error)
        else:
            if message is None:
                step.failures.append(f"{phase.value} draft: not drafted (see the timeline)")
            else:
                step.drafted.append(message.id)

    def _retire_waiting(self, incident_id: str, now: datetime, step: Step) -> None:
        try:
            superseded = self.store.supersede_waiting(incident_id, now, "the incident was closed")
        except Exception as error:  # noqa: BLE001 - a waiting draft of a closed incident must be explainable
            self._note_failure(step, incident_id, now, "supersede", "Superseding the waiting drafts", error)
            return
        step.superseded = [message.id for message in superseded]
        cancel_approval_timeouts(self.store, self.approvals, superseded, now)

    def _disarm(self, incident_id: str, kind: TimerKind, now: datetime, step: Step) -> None:
        try:
            if self.timers is None:
                raise LookupError("no scheduler for lifecycle timers in this deployment")
            self.timers.cancel(incident_id, kind)
        except Exception as error:  # noqa: BLE001 - a reminder of a closed incident fires for nothing; say why
            self._note_failure(
                step, incident_id, now, "lifecycle_timer", f"Deleting the {TIMER_NAMES[kind].lower()}", error
            )

    def _arm(self, incident_id: str, timer: Timer, reason: str, now: datetime, step: Step) -> None:
        what = f"{TIMER_NAMES[timer.kind]} due {timer.at.isoformat()}"
        try:
            if self.timers is None:
                raise LookupError("no scheduler for lifecycle timers in this deployment")
            name = self.timers.schedule(incident_id, timer)
        except Exception as error:  # noqa: BLE001 - a check that will never fire must be visible
            self._note_failure(step, incident_id, now, "lifecycle_timer", what, error)
            return
        step.timers.append(name)
        self.store.add_timeline_entry(
            TimelineEntry(
                incident_id=incident_id,
                at=now,
                kind=TimelineKind.LIFECYCLE_TIMER,
                text=f"{what} ({reason})",
                data={"timer": timer.kind.value, "due_at": timer.at.isoformat(), "schedule": name},
            )
        )

    def _stop_cadence(self, incident_id: str, now: datetime, step: Step) -> None:
        try:
            if self.cadence is None:
                raise LookupError("no update schedules in this deployment")
            step.cadence_stopped = list(self.cadence.cancel(incident_id))
        except Exception as error:  # noqa: BLE001 - an update prompt after resolution must be explainable
            self._note_failure(step, incident_id, now, "update_cadence", "Stopping the update schedule", error)

    def _note_failure(
        self, step: Step, incident_id: str, now: datetime, notification: str, what: str, error: BaseException
    ) -> None:
        reason = error_text(error)
        step.failures.append(f"{what}: {reason}")
        report_failure(self.store, self.operators, notification_failed(incident_id, now, notification, what, reason))

    def _failed(self, incident_id: str, event: str, error: BaseException, now: datetime) -> Step:
        reason = error_text(error)
        step = Step(event, incident_id, None, reason)
        try:
            what = f"Applying {event} to the incident's lifecycle"
            self.store.add_timeline_entry(notification_failed(incident_id, now, "lifecycle", what, reason))
        except Exception as second:  # noqa: BLE001 - the store itself failing: answered, and logged by the caller
            step.failures.append(f"timeline: {error_text(second)}")
        return step

    # --- what the drafts are written from ---------------------------------------------------------------------

    def facts_for(self, incident: Incident, phase: Phase) -> dict[str, Any]:
        """What the incident's timeline tells a ``phase`` draft beyond the incident's stored facts (which win over
        these, :func:`~incident_comms.cadence.facts.draft_facts`): what was done, what is planned, and for resolved
        and postmortem the end of the impact window. The cause and root cause are the stored facts only."""
        timeline = self.store.timeline(incident.id)
        facts: dict[str, Any] = {}
        if phase in (Phase.MONITORING, Phase.RESOLVED, Phase.POSTMORTEM):
            facts["actions_taken"] = actions_taken(self.plan, action_steps(timeline, phase))
        if phase in (Phase.RESOLVED, Phase.POSTMORTEM):
            facts["resolved_at"] = incident.resolved_at
        if phase == Phase.RESOLVED:
            facts["actions_planned"] = dict(ACTIONS_PLANNED)
        return facts


def fire_timer(event: Any, lifecycle: IncidentLifecycle, now: datetime) -> Step:
    """The lifecycle timer function's use case: read the schedule's input (:class:`TimerFiring`) and apply the
    timer's event. Input that is not a timer firing is rejected (answered, logged and counted), never raised: the
    scheduler retrying it could not make it readable."""
    try:
        firing = TimerFiring.model_validate(event)
    except ValidationError as error:
        fields = ", ".join(".".join(str(part) for part in item["loc"]) or "(event)" for item in error.errors())
        incident_id = event.get("incident_id") if isinstance(event, dict) else None
        return Step("TimerFiring", str(incident_id or ""), None, f"not a timer firing: {fields}", rejected=True)
    return lifecycle.timer_fired(firing, now)


# --- logs and metrics ----------------------------------------------------------------------------------------------


def record_step(step: Step | None, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log what a lifecycle event did (refused, rejected and failed as warnings, with the reason) and count it:
    ``LifecycleApplied``, ``LifecycleIgnored``, ``LifecycleRefused``, ``LifecycleRejected``, ``LifecycleFailed``."""
    if step is None:
        return
    details = step.as_dict()
    if step.outcome in (None, Outcome.REFUSED) or step.failures:
        logger.warning("lifecycle event not (fully) applied", extra=details)
    else:
        logger.info("lifecycle event handled", extra=details)
    metrics.add_metric(name=f"Lifecycle{step.result.capitalize()}", unit=unit, value=1)
    metrics.add_metric(name="LifecycleDrafts", unit=unit, value=len(step.drafted))
    metrics.add_metric(name="LifecycleFollowUpsFailed", unit=unit, value=len(step.failures))
