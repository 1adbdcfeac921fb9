"""Classify an alarm against the plan's rules: first match wins, no match is not an incident."""

from __future__ import annotations

from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any

from pydantic import BaseModel, ConfigDict

from incident_comms.alarms import Alarm, MetricRef
from incident_comms.errors import BadInput
from incident_comms.plan.models import Plan, Rule, RuleWhen


class Classification(BaseModel):
    """What the plan says about one alarm. The alarm's state never changes it: the lifecycle decides what OK means."""

    model_config = ConfigDict(defer_build=True)

    incident: bool
    severity: str | None = None
    component: str | None = None
    rule: str | None = None
    alarm: Alarm


def _metric_matches(when: RuleWhen, metric: MetricRef) -> bool:
    if when.namespace is not None and metric.namespace != when.namespace:
        return False
    if when.metric is not None and metric.name != when.metric:
        return False
    return all(metric.dimensions.get(key) == value for key, value in when.dimensions.items())


def rule_matches(when: RuleWhen, alarm: Alarm) -> bool:
    """Every key the rule gives must match; dimensions and labels are subset matches.

    Metric keys (namespace, metric, dimensions) must hold together on one of the alarm's metrics, so a
    metric-math alarm matches when any metric it reads does, and a composite alarm (no metric) never does.
    """
    if when.source is not None and alarm.source != when.source:
        return False
    if when.alarm_name is not None and not fnmatchcase(alarm.name, when.alarm_name):
        return False
    if any(alarm.labels.get(key) != value for key, value in when.labels.items()):
        return False
    if when.namespace is None and when.metric is None and not when.dimensions:
        return True
    return any(_metric_matches(when, metric) for metric in alarm.metrics)


def matching_rule(alarm: Alarm, rules: list[Rule]) -> Rule | None:
    return next((rule for rule in rules if rule_matches(rule.when, alarm)), None)


def classify_alarm(alarm: Alarm, plan: Plan) -> Classification:
    """Apply the plan's rules to one alarm."""
    rule = matching_rule(alarm, plan.definition.rules)
    if rule is None or rule.not_an_incident:
        return Classification(incident=False, rule=rule.id if rule else None, alarm=alarm)
    return Classification(incident=True, severity=rule.severity, component=rule.component, rule=rule.id, alarm=alarm)


def most_severe(results: list[Classification], plan: Plan) -> Classification:
    """The result that matters most: an incident over none, then the most severe; ties go to the first."""
    ranks = [
        plan.severity_rank(r.severity) if r.incident and r.severity else len(plan.definition.severities)
        for r in results
    ]
    return results[ranks.index(min(ranks))]


def classify_payload(payload: Any, plan: Plan, now: datetime) -> dict[str, Any]:
    """The ``classify`` command's answer: the most severe result, plus ``alarms`` with each alarm's own result and
    ``rejected`` with each alert that could not be read (``position``, ``reason``); ``now`` dates a resolved alert
    that has no end time."""
    from incident_comms.intake.payloads import read_alarms

    read = read_alarms(payload, now)
    results = [classify_alarm(alarm, plan) for alarm in read.alarms]
    if not results:
        reasons = "; ".join(f"{item.position}: {item.reason}" for item in read.rejected[:3])
        raise BadInput(f"the payload holds no alarm that can be read{': ' + reasons if reasons else ''}")
    answer = most_severe(results, plan).model_dump(mode="json")
    answer["alarms"] = [result.model_dump(mode="json") for result in results]
    answer["rejected"] = [{"position": item.position, "reason": item.reason} for item in read.rejected]
    return answer
