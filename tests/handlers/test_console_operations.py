"""The lifecycle operations the incident console calls (issue 13), over the handlers' real store and scheduler on
moto: changing the facts, the severity or closing supersedes every waiting draft (its links and approval timeout
dead) with the message that tells customers what changed; bad input changes nothing; a racing change is retried,
not lost; a draft that fails after the facts were saved leaves the facts and says so on the timeline."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from incident_comms.adapters.scheduler import schedule_name
from incident_comms.composition import Services
from incident_comms.incidents.facts import FactsError
from incident_comms.incidents.machine_models import Outcome
from incident_comms.incidents.models import Incident, IncidentStatus, Message, MessageStatus, TimelineKind
from incident_comms.lifecycle.facts import change_facts
from incident_comms.lifecycle.models import Audit, BadInput
from incident_comms.lifecycle.transitions import IncidentLifecycle
from incident_comms.plan.models import ApprovalRule, Phase, Plan
from tests.handlers.conftest import STARTED, ComposeServices
from tests.handlers.test_lifecycle_handler import RecordingCadence, alarm_event, drafted, incident, ingest

GROUP = "incident-schedules"
SCHEDULER_ROLE = "arn:aws:iam::123456789012:role/scheduler"
TIMER_FUNCTION = "arn:aws:lambda:eu-west-1:123456789012:function:lifecycle-timer"
TIMEOUT_FUNCTION = "arn:aws:lambda:eu-west-1:123456789012:function:approval-timeout"
ANA = Audit(by="ana.ruiz@nubeteca.example", source_ip="203.0.113.9", user_agent="Mozilla/5.0 (console)")
LATER = STARTED + timedelta(minutes=5)


@pytest.fixture
def deps(compose_services: ComposeServices) -> Services:
    boto3.client("scheduler").create_schedule_group(Name=GROUP)
    services = compose_services(
        approvals_base_url="https://incidents.example.com",
        scheduler_role_arn=SCHEDULER_ROLE,
        schedule_group=GROUP,
        lifecycle_timer_function_arn=TIMER_FUNCTION,
        approval_timeout_function_arn=TIMEOUT_FUNCTION,
    )
    services.update_schedules = RecordingCadence()  # type: ignore[assignment]
    return services


def open_sev1(deps: Services) -> tuple[str, Message]:
    """The sample alarm's SEV1 incident on the API, and its investigating draft awaiting approval (timeout armed)."""
    outcome = ingest(deps, alarm_event("ALARM", STARTED))
    assert outcome.applied == "opened" and outcome.incident_id
    (first,) = drafted(deps, outcome.incident_id, Phase.INVESTIGATING)
    assert schedule_exists(timeout_of(first))
    return outcome.incident_id, first


def timeout_of(message: Message) -> str:
    return schedule_name(message.incident_id, message.id)


def schedule_exists(name: str) -> bool:
    schedules = boto3.client("scheduler").list_schedules(GroupName=GROUP)["Schedules"]
    return name in {item["Name"] for item in schedules}


def stored(deps: Services, message: Message) -> Message:
    found = deps.store.get_message(message.incident_id, message.id)
    assert found is not None
    return found


def texts(message: Message, channel: str) -> str:
    return next(draft.text for draft in message.drafts if draft.channel_id == channel)


def snapshot(deps: Services, incident_id: str) -> tuple[Any, ...]:
    schedules = boto3.client("scheduler").list_schedules(GroupName=GROUP)["Schedules"]
    return (
        deps.store.get_incident(incident_id),
        deps.store.timeline(incident_id),
        deps.store.messages(incident_id),
        sorted(item["Name"] for item in schedules),
    )


def lifecycle_with(deps: Services, **changes: Any) -> IncidentLifecycle:
    """The deployment's lifecycle with ``changes`` (another plan, another store)."""
    base = deps.lifecycle
    fields = {"plan": base.plan, "store": base.store, "approvals": base.approvals, "timers": base.timers}
    return IncidentLifecycle(**{**fields, "cadence": base.cadence, **changes})


# --- facts -----------------------------------------------------------------------------------------------------


