"""Grafana's webhook → alarms, and how to tell it from Alertmanager's, which it extends.

Grafana's notifier extends Alertmanager's webhook (``orgId``, ``title``/``state``/``message``, and per-alert
extras): :func:`looks_like_grafana` tells the two apart for :func:`incident_comms.intake.payloads.detect_shape`,
and :func:`from_grafana` reads it with Alertmanager's reader as a Grafana alarm (its ``DatasourceNoData`` alert is
INSUFFICIENT_DATA, not ALARM). Pure: no boto3.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from incident_comms.alarms import AlarmSource
from incident_comms.intake.alertmanager import from_webhook
from incident_comms.intake.common import ReadAlarms


def looks_like_grafana(payload: dict[str, Any]) -> bool:
    # Grafana's notifier extends Alertmanager's webhook: orgId, title/state/message, and per-alert extras.
    if "orgId" in payload or ("title" in payload and "state" in payload):
        return True
    alerts = payload.get("alerts")
    grafana_keys = ("values", "valueString", "dashboardURL", "panelURL", "silenceURL")
    return isinstance(alerts, list) and any(
        isinstance(alert, dict) and any(key in alert for key in grafana_keys) for alert in alerts
    )


def from_grafana(payload: Any, now: datetime) -> ReadAlarms:
    return from_webhook(payload, AlarmSource.GRAFANA, now)
