"""Use case: walk stored incidents through recovery, resolution and postmortem with the state machine.

:mod:`incident_comms.lifecycle` decides (pure); this module does what it decided, for one stored incident:

1. read the incident and its machine state (:func:`state_of`), feed the event to :func:`~incident_comms.lifecycle.
   advance`;
2. when APPLIED, save the new state, phase, status and severity with their timeline entries (PHASE_CHANGED,
   SEVERITY_ESCALATED) in one write conditioned on the incident's ``revision``: two events at once (two alarms, a
   timer and a responder) never both apply to the same state; the later one is computed again from the new state;
3. only then, once: draft each phase message the transition asks for (:func:`incident_comms.cadence.drafts.
   draft_and_request`: stored, approval requested), arm each timer (:class:`LifecycleTimers`, whose firing comes
   back here through :meth:`IncidentLifecycle.timer_fired`), and stop the update cadence on resolution
   (:class:`UpdateCadence`, the promise side's schedules).

Ignored and refused events change nothing and raise nothing: they come back as a :class:`Step` with the machine's
reason, for the caller to log and count. A drafting, scheduling or cadence failure after the state was saved is a
``notification_failed`` entry on the timeline, never silent and never undoing the transition.

The machine's state is stored on the incident (``Incident.lifecycle``), apart from ``Incident.alarms``: ingest
records an alarm's new state before the machine sees the change, and the machine must still see it as a change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from incident_comms.alarms import Alarm, AlarmState
from incident_comms.approvals.requests import ApprovalRequests, draft_and_request
from incident_comms.delivery.publishing import PublishReport, PublishResult
from incident_comms.incidents.machine import DEFAULT_SETTLE, advance
from incident_comms.incidents.machine_models import (
    AlarmChanged,
    Event,
    LifecycleState,
    ManualMove,
    Outcome,
    PostmortemPublished,
    SeverityClassified,
    Timer,
    TimerKind,
    Transition,
    timer_event,
)
from incident_comms.incidents.models import Incident, IncidentStatus, TimelineEntry, TimelineKind, notification_failed
from incident_comms.incidents.store import IncidentStore
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

_ACTIONS_TAKEN: dict[str, dict[str, str]] = {
    "es": {
        "identified": "identificamos la causa: {cause}",
        "identified_plain": "identificamos la causa",
        "relapse": "volvimos a trabajar en ello cuando el problema reapareció",
        "monitoring": "vigilamos el servicio hasta comprobar que funcionaba con normalidad",
        "published": "le mantuvimos informado con {count} avisos",
        "published_one": "le mantuvimos informado con 1 aviso",
    },
    "en": {
        "identified": "we identified the cause: {cause}",
        "identified_plain": "we identified the cause",
        "relapse": "we went back to work on it when the problem came back",
        "monitoring": "we watched the service until it was working normally",
        "published": "we kept you informed with {count} updates",
        "published_one": "we kept you informed with 1 update",
    },
}
"""The steps of "what we did", in the plan's languages (English for any other), from the incident's timeline."""

_ACTIONS_PLANNED = {
    "es": "Publicaremos un informe del incidente con la causa raíz y lo que cambiaremos para que no se repita.",
    "en": "We will publish an incident report with the root cause and what we will change so it does not happen again.",
}


class TimerFiring(BaseModel):
    """What a lifecycle timer's schedule hands the lifecycle timer function: which incident, which timer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    incident_id: str = Field(min_length=1, max_length=128)
    timer: Timer


class LifecycleTimers(Protocol):
    def schedule(self, incident_id: str, timer: Timer) -> str:
        """Make ``timer`` fire once for ``incident_id`` (replacing the incident's earlier timer of that kind);
        answers the schedule's name. Raises when the scheduler refuses."""
        ...


class UpdateCadence(Protocol):
    def cancel(self, incident_id: str) -> list[str]:
        """Delete every update schedule of the incident (it is over); idempotent."""
        ...


@dataclass(frozen=True)
class Audit:
    """Who moved the incident by hand, and from where (a manual step's timeline entry carries it)."""

    by: str
    source_ip: str | None = None
    user_agent: str | None = None

    def as_data(self) -> dict[str, Any]:
        return {"by": self.by, "source_ip": self.source_ip, "user_agent": self.user_agent}


