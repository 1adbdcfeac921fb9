"""Inbound payloads → :class:`~incident_comms.alarms.Alarm`: decode, recognise the shape, hand it to its family.

Every monitoring source speaks its own dialect: CloudWatch alone reaches us three ways (an EventBridge
event, an SNS message wrapped in a Lambda event or an HTTP notification, a direct Lambda alarm action),
then Prometheus Alertmanager and Grafana post webhooks. This module is the one place that tells those
shapes apart and unwraps SNS envelopes (which may carry any of them); each family's module
(:mod:`~incident_comms.intake.cloudwatch`, :mod:`~incident_comms.intake.alertmanager`,
:mod:`~incident_comms.intake.grafana`) reads its own, and everything downstream sees ``Alarm``.

Input is untrusted and arrives from the network, so decoding is strict and bounded (size, nesting,
encoding), and any problem is a :class:`~incident_comms.errors.BadInput` with a one-line reason.
Pure: no boto3, no Powertools, cheap to import.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from incident_comms.alarms import Alarm
from incident_comms.errors import BadInput
from incident_comms.intake.alertmanager import from_alertmanager
from incident_comms.intake.cloudwatch import from_alarm_action, from_eventbridge, from_sns_message
from incident_comms.intake.common import Obj, ReadAlarms, Rejection, json_type, loads, require_text, show
from incident_comms.intake.grafana import from_grafana, looks_like_grafana

MAX_PAYLOAD_BYTES = 256 * 1024

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


# ---------------------------------------------------------------------------------------------- decoding


def parse_payload(raw: bytes | bytearray | str, *, limit: int = MAX_PAYLOAD_BYTES) -> Any:
    """Decode an inbound payload: strict UTF-8, JSON, ≤ ``limit`` bytes (256 KB unless a webhook says more), nesting
    ≤ 64 levels; else BadInput (one line).

    The limits are the SNS/EventBridge message limit and a depth no real alarm comes near; checking
    depth before parsing keeps a hostile ``[[[[…`` from ever reaching the recursive parser.
    """
    if isinstance(raw, str):
        try:
            raw = raw.encode("utf-8")
        except UnicodeEncodeError as error:
            raise BadInput(f"input is not valid UTF-8: unpaired surrogate at character {error.start}") from None
    if len(raw) > limit:
        raise BadInput(f"input is larger than {limit // 1024} KB ({len(raw)} bytes)")
    if not raw.strip():
        raise BadInput("input is empty")
    try:
        text = bytes(raw).decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadInput(f"input is not valid UTF-8 (byte {error.start})") from None
    return loads(text, "input")


# ---------------------------------------------------------------------------------------------- shapes


def detect_shape(payload: Any) -> str:
    """Name the inbound shape, so handlers and logs can say what arrived without normalising it.

    One of ``eventbridge``, ``sns-event``, ``sns-notification``, ``sns-subscription-confirmation``,
    ``sns-message`` (the CloudWatch message an SNS notification carries, posted bare), ``alarm-action``,
    ``alertmanager``, ``grafana``. Anything else is BadInput.
    """
    if not isinstance(payload, dict):
        raise BadInput(f"payload must be a JSON object, not {json_type(payload)}")
    if "Records" in payload:
        records = payload["Records"]
        if not isinstance(records, list):
            raise BadInput("Records must be an array")
        for record in records:
            if not (isinstance(record, dict) and (record.get("EventSource") == "aws:sns" or "Sns" in record)):
                source = record.get("EventSource", record.get("eventSource")) if isinstance(record, dict) else None
                raise BadInput(f"unsupported Records event: only SNS records are accepted, got {show(source)}")
        return SHAPE_SNS_EVENT
    if "detail-type" in payload:
        detail_type, source = payload.get("detail-type"), payload.get("source")
        if source != "aws.cloudwatch" or detail_type != _EVENTBRIDGE_DETAIL_TYPE:
            raise BadInput(
                f"unsupported EventBridge event: source {show(source)}, detail-type {show(detail_type)} "
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
        return SHAPE_GRAFANA if looks_like_grafana(payload) else SHAPE_ALERTMANAGER
    keys = ", ".join(show(key) for key in list(payload)[:8])
    raise BadInput(
        "unknown payload shape: expected a CloudWatch alarm (EventBridge, SNS or alarm action), an Alertmanager "
        f"or a Grafana webhook; top-level keys: {keys or 'none'}"
    )


def read_alarms(payload: Any, now: datetime) -> ReadAlarms:
    """Normalise any supported inbound shape into alarms, each alert of a group that cannot be read rejected alone
    (its position and reason in ``rejected``); BadInput (clear, one line) for a payload that is none of them.

    Downstream code (classification, the incident store) only ever sees ``Alarm``, so the same
    CloudWatch state change yields the same ``event_key`` whichever path delivered it, and a
    webhook or SNS batch yields one alarm per alert or record. ``now`` is when the payload was received: what a
    resolved alert without an end time is dated.
    """
    shape = detect_shape(payload)
    try:
        read = _NORMALISERS[shape](payload, now)
    except BadInput as error:
        raise BadInput(f"{_SHAPE_LABELS[shape]}: {error}") from None
    return _labelled(read, shape)


def _labelled(read: ReadAlarms, shape: str, at: str = "") -> ReadAlarms:
    """Each rejection told as the whole payload's would be: the shape's label first, the position from the top."""
    rejected = [Rejection(at + item.position, f"{_SHAPE_LABELS[shape]}: {item.reason}") for item in read.rejected]
    return ReadAlarms(read.alarms, rejected)


def alarms_from_payload(payload: Any, now: datetime) -> list[Alarm]:
    """Every alarm of the payload, or BadInput for the first alert that cannot be read: for callers that take a
    payload whole (tests, tools), where :func:`read_alarms` takes what it can."""
    read = read_alarms(payload, now)
    if read.rejected:
        raise BadInput(f"{read.rejected[0].position}: {read.rejected[0].reason}")
    return read.alarms


# ---------------------------------------------------------------------------------------------- SNS envelopes


def _from_sns_body(message: Any, path: str, now: datetime) -> ReadAlarms:
    """What an SNS message carries: usually the CloudWatch message, possibly another supported shape."""
    inner = loads(require_text(message, path), path)
    try:
        shape = detect_shape(inner)
    except BadInput as error:
        raise BadInput(f"{path}: {error}") from None
    if shape in (SHAPE_SNS_EVENT, SHAPE_SNS_NOTIFICATION, SHAPE_SNS_CONFIRMATION):
        raise BadInput(f"{path} wraps another SNS envelope")
    if shape == SHAPE_SNS_MESSAGE:
        return ReadAlarms(from_sns_message(inner, path))
    try:
        read = _NORMALISERS[shape](inner, now)
    except BadInput as error:
        raise BadInput(f"{path}: {_SHAPE_LABELS[shape]}: {error}") from None
    return _labelled(read, shape, f"{path}.")


def _from_sns_event(payload: Any, now: datetime) -> ReadAlarms:
    """Every record's alarms; a record that cannot be read rejects the event (ingest splits records beforehand)."""
    records = Obj(payload, "").objs("Records", required=True)
    if not records:
        raise BadInput("Records is empty")
    read = ReadAlarms()
    for record in records:
        sns = record.obj("Sns")
        read += _from_sns_body(sns.data.get("Message"), sns.at("Message"), now)
    return read


def _from_sns_notification(payload: Any, now: datetime) -> ReadAlarms:
    return _from_sns_body(Obj(payload, "").data.get("Message"), "Message", now)


def _from_sns_confirmation(payload: Any, now: datetime) -> ReadAlarms:
    raise BadInput("a subscription (un)confirmation carries no alarm; confirm it through its SubscribeURL")


def _whole(read: Callable[[Any], list[Alarm]]) -> Callable[[Any, datetime], ReadAlarms]:
    """A CloudWatch reader: one alarm per payload, so the payload is read whole or not at all."""
    return lambda payload, _now: ReadAlarms(read(payload))


_NORMALISERS: dict[str, Callable[[Any, datetime], ReadAlarms]] = {
    SHAPE_EVENTBRIDGE: _whole(from_eventbridge),
    SHAPE_SNS_EVENT: _from_sns_event,
    SHAPE_SNS_NOTIFICATION: _from_sns_notification,
    SHAPE_SNS_CONFIRMATION: _from_sns_confirmation,
    SHAPE_SNS_MESSAGE: _whole(from_sns_message),
    SHAPE_ALARM_ACTION: _whole(from_alarm_action),
    SHAPE_ALERTMANAGER: from_alertmanager,
    SHAPE_GRAFANA: from_grafana,
}
