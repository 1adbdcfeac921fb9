"""The operators watch the notifier itself (issue 15, part 3): every dead-letter queue, the metrics that say input was
refused or a send or schedule failed after retries, and every function's errors raise an alarm that tells
OperatorsTopic on ALARM and on OK; a dashboard shows the pipeline.

Which metrics the code emits is read from its source (Python's ast), not by running handlers: ``add_metric`` calls
with a literal name, the literal keys of the ``counts`` dictionaries handed to ``add_counts`` (every one emitted on
every invocation, zeros included) and the ``*_METRIC`` name tables. Running handlers would find only the metrics of
the paths a test happens to take, and Powertools' process-wide metrics state leaks between tests (see the fault
matrix's history); the source has every path. Names built with f-strings are left out, so an alarm or a widget may
only name a literal metric, one a reader can grep for.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from incident_comms.local.cfn import resources_of_type
from tests.conftest import REPO
from tests.template.test_template import functions

SOURCES = (REPO / "layers/core/incident_comms", REPO / "functions")

REQUIRED = {
    "EventsRejected",
    "AlertsRejected",
    "WebhookUnauthorized",
    "ChannelDeliveriesFailed",
    "EmailsFailed",
    "ApprovalRequestsFailed",
    "DeliveryReportSchedulingFailed",
    "ApprovalTimeoutRearmsFailed",
    "UpdateSchedulingFailed",
}
"""What issue 15 names: refused events and alerts, unauthorised webhooks, failed sends, failed schedules."""


def _python_files() -> Iterator[Path]:
    for root in SOURCES:
        yield from sorted(root.rglob("*.py"))


def _calls(node: ast.AST, name: str) -> Iterator[ast.Call]:
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            func = call.func
            called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if called == name:
                yield call


def _literal_keys(node: ast.AST) -> set[str]:
    return {
        key.value
        for dictionary in ast.walk(node)
        if isinstance(dictionary, ast.Dict)
        for key in dictionary.keys
        if isinstance(key, ast.Constant) and isinstance(key.value, str)
    }


@cache
def emitted_metrics() -> frozenset[str]:
    """Every literal metric name the package and the handlers emit."""
    names: set[str] = set()
    for path in _python_files():
        tree = ast.parse(path.read_text(), str(path))
        for call in _calls(tree, "add_metric"):
            names |= {
                keyword.value.value
                for keyword in call.keywords
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant)
            }
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef) and (
                function.name == "counts" or any(_calls(function, "add_counts"))
            ):
                names |= _literal_keys(function)
        for statement in tree.body:
            if (
                isinstance(statement, ast.Assign)
                and isinstance(statement.value, ast.Dict)
                and any(isinstance(target, ast.Name) and target.id.endswith("_METRIC") for target in statement.targets)
            ):
                names |= {value.value for value in statement.value.values if isinstance(value, ast.Constant)}
    return frozenset(names)


def _globals(template: dict[str, Any]) -> dict[str, Any]:
    variables: dict[str, Any] = template["Globals"]["Function"]["Environment"]["Variables"]
    return variables


def application_dimensions(template: dict[str, Any]) -> tuple[str, list[dict[str, str]]]:
    """The namespace and dimensions of every metric the functions emit: Powertools adds ``service`` only."""
    variables = _globals(template)
    service = {"Name": "service", "Value": variables["POWERTOOLS_SERVICE_NAME"]}
    return variables["POWERTOOLS_METRICS_NAMESPACE"], [service]


def alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return resources_of_type(template, "AWS::CloudWatch::Alarm")


def alarm_metrics(properties: dict[str, Any]) -> list[dict[str, Any]]:
    """The metrics an alarm reads: its own, or those of its metric-math expression."""
    if "MetricName" in properties:
        return [{key: properties[key] for key in ("Namespace", "MetricName", "Dimensions")}]
    return [query["MetricStat"]["Metric"] for query in properties["Metrics"] if "MetricStat" in query]


def dead_letter_queues(template: dict[str, Any]) -> set[str]:
    """Every queue the template names as a dead letter: SQS redrive targets, EventBridge and SNS dead-letter configs,
    Lambda on-failure destinations, and the scheduler's dead-letter queue handed to the code."""
    found: set[str] = set()

    def target(value: Any) -> None:
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            found.add(value["Fn::GetAtt"][0])

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            if key == "OnFailure":
                target(value.get("Destination"))
            if key == "DeadLetterConfig":
                target(value.get("Arn"))
            for child_key, child in value.items():
                if child_key == "deadLetterTargetArn" or "DEAD_LETTER" in child_key:
                    target(child)
                walk(child, child_key)
        elif isinstance(value, list):
            for child in value:
                walk(child, key)

    walk(template["Resources"])
    walk(template["Globals"])
    return found