def test_changing_facts_while_a_draft_waits_supersedes_it_with_one_telling_the_new_facts(deps: Services) -> None:
    incident_id, waiting = open_sev1(deps)

    step = deps.lifecycle.change_facts(incident_id, {"data_loss": "none"}, ANA, LATER)

    assert step.outcome == Outcome.APPLIED and step.failures == [], step
    (redraft,) = [m for m in drafted(deps, incident_id, Phase.INVESTIGATING) if m.id != waiting.id]
    assert step.drafted == [redraft.id] and redraft.status == MessageStatus.AWAITING_APPROVAL
    old = stored(deps, waiting)
    assert (old.status, old.superseded_by) == (MessageStatus.SUPERSEDED, redraft.id)
    assert not schedule_exists(timeout_of(waiting)) and schedule_exists(timeout_of(redraft))
    assert "No, no data was lost." in texts(redraft, "email-customers-en")
    assert "No, no se ha perdido ningún dato." in texts(redraft, "email-customers-es")
    assert "We do not know yet" in texts(waiting, "email-customers-en")
    (entry,) = [e for e in deps.store.timeline(incident_id) if e.kind == TimelineKind.FACTS_SET]
    assert entry.data == {**ANA.as_data(), "facts": ["data_loss"]}


def test_a_waiting_identified_draft_is_redrafted_as_identified_with_the_new_facts(deps: Services) -> None:
    incident_id, _ = open_sev1(deps)
    cause = {"es": "Un certificado caducado.", "en": "An expired certificate."}
    deps.lifecycle.manual_move(incident_id, Phase.IDENTIFIED, ANA, STARTED + timedelta(minutes=2), cause=cause)
    (identified,) = drafted(deps, incident_id, Phase.IDENTIFIED)
    impact = {"es": "No se pueden emitir facturas.", "en": "Invoices cannot be issued."}

    step = deps.lifecycle.change_facts(incident_id, {"impact": impact}, ANA, LATER)

    (redraft,) = [m for m in drafted(deps, incident_id, Phase.IDENTIFIED) if m.id != identified.id]
    assert step.drafted == [redraft.id] and "identified drafted" in step.reason
    assert stored(deps, identified).status == MessageStatus.SUPERSEDED
    assert impact["en"] in texts(redraft, "email-customers-en") and cause["en"] in texts(redraft, "email-customers-en")
    assert impact["es"] in texts(redraft, "email-customers-es")
    assert drafted(deps, incident_id, Phase.UPDATE) == []


def test_adding_a_component_is_a_facts_change_that_drafts(deps: Services) -> None:
    incident_id, waiting = open_sev1(deps)

    step = deps.lifecycle.change_facts(incident_id, {"components": ["api", "invoicing"]}, ANA, LATER)

    assert step.outcome == Outcome.APPLIED and len(step.drafted) == 1
    assert incident(deps, incident_id).facts.components == ["api", "invoicing"]
    assert stored(deps, waiting).status == MessageStatus.SUPERSEDED


def test_facts_kept_from_customers_draft_nothing(deps: Services) -> None:
    incident_id, waiting = open_sev1(deps)

    step = deps.lifecycle.change_facts(incident_id, {"data_loss": "none"}, ANA, LATER, tell_customers=False)

    assert step.outcome == Outcome.APPLIED and step.drafted == [] and "not told" in step.reason
    assert incident(deps, incident_id).facts.data_loss == "none"
    assert [m.id for m in deps.store.messages(incident_id)] == [waiting.id]
    assert stored(deps, waiting).status == MessageStatus.AWAITING_APPROVAL


@pytest.mark.parametrize(
    "changes",
    [{"data_loss": "some"}, {"components": ["api", "teleport"]}, {"impact": {"fr": "x"}}, {"mood": "calm"}],
    ids=["some-without-what", "unknown-component", "unknown-locale", "not-a-fact"],
)
def test_bad_facts_change_nothing(deps: Services, changes: dict[str, Any]) -> None:
    incident_id, _ = open_sev1(deps)
    before = snapshot(deps, incident_id)

    with pytest.raises(FactsError):
        deps.lifecycle.change_facts(incident_id, changes, ANA, LATER)

    assert snapshot(deps, incident_id) == before


