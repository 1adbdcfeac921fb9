"""Inbound payloads → :class:`~incident_comms.alarms.Alarm`.

Every monitoring source speaks its own dialect: CloudWatch alone reaches us three ways (an EventBridge
event, an SNS message wrapped in a Lambda event or an HTTP notification, a direct Lambda alarm action),
then Prometheus Alertmanager and Grafana post webhooks. This module is the one place that knows those
shapes; everything downstream sees ``Alarm``.

Input is untrusted and arrives from the network, so decoding is strict and bounded (size, nesting,
encoding), and any problem is a :class:`~incident_comms.errors.BadInput` with a one-line reason.
Pure: no boto3, no Powertools, cheap to import.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, NoReturn
from urllib.parse import quote

from pydantic import ValidationError

from incident_comms.alarms import Alarm, AlarmKind, AlarmSource, AlarmState, MetricRef
from incident_comms.errors import BadInput

MAX_PAYLOAD_BYTES = 256 * 1024
MAX_DEPTH = 64

SHAPE_EVENTBRIDGE = "eventbridge"
SHAPE_SNS_EVENT = "sns-event"
SHAPE_SNS_NOTIFICATION = "sns-notification"
SHAPE_SNS_CONFIRMATION = "sns-subscription-confirmation"
SHAPE_SNS_MESSAGE = "sns-message"
SHAPE_ALARM_ACTION = "alarm-action"
SHAPE_ALERTMANAGER = "alertmanager"
SHAPE_GRAFANA = "grafana"

_SHAPE_LABELS = {
    SHAPE_EVENTBRIDGE: "EventBridge alarm event",
    SHAPE_SNS_EVENT: "SNS event",
    SHAPE_SNS_NOTIFICATION: "SNS notification",
    SHAPE_SNS_CONFIRMATION: "SNS subscription confirmation",
    SHAPE_SNS_MESSAGE: "CloudWatch SNS message",
    SHAPE_ALARM_ACTION: "CloudWatch alarm action",
    SHAPE_ALERTMANAGER: "Alertmanager webhook",
    SHAPE_GRAFANA: "Grafana webhook",
}

_EVENTBRIDGE_DETAIL_TYPE = "CloudWatch Alarm State Change"

# Region display names as CloudWatch writes them in the SNS message's "Region" field.
_REGION_NAMES = {
    "US East (N. Virginia)": "us-east-1",
    "US East (Ohio)": "us-east-2",
    "US West (N. California)": "us-west-1",
    "US West (Oregon)": "us-west-2",
    "Africa (Cape Town)": "af-south-1",
    "Asia Pacific (Hong Kong)": "ap-east-1",
    "Asia Pacific (Taipei)": "ap-east-2",
    "Asia Pacific (Mumbai)": "ap-south-1",
    "Asia Pacific (Hyderabad)": "ap-south-2",
    "Asia Pacific (Tokyo)": "ap-northeast-1",
    "Asia Pacific (Seoul)": "ap-northeast-2",
    "Asia Pacific (Osaka)": "ap-northeast-3",
    "Asia Pacific (Singapore)": "ap-southeast-1",
    "Asia Pacific (Sydney)": "ap-southeast-2",
    "Asia Pacific (Jakarta)": "ap-southeast-3",
    "Asia Pacific (Melbourne)": "ap-southeast-4",
    "Asia Pacific (Malaysia)": "ap-southeast-5",
    "Asia Pacific (New Zealand)": "ap-southeast-6",
    "Asia Pacific (Thailand)": "ap-southeast-7",
    "Canada (Central)": "ca-central-1",
    "Canada West (Calgary)": "ca-west-1",
    "EU (Frankfurt)": "eu-central-1",
    "EU (Zurich)": "eu-central-2",
    "EU (Ireland)": "eu-west-1",
    "EU (London)": "eu-west-2",
    "EU (Paris)": "eu-west-3",
    "EU (Milan)": "eu-south-1",
    "EU (Spain)": "eu-south-2",
    "EU (Stockholm)": "eu-north-1",
    "Israel (Tel Aviv)": "il-central-1",
    "Middle East (Bahrain)": "me-south-1",
    "Middle East (UAE)": "me-central-1",
    "Mexico (Central)": "mx-central-1",
    "South America (Sao Paulo)": "sa-east-1",
    "South America (São Paulo)": "sa-east-1",
    "AWS GovCloud (US-East)": "us-gov-east-1",
    "AWS GovCloud (US-West)": "us-gov-west-1",
    "AWS GovCloud (US)": "us-gov-west-1",
    "China (Beijing)": "cn-north-1",
    "China (Ningxia)": "cn-northwest-1",
}
_REGION_CODE = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}", re.ASCII)
_ALARM_ARN = re.compile(r"arn:aws[a-z-]*:cloudwatch:([a-z0-9-]+):([0-9]{12}):alarm:.+", re.ASCII | re.DOTALL)

# JSON strings (closing quote optional, so an unterminated one ends the scan) and brackets.
_JSON_TOKENS = re.compile(r'"(?:[^"\\]++|\\.)*+"?|[\[\]{}]', re.DOTALL)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:[.,]([0-9]{1,9}))?"
    r"(?:([Zz])|([+-])([0-9]{2}):?([0-9]{2}))",
    re.ASCII,
)
_STATES = {state.value: state for state in AlarmState}


# ---------------------------------------------------------------------------------------------- decoding


def parse_payload(raw: bytes | bytearray | str) -> Any:
    """Decode an inbound payload: strict UTF-8, JSON, ≤ 256 KB, nesting ≤ 64 levels; else BadInput (one line).

    The limits are the SNS/EventBridge message limit and a depth no real alarm comes near; checking
    depth before parsing keeps a hostile ``[[[[…`` from ever reaching the recursive parser.
    """
    if isinstance(raw, str):
        try:
            raw = raw.encode("utf-8")
        except UnicodeEncodeError as error:
            raise BadInput(f"input is not valid UTF-8: unpaired surrogate at character {error.start}") from None
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise BadInput(f"input is larger than {MAX_PAYLOAD_BYTES // 1024} KB ({len(raw)} bytes)")
    if not raw.strip():
        raise BadInput("input is empty")
    try:
        text = bytes(raw).decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadInput(f"input is not valid UTF-8 (byte {error.start})") from None
    return _loads(text, "input")


def _loads(text: str, what: str) -> Any:
    def reject_constant(name: str) -> NoReturn:
        raise BadInput(f"{what} is not JSON: {name} is not a JSON number")

    _check_depth(text, what)
    try:
        value = json.loads(text, parse_constant=reject_constant)
    except BadInput:
        raise
    except json.JSONDecodeError as error:
        raise BadInput(f"{what} is not JSON: {error.msg} (line {error.lineno}, column {error.colno})") from None
    except ValueError:
        raise BadInput(f"{what} is not acceptable JSON: a number has too many digits") from None
    except RecursionError:
        raise BadInput(f"{what} is nested too deeply") from None
    if _SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise BadInput(f"{what} has a string with an unpaired UTF-16 surrogate escape") from None
    return value


def _check_depth(text: str, what: str) -> None:
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        char = text[match.start()]
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise BadInput(f"{what} is nested deeper than {MAX_DEPTH} levels")
        elif char in "]}":
            depth -= 1


# ---------------------------------------------------------------------------------------------- shapes


def detect_shape(payload: Any) -> str:
    """Name the inbound shape, so handlers and logs can say what arrived without normalising it.

    One of ``eventbridge``, ``sns-event``, ``sns-notification``, ``sns-subscription-confirmation``,
    ``sns-message`` (the CloudWatch message an SNS notification carries, posted bare), ``alarm-action``,
    ``alertmanager``, ``grafana``. Anything else is BadInput.
    """
    if not isinstance(payload, dict):
        raise BadInput(f"payload must be a JSON object, not {_json_type(payload)}")
    if "Records" in payload:
        records = payload["Records"]
        if not isinstance(records, list):
            raise BadInput("Records must be an array")
        for record in records:
            if not (isinstance(record, dict) and (record.get("EventSource") == "aws:sns" or "Sns" in record)):
                source = record.get("EventSource", record.get("eventSource")) if isinstance(record, dict) else None
                raise BadInput(f"unsupported Records event: only SNS records are accepted, got {_show(source)}")
        return SHAPE_SNS_EVENT
    if "detail-type" in payload:
        detail_type, source = payload.get("detail-type"), payload.get("source")
        if source != "aws.cloudwatch" or detail_type != _EVENTBRIDGE_DETAIL_TYPE:
            raise BadInput(
                f"unsupported EventBridge event: source {_show(source)}, detail-type {_show(detail_type)} "
                f"(expected aws.cloudwatch, {_EVENTBRIDGE_DETAIL_TYPE!r})"
            )
        return SHAPE_EVENTBRIDGE
    if "alarmData" in payload:
        return SHAPE_ALARM_ACTION
    sns_type = payload.get("Type")
    if sns_type == "Notification" and "Message" in payload:
        return SHAPE_SNS_NOTIFICATION
    if sns_type in ("SubscriptionConfirmation", "UnsubscribeConfirmation"):
        return SHAPE_SNS_CONFIRMATION
    if "AlarmName" in payload and "NewStateValue" in payload:
        return SHAPE_SNS_MESSAGE
    if "alerts" in payload:
        return SHAPE_GRAFANA if _looks_like_grafana(payload) else SHAPE_ALERTMANAGER
    keys = ", ".join(_show(key) for key in list(payload)[:8])
    raise BadInput(
        "unknown payload shape: expected a CloudWatch alarm (EventBridge, SNS or alarm action), an Alertmanager "
        f"or a Grafana webhook; top-level keys: {keys or 'none'}"
    )


def _looks_like_grafana(payload: dict[str, Any]) -> bool:
    # Grafana's notifier extends Alertmanager's webhook: orgId, title/state/message, and per-alert extras.
    if "orgId" in payload or ("title" in payload and "state" in payload):
        return True
    alerts = payload.get("alerts")
    grafana_keys = ("values", "valueString", "dashboardURL", "panelURL", "silenceURL")
    return isinstance(alerts, list) and any(
        isinstance(alert, dict) and any(key in alert for key in grafana_keys) for alert in alerts
    )


def alarms_from_payload(payload: Any) -> list[Alarm]:
    """Normalise any supported inbound shape into alarms; BadInput (clear, one line) for anything else.

    Downstream code (classification, the incident store) only ever sees ``Alarm``, so the same
    CloudWatch state change yields the same ``event_key`` whichever path delivered it, and a
    webhook or SNS batch yields one alarm per alert or record.
    """
    shape = detect_shape(payload)
    try:
        return _NORMALISERS[shape](payload)
    except BadInput as error:
        raise BadInput(f"{_SHAPE_LABELS[shape]}: {error}") from None


# ---------------------------------------------------------------------------------------------- typed access


class _Obj:
    """A JSON object and the path it was found at, so that every error names the field."""

    __slots__ = ("data", "path")

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise BadInput(f"{path or 'payload'} must be an object, not {_json_type(data)}")
        self.data: dict[str, Any] = data
        self.path = path

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if value is None:
            raise BadInput(f"{self.at(key)} is missing")
        if not isinstance(value, str):
            raise BadInput(f"{self.at(key)} must be a string, not {_json_type(value)}")
        if not value:
            raise BadInput(f"{self.at(key)} is empty")
        return value

    def opt_text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise BadInput(f"{self.at(key)} must be a string, not {_json_type(value)}")
        return value

    def obj(self, key: str) -> _Obj:
        if self.data.get(key) is None:
            raise BadInput(f"{self.at(key)} is missing")
        return _Obj(self.data[key], self.at(key))

    def opt_obj(self, key: str) -> _Obj | None:
        return self.obj(key) if self.has(key) else None

    def objs(self, key: str, *, required: bool = False) -> list[_Obj]:
        value = self.data.get(key)
        if value is None:
            if required:
                raise BadInput(f"{self.at(key)} is missing")
            return []
        if not isinstance(value, list):
            raise BadInput(f"{self.at(key)} must be an array, not {_json_type(value)}")
        return [_Obj(item, f"{self.at(key)}[{index}]") for index, item in enumerate(value)]

    def text_map(self, key: str) -> dict[str, str]:
        return _text_map(self.data.get(key), self.at(key))

    def state(self, key: str) -> AlarmState:
        value = self.text(key)
        if value not in _STATES:
            raise BadInput(
                f"{self.at(key)}: unknown state value {_show(value)} (expected ALARM, OK or INSUFFICIENT_DATA)"
            )
        return _STATES[value]

    def opt_state(self, key: str) -> AlarmState | None:
        return self.state(key) if self.has(key) else None

    def timestamp(self, key: str) -> datetime:
        return parse_timestamp(self.text(key), self.at(key))


def _text_map(value: Any, path: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadInput(f"{path} must be an object, not {_json_type(value)}")
    for name, item in value.items():
        if not isinstance(item, str):
            raise BadInput(f"{path}.{_show(name)} must be a string, not {_json_type(item)}")
    return dict(value)


def parse_timestamp(value: str, field: str = "timestamp") -> datetime:
    """Parse the ISO 8601 / RFC 3339 variants the sources write into an aware UTC datetime.

    CloudWatch writes ``2026-11-22T10:15:02.123+0000``, Alertmanager nanoseconds and ``Z``, Grafana
    offsets like ``+02:00``. A timestamp without a zone is refused rather than guessed.
    """
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        raise BadInput(f"{field}: bad timestamp {_show(value)} (expected ISO 8601 with a time zone)")
    year, month, day, hour, minute, second, fraction, zulu, sign, off_hours, off_minutes = match.groups()
    try:
        offset = timedelta(0)
        if not zulu:
            if int(off_hours) > 23 or int(off_minutes) > 59:
                raise ValueError("offset out of range")
            offset = timedelta(hours=int(off_hours), minutes=int(off_minutes))
            offset = -offset if sign == "-" else offset
        micro = int((fraction or "0").ljust(6, "0")[:6])
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=timezone(offset)
        )
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadInput(f"{field}: bad timestamp {_show(value)}") from None


def _build(**fields: Any) -> Alarm:
    try:
        return Alarm(**fields)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise BadInput(f"{where}: {_one_line(first['msg'])}") from None


# ---------------------------------------------------------------------------------------------- CloudWatch


def _dimensions(value: Any, path: str) -> dict[str, str]:
    """Dimensions as EventBridge writes them (an object) or as SNS does (``[{name, value}]``)."""
    if not isinstance(value, list):
        return _text_map(value, path)
    result: dict[str, str] = {}
    for index, item in enumerate(value):
        entry = _Obj(item, f"{path}[{index}]")
        name_key = "Name" if "Name" in entry.data and "name" not in entry.data else "name"
        value_key = "Value" if "Value" in entry.data and "value" not in entry.data else "value"
        name = entry.text(name_key)
        dimension = entry.opt_text(value_key)
        if dimension is None:
            raise BadInput(f"{entry.at(value_key)} is missing")
        result[name] = dimension
    return result


def _queries(entries: list[_Obj], *, pascal: bool) -> tuple[list[MetricRef], list[str]]:
    """The metrics an alarm reads and the expressions it computes, from ``metrics`` / ``Trigger.Metrics``."""
    stat_key, metric_key, name_key, namespace_key, dimensions_key, expression_key = (
        ("MetricStat", "Metric", "MetricName", "Namespace", "Dimensions", "Expression")
        if pascal
        else ("metricStat", "metric", "name", "namespace", "dimensions", "expression")
    )
    metrics: list[MetricRef] = []
    expressions: list[str] = []
    for entry in entries:
        stat = entry.opt_obj(stat_key)
        expression = entry.opt_text(expression_key)
        if stat is None and expression is None:
            raise BadInput(f"{entry.path} has neither {stat_key} nor {expression_key}")
        if expression is not None:
            expressions.append(expression)
        if stat is not None:
            metric = stat.obj(metric_key)
            ref = MetricRef(
                namespace=metric.opt_text(namespace_key),
                name=metric.text(name_key),
                dimensions=_dimensions(metric.data.get(dimensions_key), metric.at(dimensions_key)),
            )
            if ref not in metrics:
                metrics.append(ref)
    return metrics, expressions


def _kind(metrics: list[MetricRef], expressions: list[str], alarm_rule: str | None) -> AlarmKind:
    if alarm_rule is not None:
        return AlarmKind.COMPOSITE
    if any("ANOMALY_DETECTION_BAND" in expression.upper() for expression in expressions):
        return AlarmKind.ANOMALY_DETECTION
    if expressions or len(metrics) > 1:
        return AlarmKind.METRIC_MATH
    return AlarmKind.METRIC


def _triggering_from_reason_data(reason_data: str | None) -> list[str]:
    """ARNs of the children that tipped a composite alarm, from ``state.reasonData``; auxiliary, so lenient."""
    if not reason_data:
        return []
    try:
        data = _loads(reason_data, "reasonData")
    except BadInput:
        return []
    alarms = data.get("triggeringAlarms") if isinstance(data, dict) else None
    if not isinstance(alarms, list):
        return []
    return [item["arn"] for item in alarms if isinstance(item, dict) and isinstance(item.get("arn"), str)]


def _arn_parts(arn: str | None) -> tuple[str | None, str | None]:
    match = _ALARM_ARN.fullmatch(arn) if arn else None
    return (match.group(1), match.group(2)) if match else (None, None)


def _alarm_id(arn: str | None, region: str | None, account: str | None, name: str, arn_field: str) -> str:
    if arn:
        return arn
    if region and account and _REGION_CODE.fullmatch(region):
        return f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}"
    raise BadInput(f"{arn_field} (the alarm ARN) is missing")


def _console_url(region: str | None, name: str) -> str | None:
    if not region or not _REGION_CODE.fullmatch(region) or region.startswith(("cn-", "us-gov-")):
        return None
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#alarmsV2:alarm/{quote(name, safe='')}"
    )


def _from_camel(data: _Obj, *, arn: str | None, arn_field: str, region: str | None, account: str | None) -> Alarm:
    """The body EventBridge (``detail``) and the Lambda alarm action (``alarmData``) share."""
    name = data.text("alarmName")
    state = data.obj("state")
    previous = data.opt_obj("previousState")
    config = data.opt_obj("configuration")
    alarm_rule = config.opt_text("alarmRule") if config else None
    metrics, expressions = _queries(config.objs("metrics") if config else [], pascal=False)
    arn_region, arn_account = _arn_parts(arn)
    region = region or arn_region
    return _build(
        source=AlarmSource.CLOUDWATCH,
        kind=_kind(metrics, expressions, alarm_rule),
        id=_alarm_id(arn, region, account or arn_account, name, arn_field),
        name=name,
        state=state.state("value"),
        previous_state=previous.opt_state("value") if previous else None,
        changed_at=state.timestamp("timestamp"),
        reason=state.opt_text("reason"),
        description=config.opt_text("description") if config else None,
        region=region,
        account=account or arn_account,
        metrics=metrics,
        alarm_rule=alarm_rule,
        triggering_alarms=_triggering_from_reason_data(state.opt_text("reasonData")) if alarm_rule else [],
        url=_console_url(region, name),
    )


def _from_eventbridge(payload: Any) -> list[Alarm]:
    event = _Obj(payload, "")
    resources = event.data.get("resources")
    arn = None
    if isinstance(resources, list) and resources:
        arn = _require_text(resources[0], "resources[0]")
    return [
        _from_camel(
            event.obj("detail"),
            arn=arn,
            arn_field="resources[0]",
            region=event.opt_text("region"),
            account=event.opt_text("account"),
        )
    ]


def _from_alarm_action(payload: Any) -> list[Alarm]:
    action = _Obj(payload, "")
    source = action.opt_text("source")
    if source is not None and source != "aws.cloudwatch":
        raise BadInput(f"source is {_show(source)}, expected aws.cloudwatch")
    return [
        _from_camel(
            action.obj("alarmData"),
            arn=action.opt_text("alarmArn") or None,
            arn_field="alarmArn",
            region=action.opt_text("region"),
            account=action.opt_text("accountId"),
        )
    ]


def _from_sns_message(payload: Any, path: str = "") -> list[Alarm]:
    """The CloudWatch message inside an SNS notification (PascalCase, ``Region`` as a display name)."""
    message = _Obj(payload, path)
    name = message.text("AlarmName")
    arn = message.opt_text("AlarmArn") or None
    arn_region, arn_account = _arn_parts(arn)
    display_region = message.opt_text("Region")
    region = _REGION_NAMES.get(display_region.replace("Europe (", "EU (")) if display_region else None
    if region is None and display_region and _REGION_CODE.fullmatch(display_region):
        region = display_region
    region = region or arn_region or display_region or None
    account = message.opt_text("AWSAccountId") or arn_account
    alarm_rule = message.opt_text("AlarmRule")
    trigger = message.opt_obj("Trigger")
    metrics: list[MetricRef] = []
    expressions: list[str] = []
    if trigger is not None and trigger.has("Metrics"):
        metrics, expressions = _queries(trigger.objs("Metrics"), pascal=True)
    elif trigger is not None and trigger.has("MetricName"):
        metrics = [
            MetricRef(
                namespace=trigger.opt_text("Namespace"),
                name=trigger.text("MetricName"),
                dimensions=_dimensions(trigger.data.get("Dimensions"), trigger.at("Dimensions")),
            )
        ]
    return [
        _build(
            source=AlarmSource.CLOUDWATCH,
            kind=_kind(metrics, expressions, alarm_rule),
            id=_alarm_id(arn, region, account, name, message.at("AlarmArn")),
            name=name,
            state=message.state("NewStateValue"),
            previous_state=message.opt_state("OldStateValue"),
            changed_at=message.timestamp("StateChangeTime"),
            reason=message.opt_text("NewStateReason"),
            description=message.opt_text("AlarmDescription"),
            region=region,
            account=account,
            metrics=metrics,
            alarm_rule=alarm_rule,
            triggering_alarms=_triggering_children(message) if alarm_rule is not None else [],
            url=_console_url(region, name),
        )
    ]


def _triggering_children(message: _Obj) -> list[str]:
    value = message.data.get("TriggeringChildren")
    if not isinstance(value, list):
        return []
    arns: list[str] = []
    for child in value:
        arn = child.get("Arn") if isinstance(child, dict) else child
        if isinstance(arn, str) and arn:
            arns.append(arn)
    return arns


def _from_sns_body(message: Any, path: str) -> list[Alarm]:
    """What an SNS message carries: usually the CloudWatch message, possibly another supported shape."""
    inner = _loads(_require_text(message, path), path)
    try:
        shape = detect_shape(inner)
    except BadInput as error:
        raise BadInput(f"{path}: {error}") from None
    if shape in (SHAPE_SNS_EVENT, SHAPE_SNS_NOTIFICATION, SHAPE_SNS_CONFIRMATION):
        raise BadInput(f"{path} wraps another SNS envelope")
    if shape == SHAPE_SNS_MESSAGE:
        return _from_sns_message(inner, path)
    try:
        return _NORMALISERS[shape](inner)
    except BadInput as error:
        raise BadInput(f"{path}: {_SHAPE_LABELS[shape]}: {error}") from None


def _from_sns_event(payload: Any) -> list[Alarm]:
    records = _Obj(payload, "").objs("Records", required=True)
    if not records:
        raise BadInput("Records is empty")
    alarms: list[Alarm] = []
    for record in records:
        sns = record.obj("Sns")
        alarms.extend(_from_sns_body(sns.data.get("Message"), sns.at("Message")))
    return alarms


def _from_sns_notification(payload: Any) -> list[Alarm]:
    return _from_sns_body(_Obj(payload, "").data.get("Message"), "Message")


def _from_sns_confirmation(payload: Any) -> list[Alarm]:
    raise BadInput("a subscription (un)confirmation carries no alarm; confirm it through its SubscribeURL")


# ---------------------------------------------------------------------------------------------- webhooks


_GRAFANA_LINKS = (
    ("dashboardURL", "dashboard"),
    ("panelURL", "panel"),
    ("silenceURL", "silence"),
    ("imageURL", "image"),
)


def _from_alertmanager(payload: Any) -> list[Alarm]:
    return _from_webhook(payload, AlarmSource.ALERTMANAGER)


def _from_grafana(payload: Any) -> list[Alarm]:
    return _from_webhook(payload, AlarmSource.GRAFANA)


def _from_webhook(payload: Any, source: AlarmSource) -> list[Alarm]:
    """Alertmanager's webhook (version 4) and Grafana's, which extends it: one alarm per alert."""
    hook = _Obj(payload, "")
    alerts = hook.objs("alerts", required=True)
    if not alerts:
        raise BadInput("alerts is empty")
    group_status = hook.opt_text("status")
    external_url = hook.opt_text("externalURL")
    return [_from_alert(alert, source, group_status, external_url) for alert in alerts]


def _from_alert(alert: _Obj, source: AlarmSource, group_status: str | None, external_url: str | None) -> Alarm:
    labels = alert.text_map("labels")
    annotations = alert.text_map("annotations")
    name = labels.get("alertname")
    if not name:
        raise BadInput(f"{alert.at('labels')}.alertname is missing")
    status = alert.opt_text("status") or group_status
    previous: AlarmState | None = None
    if status == "firing":
        state, changed_at = AlarmState.ALARM, alert.timestamp("startsAt")
        if source == AlarmSource.GRAFANA and name == "DatasourceNoData":
            state = AlarmState.INSUFFICIENT_DATA
    elif status == "resolved":
        state, previous, changed_at = AlarmState.OK, AlarmState.ALARM, alert.timestamp("endsAt")
    else:
        raise BadInput(f"{alert.at('status')}: unknown status {_show(status)} (expected firing or resolved)")
    links = {label: url for key, label in _GRAFANA_LINKS if (url := alert.opt_text(key))}
    if external_url:
        links[source.value] = external_url
    return _build(
        source=source,
        kind=AlarmKind.GRAFANA if source == AlarmSource.GRAFANA else AlarmKind.PROMETHEUS,
        id=alert.opt_text("fingerprint") or _labels_hash(labels),
        name=name,
        state=state,
        previous_state=previous,
        changed_at=changed_at,
        reason=annotations.get("summary") or alert.opt_text("valueString") or None,
        description=annotations.get("description"),
        labels=labels,
        annotations=annotations,
        url=alert.opt_text("generatorURL") or None,
        links=links,
        values=_values(alert.data.get("values")),
    )


def _values(value: Any) -> dict[str, float]:
    """Grafana's evaluated values; auxiliary, so anything that is not a number is left out."""
    if not isinstance(value, dict):
        return {}
    return {
        key: float(item) for key, item in value.items() if isinstance(item, int | float) and not isinstance(item, bool)
    }


def _labels_hash(labels: dict[str, str]) -> str:
    canonical = json.dumps(sorted(labels.items()), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------- helpers


_NORMALISERS = {
    SHAPE_EVENTBRIDGE: _from_eventbridge,
    SHAPE_SNS_EVENT: _from_sns_event,
    SHAPE_SNS_NOTIFICATION: _from_sns_notification,
    SHAPE_SNS_CONFIRMATION: _from_sns_confirmation,
    SHAPE_SNS_MESSAGE: _from_sns_message,
    SHAPE_ALARM_ACTION: _from_alarm_action,
    SHAPE_ALERTMANAGER: _from_alertmanager,
    SHAPE_GRAFANA: _from_grafana,
}


def _require_text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise BadInput(f"{path} must be a string, not {_json_type(value)}")
    if not value:
        raise BadInput(f"{path} is empty")
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _show(value: Any) -> str:
    """A payload value fit for a one-line message: JSON-quoted (no raw newlines), ASCII, short."""
    if value is None or isinstance(value, str | int | float | bool):
        shown = json.dumps(value, ensure_ascii=True)
        return shown if len(shown) <= 80 else shown[:77] + "..."
    return _json_type(value)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]