@dataclass
class Step:
    """What one lifecycle event did to one incident. ``outcome`` None: it could not be applied at all (no such
    incident, contention, a store failure), ``reason`` says why."""

    event: str
    incident_id: str
    outcome: Outcome | None
    reason: str
    phase: Phase | None = None
    severity_id: str | None = None
    drafted: list[str] = field(default_factory=list)
    """Ids of the messages drafted (and whose approval was requested)."""
    timers: list[str] = field(default_factory=list)
    """Names of the schedules armed."""
    cadence_stopped: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    """What went wrong after the transition was saved (each also on the timeline)."""
    rejected: bool = False
    """The input was not an event at all (a malformed timer firing): nothing was read or changed."""

    @property
    def result(self) -> str:
        """applied, ignored, refused; rejected (bad input) or failed (could not be applied)."""
        if self.outcome is not None:
            return self.outcome.value
        return "rejected" if self.rejected else "failed"

    def as_dict(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "incident_id": self.incident_id,
            "outcome": self.result,
            "reason": self.reason,
            "phase": self.phase.value if self.phase else None,
            "severity_id": self.severity_id,
            "drafted": self.drafted,
            "timers": self.timers,
            "cadence_stopped": self.cadence_stopped,
            "failures": self.failures,
        }


def state_of(incident: Incident) -> LifecycleState:
    """The machine's state of a stored incident: the one its last transition saved (or ingest stored when it opened
    the incident); for an incident stored before the machine kept its own, what the incident itself says."""
    if incident.lifecycle is not None:
        return LifecycleState.model_validate(incident.lifecycle)
    return LifecycleState.of_incident(incident)


def initial_lifecycle(incident: Incident) -> dict[str, Any]:
    """The machine's state of an incident as it opens (its opening alarm in ALARM), to store with it."""
    return LifecycleState.of_incident(incident).model_dump(mode="json")


@dataclass(frozen=True)
class IncidentLifecycle:
    """The lifecycle of stored incidents: every entry point (alarm change, timer, responder, publication) ends in
    :meth:`apply`. ``timers`` None: no scheduler in this deployment (each timer that could not be armed is on the
    timeline); ``cadence`` None likewise for stopping the update schedule."""

    plan: Plan
    store: IncidentStore
    approvals: ApprovalRequests
    timers: LifecycleTimers | None = None
    cadence: UpdateCadence | None = None
    settle: timedelta = DEFAULT_SETTLE

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
        self, incident_id: str, to: Phase, audit: Audit, now: datetime, *, cause: str | None = None
    ) -> Step:
        """A responder moves the incident to ``to``; ``cause`` (in plain words, for ``identified``) becomes a fact
        of the drafted message. The transition's timeline entry records who, when and from where."""
        return self.apply(incident_id, ManualMove(at=now, to=to, by=audit.by), now, audit=audit, cause=cause)

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
        self, incident_id: str, event: Event, now: datetime, *, audit: Audit | None = None, cause: str | None = None
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
            entries = transition_entries(incident, after, transition, name, now, audit, cause)
            if self.store.save_lifecycle(incident, after, entries):
                step = Step(name, incident_id, Outcome.APPLIED, transition.reason, after.phase, after.severity_id)
                self._follow(after, transition, now, step)
                return step
        return Step(name, incident_id, None, f"another change kept landing first ({SAVE_ATTEMPTS} attempts)")

    def _follow(self, incident: Incident, transition: Transition, now: datetime, step: Step) -> None:
        """Draft, arm and stop what the saved transition asks for; each failure on the timeline and in ``step``."""
        for phase in transition.drafts_to_create:
            try:
                facts = self.facts_for(incident, phase)
                message = draft_and_request(
                    self.plan, self.store, self.approvals, incident, phase, now, facts_update=facts
                )
            except Exception as error:  # noqa: BLE001 - the transition stands; the missing draft must show
                self._note_failure(step, incident.id, now, "draft", f"The {phase.value} draft", error)
            else:
                if message is None:
                    step.failures.append(f"{phase.value} draft: not drafted (see the timeline)")
                else:
                    step.drafted.append(message.id)
        for timer in transition.timers:
            self._arm(incident.id, timer, transition.reason, now, step)
        if transition.cadence_stop:
            self._stop_cadence(incident.id, now, step)

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
        self.store.add_timeline_entry(notification_failed(incident_id, now, notification, what, reason))

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
        """What the incident's timeline tells a ``phase`` draft beyond the incident itself: the cause a responder
        gave, what was done, what is planned, and for resolved and postmortem the end of the impact window."""
        timeline = self.store.timeline(incident.id)
        cause = latest_cause(timeline)
        facts: dict[str, Any] = {}
        if phase == Phase.IDENTIFIED and cause:
            facts["cause"] = cause
        if phase in (Phase.MONITORING, Phase.RESOLVED, Phase.POSTMORTEM):
            taken = actions_taken(self.plan, timeline)
            if taken is not None:
                facts["actions_taken"] = taken
        if phase in (Phase.RESOLVED, Phase.POSTMORTEM):
            facts["resolved_at"] = incident.resolved_at
            if cause:
                facts["root_cause"] = cause
        if phase == Phase.RESOLVED:
            facts["actions_planned"] = dict(_ACTIONS_PLANNED)
        return facts


