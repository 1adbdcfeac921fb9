"""Which function an inbound payload reaches, read from template.yaml exactly as AWS wires it.

EventBridge rules match with EventBridge pattern semantics (moto's implementation of them), SNS
subscriptions go by topic, HTTP API routes by method and path, alarm actions by the Lambda permission
that lets CloudWatch alarms invoke a function. A function or route added to the template routes here
with no other change.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from incident_comms.errors import BadInput
from incident_comms.intake.payloads import (
    SHAPE_ALARM_ACTION,
    SHAPE_ALERTMANAGER,
    SHAPE_GRAFANA,
    SHAPE_SNS_EVENT,
    SHAPE_SNS_MESSAGE,
    SHAPE_SNS_NOTIFICATION,
    detect_shape,
)
from incident_comms.local.aws import ACCOUNT_ID
from incident_comms.local.cfn import Intrinsics, resources_of_type
from incident_comms.local.functions import LocalFunction

ALARM_ACTION_PRINCIPAL = "lambda.alarms.cloudwatch.amazonaws.com"
WEBHOOK_SHAPES = {SHAPE_ALERTMANAGER, SHAPE_GRAFANA}


@dataclass(frozen=True)
class Delivery:
    """One invocation the payload causes: which function, through what, with which event."""

    function: LocalFunction
    via: str
    event: Any


@dataclass(frozen=True)
class EventRule:
    name: str
    pattern: dict[str, Any]
    matcher: Any
    function: LocalFunction


@dataclass(frozen=True)
class HttpRoute:
    method: str
    path: str
    function: LocalFunction

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        """The template's path with ``{name}`` (and greedy ``{name+}``) turned into named groups."""
        escaped = re.escape(self.path)
        greedy = re.sub(r"\\\{(\w+)\\\+\\\}", r"(?P<\1>.+)", escaped)
        return re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", greedy))

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.method not in ("ANY", method):
            return None
        found = self._pattern.fullmatch(path)
        return found.groupdict() if found else None


_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class PeriodicSource:
    """A ``Schedule``/``ScheduleV2`` event of the template with a ``rate(...)``: due at every multiple of its period
    (counted from the epoch)."""

    name: str
    period: timedelta
    function: LocalFunction

    def ticks(self, after: datetime, until: datetime) -> tuple[datetime, int] | None:
        """The last multiple of the period in ``(after, until]`` and how many there are; None when there is none."""
        first, last = (after - EPOCH) // self.period, (until - EPOCH) // self.period
        return (EPOCH + last * self.period, last - first) if last > first else None

    def event(self, now: datetime) -> dict[str, Any]:
        """The event EventBridge sends a scheduled rule's target."""
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT_ID,
            "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "resources": [],
            "detail": {},
        }


def rate_period(expression: str) -> timedelta | None:
    """The period of ``rate(5 minutes)``; None for ``cron(...)`` and anything else."""
    found = _RATE.fullmatch(expression.strip())
    if found is None:
        return None
    unit = found.group(2).rstrip("s")
    return timedelta(**{f"{unit}s": int(found.group(1))})


@dataclass(frozen=True)
class QueueSource:
    """An SQS event source mapping of the template: the queue, the function it feeds and its batch size."""

    queue_arn: str
    function: LocalFunction
    batch_size: int = 10


