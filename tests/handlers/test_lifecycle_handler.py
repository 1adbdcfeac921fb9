"""Recovery, resolution and postmortem on moto: ingest feeds alarm changes to the state machine, its timers are
Scheduler schedules whose input fires the lifecycle timer handler, and a responder moves the incident by POST."""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest

from incident_comms.clock import ManualClock
from incident_comms.composition import Services
from incident_comms.delivery.publishing import PublishReport, PublishResult
from incident_comms.incidents.models import Incident, IncidentStatus, Message, TimelineKind
from incident_comms.intake.ingest import AlarmOutcome, ingest_event
from incident_comms.plan.models import Phase
from incident_comms.team.emails import approver_addresses
from tests.conftest import FakeLambdaContext, load_event, load_handler_module
from tests.factories import emitted_metrics, invoke, sent_emails
from tests.handlers.conftest import STARTED, ComposeServices
from tests.handlers.test_approvals_handler import call

GROUP = "incident-schedules"
TIMER_FUNCTION = "arn:aws:lambda:eu-west-1:123456789012:function:lifecycle-timer"
SCHEDULER_ROLE = "arn:aws:iam::123456789012:role/scheduler"
MARTA = "marta.ibanez@nubeteca.example"  # communications_lead: approves every phase of a SEV1


class RecordingCadence:
    """The promise side's update schedules, as far as the lifecycle uses them: which incidents were stopped."""

    def __init__(self) -> None:
        self.cancelled: list[str] = []

    def cancel(self, incident_id: str) -> list[str]:
        self.cancelled.append(incident_id)
        return [f"update-{incident_id}"]


@pytest.fixture
def cadence() -> RecordingCadence:
    return RecordingCadence()


@pytest.fixture
def deps(compose_services: ComposeServices, cadence: RecordingCadence) -> Services:
    boto3.client("scheduler").create_schedule_group(Name=GROUP)
    services = compose_services(
        approvals_base_url="https://incidents.example.com",
        scheduler_role_arn=SCHEDULER_ROLE,
        schedule_group=GROUP,
        lifecycle_timer_function_arn=TIMER_FUNCTION,
    )
    services.update_schedules = cadence  # type: ignore[assignment]
    return services


@pytest.fixture(scope="module")
def timer_handler() -> ModuleType:
    return load_handler_module("lifecycle_timer")


@pytest.fixture(scope="module")
def approvals_handler() -> ModuleType:
    return load_handler_module("approvals_api")


def clock(deps: Services) -> ManualClock:
    assert isinstance(deps.clock, ManualClock)
    return deps.clock


