"""Alert groups as monitoring really sends them: a bad alert is rejected alone, a zero ``endsAt`` takes the receive
time, and an alarm's changes are kept in the order they happened, whatever order they arrive in."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from incident_comms.alarms import AlarmState
from incident_comms.errors import BadInput
from incident_comms.incidents.machine import advance
from incident_comms.incidents.machine_models import AlarmChanged, LifecycleState, Outcome
from incident_comms.intake.classify import classify_payload
from incident_comms.intake.payloads import alarms_from_payload, read_alarms
from incident_comms.plan.models import Plan
from tests.conftest import load_event

RECEIVED_AT = datetime(2026, 11, 22, 11, 0, 7, tzinfo=UTC)
MISSING_ALERTNAME = "Alertmanager webhook: alerts[1].labels.alertname is missing"


def test_one_alert_without_alertname_is_rejected_alone_with_its_position() -> None:
    read = read_alarms(load_event("alertmanager-one-bad-alert.json"), RECEIVED_AT)

    assert [alarm.name for alarm in read.alarms] == ["BillingHighErrorRate", "BillingInvoiceBacklog"]
    (rejected,) = read.rejected
    assert (rejected.position, rejected.reason) == ("alerts[1]", MISSING_ALERTNAME)


def test_taking_the_payload_whole_still_refuses_it_naming_the_alert() -> None:
    with pytest.raises(BadInput, match=r"^alerts\[1\]: Alertmanager webhook: alerts\[1\]\.labels\.alertname"):
        alarms_from_payload(load_event("alertmanager-one-bad-alert.json"), RECEIVED_AT)


def test_every_kind_of_bad_alert_is_rejected_alone() -> None:
    payload = load_event("alertmanager-firing.json")
    good = payload["alerts"][0]
    payload["alerts"] = [
        "not an alert",
        {**good, "startsAt": "yesterday"},
        {**good, "status": "pending"},
        {**good, "labels": {**good["labels"], "severity": 3}},
        {**good, "labels": {**good["labels"], "alertname": "\u202e\u200f"}},
        good,
    ]

    read = read_alarms(payload, RECEIVED_AT)

    assert [alarm.name for alarm in read.alarms] == ["BillingHighErrorRate"]
    assert [item.position for item in read.rejected] == [f"alerts[{index}]" for index in range(5)]
    reasons = [item.reason for item in read.rejected]
    assert "alerts[0] must be an object, not a string" in reasons[0]
    assert "alerts[1].startsAt: bad timestamp" in reasons[1]
    assert "alerts[2].status: unknown status" in reasons[2]
    assert 'alerts[3].labels."severity" must be a string' in reasons[3]
    assert "name:" in reasons[4] and "no visible characters" in reasons[4]


def test_a_group_of_only_bad_alerts_is_still_a_webhook_whose_alerts_are_all_rejected() -> None:
    payload = load_event("alertmanager-firing.json")
    for alert in payload["alerts"]:
        del alert["labels"]["alertname"]

    read = read_alarms(payload, RECEIVED_AT)

    assert read.alarms == []
    assert [item.position for item in read.rejected] == ["alerts[0]", "alerts[1]"]


@pytest.mark.parametrize(
    ("alerts", "reason"),
    [(None, "alerts is missing"), ({"0": {}}, "alerts must be an array, not an object"), ([], "alerts is empty")],
)
def test_a_body_that_is_not_a_webhook_at_all_is_bad_input(alerts: object, reason: str) -> None:
    payload = load_event("alertmanager-firing.json")
    payload["alerts"] = alerts

    with pytest.raises(BadInput, match=f"^Alertmanager webhook: {reason}$"):
        read_alarms(payload, RECEIVED_AT)


def test_a_grafana_group_rejects_its_bad_alert_alone() -> None:
    payload = load_event("grafana-firing.json")
    payload["alerts"][0]["startsAt"] = "2026-11-22 10:00"

    read = read_alarms(payload, RECEIVED_AT)

    assert len(read.alarms) == 1
    (rejected,) = read.rejected
    assert rejected.position == "alerts[0]"
    assert rejected.reason.startswith("Grafana webhook: alerts[0].startsAt: bad timestamp")


def test_a_webhook_inside_an_sns_message_names_the_alert_from_the_top() -> None:
    inner = load_event("alertmanager-one-bad-alert.json")
    event = {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": json.dumps(inner)}}]}

    read = read_alarms(event, RECEIVED_AT)

    assert len(read.alarms) == 2
    (rejected,) = read.rejected
    assert rejected.position == "Records[0].Sns.Message.alerts[1]"
    assert rejected.reason == f"SNS event: {MISSING_ALERTNAME}"


def test_classify_shows_the_rejected_alert_beside_the_classified_ones(plan: Plan) -> None:
    answer = classify_payload(load_event("alertmanager-one-bad-alert.json"), plan, RECEIVED_AT)

    assert [alarm["rule"] for alarm in answer["alarms"]] == ["billing-critical", "billing-warning"]
    assert answer["rejected"] == [{"position": "alerts[1]", "reason": MISSING_ALERTNAME}]


def test_classify_of_a_group_with_no_readable_alert_is_bad_input(plan: Plan) -> None:
    payload = load_event("alertmanager-resolved.json")
    del payload["alerts"][0]["labels"]["alertname"]

    with pytest.raises(BadInput, match="no alarm that can be read: alerts\\[0\\]: "):
        classify_payload(payload, plan, RECEIVED_AT)


# ---------------------------------------------------------------------------------------------- endsAt


def test_a_resolved_alert_with_a_zero_ends_at_is_dated_when_received() -> None:
    (alarm,) = alarms_from_payload(load_event("alertmanager-resolved-zero-endsat.json"), RECEIVED_AT)

    assert (alarm.state, alarm.changed_at) == (AlarmState.OK, RECEIVED_AT)


def test_a_resolved_alert_without_ends_at_is_dated_when_received() -> None:
    payload = load_event("alertmanager-resolved.json")
    del payload["alerts"][0]["endsAt"]

    (alarm,) = alarms_from_payload(payload, RECEIVED_AT)

    assert alarm.changed_at == RECEIVED_AT


def test_a_zero_ends_at_is_never_before_the_alert_started() -> None:
    """A sender whose clock runs ahead of ours: the recovery must not read as older than the alarm it ends."""
    payload = load_event("alertmanager-resolved-zero-endsat.json")
    too_early = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)

    (alarm,) = alarms_from_payload(payload, too_early)

    assert alarm.changed_at == datetime(2026, 11, 22, 10, 12, 30, 482913, tzinfo=UTC)


def test_a_real_ends_at_is_kept_and_a_firing_alert_keeps_its_start_beside_a_zero_ends_at() -> None:
    (resolved,) = alarms_from_payload(load_event("alertmanager-resolved.json"), RECEIVED_AT)
    firing, _ = alarms_from_payload(load_event("alertmanager-firing.json"), RECEIVED_AT)

    assert resolved.changed_at == datetime(2026, 11, 22, 10, 52, 30, 482913, tzinfo=UTC)
    assert firing.changed_at == datetime(2026, 11, 22, 10, 12, 30, 482913, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------- order


def test_an_alarm_change_that_arrives_after_a_newer_one_is_ignored_by_the_lifecycle(plan: Plan) -> None:
    """SNS and EventBridge deliver one CloudWatch alarm in either order: the OK at 10:47 came first, then the ALARM
    of 10:15 by the other path. The lifecycle keeps the newest state."""
    (alarm,) = alarms_from_payload(load_event("cloudwatch-sns-alarm.json"), RECEIVED_AT)
    (ok,) = alarms_from_payload(load_event("cloudwatch-eventbridge-ok.json"), RECEIVED_AT)
    assert alarm.id == ok.id and alarm.changed_at < ok.changed_at
    state = LifecycleState(severity_id="SEV1")
    state = advance(state, AlarmChanged(at=alarm.changed_at, alarm_id=alarm.id, state=alarm.state), plan).state
    after_ok = advance(state, AlarmChanged(at=ok.changed_at, alarm_id=ok.id, state=ok.state), plan).state

    late = advance(after_ok, AlarmChanged(at=alarm.changed_at, alarm_id=alarm.id, state=alarm.state), plan)

    assert late.outcome == Outcome.IGNORED and "older than its known OK" in late.reason
    assert late.state == after_ok
    assert late.state.alarms[ok.id].state == AlarmState.OK