class RacedStore:
    """The store, where another responder's facts change lands between this change's read and its write, once."""

    def __init__(self, deps: Services, theirs: dict[str, Any]) -> None:
        self._deps, self._theirs, self.raced = deps, theirs, 0

    def save_facts(self, before: Incident, after: Incident, entries: list[Any]) -> bool:
        if not self.raced:
            self.raced += 1
            change_facts(self._deps.store, self._deps.plan, before.id, self._theirs, "luis@nubeteca.example", LATER)
        return self._deps.store.save_facts(before, after, entries)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._deps.store, name)


def test_a_facts_change_racing_another_is_applied_again_not_lost(deps: Services) -> None:
    incident_id, _ = open_sev1(deps)
    theirs = {"impact": {"es": "Las facturas tardan.", "en": "Invoices are slow."}}
    raced = RacedStore(deps, theirs)

    step = lifecycle_with(deps, store=raced).change_facts(incident_id, {"data_loss": "none"}, ANA, LATER)

    assert raced.raced == 1 and step.outcome == Outcome.APPLIED
    facts = incident(deps, incident_id).facts
    assert (facts.data_loss, facts.impact) == ("none", theirs["impact"])
    assert len([e for e in deps.store.timeline(incident_id) if e.kind == TimelineKind.FACTS_SET]) == 2


def test_a_draft_failing_after_the_facts_were_saved_keeps_them_and_says_so(
    deps: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id, waiting = open_sev1(deps)

    def broken(*_: Any, **__: Any) -> Message:
        raise RuntimeError("the templates could not be read")

    monkeypatch.setattr("incident_comms.lifecycle.transitions.draft_and_request", broken)

    step = deps.lifecycle.change_facts(incident_id, {"data_loss": "none"}, ANA, LATER)

    assert step.outcome == Outcome.APPLIED and step.drafted == []
    assert step.failures == ["The investigating draft: RuntimeError: the templates could not be read"]
    assert incident(deps, incident_id).facts.data_loss == "none"
    (failed,) = [e for e in deps.store.timeline(incident_id) if e.kind == TimelineKind.NOTIFICATION_FAILED]
    assert failed.data["notification"] == "draft" and "templates could not be read" in failed.text
    assert stored(deps, waiting).status == MessageStatus.AWAITING_APPROVAL


def test_facts_of_an_unknown_incident_are_answered_not_raised(deps: Services) -> None:
    step = deps.lifecycle.change_facts("INC-nope", {"data_loss": "none"}, ANA, LATER)

    assert (step.outcome, step.reason) == (None, "no such incident")


# --- severity --------------------------------------------------------------------------------------------------


def test_a_lowered_severity_drafts_an_update_for_the_new_severitys_channels_and_approvers(deps: Services) -> None:
    incident_id, waiting = open_sev1(deps)

    step = deps.lifecycle.change_severity(incident_id, "SEV3", "only a few customers are affected", ANA, LATER)

    assert (step.outcome, step.severity_id) == (Outcome.APPLIED, "SEV3")
    (update,) = drafted(deps, incident_id, Phase.UPDATE)
    assert step.drafted == [update.id]
    assert {draft.channel_id for draft in update.drafts} == {c.id for c in deps.plan.channels_for("SEV3")}
    assert "sms-customers" not in {draft.channel_id for draft in update.drafts}
    assert update.approvers == deps.plan.approvers_for("SEV3", Phase.UPDATE)
    assert stored(deps, waiting).status == MessageStatus.SUPERSEDED and not schedule_exists(timeout_of(waiting))
    (entry,) = [e for e in deps.store.timeline(incident_id) if e.kind == TimelineKind.SEVERITY_CHANGED]
    assert (entry.data["from"], entry.data["to"], entry.data["why"]) == (
        "SEV1",
        "SEV3",
        "only a few customers are affected",
    )
    assert (entry.data["by"], entry.data["source_ip"]) == (ANA.by, ANA.source_ip)
    assert "lowered SEV1 → SEV3" in entry.text


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501], ids=["empty", "blank", "too-long"])
def test_a_severity_change_without_a_fit_reason_is_bad_input_and_changes_nothing(deps: Services, reason: str) -> None:
    incident_id, _ = open_sev1(deps)
    before = snapshot(deps, incident_id)

    with pytest.raises(BadInput):
        deps.lifecycle.change_severity(incident_id, "SEV2", reason, ANA, LATER)

    assert snapshot(deps, incident_id) == before