def consumed_queues(template: dict[str, Any]) -> set[str]:
    return {
        event["Properties"]["Queue"]["Fn::GetAtt"][0]
        for properties in functions(template).values()
        for event in properties.get("Events", {}).values()
        if event["Type"] == "SQS"
    }


def test_the_dead_letter_queues_found_are_the_seven_the_template_has(template: dict[str, Any]) -> None:
    queues = set(resources_of_type(template, "AWS::SQS::Queue"))
    assert dead_letter_queues(template) == {
        "IngestDeadLetterQueue",
        "WebhookIntakeDeadLetterQueue",
        "AsyncFailureQueue",
        "SchedulerDeadLetterQueue",
        "PublishDeadLetterQueue",
        "EmailBatchDeadLetterQueue",
        "EmailFeedbackDeadLetterQueue",
    }
    assert queues == dead_letter_queues(template) | consumed_queues(template), "a queue nobody reads nor alarms on"


def test_every_dead_letter_queue_alarms_on_its_first_message(template: dict[str, Any]) -> None:
    watched = {}
    for logical_id, properties in alarms(template).items():
        if properties.get("Namespace") == "AWS/SQS":
            (dimension,) = properties["Dimensions"]
            assert dimension["Name"] == "QueueName"
            assert dimension["Value"]["Fn::GetAtt"][1] == "QueueName"
            watched[dimension["Value"]["Fn::GetAtt"][0]] = logical_id
            assert properties["MetricName"] == "ApproximateNumberOfMessagesVisible"
            assert (properties["Period"], properties["EvaluationPeriods"]) == (300, 1)
            assert (properties["ComparisonOperator"], properties["Threshold"]) == ("GreaterThanThreshold", 0)
            assert properties["Statistic"] == "Maximum"
    assert set(watched) == dead_letter_queues(template)
    for queue, alarm in watched.items():
        assert queue in alarms(template)[alarm]["AlarmDescription"], f"{alarm} does not say which queue to look at"


def test_every_function_alarms_on_its_errors(template: dict[str, Any]) -> None:
    watched = {}
    for logical_id, properties in alarms(template).items():
        if properties.get("Namespace") == "AWS/Lambda":
            assert properties["MetricName"] == "Errors"
            assert properties["Dimensions"][0]["Name"] == "FunctionName"
            watched[properties["Dimensions"][0]["Value"]["Ref"]] = logical_id
            assert (properties["ComparisonOperator"], properties["Threshold"]) == ("GreaterThanThreshold", 0)
    assert set(watched) == set(functions(template))
    assert all(function in alarms(template)[alarm]["AlarmDescription"] for function, alarm in watched.items())


def test_every_alarm_tells_the_operators_when_it_fires_and_when_it_clears(template: dict[str, Any]) -> None:
    assert len(alarms(template)) >= 7 + len(functions(template)) + 4
    for logical_id, properties in alarms(template).items():
        assert properties["AlarmActions"] == [{"Ref": "OperatorsTopic"}], logical_id
        assert properties["OKActions"] == [{"Ref": "OperatorsTopic"}], logical_id
        assert properties["TreatMissingData"] == "notBreaching", logical_id
        assert len(properties["AlarmDescription"]) >= 150, f"{logical_id}: say what broke and where to look"
        assert len(properties["AlarmDescription"]) <= 1024, f"{logical_id}: CloudWatch keeps 1024 characters"


def test_a_single_probe_of_the_public_webhook_url_pages_nobody_but_a_stale_sender_does(
    template: dict[str, Any],
) -> None:
    properties = alarms(template)["WebhookUnauthorizedAlarm"]
    refused_in_five_minutes = {1: False, 4: False, 5: True, 30: True}

    assert (properties["Period"], properties["EvaluationPeriods"], properties["Statistic"]) == (300, 1, "Sum")
    assert properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    for refused, fires in refused_in_five_minutes.items():
        assert (refused >= properties["Threshold"]) is fires, refused
    assert "first refusal" in properties["AlarmDescription"]


def test_the_metric_collector_finds_what_the_code_emits() -> None:
    pipeline = {"AlarmsReceived", "ApprovalsApproved", "HoldingPublished", "EmailBouncesRecorded"}
    assert REQUIRED | pipeline <= emitted_metrics()
    assert "LifecycleApplied" not in emitted_metrics(), "an f-string name is not a literal one"


