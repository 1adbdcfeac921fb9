"""What monitoring really sends, written from the public formats (not copied from ``events/``), and how it reaches
the local stack: Alertmanager's webhook with its bearer token on the template's ``POST /webhooks/alerts`` route,
CloudWatch alarm changes on EventBridge and through SNS (``POST /local/events``, routed as AWS routes them).

- Alertmanager: ``<webhook_config>`` payload, ``"version": "4"``, one group of alerts sharing ``groupLabels``;
  ``endsAt`` is ``0001-01-01T00:00:00Z`` (Go's zero time) while an alert fires, and some senders leave it so on
  resolve too.
- CloudWatch on EventBridge: ``detail-type: CloudWatch Alarm State Change``, ``state.timestamp`` as
  ``2026-11-25T09:58:00.123+0000``.
- CloudWatch through SNS: the Lambda SNS event (``Records[].Sns.Message`` a JSON string) carrying the alarm
  notification; older alarms' messages have no ``AlarmArn``, a region display name (``US East (N. Virginia)``) and
  the old ``TreatMissingData`` quirk (``"- TreatMissingData:                    missing"``).
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta
from typing import Any

from tests.e2e.conftest import Answer, RunningStack

ACCOUNT = "210987654321"
ZERO_TIME = "0001-01-01T00:00:00Z"
SIGNATURE = (
    "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10H"
    "s3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q="
)
API_GATEWAY_SECONDS = 29
"""API Gateway's integration timeout: an answer later than this never reaches Alertmanager."""


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def cloudwatch_time(at: datetime) -> str:
    """CloudWatch's own format: milliseconds and ``+0000``."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}+0000"


def fingerprint(labels: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------------------------
# Alertmanager
# ---------------------------------------------------------------------------------------------------------------


def alert(
    labels: dict[str, str],
    *,
    starts_at: datetime,
    status: str = "firing",
    ends_at: str = ZERO_TIME,
    summary: str = "Billing workers are not answering",
) -> dict[str, Any]:
    query = "up%7Bjob%3D%22billing-worker%22%7D+%3D%3D+0"
    return {
        "status": status,
        "labels": labels,
        "annotations": {
            "summary": summary,
            "description": f"{labels.get('instance', 'a target')} has been down for more than 2 minutes.",
            "runbook_url": "https://runbooks.nubeteca.example/billing/worker-down",
        },
        "startsAt": iso(starts_at),
        "endsAt": ends_at,
        "generatorURL": f"http://prometheus-0.monitoring.svc:9090/graph?g0.expr={query}&g0.tab=1",
        "fingerprint": fingerprint(labels),
    }


def billing_labels(alertname: str, instance: str, severity: str = "critical") -> dict[str, str]:
    return {
        "alertname": alertname,
        "env": "prod",
        "instance": instance,
        "job": "billing-worker",
        "namespace": "billing",
        "prometheus": "monitoring/k8s",
        "service": "billing",
        "severity": severity,
    }


def alertmanager_group(alerts: list[dict[str, Any]], group_labels: dict[str, str]) -> dict[str, Any]:
    common = {k: v for k, v in alerts[0]["labels"].items() if all(a["labels"].get(k) == v for a in alerts)}
    firing = any(a["status"] == "firing" for a in alerts)
    group_key = '{}/{service="billing"}:{' + ",".join(f'{k}="{v}"' for k, v in sorted(group_labels.items())) + "}"
    return {
        "receiver": "incident-comms",
        "status": "firing" if firing else "resolved",
        "alerts": alerts,
        "groupLabels": group_labels,
        "commonLabels": common,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager-0.monitoring.svc:9093",
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
    }


def worker_alerts(alertname: str, count: int, starts_at: datetime) -> list[dict[str, Any]]:
    """``count`` alerts of one rule, one per billing worker, as one Alertmanager group (grouped by alertname)."""
    return [
        alert(billing_labels(alertname, f"billing-worker-{n:04d}.billing.svc:9100"), starts_at=starts_at)
        for n in range(count)
    ]


def webhook_token(stack: RunningStack) -> str:
    """The bearer token Alertmanager is configured with: the stack's webhook-token SecureString parameter, read as an
    operator would."""
    import boto3

    aws = stack.request("GET", "/local/aws").json()
    ssm = boto3.client(
        "ssm",
        endpoint_url=aws["endpoint"],
        region_name=aws["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    (name,) = [name for name in aws["resources"]["SecureParameters"].split(",") if name.endswith("/webhook-token")]
    return str(ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])


def post_webhook(
    stack: RunningStack, body: bytes | dict[str, Any], token: str, seconds: float = API_GATEWAY_SECONDS
) -> Answer | None:
    """POST to the alert webhook as Alertmanager does; None when no answer came within ``seconds``."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        stack.url + "/webhooks/alerts",
        data=data,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Alertmanager/0.27.0",
            "Authorization": f"Bearer {token}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=seconds) as response:
            return Answer(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read(), dict(error.headers))
    except TimeoutError:
        return None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            return None
        if isinstance(error.reason, ConnectionError):  # answered (and closed) before the whole body was read
            return Answer(0, f"connection closed while sending: {error.reason}".encode(), {})
        raise
    except ConnectionError as error:
        return Answer(0, f"connection closed while sending: {error}".encode(), {})


# ---------------------------------------------------------------------------------------------------------------
# CloudWatch
# ---------------------------------------------------------------------------------------------------------------