def alarm_event(state: str, at: datetime, *, name: str = "prod-api-5xx", metric: str = "5XXError") -> dict[str, Any]:
    """The sample CloudWatch alarm (EventBridge) in ``state`` since ``at``; another ``name`` is another alarm."""
    event: dict[str, Any] = copy.deepcopy(load_event("cloudwatch-eventbridge-alarm.json"))
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    event["id"] = f"{name}-{state}-{stamp}"
    event["time"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    event["resources"] = [f"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:{name}"]
    detail = event["detail"]
    detail["alarmName"] = name
    detail["state"] = {**detail["state"], "value": state, "timestamp": stamp}
    detail["configuration"]["metrics"][0]["metricStat"]["metric"]["name"] = metric
    return event


def ingest(deps: Services, event: dict[str, Any]) -> AlarmOutcome:
    report = ingest_event(event, deps.plan, deps.store, deps.clock, deps.approval_requests, deps.lifecycle)
    (outcome,) = report.outcomes
    return outcome


def open_incident(deps: Services, at: datetime = STARTED) -> str:
    outcome = ingest(deps, alarm_event("ALARM", at))
    assert outcome.applied == "opened" and outcome.incident_id
    return outcome.incident_id


def schedule(name: str) -> dict[str, Any]:
    found: dict[str, Any] = boto3.client("scheduler").get_schedule(GroupName=GROUP, Name=name)
    return found


def fire(deps: Services, handler: ModuleType, kind: str, incident_id: str) -> dict[str, Any]:
    """Move the clock to the schedule's time and invoke the handler with its input, as Scheduler would."""
    armed = schedule(f"{kind}-{incident_id}")
    due = re.fullmatch(r"at\((.+)\)", armed["ScheduleExpression"])
    assert due is not None
    when = datetime.fromisoformat(due.group(1) + "+00:00")
    clock(deps).set(max(when, deps.clock.now()))
    return invoke(handler, json.loads(armed["Target"]["Input"]), FakeLambdaContext())


def incident(deps: Services, incident_id: str) -> Incident:
    found = deps.store.get_incident(incident_id)
    assert found is not None
    return found


def drafted(deps: Services, incident_id: str, phase: Phase) -> list[Message]:
    return [message for message in deps.store.messages(incident_id) if message.phase == phase]


def kinds(deps: Services, incident_id: str) -> list[TimelineKind]:
    return [entry.kind for entry in deps.store.timeline(incident_id)]


def recovered(deps: Services, handler: ModuleType) -> str:
    """An incident whose alarm went OK 30 minutes after opening and whose settle check fired: monitoring."""
    incident_id = open_incident(deps)
    ok = ingest(deps, alarm_event("OK", STARTED + timedelta(minutes=30)))
    assert ok.lifecycle == "applied", ok
    assert fire(deps, handler, "settle_check", incident_id)["outcome"] == "applied"
    return incident_id


def test_every_alarm_ok_arms_the_settle_check_and_drafts_nothing_yet(deps: Services) -> None:
    incident_id = open_incident(deps)

    ok = ingest(deps, alarm_event("OK", STARTED + timedelta(minutes=30)))

    assert (ok.applied, ok.lifecycle) == ("recorded", "applied")
    armed = schedule(f"settle_check-{incident_id}")
    assert armed["ScheduleExpression"] == "at(2026-11-22T10:40:00)"
    assert armed["ActionAfterCompletion"] == "DELETE"
    assert armed["Target"]["Arn"] == TIMER_FUNCTION and armed["Target"]["RoleArn"] == SCHEDULER_ROLE
    assert json.loads(armed["Target"]["Input"]) == {
        "incident_id": incident_id,
        "timer": {"kind": "settle_check", "at": "2026-11-22T10:40:00Z"},
    }
    assert incident(deps, incident_id).phase == Phase.INVESTIGATING
    assert drafted(deps, incident_id, Phase.MONITORING) == []
    assert TimelineKind.LIFECYCLE_TIMER in kinds(deps, incident_id)


def test_the_settle_check_drafts_monitoring_emails_its_approvers_and_arms_the_quiet_check(
    deps: Services, timer_handler: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    incident_id = open_incident(deps)
    ingest(deps, alarm_event("OK", STARTED + timedelta(minutes=30)))
    emails_before = len(sent_emails())
    capsys.readouterr()

    answer = fire(deps, timer_handler, "settle_check", incident_id)

    assert (answer["outcome"], answer["phase"]) == ("applied", "monitoring")
    (monitoring,) = drafted(deps, incident_id, Phase.MONITORING)
    assert answer["drafted"] == [monitoring.id]
    requested = [email for email in sent_emails()[emails_before:] if "aprobación necesaria" in email["subject"]]
    assert sorted(address for email in requested for address in email["to"]) == sorted(
        approver_addresses(deps.plan, monitoring.approvers)
    )
    (change,) = [entry for entry in deps.store.timeline(incident_id) if entry.kind == TimelineKind.PHASE_CHANGED]
    assert (change.data["from"], change.data["to"]) == ("investigating", "monitoring")
    assert "every alarm stayed OK" in change.text
    assert schedule(f"quiet_check-{incident_id}")["ScheduleExpression"] == "at(2026-11-22T11:05:00)"
    assert emitted_metrics(capsys.readouterr().out)["LifecycleApplied"] == 1


def test_the_quiet_check_resolves_stops_the_cadence_frees_the_component_and_arms_the_postmortem(
    deps: Services, timer_handler: ModuleType, cadence: RecordingCadence
) -> None:
    incident_id = recovered(deps, timer_handler)

    answer = fire(deps, timer_handler, "quiet_check", incident_id)

    assert (answer["outcome"], answer["phase"]) == ("applied", "resolved")
    resolved = incident(deps, incident_id)
    assert resolved.status == IncidentStatus.RESOLVED
    assert resolved.resolved_at == STARTED + timedelta(minutes=30), "the impact ended at the OK, not the quiet end"
    assert cadence.cancelled == [incident_id]
    assert deps.store.open_incident_id("api") is None
    reminder = schedule(f"postmortem_reminder-{incident_id}")
    assert reminder["ScheduleExpression"] == f"at({(deps.clock.now() + timedelta(days=5)):%Y-%m-%dT%H:%M:%S})"
    (message,) = drafted(deps, incident_id, Phase.RESOLVED)
    english = next(draft for draft in message.drafts if draft.channel_id == "email-customers-en")
    assert "Impact ended: 22 November, 11:35 CET (10:35 UTC)" in english.text and "Duration: 30 min" in english.text
    assert "was resolved on 22 November, 11:35 CET (10:35 UTC)" in english.text
    assert "We will publish an incident report" in english.text
    assert message.promise is None


def test_the_postmortem_reminder_drafts_once_and_its_publication_closes_the_incident(
    deps: Services, timer_handler: ModuleType
) -> None:
    incident_id = recovered(deps, timer_handler)
    fire(deps, timer_handler, "quiet_check", incident_id)
    reminder = json.loads(schedule(f"postmortem_reminder-{incident_id}")["Target"]["Input"])

    first = fire(deps, timer_handler, "postmortem_reminder", incident_id)
    again = invoke(timer_handler, reminder, FakeLambdaContext())

    assert first["outcome"] == "applied" and again["outcome"] == "ignored"
    (postmortem,) = drafted(deps, incident_id, Phase.POSTMORTEM)
    published = PublishReport(PublishResult.PUBLISHED, None, incident_id, postmortem.id)
    step = deps.lifecycle.message_published(published, deps.clock.now())
    assert step is not None and step.outcome is not None and step.outcome.value == "applied"
    assert incident(deps, incident_id).phase == Phase.POSTMORTEM
    late = ingest(deps, alarm_event("ALARM", deps.clock.now()))
    assert late.applied == "opened" and late.incident_id != incident_id


def test_a_new_alarm_while_monitoring_goes_back_to_identified(deps: Services, timer_handler: ModuleType) -> None:
    incident_id = recovered(deps, timer_handler)

    relapse = ingest(deps, alarm_event("ALARM", STARTED + timedelta(minutes=45)))

    assert (relapse.applied, relapse.lifecycle, relapse.incident_id) == ("joined", "applied", incident_id)
    assert "back to identified, cadence restarts" in (relapse.lifecycle_reason or "")
    assert incident(deps, incident_id).phase == Phase.IDENTIFIED
    (identified,) = drafted(deps, incident_id, Phase.IDENTIFIED)
    assert identified.promise is not None
    assert fire(deps, timer_handler, "quiet_check", incident_id)["outcome"] == "ignored"
    assert incident(deps, incident_id).status == IncidentStatus.OPEN


def test_a_more_severe_alarm_joining_escalates_the_incident(deps: Services) -> None:
    latency = alarm_event("ALARM", STARTED, name="prod-api-latency-p99", metric="Latency")
    opened = ingest(deps, latency)
    assert opened.applied == "opened" and opened.incident_id
    assert incident(deps, opened.incident_id).severity_id == "SEV2"

    errors = ingest(deps, alarm_event("ALARM", STARTED + timedelta(minutes=5)))

    assert (errors.applied, errors.lifecycle) == ("joined", "applied")
    assert incident(deps, opened.incident_id).severity_id == "SEV1"
    (escalated,) = [e for e in deps.store.timeline(opened.incident_id) if e.kind == TimelineKind.SEVERITY_ESCALATED]
    assert (escalated.data["from"], escalated.data["to"]) == ("SEV2", "SEV1")
    (update,) = drafted(deps, opened.incident_id, Phase.UPDATE)
    assert update.approvers == deps.plan.approvers_for("SEV1", Phase.UPDATE)


def test_a_flapping_alarm_drafts_monitoring_at_most_once(deps: Services, timer_handler: ModuleType) -> None:
    incident_id = open_incident(deps)
    ingest(deps, alarm_event("OK", STARTED + timedelta(minutes=30)))
    stale = json.loads(schedule(f"settle_check-{incident_id}")["Target"]["Input"])
    for minute, state in ((32, "ALARM"), (33, "OK"), (35, "ALARM"), (36, "OK")):
        ingest(deps, alarm_event(state, STARTED + timedelta(minutes=minute)))
    assert schedule(f"settle_check-{incident_id}")["ScheduleExpression"] == "at(2026-11-22T10:46:00)"
    clock(deps).set(STARTED + timedelta(minutes=35))

    early = invoke(timer_handler, stale, FakeLambdaContext())
    settled = fire(deps, timer_handler, "settle_check", incident_id)
    repeated = fire(deps, timer_handler, "settle_check", incident_id)

    assert [early["outcome"], settled["outcome"], repeated["outcome"]] == ["ignored", "applied", "ignored"]
    assert len(drafted(deps, incident_id, Phase.MONITORING)) == 1


def test_a_timer_firing_that_is_not_one_is_rejected_counted_and_changes_nothing(
    deps: Services, timer_handler: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    incident_id = open_incident(deps)
    before = deps.store.timeline(incident_id)
    capsys.readouterr()

    answer = invoke(timer_handler, {"incident_id": incident_id, "timer": {"kind": "nap"}}, FakeLambdaContext())

    assert answer["outcome"] == "rejected" and "timer.kind" in answer["reason"]
    assert deps.store.timeline(incident_id) == before
    assert emitted_metrics(capsys.readouterr().out)["LifecycleRejected"] == 1


# --- moving the incident from the console -----------------------------------------------------------------------


def console_post(
    deps: Services, handler: ModuleType, incident_id: str, fields: dict[str, str], recipient: str = MARTA
) -> dict[str, Any]:
    """POST ``fields`` (and the button's ``confirm=yes``) to ``recipient``'s console of the incident."""
    from tests.handlers.test_console_handler import console_event, token_of

    return call(handler, console_event("POST", token_of(deps, incident_id, recipient), {**fields, "confirm": "yes"}))


def test_a_move_on_the_console_drafts_the_phase_with_each_locales_cause(
    deps: Services, approvals_handler: ModuleType
) -> None:
    incident_id = open_incident(deps)
    cause = {
        "es": "Un despliegue de la API <b>dejó</b> un certificado caducado.",
        "en": "An API deployment <b>left</b> an expired certificate in place.",
    }
    fields = {"action": "phase", "phase": "identified", "cause_es": cause["es"], "cause_en": cause["en"]}

    answer = console_post(deps, approvals_handler, incident_id, fields)

    assert answer["statusCode"] == 200, answer["body"]
    (identified,) = drafted(deps, incident_id, Phase.IDENTIFIED)
    for draft in identified.drafts:
        if draft.channel_id in ("email-customers-es", "email-customers-en", "status-page"):
            own, other = (cause["en"], cause["es"]) if draft.locale == "en" else (cause["es"], cause["en"])
            assert own in draft.text and other not in draft.text, draft.channel_id
            assert "<b>" not in (draft.html or "")


def test_a_move_the_machine_refuses_answers_409_with_the_reason_and_changes_nothing(
    deps: Services, approvals_handler: ModuleType
) -> None:
    incident_id = open_incident(deps)
    console_post(deps, approvals_handler, incident_id, {"action": "phase", "phase": "monitoring"})
    before = deps.store.timeline(incident_id)

    again = console_post(deps, approvals_handler, incident_id, {"action": "phase", "phase": "monitoring"})

    assert again["statusCode"] == 409 and "already monitoring" in again["body"]
    assert deps.store.timeline(incident_id) == before
    assert len(drafted(deps, incident_id, Phase.MONITORING)) == 1
    assert incident(deps, incident_id).status == IncidentStatus.OPEN
