"""Classification of every sample event against the example plan, and the rule semantics of DESIGN.md."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from incident_comms.alarms import Alarm, AlarmKind, AlarmSource, AlarmState, MetricRef
from incident_comms.intake.classify import classify_alarm, classify_payload, rule_matches
from incident_comms.plan.models import Plan, RuleWhen
from tests.conftest import load_event

RECEIVED_AT = datetime(2026, 11, 22, 10, 20, tzinfo=UTC)

EXPECTED = {
    # file: (incident, severity, component, rule, state, alarms in payload)
    "alertmanager-firing.json": (True, "SEV1", "invoicing", "billing-critical", "ALARM", 2),
    "alertmanager-resolved.json": (True, "SEV1", "invoicing", "billing-critical", "OK", 1),
    "cloudwatch-alarm-action-composite.json": (True, "SEV1", "web", "web-down-composite", "ALARM", 1),
    "cloudwatch-alarm-action.json": (True, "SEV1", "api", "api-5xx", "ALARM", 1),
    "cloudwatch-anomaly-detection.json": (True, "SEV3", "storage", "storage-latency-anomaly", "ALARM", 1),
    "cloudwatch-composite.json": (True, "SEV1", "web", "web-down-composite", "ALARM", 1),
    "cloudwatch-eventbridge-alarm.json": (True, "SEV1", "api", "api-5xx", "ALARM", 1),
    "cloudwatch-eventbridge-ok.json": (True, "SEV1", "api", "api-5xx", "OK", 1),
    "cloudwatch-insufficient-data.json": (True, "SEV2", "invoicing", "invoicing-queue-age", "INSUFFICIENT_DATA", 1),
    "cloudwatch-metric-math.json": (True, "SEV2", "invoicing", "invoicing-error-rate", "ALARM", 1),
    "cloudwatch-sns-alarm.json": (True, "SEV1", "api", "api-5xx", "ALARM", 1),
    "cloudwatch-sns-legacy.json": (True, "SEV1", "api", "api-5xx", "ALARM", 1),
    "cloudwatch-sns-notification.json": (True, "SEV2", "api", "api-latency", "ALARM", 1),
    "cloudwatch-staging-alarm.json": (False, None, None, "ignore-staging", "ALARM", 1),
    "grafana-firing.json": (True, "SEV2", "storage", "storage-grafana", "ALARM", 2),
    "alertmanager-one-bad-alert.json": (True, "SEV1", "invoicing", "billing-critical", "ALARM", 2),
    "alertmanager-resolved-zero-endsat.json": (True, "SEV1", "invoicing", "billing-critical", "OK", 1),
    "alertmanager-hostile-text.json": (True, "SEV1", "invoicing", "billing-critical", "ALARM", 1),
}


@pytest.mark.parametrize(("name", "expected"), EXPECTED.items(), ids=EXPECTED.keys())
def test_every_sample_event_classifies_as_the_plan_says(plan: Plan, name: str, expected: tuple[object, ...]) -> None:
    answer = classify_payload(load_event(name), plan, RECEIVED_AT)

    got = (answer["incident"], answer["severity"], answer["component"], answer["rule"], answer["alarm"]["state"])
    assert got == expected[:5]
    assert len(answer["alarms"]) == expected[5]


def test_every_sample_event_is_listed() -> None:
    from tests.conftest import EVENTS

    assert {path.name for path in EVENTS.glob("*.json")} == set(EXPECTED)


def test_webhook_answer_is_the_most_severe_alert_with_each_alerts_own_result(plan: Plan) -> None:
    answer = classify_payload(load_event("alertmanager-firing.json"), plan, RECEIVED_AT)

    assert [alarm["rule"] for alarm in answer["alarms"]] == ["billing-critical", "billing-warning"]
    assert [alarm["severity"] for alarm in answer["alarms"]] == ["SEV1", "SEV3"]
    assert answer["severity"] == "SEV1"


def alarm(**changes: object) -> Alarm:
    base: dict[str, object] = {
        "source": AlarmSource.CLOUDWATCH,
        "kind": AlarmKind.METRIC,
        "id": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:prod-api-5xx",
        "name": "prod-api-5xx",
        "state": AlarmState.ALARM,
        "changed_at": datetime(2026, 11, 22, tzinfo=UTC),
        "metrics": [
            MetricRef(namespace="AWS/ApiGateway", name="5XXError", dimensions={"ApiName": "prod", "Stage": "v1"})
        ],
    }
    return Alarm.model_validate(base | changes)


def test_dimensions_and_labels_are_subset_matches() -> None:
    assert rule_matches(RuleWhen(dimensions={"ApiName": "prod"}), alarm())
    assert not rule_matches(RuleWhen(dimensions={"ApiName": "prod", "Stage": "v2"}), alarm())
    assert rule_matches(RuleWhen(labels={"team": "a"}), alarm(labels={"team": "a", "env": "prod"}))
    assert not rule_matches(RuleWhen(labels={"team": "a"}), alarm(labels={"env": "prod"}))


def test_any_metric_of_a_metric_math_alarm_may_match_but_keys_hold_on_one_metric() -> None:
    math = alarm(
        kind=AlarmKind.METRIC_MATH,
        metrics=[
            MetricRef(namespace="AWS/ApiGateway", name="Count", dimensions={"ApiName": "prod"}),
            MetricRef(namespace="Custom", name="5XXError", dimensions={"ApiName": "staging"}),
        ],
    )
    assert rule_matches(RuleWhen(metric="5XXError"), math)
    assert rule_matches(RuleWhen(namespace="AWS/ApiGateway", metric="Count"), math)
    assert not rule_matches(RuleWhen(namespace="AWS/ApiGateway", metric="5XXError"), math)


def test_a_composite_alarm_never_matches_metric_keys() -> None:
    composite = alarm(kind=AlarmKind.COMPOSITE, metrics=[])
    assert not rule_matches(RuleWhen(namespace="AWS/ApiGateway"), composite)
    assert rule_matches(RuleWhen(alarm_name="prod-*"), composite)


def test_state_does_not_change_the_classification(plan: Plan) -> None:
    results = {state: classify_alarm(alarm(state=state), plan) for state in AlarmState}
    assert {(r.incident, r.severity, r.component, r.rule) for r in results.values()} == {
        (True, "SEV1", "api", "api-5xx")
    }


def test_no_matching_rule_is_not_an_incident(plan: Plan) -> None:
    result = classify_alarm(alarm(name="something-else", metrics=[]), plan)
    assert (result.incident, result.rule) == (False, None)
