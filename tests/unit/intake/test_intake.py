"""Intake: every sample in events/ normalises as documented, and bad input is always a one-line BadInput."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incident_comms.alarms import Alarm, AlarmKind, AlarmSource, AlarmState, MetricRef
from incident_comms.errors import BadInput
from incident_comms.intake.common import MAX_DEPTH, parse_timestamp
from incident_comms.intake.payloads import alarms_from_payload, detect_shape, parse_payload, read_alarms

RECEIVED_AT = datetime(2026, 11, 22, 10, 20, tzinfo=UTC)
EVENTS = Path(__file__).resolve().parents[3] / "events"
ARN = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:"
API_5XX = MetricRef(namespace="AWS/ApiGateway", name="5XXError", dimensions={"ApiName": "prod"})


def load(name: str) -> Any:
    return parse_payload((EVENTS / name).read_bytes())


def alarms(name: str) -> list[Alarm]:
    return alarms_from_payload(load(name), RECEIVED_AT)


def only(name: str) -> Alarm:
    result = alarms(name)
    assert len(result) == 1
    return result[0]


def sns_event(*messages: dict[str, Any]) -> dict[str, Any]:
    return {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": json.dumps(m)}} for m in messages]}


def sns_message(**changes: Any) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(load("cloudwatch-sns-alarm.json")["Records"][0]["Sns"]["Message"])
    message.update(changes)
    return message


def bad(payload: Any) -> str:
    with pytest.raises(BadInput) as caught:
        alarms_from_payload(payload, RECEIVED_AT)
    message = str(caught.value)
    assert message
    assert "\n" not in message
    assert "\r" not in message
    return message


def bad_raw(raw: bytes) -> str:
    with pytest.raises(BadInput) as caught:
        parse_payload(raw)
    message = str(caught.value)
    assert message
    assert len(message.splitlines()) == 1
    return message


# ------------------------------------------------------------------------------------------- samples

EXPECTED = {
    # file: (shape, source, kind, name, state, previous state)
    "cloudwatch-eventbridge-alarm.json": ("eventbridge", "cloudwatch", "metric", "prod-api-5xx", "ALARM", "OK"),
    "cloudwatch-eventbridge-ok.json": ("eventbridge", "cloudwatch", "metric", "prod-api-5xx", "OK", "ALARM"),
    "cloudwatch-sns-alarm.json": ("sns-event", "cloudwatch", "metric", "prod-api-5xx", "ALARM", "OK"),
    "cloudwatch-sns-legacy.json": ("sns-event", "cloudwatch", "metric", "prod-api-5xx", "ALARM", "OK"),
    "cloudwatch-sns-notification.json": (
        "sns-notification",
        "cloudwatch",
        "metric",
        "prod-api-latency-p99",
        "ALARM",
        "OK",
    ),
    "cloudwatch-alarm-action.json": ("alarm-action", "cloudwatch", "metric", "prod-api-5xx", "ALARM", "OK"),
    "cloudwatch-composite.json": ("eventbridge", "cloudwatch", "composite", "prod-web-down", "ALARM", "OK"),
    "cloudwatch-alarm-action-composite.json": (
        "alarm-action",
        "cloudwatch",
        "composite",
        "prod-web-down",
        "ALARM",
        "OK",
    ),
    "cloudwatch-metric-math.json": (
        "eventbridge",
        "cloudwatch",
        "metric_math",
        "prod-invoicing-error-rate",
        "ALARM",
        "OK",
    ),
    "cloudwatch-anomaly-detection.json": (
        "eventbridge",
        "cloudwatch",
        "anomaly_detection",
        "prod-storage-latency-anomaly",
        "ALARM",
        "OK",
    ),
    "cloudwatch-insufficient-data.json": (
        "eventbridge",
        "cloudwatch",
        "metric",
        "prod-queue-oldest-message",
        "INSUFFICIENT_DATA",
        "OK",
    ),
    "cloudwatch-staging-alarm.json": ("eventbridge", "cloudwatch", "metric", "staging-api-5xx", "ALARM", "OK"),
    "alertmanager-firing.json": ("alertmanager", "alertmanager", "prometheus", "BillingHighErrorRate", "ALARM", None),
    "alertmanager-resolved.json": ("alertmanager", "alertmanager", "prometheus", "BillingHighErrorRate", "OK", "ALARM"),
    "alertmanager-resolved-zero-endsat.json": (
        "alertmanager",
        "alertmanager",
        "prometheus",
        "BillingHighErrorRate",
        "OK",
        "ALARM",
    ),
    "alertmanager-one-bad-alert.json": (
        "alertmanager",
        "alertmanager",
        "prometheus",
        "BillingHighErrorRate",
        "ALARM",
        None,
    ),
    "alertmanager-hostile-text.json": (
        "alertmanager",
        "alertmanager",
        "prometheus",
        "BillingetaRrorrEhgiH",
        "ALARM",
        None,
    ),
    "grafana-firing.json": ("grafana", "grafana", "grafana", "Document downloads failing", "ALARM", None),
}


def test_every_sample_is_listed_and_documented() -> None:
    files = {path.name for path in EVENTS.glob("*.json")}
    assert files == set(EXPECTED)
    readme = (EVENTS / "README.md").read_text(encoding="utf-8")
    for name in files:
        assert name in readme


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_normalises_as_documented(name: str) -> None:
    shape, source, kind, alarm_name, state, previous = EXPECTED[name]
    payload = load(name)
    assert detect_shape(payload) == shape
    first = read_alarms(payload, RECEIVED_AT).alarms[0]
    assert (first.source, first.kind, first.name, first.state) == (source, kind, alarm_name, state)
    assert first.previous_state == previous
    assert first.changed_at.tzinfo is not None
    assert first.changed_at.utcoffset() == UTC.utcoffset(None)


def test_eventbridge_metric_alarm() -> None:
    alarm = only("cloudwatch-eventbridge-alarm.json")
    assert alarm.id == ARN + "prod-api-5xx"
    assert alarm.changed_at == datetime(2026, 11, 22, 10, 15, 2, 123000, tzinfo=UTC)
    assert alarm.metrics == [API_5XX]
    assert (alarm.namespace, alarm.metric) == ("AWS/ApiGateway", "5XXError")
    assert (alarm.region, alarm.account) == ("eu-west-1", "123456789012")
    assert alarm.reason is not None
    assert alarm.reason.startswith("Threshold Crossed")
    assert alarm.description is not None
    assert alarm.url is not None
    assert alarm.url.startswith("https://eu-west-1.console.aws.amazon.com/cloudwatch/")


def test_sns_event_with_null_description_and_display_name_region() -> None:
    alarm = only("cloudwatch-sns-alarm.json")
    assert alarm.description is None
    assert alarm.region == "eu-west-1"
    assert alarm.account == "123456789012"
    assert alarm.metrics == [API_5XX]


def test_sns_region_unknown_display_name_falls_back_to_the_arn() -> None:
    assert alarms_from_payload(sns_event(sns_message(Region="Mars (Olympus)")), RECEIVED_AT)[0].region == "eu-west-1"
    message = sns_message(Region="Mars (Olympus)", AlarmArn=None)
    assert (
        alarms_from_payload(sns_event(message), RECEIVED_AT)[0].id
        == "arn:aws:cloudwatch:Mars (Olympus):123456789012:alarm:prod-api-5xx"
    )
    assert "AlarmArn (the alarm ARN) is missing" in bad(sns_event(sns_message(Region=None, AlarmArn=None)))
    message = sns_message(Region="US East (N. Virginia)", AlarmArn=None)
    alarm = alarms_from_payload(sns_event(message), RECEIVED_AT)[0]
    assert alarm.region == "us-east-1"
    assert alarm.id == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:prod-api-5xx"


def test_legacy_sns_message_without_arn_is_the_same_alarm_as_with_it() -> None:
    legacy = only("cloudwatch-sns-legacy.json")
    assert legacy.id == only("cloudwatch-sns-alarm.json").id == ARN + "prod-api-5xx"
    assert legacy.region == "eu-west-1"
    assert legacy.metrics == [API_5XX]
    virginia = alarms_from_payload(sns_event(sns_message(Region="US (Virginia)", AlarmArn=None)), RECEIVED_AT)[0]
    assert virginia.id == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:prod-api-5xx"


def test_sns_notification_http_body() -> None:
    alarm = only("cloudwatch-sns-notification.json")
    assert alarm.metrics == [MetricRef(namespace="AWS/ApiGateway", name="Latency", dimensions={"ApiName": "prod"})]
    assert alarm.description == "p99 latency of the public API above 2 s for 3 minutes."


def test_sns_event_with_several_records_yields_one_alarm_each() -> None:
    ok = sns_message(
        AlarmName="prod-api-latency", NewStateValue="OK", OldStateValue="ALARM", AlarmArn=ARN + "prod-api-latency"
    )
    result = alarms_from_payload(sns_event(sns_message(), ok), RECEIVED_AT)
    assert [(a.name, a.state) for a in result] == [("prod-api-5xx", "ALARM"), ("prod-api-latency", "OK")]


def test_sns_metric_math_and_anomaly_detection_trigger() -> None:
    dimension = [{"value": "prod-assets", "name": "BucketName"}]
    metric_math = sns_message(
        Trigger={
            "Metrics": [
                {"Expression": "MAX([m1, m2])", "Id": "e1", "Label": "worst", "ReturnData": True},
                {
                    "Id": "m1",
                    "MetricStat": {
                        "Metric": {"Dimensions": dimension, "MetricName": "FirstByteLatency", "Namespace": "AWS/S3"},
                        "Period": 60,
                        "Stat": "p90",
                    },
                    "ReturnData": False,
                },
                {
                    "Id": "m2",
                    "MetricStat": {
                        "Metric": {"Dimensions": dimension, "MetricName": "TotalRequestLatency", "Namespace": "AWS/S3"},
                        "Period": 60,
                        "Stat": "p90",
                    },
                    "ReturnData": False,
                },
            ]
        }
    )
    alarm = alarms_from_payload(sns_event(metric_math), RECEIVED_AT)[0]
    assert alarm.kind == AlarmKind.METRIC_MATH
    assert [m.name for m in alarm.metrics] == ["FirstByteLatency", "TotalRequestLatency"]
    assert alarm.metrics[0].dimensions == {"BucketName": "prod-assets"}
    assert alarm.metric is None

    anomaly = copy.deepcopy(metric_math)
    anomaly["Trigger"]["Metrics"] = anomaly["Trigger"]["Metrics"][:2]
    anomaly["Trigger"]["Metrics"][0]["Expression"] = "ANOMALY_DETECTION_BAND(m1, 2)"
    anomaly["Trigger"]["ThresholdMetricId"] = "e1"
    alarm = alarms_from_payload(sns_event(anomaly), RECEIVED_AT)[0]
    assert alarm.kind == AlarmKind.ANOMALY_DETECTION
    assert [m.name for m in alarm.metrics] == ["FirstByteLatency"]


def test_sns_composite_message() -> None:
    children = [{"Arn": ARN + "prod-web-5xx", "State": {"Value": "ALARM", "Timestamp": "2026-11-22T10:31:44.507+0000"}}]
    message = sns_message(
        AlarmName="prod-web-down",
        AlarmArn=ARN + "prod-web-down",
        AlarmRule='ALARM("prod-web-5xx")',
        TriggeringChildren=children,
        Trigger=None,
    )
    alarm = alarms_from_payload(sns_event(message), RECEIVED_AT)[0]
    assert alarm.kind == AlarmKind.COMPOSITE
    assert alarm.metrics == []
    assert alarm.triggering_alarms == [ARN + "prod-web-5xx"]


def test_sns_message_posted_bare_and_eventbridge_event_wrapped_in_sns() -> None:
    assert detect_shape(sns_message()) == "sns-message"
    assert alarms_from_payload(sns_message(), RECEIVED_AT)[0].name == "prod-api-5xx"
    wrapped = {"Records": [{"Sns": {"Message": json.dumps(load("cloudwatch-eventbridge-alarm.json"))}}]}
    assert alarms_from_payload(wrapped, RECEIVED_AT) == alarms("cloudwatch-eventbridge-alarm.json")


def test_composite_alarm_eventbridge_and_alarm_action() -> None:
    via_eventbridge = only("cloudwatch-composite.json")
    via_action = only("cloudwatch-alarm-action-composite.json")
    for alarm in (via_eventbridge, via_action):
        assert alarm.kind == AlarmKind.COMPOSITE
        assert alarm.metrics == []
        assert alarm.alarm_rule == 'ALARM("prod-web-signin-errors") AND ALARM("prod-web-5xx")'
        assert alarm.triggering_alarms == [ARN + "prod-web-signin-errors", ARN + "prod-web-5xx"]
    assert via_eventbridge.event_key == via_action.event_key


def test_metric_math_lists_every_metric() -> None:
    alarm = only("cloudwatch-metric-math.json")
    assert alarm.kind == AlarmKind.METRIC_MATH
    assert [(m.namespace, m.name) for m in alarm.metrics] == [
        ("Nubeteca/Invoicing", "InvoiceSubmitErrors"),
        ("Nubeteca/Invoicing", "InvoiceSubmits"),
    ]
    assert all(m.dimensions == {"Environment": "prod", "Channel": "SII"} for m in alarm.metrics)
    assert (alarm.metric, alarm.namespace) == (None, None)


def test_anomaly_detection() -> None:
    alarm = only("cloudwatch-anomaly-detection.json")
    assert alarm.metrics == [
        MetricRef(
            namespace="AWS/S3",
            name="TotalRequestLatency",
            dimensions={"BucketName": "nubeteca-prod-documents", "FilterId": "EntireBucket"},
        )
    ]
    assert alarm.metric is None


def test_insufficient_data() -> None:
    alarm = only("cloudwatch-insufficient-data.json")
    assert alarm.state == AlarmState.INSUFFICIENT_DATA
    assert alarm.metric == "ApproximateAgeOfOldestMessage"


def test_same_state_change_has_one_event_key_whichever_path_delivered_it() -> None:
    via_eventbridge = only("cloudwatch-eventbridge-alarm.json")
    via_sns = only("cloudwatch-sns-alarm.json")
    via_action = only("cloudwatch-alarm-action.json")
    via_notification = alarms_from_payload({"Type": "Notification", "Message": json.dumps(sns_message())}, RECEIVED_AT)[
        0
    ]
    assert via_eventbridge.event_key == via_sns.event_key == via_action.event_key == via_notification.event_key
    assert via_eventbridge.event_key != only("cloudwatch-eventbridge-ok.json").event_key


def test_alertmanager_firing_yields_one_alarm_per_alert() -> None:
    error_rate, backlog = alarms("alertmanager-firing.json")
    assert (error_rate.name, backlog.name) == ("BillingHighErrorRate", "BillingInvoiceBacklog")
    assert error_rate.labels["service"] == "billing"
    assert error_rate.labels["severity"] == "critical"
    assert backlog.labels["severity"] == "warning"
    assert error_rate.id == "6e4d3c2b1a0f9e8d"
    assert error_rate.changed_at == datetime(2026, 11, 22, 10, 12, 30, 482913, tzinfo=UTC)
    assert error_rate.annotations["runbook_url"].startswith("https://")
    assert error_rate.reason == "Billing API 5xx ratio is 7.3% (above 5%)"
    assert error_rate.url is not None
    assert error_rate.url.startswith("http://prometheus")
    assert error_rate.metrics == []


def test_alertmanager_resolved_uses_ends_at() -> None:
    alarm = only("alertmanager-resolved.json")
    assert alarm.state == AlarmState.OK
    assert alarm.changed_at == datetime(2026, 11, 22, 10, 52, 30, 482913, tzinfo=UTC)
    assert alarm.id == alarms("alertmanager-firing.json")[0].id


def test_alertmanager_without_fingerprint_hashes_sorted_labels() -> None:
    payload = load("alertmanager-firing.json")
    alert = payload["alerts"][0]
    del alert["fingerprint"]
    first = alarms_from_payload(payload, RECEIVED_AT)[0].id
    alert["labels"] = dict(reversed(list(alert["labels"].items())))
    assert alarms_from_payload(payload, RECEIVED_AT)[0].id == first
    alert["labels"]["instance"] = "10.0.0.7:8080"
    assert alarms_from_payload(payload, RECEIVED_AT)[0].id != first


def test_grafana_yields_one_alarm_per_alert_with_links_and_values() -> None:
    eu_west, eu_central = alarms("grafana-firing.json")
    assert (eu_west.source, eu_west.kind) == (AlarmSource.GRAFANA, AlarmKind.GRAFANA)
    assert (eu_west.labels["region"], eu_central.labels["region"]) == ("eu-west-1", "eu-central-1")
    assert eu_west.labels["team"] == "storage"
    assert eu_west.changed_at == datetime(2026, 11, 22, 10, 20, tzinfo=UTC)
    assert eu_west.links["dashboard"].endswith("/d/storage01?orgId=1")
    assert "panel" in eu_west.links
    assert "silence" in eu_west.links
    assert eu_west.values == {"A": 7.25, "B": 7.25, "C": 1.0}
    assert eu_west.id != eu_central.id


def test_grafana_and_alertmanager_are_told_apart() -> None:
    grafana = load("grafana-firing.json")
    alertmanager = load("alertmanager-firing.json")
    assert detect_shape(grafana) == "grafana"
    assert detect_shape(alertmanager) == "alertmanager"
    for key in ("orgId", "title", "state", "message"):
        del grafana[key]
    assert detect_shape(grafana) == "grafana"  # still: per-alert values / dashboardURL
    alertmanager["orgId"] = 1
    assert detect_shape(alertmanager) == "grafana"


def test_grafana_no_data_is_insufficient_data() -> None:
    payload = load("grafana-firing.json")
    payload["alerts"][0]["labels"]["alertname"] = "DatasourceNoData"
    assert alarms_from_payload(payload, RECEIVED_AT)[0].state == AlarmState.INSUFFICIENT_DATA


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-22T10:15:02.123+0000", datetime(2026, 11, 22, 10, 15, 2, 123000, tzinfo=UTC)),
        ("2026-11-22T10:15:02Z", datetime(2026, 11, 22, 10, 15, 2, tzinfo=UTC)),
        ("2026-11-22T11:15:02.123456789+01:00", datetime(2026, 11, 22, 10, 15, 2, 123456, tzinfo=UTC)),
        ("2026-11-22T05:15:02-05:00", datetime(2026, 11, 22, 10, 15, 2, tzinfo=UTC)),
    ],
)
def test_timestamps(text: str, expected: datetime) -> None:
    parsed = parse_timestamp(text)
    assert parsed == expected
    assert parsed.tzinfo == UTC


# ------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b" \n\t", "empty"),
        (b'{"a": "\xff"}', "UTF-8"),
        (b'{"a": "\xed\xa0\x80"}', "UTF-8"),  # an encoded surrogate: not strict UTF-8
        (b"\xef\xbb\xbf{}", "not JSON"),
        (b"{nope", "not JSON"),
        (b'{"a": 1} trailing', "not JSON"),
        (b"[NaN]", "NaN"),
        (b'{"a": Infinity}', "Infinity"),
        (b"1" * 5000, "digits"),
        (b'{"a": "\\ud800"}', "surrogate"),
        (b" " * (256 * 1024 + 1), "256 KB"),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "nested"),
        (b"[" * (256 * 1024), "nested"),
        (b'{"a":' * 40_000 + b"1" + b"}" * 40_000, "nested"),
    ],
    ids=lambda value: value[:12] if isinstance(value, bytes) else value,
)
def test_bad_raw_input(raw: bytes, reason: str) -> None:
    assert reason in bad_raw(raw)


def test_depth_limit_is_inclusive_and_brackets_in_strings_do_not_count() -> None:
    assert parse_payload(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)
    assert parse_payload(b'["' + b"[" * 10_000 + b'"]') == ["[" * 10_000]
    assert parse_payload(b'["\\"' + b"[" * 100 + b'"]') == ['"' + "[" * 100]


def test_large_flat_payloads_parse() -> None:
    assert len(parse_payload(b"[" + b"[]," * 80_000 + b"[]]")) == 80_001
    assert len(parse_payload(b"[" + b"1," * 120_000 + b"1]")) == 120_001


def test_parse_payload_accepts_text() -> None:
    assert parse_payload('{"a": "é"}') == {"a": "é"}


def _without(payload: dict[str, Any], *path: str) -> dict[str, Any]:
    result = copy.deepcopy(payload)
    node = result
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return result


def _with(payload: dict[str, Any], value: Any, *path: str | int) -> dict[str, Any]:
    result = copy.deepcopy(payload)
    node: Any = result
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return result


def test_bad_payloads() -> None:
    eventbridge = load("cloudwatch-eventbridge-alarm.json")
    action = load("cloudwatch-alarm-action.json")
    alertmanager = load("alertmanager-firing.json")
    grafana = load("grafana-firing.json")
    cases: list[tuple[Any, str]] = [
        ([1, 2], "JSON object"),
        ("ALARM", "JSON object"),
        (None, "JSON object"),
        ({}, "unknown payload shape"),
        ({"hello": "world"}, "unknown payload shape"),
        (_with(eventbridge, "EC2 Instance State-change Notification", "detail-type"), "unsupported EventBridge"),
        (_with(eventbridge, "aws.ec2", "source"), "unsupported EventBridge"),
        (_without(eventbridge, "detail", "alarmName"), "detail.alarmName is missing"),
        (_without(eventbridge, "detail", "state"), "detail.state is missing"),
        (_with(eventbridge, "PANIC", "detail", "state", "value"), "unknown state value"),
        (_with(eventbridge, "alarm", "detail", "state", "value"), "unknown state value"),
        (_with(eventbridge, "yesterday", "detail", "state", "timestamp"), "bad timestamp"),
        (_with(eventbridge, "2026-11-22T10:15:02", "detail", "state", "timestamp"), "bad timestamp"),
        (_with(eventbridge, "2026-02-30T10:15:02Z", "detail", "state", "timestamp"), "bad timestamp"),
        (_with(eventbridge, 1700000000, "detail", "state", "timestamp"), "must be a string"),
        (_with(eventbridge, [], "resources") | {"account": None}, "ARN"),
        (_with(eventbridge, {"id": "m1"}, "detail", "configuration", "metrics", 0), "neither metricStat"),
        (
            _with(
                eventbridge,
                {"ApiName": 1},
                "detail",
                "configuration",
                "metrics",
                0,
                "metricStat",
                "metric",
                "dimensions",
            ),
            "must be a string",
        ),
        (_without(action, "alarmData", "state", "timestamp"), "alarmData.state.timestamp is missing"),
        (_with(action, "aws.ec2", "source"), "expected aws.cloudwatch"),
        ({"Records": []}, "Records is empty"),
        ({"Records": [{"eventSource": "aws:sqs", "body": "{}"}]}, "only SNS records"),
        ({"Records": [{"Sns": {"Message": "ALARM: prod-api-5xx"}}]}, "Records[0].Sns.Message is not JSON"),
        ({"Records": [{"Sns": {"Message": None}}]}, "Message must be a string"),
        ({"Records": [{"Sns": {"Message": "[" * 100 + "]" * 100}}]}, "nested deeper"),
        ({"Records": [{"Sns": {"Message": "[1]"}}]}, "JSON object"),
        (sns_event(sns_message(), sns_message(NewStateValue="BROKEN")), "Records[1].Sns.Message"),
        (sns_event(sns_message(StateChangeTime="22/11/2026 10:15")), "bad timestamp"),
        (sns_event(sns_message(AlarmName=None)), "AlarmName is missing"),
        ({"Type": "Notification", "Message": "not json"}, "Message is not JSON"),
        ({"Type": "SubscriptionConfirmation", "SubscribeURL": "https://sns.example"}, "carries no alarm"),
        (_with(alertmanager, [], "alerts"), "alerts is empty"),
        (_with(alertmanager, "pending", "alerts", 0, "status"), "unknown status"),
        (_without(alertmanager, "alerts", 0, "labels", "alertname"), "alertname is missing"),
        (_without(alertmanager, "alerts", 0, "startsAt"), "startsAt is missing"),
        (_with(alertmanager, "soon", "alerts", 0, "startsAt"), "bad timestamp"),
        (_with(alertmanager, {"severity": 1}, "alerts", 0, "labels"), "must be a string"),
        (_with(alertmanager, "x", "alerts"), "must be an array"),
        (_with(grafana, ["x"], "alerts"), "alerts[0] must be an object"),
        (_without(grafana, "alerts", 1, "labels"), "alertname is missing"),
    ]
    for payload, reason in cases:
        message = bad(payload)
        assert reason in message, (reason, message)


def test_bad_input_messages_quote_payload_text_on_one_line() -> None:
    payload = _with(load("cloudwatch-eventbridge-alarm.json"), "A\nB\u2028C" * 100, "detail", "state", "value")
    message = bad(payload)
    assert len(message.splitlines()) == 1
    assert len(message) < 300


# ------------------------------------------------------------------------------------------- fuzz

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30,
)


def _read_or_one_line_bad_input(payload: Any) -> list[Alarm]:
    """What ingest does with a payload: the alarms it can read; every rejection (whole or per alert) one line."""
    try:
        read = read_alarms(payload, RECEIVED_AT)
    except BadInput as error:
        message = str(error)
        assert message and len(message.splitlines()) == 1
        return []
    assert all(item.reason and len(item.reason.splitlines()) == 1 for item in read.rejected)
    return read.alarms


def _normalise_or_one_line_bad_input(normalise: Callable[[], list[Alarm]]) -> list[Alarm]:
    """Run ``normalise``; anything but success or a one-line BadInput fails the test."""
    message = None
    try:
        return normalise()
    except BadInput as error:
        message = str(error)
    assert message
    assert len(message.splitlines()) == 1
    return []


SAMPLES = {name: load(name) for name in sorted(EXPECTED)}


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_fuzz_arbitrary_bytes_only_ever_raise_bad_input(raw: bytes) -> None:
    _normalise_or_one_line_bad_input(lambda: alarms_from_payload(parse_payload(raw), RECEIVED_AT))


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_fuzz_arbitrary_json_only_ever_raises_bad_input(value: Any) -> None:
    _normalise_or_one_line_bad_input(
        lambda: alarms_from_payload(parse_payload(json.dumps(value).encode()), RECEIVED_AT)
    )


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _paths(child, (*prefix, index))
    return found


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(SAMPLES)), st.data(), json_values)
def test_fuzz_mutated_samples_only_ever_raise_bad_input(name: str, data: st.DataObject, value: Any) -> None:
    payload = copy.deepcopy(SAMPLES[name])
    path = data.draw(st.sampled_from(_paths(payload)))
    node = payload
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    result = _read_or_one_line_bad_input(payload)
    assert all(alarm.changed_at.tzinfo is not None for alarm in result)