def incident_after(incident: Incident, transition: Transition, now: datetime) -> Incident:
    """The incident with the transition's state, one revision later (resolved now, when this resolves it)."""
    state = transition.state
    resolving = incident.status == IncidentStatus.OPEN and state.status == IncidentStatus.RESOLVED
    return incident.model_copy(
        update={
            "phase": state.phase,
            "status": state.status,
            "severity_id": state.severity_id,
            "lifecycle": state.model_dump(mode="json"),
            "revision": incident.revision + 1,
            "updated_at": now,
            "resolved_at": now if resolving else incident.resolved_at,
        }
    )


def transition_entries(
    before: Incident,
    after: Incident,
    transition: Transition,
    event: str,
    now: datetime,
    audit: Audit | None = None,
    cause: str | None = None,
) -> list[TimelineEntry]:
    """The timeline entries saved with a transition: the severity raised, the phase changed (with the machine's
    reason, and for a responder's move who, from where, and the cause they gave)."""
    data: dict[str, Any] = {"event": event, "reason": transition.reason, **(audit.as_data() if audit else {})}
    if cause:
        data["cause"] = cause
    entries = []
    if after.severity_id != before.severity_id:
        entries.append(
            TimelineEntry(
                incident_id=before.id,
                at=now,
                kind=TimelineKind.SEVERITY_ESCALATED,
                text=f"Severity {before.severity_id} → {after.severity_id}: {transition.reason}",
                data={**data, "from": before.severity_id, "to": after.severity_id},
            )
        )
    if after.phase != before.phase:
        who = f" (by {audit.by})" if audit else ""
        entries.append(
            TimelineEntry(
                incident_id=before.id,
                at=now,
                kind=TimelineKind.PHASE_CHANGED,
                text=f"Phase {before.phase.value} → {after.phase.value}{who}: {transition.reason}",
                data={**data, "from": before.phase.value, "to": after.phase.value},
            )
        )
    return entries


def latest_cause(timeline: Sequence[TimelineEntry]) -> str | None:
    """The cause a responder gave when they last moved the incident to identified."""
    causes = [
        entry.data["cause"]
        for entry in timeline
        if entry.kind == TimelineKind.PHASE_CHANGED and entry.data.get("cause")
    ]
    return str(causes[-1]) if causes else None


def actions_taken(plan: Plan, timeline: Sequence[TimelineEntry]) -> dict[str, str] | None:
    """ "What we did", in every plan language, from the timeline: the cause identified, the relapses worked on, the
    monitoring, the updates published. None when the timeline holds none of these."""
    texts: dict[str, str] = {}
    for locale in plan.definition.locales:
        words = _ACTIONS_TAKEN.get(locale.split("-")[0], _ACTIONS_TAKEN["en"])
        steps: list[str] = []
        for entry in timeline:
            if entry.kind != TimelineKind.PHASE_CHANGED:
                continue
            to, cause = entry.data.get("to"), entry.data.get("cause")
            if to == Phase.IDENTIFIED.value:
                came_back = entry.data.get("from") == Phase.MONITORING.value and not cause
                step = (
                    words["relapse"]
                    if came_back
                    else (words["identified"].format(cause=cause) if cause else words["identified_plain"])
                )
            elif to == Phase.MONITORING.value:
                step = words["monitoring"]
            else:
                continue
            if step not in steps:
                steps.append(step)
        published = len({entry.data.get("message_id") for entry in timeline if entry.kind == TimelineKind.PUBLISHED})
        if published:
            steps.append(words["published_one"] if published == 1 else words["published"].format(count=published))
        if steps:
            sentence = "; ".join(steps)
            texts[locale] = sentence[0].upper() + sentence[1:] + ("" if sentence.endswith(".") else ".")
    return texts or None


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