@pytest.mark.parametrize(("severity", "reason"), [("SEV1", "already"), ("SEV7", "not in the plan")])
def test_a_refused_severity_change_says_why_and_changes_nothing(deps: Services, severity: str, reason: str) -> None:
    incident_id, _ = open_sev1(deps)
    before = snapshot(deps, incident_id)

    step = deps.lifecycle.change_severity(incident_id, severity, "because", ANA, LATER)

    assert step.outcome == Outcome.REFUSED and reason in step.reason
    assert snapshot(deps, incident_id) == before


# --- close -----------------------------------------------------------------------------------------------------


def without_postmortems(plan: Plan) -> Plan:
    """``plan`` where no role approves a postmortem: none could be published, so nothing holds a close back."""
    others = [phase for phase in Phase if phase != Phase.POSTMORTEM]
    approvals = [ApprovalRule(phases=others, roles=["communications_lead"])]
    return plan.model_copy(update={"roles": plan.roles.model_copy(update={"approvals": approvals})})


def resolved_by_hand(lifecycle: IncidentLifecycle, incident_id: str, at: datetime) -> Message:
    step = lifecycle.manual_move(incident_id, Phase.RESOLVED, ANA, at)
    assert step.outcome == Outcome.APPLIED, step
    (resolved,) = [m for m in lifecycle.store.messages(incident_id) if m.phase == Phase.RESOLVED]
    return resolved


def test_an_open_incident_or_an_owed_postmortem_refuses_the_close_and_changes_nothing(deps: Services) -> None:
    incident_id, _ = open_sev1(deps)
    open_before = snapshot(deps, incident_id)
    still_open = deps.lifecycle.close(incident_id, ANA, LATER)
    assert snapshot(deps, incident_id) == open_before
    resolved_by_hand(deps.lifecycle, incident_id, LATER)
    resolved_before = snapshot(deps, incident_id)

    owed = deps.lifecycle.close(incident_id, ANA, LATER + timedelta(minutes=1))

    assert still_open.outcome == Outcome.REFUSED and "resolve it before closing" in still_open.reason
    assert owed.outcome == Outcome.REFUSED and "expects a postmortem" in owed.reason
    assert snapshot(deps, incident_id) == resolved_before


def test_closing_supersedes_the_waiting_drafts_deletes_the_reminder_and_refuses_what_follows(deps: Services) -> None:
    lifecycle = lifecycle_with(deps, plan=without_postmortems(deps.plan))
    incident_id, _ = open_sev1(deps)
    resolved = resolved_by_hand(lifecycle, incident_id, LATER)
    reminder = f"postmortem_reminder-{incident_id}"
    assert schedule_exists(reminder)

    step = lifecycle.close(incident_id, ANA, LATER + timedelta(minutes=1))

    assert (step.outcome, step.phase, step.failures) == (Outcome.APPLIED, Phase.POSTMORTEM, []), step
    assert step.superseded == [resolved.id] and step.drafted == []
    closed = stored(deps, resolved)
    assert (closed.status, closed.superseded_by) == (MessageStatus.SUPERSEDED, None)
    assert not schedule_exists(reminder)
    after = incident(deps, incident_id)
    assert (after.phase, after.status) == (Phase.POSTMORTEM, IncidentStatus.RESOLVED)
    (change,) = [e for e in deps.store.timeline(incident_id) if e.data.get("to") == "postmortem"]
    assert change.kind == TimelineKind.PHASE_CHANGED and change.data["by"] == ANA.by
    moved = lifecycle.manual_move(incident_id, Phase.IDENTIFIED, ANA, LATER + timedelta(minutes=2))
    severity = lifecycle.change_severity(incident_id, "SEV2", "calmer", ANA, LATER + timedelta(minutes=2))
    assert moved.outcome == severity.outcome == Outcome.REFUSED and "closed" in moved.reason
    corrected = lifecycle.change_facts(incident_id, {"data_loss": "none"}, ANA, LATER + timedelta(minutes=3))
    assert corrected.outcome == Outcome.APPLIED and corrected.drafted == [] and "nothing drafted" in corrected.reason
    assert incident(deps, incident_id).facts.data_loss == "none"
