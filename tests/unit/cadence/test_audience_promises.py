"""Each audience reads the next-update time its own office hours allow; the ledger keeps the earliest."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from incident_comms.alarms import AlarmState
from incident_comms.cadence.due import due_for_audience, in_office_hours, next_update_due, promise_audiences
from incident_comms.incidents.models import AlarmSnapshot, Incident, Message
from incident_comms.intake.ingest import first_message
from incident_comms.plan.models import Plan
from incident_comms.text import format_time
from tests.factories import make_alarm

EVENING_IN_MADRID = datetime(2026, 11, 23, 18, 30, tzinfo=UTC)
"""Monday 19:30 in Madrid (its customers' office closed at 18:00), 12:30 in Mexico City (open)."""


def sev2_incident(plan: Plan, at: datetime) -> tuple[Incident, Message]:
    alarm = make_alarm(changed_at=at)
    assert alarm.state == AlarmState.ALARM
    incident = Incident(
        id="INC-20261123-1830-abc123",
        component_id="api",
        severity_id="SEV2",
        opened_at=at,
        updated_at=at,
        alarms={alarm.id: AlarmSnapshot.of(alarm)},
    )
    return incident, first_message(incident, alarm, plan)


def test_a_sev2_draft_promises_each_audience_a_time_inside_its_own_office_hours(plan: Plan) -> None:
    severity = plan.severity("SEV2")
    assert not severity.night_updates
    _, message = sev2_incident(plan, EVENING_IN_MADRID)
    audiences = {audience.id: audience for audience in promise_audiences(plan, "SEV2")}
    channels = {channel.id: channel for channel in plan.channels.channels}
    promised_times: set[datetime] = set()

    for draft in message.drafts:
        audience = audiences.get(channels[draft.channel_id].audience)
        if audience is None:  # the team's own channels read the message's promise
            continue
        due = due_for_audience(severity, audience, EVENING_IN_MADRID)
        assert due is not None
        assert in_office_hours(due.due_at, audience), (draft.channel_id, due)
        shown = format_time(due.due_at, ZoneInfo(audience.timezone), draft.locale, EVENING_IN_MADRID)
        assert shown in draft.text, (draft.channel_id, shown, draft.text)
        promised_times.add(due.due_at)

    assert len(promised_times) > 1, "Madrid and Mexico City customers are promised different times tonight"
    earliest = next_update_due(severity, list(audiences.values()), EVENING_IN_MADRID)
    assert message.promise == earliest


@pytest.mark.parametrize("severity_id", ["SEV1", "SEV3"])
def test_with_one_office_open_or_night_updates_the_message_promise_is_what_the_drafts_say(
    plan: Plan, severity_id: str
) -> None:
    incident, message = sev2_incident(plan, EVENING_IN_MADRID)
    incident = incident.model_copy(update={"severity_id": severity_id})
    message = first_message(incident, make_alarm(changed_at=EVENING_IN_MADRID), plan)
    audiences = promise_audiences(plan, severity_id)
    severity = plan.severity(severity_id)
    for audience in audiences:
        due = due_for_audience(severity, audience, EVENING_IN_MADRID)
        assert due is not None
        if severity.night_updates:
            assert due.due_at == EVENING_IN_MADRID + severity.update_every  # type: ignore[operator]
        else:
            assert in_office_hours(due.due_at, audience)
    assert message.promise == next_update_due(severity, audiences, EVENING_IN_MADRID)