def test_no_code_changes_the_namespace_or_dimensions_powertools_emits_under(template: dict[str, Any]) -> None:
    for path in _python_files():
        tree = ast.parse(path.read_text(), str(path))
        for name in ("add_dimension", "set_default_dimensions", "single_metric"):
            assert not any(_calls(tree, name)), f"{path}: {name} changes what the alarms must name"
        for call in _calls(tree, "Metrics"):
            assert not call.args and not call.keywords, f"{path}: Metrics() takes its namespace from the template"
    for logical_id, properties in functions(template).items():
        overrides = properties.get("Environment", {}).get("Variables", {})
        assert not {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"} & set(overrides), logical_id


def test_every_application_alarm_names_a_metric_the_code_emits_as_it_is_emitted(template: dict[str, Any]) -> None:
    namespace, dimensions = application_dimensions(template)
    alarmed: set[str] = set()
    for logical_id, properties in alarms(template).items():
        for metric in alarm_metrics(properties):
            if metric["Namespace"].startswith("AWS/"):
                continue
            assert metric["Namespace"] == namespace, logical_id
            assert metric["Dimensions"] == dimensions, logical_id
            assert metric["MetricName"] in emitted_metrics(), f"{logical_id}: {metric['MetricName']} is never emitted"
            alarmed.add(metric["MetricName"])
    assert alarmed >= REQUIRED


def test_metric_math_alarms_add_up_every_metric_they_read(template: dict[str, Any]) -> None:
    for logical_id, properties in alarms(template).items():
        if "Metrics" not in properties:
            continue
        reads = [query for query in properties["Metrics"] if "MetricStat" in query]
        (answer,) = [query for query in properties["Metrics"] if query.get("ReturnData", True)]
        assert answer["Expression"] == f"SUM([{', '.join(query['Id'] for query in reads)}])", logical_id
        assert all(query["ReturnData"] is False for query in reads), logical_id
        assert all((query["MetricStat"]["Period"], query["MetricStat"]["Stat"]) == (300, "Sum") for query in reads)


def dashboard_body(template: dict[str, Any]) -> dict[str, Any]:
    """The dashboard's JSON with every ``${...}`` placeholder replaced by a name the template defines."""
    (properties,) = resources_of_type(template, "AWS::CloudWatch::Dashboard").values()
    text = properties["DashboardBody"]["Fn::Sub"]
    resources = template["Resources"]

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("AWS::"):
            return "eu-west-1" if name == "AWS::Region" else pytest.fail(f"unexpected {name}")
        logical_id, _, attribute = name.partition(".")
        assert logical_id in resources, f"dashboard names {logical_id}, not in the template"
        return f"{logical_id}|{attribute}"

    body: dict[str, Any] = json.loads(re.sub(r"\$\{([^}]+)\}", substitute, text))
    return body


def test_the_dashboard_shows_only_metrics_that_exist(template: dict[str, Any]) -> None:
    namespace, dimensions = application_dimensions(template)
    service = [dimensions[0]["Name"], dimensions[0]["Value"]]
    widgets = dashboard_body(template)["widgets"]
    shown: dict[str, set[str]] = {}
    for widget in widgets:
        properties = widget["properties"]
        if widget["type"] == "alarm":
            assert {arn.split("|")[0] for arn in properties["alarms"]} == set(alarms(template))
            continue
        assert widget["type"] == "metric"
        assert properties["region"] == "eu-west-1"
        for row in properties["metrics"]:
            metric_namespace, name, *dimension = row
            if metric_namespace == "AWS/SQS":
                assert (name, dimension[0]) == ("ApproximateNumberOfMessagesVisible", "QueueName")
                shown.setdefault("queues", set()).add(dimension[1].removesuffix("|QueueName"))
            elif metric_namespace == "AWS/Lambda":
                assert (name, dimension[0]) == ("Errors", "FunctionName")
                shown.setdefault("functions", set()).add(dimension[1].removesuffix("|"))
            else:
                assert (metric_namespace, dimension) == (namespace, service), name
                assert name in emitted_metrics(), f"the dashboard shows {name}, which the code never emits"
                shown.setdefault("metrics", set()).add(name)
    assert shown["queues"] == dead_letter_queues(template)
    assert shown["functions"] == set(functions(template))
    pipeline = {"AlarmsReceived", "IncidentsOpened", "ApprovalsApproved", "MessagesPublished", "EmailBouncesRecorded"}
    assert shown["metrics"] >= pipeline | {"RecipientsDelivered", "RecipientsFailed", "RecipientsUnknown"}