def api_metric() -> dict[str, Any]:
    return {"namespace": "AWS/ApiGateway", "name": "5XXError", "dimensions": {"ApiName": "prod", "Stage": "v1"}}


def eventbridge_change(
    name: str,
    state: str,
    previous: str,
    at: datetime,
    *,
    region: str = "eu-west-1",
    metric: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A CloudWatch "Alarm State Change" event on the default bus (single-metric alarm)."""
    metric = metric or api_metric()
    arn = f"arn:aws:cloudwatch:{region}:{ACCOUNT}:alarm:{name}"
    reason = {
        "ALARM": "Threshold Crossed: 1 out of the last 1 datapoints [14.0 (25/11/26 09:57:00)] was greater than or "
        "equal to the threshold (5.0) (minimum 1 datapoint for OK -> ALARM transition).",
        "OK": "Threshold Crossed: 1 out of the last 1 datapoints [0.0 (25/11/26 09:58:00)] was not greater than or "
        "equal to the threshold (5.0) (minimum 1 datapoint for ALARM -> OK transition).",
    }
    return {
        "version": "0",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{arn}/{at.isoformat()}/{state}")),
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": ACCOUNT,
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [arn],
        "detail": {
            "alarmName": name,
            "state": {
                "value": state,
                "reason": reason.get(state, "Insufficient Data"),
                "reasonData": json.dumps({"version": "1.0", "queryDate": cloudwatch_time(at), "threshold": 5.0}),
                "timestamp": cloudwatch_time(at),
            },
            "previousState": {
                "value": previous,
                "reason": reason.get(previous, "Unchecked: Initial alarm creation"),
                "timestamp": cloudwatch_time(at - timedelta(minutes=3)),
            },
            "configuration": {
                "description": "5XX errors on the production API",
                "metrics": [
                    {
                        "id": "m1",
                        "metricStat": {
                            "metric": {
                                "namespace": metric["namespace"],
                                "name": metric["name"],
                                "dimensions": metric["dimensions"],
                            },
                            "period": 60,
                            "stat": "Sum",
                        },
                        "returnData": True,
                    }
                ],
            },
        },
    }


def legacy_sns_change(
    name: str,
    state: str,
    previous: str,
    at: datetime,
    *,
    region_name: str = "US East (N. Virginia)",
    topic_region: str = "us-east-1",
    metric: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An older alarm's notification as the Lambda subscribed to its SNS topic receives it: no ``AlarmArn``."""
    metric = metric or api_metric()
    message = {
        "AlarmName": name,
        "AlarmDescription": None,
        "AWSAccountId": ACCOUNT,
        "NewStateValue": state,
        "NewStateReason": (
            "Threshold Crossed: 1 datapoint [14.0 (25/11/26 09:55:00)] was greater than or equal to the "
            "threshold (5.0)."
        ),
        "StateChangeTime": cloudwatch_time(at),
        "Region": region_name,
        "OldStateValue": previous,
        "Trigger": {
            "MetricName": metric["name"],
            "Namespace": metric["namespace"],
            "StatisticType": "Statistic",
            "Statistic": "SUM",
            "Unit": None,
            "Dimensions": [{"value": v, "name": k} for k, v in metric["dimensions"].items()],
            "Period": 60,
            "EvaluationPeriods": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Threshold": 5.0,
            "TreatMissingData": "- TreatMissingData:                    missing",
            "EvaluateLowSampleCountPercentile": "",
        },
    }
    topic = f"arn:aws:sns:{topic_region}:{ACCOUNT}:prod-alarms"
    message_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{topic}/{name}/{at.isoformat()}/{state}"))
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": topic,
                    "Subject": f'{state}: "{name}" in {region_name}'[:100],
                    "Message": json.dumps(message),
                    "Timestamp": iso(at + timedelta(milliseconds=80)),
                    "SignatureVersion": "1",
                    "Signature": SIGNATURE,
                    "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-01d088a6f77103d0fe307c0069e40ed6.pem",
                    "UnsubscribeUrl": f"https://sns.{topic_region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={topic}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
                    "MessageAttributes": {},
                },
            }
        ]
    }


def post_event(stack: RunningStack, payload: dict[str, Any]) -> Answer:
    return stack.request("POST", "/local/events", json.dumps(payload).encode())


# ---------------------------------------------------------------------------------------------------------------
# What the stack holds
# ---------------------------------------------------------------------------------------------------------------


def incidents_on(stack: RunningStack, component: str) -> list[dict[str, Any]]:
    answer = stack.request("GET", "/local/incidents")
    assert answer.status == 200, f"GET /local/incidents answered {answer.status}"
    return [i for i in answer.json() if i.get("component_id") == component]


def alarms_named(stack: RunningStack, name: str) -> list[dict[str, Any]]:
    """Every alarm of that name on every incident (an alarm that joined two incidents shows twice)."""
    answer = stack.request("GET", "/local/incidents")
    assert answer.status == 200, f"GET /local/incidents answered {answer.status}"
    return [a for i in answer.json() for a in (i.get("alarms") or {}).values() if a.get("name") == name]


def clock(stack: RunningStack, **move: str) -> dict[str, Any]:
    answer = stack.request("POST", "/local/clock", dict(move))
    assert answer.status == 200, f"clock {move}: {answer.status} {answer.body[:400]!r}"
    return dict(answer.json())


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
