"""CloudWatch alarms → :class:`~incident_comms.alarms.Alarm`, whichever of its three ways one reaches us.

CloudWatch reaches us as an EventBridge event (:func:`from_eventbridge`), as the message an SNS notification
carries (:func:`from_sns_message`; the SNS envelope itself is unwrapped by :mod:`incident_comms.intake.payloads`,
since it may carry any shape) and as a direct Lambda alarm action (:func:`from_alarm_action`). All three give the
same ``Alarm`` for the same state change: the alarm ARN is its id (built from region and account when a path
omits it), the SNS message's region display name becomes its code, and the kind (metric, metric math, anomaly
detection, composite with the children that tipped it) comes from the alarm's configuration.

Strict like every family: any problem is a :class:`~incident_comms.errors.BadInput` naming the field; only
auxiliary data (a composite's ``reasonData``) is read leniently. Pure: no boto3.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from incident_comms.alarms import Alarm, AlarmKind, AlarmSource, MetricRef
from incident_comms.errors import BadInput
from incident_comms.intake.common import Obj, build, loads, require_text, show, text_map

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
    # Older alarms (no AlarmArn in their SNS message) wrote the region's earlier display names.
    "US (Virginia)": "us-east-1",
    "US Standard": "us-east-1",
    "US (Ohio)": "us-east-2",
    "US (N. California)": "us-west-1",
    "US (Oregon)": "us-west-2",
    "EU - Ireland": "eu-west-1",
    "EU (Ireland) Region": "eu-west-1",
}
_REGION_CODE = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}", re.ASCII)
_ALARM_ARN = re.compile(r"arn:aws[a-z-]*:cloudwatch:([a-z0-9-]+):([0-9]{12}):alarm:.+", re.ASCII | re.DOTALL)


def _dimensions(value: Any, path: str) -> dict[str, str]:
    """Dimensions as EventBridge writes them (an object) or as SNS does (``[{name, value}]``)."""
    if not isinstance(value, list):
        return text_map(value, path)
    result: dict[str, str] = {}
    for index, item in enumerate(value):
        entry = Obj(item, f"{path}[{index}]")
        name_key = "Name" if "Name" in entry.data and "name" not in entry.data else "name"
        value_key = "Value" if "Value" in entry.data and "value" not in entry.data else "value"
        name = entry.text(name_key)
        dimension = entry.opt_text(value_key)
        if dimension is None:
            raise BadInput(f"{entry.at(value_key)} is missing")
        result[name] = dimension
    return result


def _queries(entries: list[Obj], *, pascal: bool) -> tuple[list[MetricRef], list[str]]:
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
        data = loads(reason_data, "reasonData")
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
    if region and account:
        # Same form as an ARN-derived id, so one alarm seen with and without its ARN is one alarm; a region
        # we cannot map stays as given rather than losing the alarm.
        return f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}"
    raise BadInput(f"{arn_field} (the alarm ARN) is missing")


def _console_url(region: str | None, name: str) -> str | None:
    if not region or not _REGION_CODE.fullmatch(region) or region.startswith(("cn-", "us-gov-")):
        return None
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#alarmsV2:alarm/{quote(name, safe='')}"
    )


def _from_camel(data: Obj, *, arn: str | None, arn_field: str, region: str | None, account: str | None) -> Alarm:
    """The body EventBridge (``detail``) and the Lambda alarm action (``alarmData``) share."""
    name = data.text("alarmName")
    state = data.obj("state")
    previous = data.opt_obj("previousState")
    config = data.opt_obj("configuration")
    alarm_rule = config.opt_text("alarmRule") if config else None
    metrics, expressions = _queries(config.objs("metrics") if config else [], pascal=False)
    arn_region, arn_account = _arn_parts(arn)
    region = region or arn_region
    return build(
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


def from_eventbridge(payload: Any) -> list[Alarm]:
    event = Obj(payload, "")
    resources = event.data.get("resources")
    arn = None
    if isinstance(resources, list) and resources:
        arn = require_text(resources[0], "resources[0]")
    return [
        _from_camel(
            event.obj("detail"),
            arn=arn,
            arn_field="resources[0]",
            region=event.opt_text("region"),
            account=event.opt_text("account"),
        )
    ]


def from_alarm_action(payload: Any) -> list[Alarm]:
    action = Obj(payload, "")
    source = action.opt_text("source")
    if source is not None and source != "aws.cloudwatch":
        raise BadInput(f"source is {show(source)}, expected aws.cloudwatch")
    return [
        _from_camel(
            action.obj("alarmData"),
            arn=action.opt_text("alarmArn") or None,
            arn_field="alarmArn",
            region=action.opt_text("region"),
            account=action.opt_text("accountId"),
        )
    ]


def from_sns_message(payload: Any, path: str = "") -> list[Alarm]:
    """The CloudWatch message inside an SNS notification (PascalCase, ``Region`` as a display name)."""
    message = Obj(payload, path)
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
        build(
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


def _triggering_children(message: Obj) -> list[str]:
    value = message.data.get("TriggeringChildren")
    if not isinstance(value, list):
        return []
    arns: list[str] = []
    for child in value:
        arn = child.get("Arn") if isinstance(child, dict) else child
        if isinstance(arn, str) and arn:
            arns.append(arn)
    return arns