class Router:
    def __init__(self, template: dict[str, Any], functions: dict[str, LocalFunction], intrinsics: Intrinsics) -> None:
        from moto.events.models import EventPattern

        self.queues: list[QueueSource] = []
        self.rules: list[EventRule] = []
        self.topics: dict[str, list[LocalFunction]] = {}
        self.http: list[HttpRoute] = []
        self.periodic: list[PeriodicSource] = []
        for function in functions.values():
            for name, event in function.events.items():
                properties = event.get("Properties", {})
                kind = event.get("Type")
                if kind in ("EventBridgeRule", "CloudWatchEvent"):
                    pattern = properties.get("Pattern", {})
                    matcher = EventPattern.load(json.dumps(pattern))
                    self.rules.append(EventRule(f"EventBridge rule {name}", pattern, matcher, function))
                elif kind == "SNS":
                    topic = intrinsics.resolve(properties["Topic"])
                    self.topics.setdefault(topic, []).append(function)
                elif kind == "SQS":
                    arn = intrinsics.resolve(properties["Queue"])
                    self.queues.append(QueueSource(arn, function, int(properties.get("BatchSize", 10))))
                elif kind in ("Schedule", "ScheduleV2"):
                    expression = str(properties.get("Schedule") or properties.get("ScheduleExpression") or "")
                    period = rate_period(expression)
                    if period is not None:
                        self.periodic.append(PeriodicSource(f"schedule {name} {expression}", period, function))
                elif kind == "HttpApi":
                    method = str(properties.get("Method", "ANY")).upper()
                    self.http.append(HttpRoute(method, properties.get("Path", "/"), function))
        self.ses_event_topics = {
            intrinsics.resolve(topic)
            for properties in resources_of_type(template, "AWS::SES::ConfigurationSetEventDestination").values()
            for topic in [properties.get("EventDestination", {}).get("SnsDestination", {}).get("TopicARN")]
            if topic is not None
        }
        """SNS topics SES publishes email events to (configuration set event destinations)."""
        by_arn = {function.arn: function for function in functions.values()}
        by_name = {function.name: function for function in functions.values()}
        self.alarm_actions = [
            by_arn.get(target) or by_name[target]
            for properties in resources_of_type(template, "AWS::Lambda::Permission").values()
            if properties.get("Principal") == ALARM_ACTION_PRINCIPAL
            for target in [intrinsics.resolve(properties["FunctionName"])]
        ]

    def route(self, payload: Any, webhook_headers: dict[str, str] | None = None) -> list[Delivery]:
        """The invocations AWS would make for this payload; BadInput when nothing in the template takes it.

        Webhooks go to the template's POST route with ``webhook``  in its path, with ``webhook_headers`` (the
        bearer token a configured Alertmanager or Grafana would send).
        """
        if isinstance(payload, dict) and "detail-type" in payload and "source" in payload:
            return self._eventbridge(payload)
        if _is_ses_event(payload):  # posted bare, as events/ses/ holds them: SES publishes it to its topic
            return self.sns_deliveries({"Type": "Notification", "Message": json.dumps(payload)})
        shape = detect_shape(payload)
        if shape == SHAPE_SNS_EVENT:
            return [d for record in payload["Records"] for d in self.sns_deliveries(record["Sns"])]
        if shape == SHAPE_SNS_NOTIFICATION:
            return self.sns_deliveries(payload)
        if shape == SHAPE_SNS_MESSAGE:
            return self.sns_deliveries({"Type": "Notification", "Message": json.dumps(payload), "Subject": "ALARM"})
        if shape == SHAPE_ALARM_ACTION:
            return [Delivery(function, "CloudWatch alarm action", payload) for function in self.alarm_actions]
        if shape in WEBHOOK_SHAPES:
            route = next((r for r in self.http if r.method == "POST" and "webhook" in r.path), None)
            if route is None:
                raise BadInput(f"no HTTP API route in the template takes a {shape} webhook")
            headers = {"content-type": "application/json", **(webhook_headers or {})}
            event = http_event(route, "POST", route.path, payload, headers=headers)
            return [Delivery(route.function, f"HTTP API {route.route_key}", event)]
        raise BadInput(f"no function in the template takes a {shape} payload")

    def _eventbridge(self, event: dict[str, Any]) -> list[Delivery]:
        complete = {"version": "0", "id": str(uuid.uuid4()), "account": ACCOUNT_ID, "resources": [], **event}
        deliveries = [Delivery(r.function, r.name, complete) for r in self.rules if r.matcher.matches_event(complete)]
        if not deliveries:
            raise BadInput("no EventBridge rule in the template matches this event")
        return deliveries

    def sns_deliveries(self, notification: dict[str, Any]) -> list[Delivery]:
        topic = notification.get("TopicArn")
        if topic not in self.topics:  # a sample's made-up ARN: the topic that takes what it carries
            carries_ses_event = _is_ses_event(_json_or_none(notification.get("Message")))
            candidates = [t for t in self.topics if (t in self.ses_event_topics) == carries_ses_event]
            if len(candidates) != 1:
                raise BadInput(f"no SNS subscription in the template for topic {topic!r}")
            topic = candidates[0]
        message = {
            "Type": "Notification",
            "MessageId": str(uuid.uuid4()),
            "Subject": None,
            "Timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "SignatureVersion": "1",
            "Signature": "",
            "SigningCertUrl": "",
            "UnsubscribeUrl": "",
            "MessageAttributes": {},
            **{k: v for k, v in notification.items() if k not in ("SigningCertURL", "UnsubscribeURL")},
            "TopicArn": topic,
        }
        record = {
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": f"{topic}:local",
            "Sns": message,
        }
        return [
            Delivery(fn, f"SNS topic {topic.rsplit(':', 1)[-1]}", {"Records": [record]}) for fn in self.topics[topic]
        ]

    def http_route(self, method: str, path: str) -> tuple[HttpRoute, dict[str, str]] | None:
        for route in self.http:
            parameters = route.match(method, path)
            if parameters is not None:
                return route, parameters
        return None


def _is_ses_event(payload: Any) -> bool:
    """An SES email event notification (what a configuration set's event destination publishes)."""
    return isinstance(payload, dict) and "mail" in payload and ("eventType" in payload or "notificationType" in payload)


def _json_or_none(text: Any) -> Any:
    try:
        return json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None


def http_event(
    route: HttpRoute,
    method: str,
    path: str,
    body: Any,
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
    parameters: dict[str, str] | None = None,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload format 2.0) event, as the deployed API would send it."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    try:
        text, encoded = raw.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(raw).decode(), True
    now = datetime.now(UTC)
    lowered = {key.lower(): value for key, value in (headers or {"content-type": "application/json"}).items()}
    return {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": lowered,
        "queryStringParameters": _query(query),
        "pathParameters": parameters or {},
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "domainName": lowered.get("host", "127.0.0.1"),
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route.route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "body": text,
        "isBase64Encoded": encoded,
    }


def _query(query: str) -> dict[str, str] | None:
    from urllib.parse import parse_qsl

    pairs = parse_qsl(query, keep_blank_values=True)
    return dict(pairs) or None
