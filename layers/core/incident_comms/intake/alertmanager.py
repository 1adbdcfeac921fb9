"""Prometheus Alertmanager's webhook (version 4) → one :class:`~incident_comms.alarms.Alarm` per alert.

Grafana's notifier posts the same webhook with extras (evaluated ``values``, dashboard, panel and silence links),
so :func:`from_webhook` reads both and :mod:`incident_comms.intake.grafana` calls it for Grafana. An alert is
``firing`` (ALARM, as of ``startsAt``) or ``resolved`` (OK, as of ``endsAt``, or as of when we received it when
``endsAt`` is missing or Go's zero time ``0001-01-01T00:00:00Z``, which some senders write, but not before
``startsAt``); its id is its
``fingerprint``, or a hash of its labels when it has none. One alert that cannot be read (no ``alertname``, a bad
timestamp) is a :class:`~incident_comms.intake.common.Rejection` naming its position and the field, and the others
are still read; only a body that is not a webhook at all is a :class:`~incident_comms.errors.BadInput`.
Pure: no boto3.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from incident_comms.alarms import Alarm, AlarmKind, AlarmSource, AlarmState
from incident_comms.errors import BadInput
from incident_comms.intake.common import Obj, ReadAlarms, Rejection, build, json_type, show

_GRAFANA_LINKS = (
    ("dashboardURL", "dashboard"),
    ("panelURL", "panel"),
    ("silenceURL", "silence"),
    ("imageURL", "image"),
)


_GO_ZERO_YEAR = 1
"""Go's zero ``time.Time`` is 0001-01-01T00:00:00Z: "no end time", never a real one."""


def from_alertmanager(payload: Any, now: datetime) -> ReadAlarms:
    return from_webhook(payload, AlarmSource.ALERTMANAGER, now)


def from_webhook(payload: Any, source: AlarmSource, now: datetime) -> ReadAlarms:
    """Alertmanager's webhook (version 4) and Grafana's, which extends it: one alarm per alert, each bad alert
    rejected alone. ``now`` is when the webhook was received (a resolved alert with no end time ended then)."""
    hook = Obj(payload, "")
    alerts = hook.data.get("alerts")
    if alerts is None:
        raise BadInput("alerts is missing")
    if not isinstance(alerts, list):
        raise BadInput(f"alerts must be an array, not {json_type(alerts)}")
    if not alerts:
        raise BadInput("alerts is empty")
    group_status = hook.opt_text("status")
    external_url = hook.opt_text("externalURL")
    read = ReadAlarms()
    for index, item in enumerate(alerts):
        position = hook.at(f"alerts[{index}]")
        try:
            alarm = _from_alert(Obj(item, position), source, group_status, external_url, now)
        except BadInput as error:
            read.rejected.append(Rejection(position, str(error)))
        else:
            read.alarms.append(alarm)
    return read


def _from_alert(
    alert: Obj, source: AlarmSource, group_status: str | None, external_url: str | None, now: datetime
) -> Alarm:
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
        state, previous, changed_at = AlarmState.OK, AlarmState.ALARM, _ended_at(alert, now)
    else:
        raise BadInput(f"{alert.at('status')}: unknown status {show(status)} (expected firing or resolved)")
    links = {label: url for key, label in _GRAFANA_LINKS if (url := alert.opt_text(key))}
    if external_url:
        links[source.value] = external_url
    return build(
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


def _ended_at(alert: Obj, now: datetime) -> datetime:
    """A resolved alert's end: ``endsAt``; when it has none (missing, or Go's zero time), ``now``, but never before
    its ``startsAt`` (a sender's clock ahead of ours must not make the recovery older than the alarm it ends)."""
    ended = alert.timestamp("endsAt") if alert.has("endsAt") else None
    if ended is not None and ended.year != _GO_ZERO_YEAR:
        return ended
    started = alert.timestamp("startsAt") if alert.has("startsAt") else now
    return max(now, started)


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
