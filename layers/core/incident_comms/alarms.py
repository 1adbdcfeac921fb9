"""The one ``Alarm`` model every monitoring source is normalised into (see :mod:`incident_comms.intake`)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class AlarmState(StrEnum):
    ALARM = "ALARM"
    OK = "OK"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


class AlarmSource(StrEnum):
    CLOUDWATCH = "cloudwatch"
    ALERTMANAGER = "alertmanager"
    GRAFANA = "grafana"


class AlarmKind(StrEnum):
    METRIC = "metric"
    METRIC_MATH = "metric_math"
    ANOMALY_DETECTION = "anomaly_detection"
    COMPOSITE = "composite"
    PROMETHEUS = "prometheus"
    GRAFANA = "grafana"


class MetricRef(BaseModel):
    """One metric an alarm watches; a metric-math alarm watches several."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    namespace: str | None = None
    name: str
    dimensions: dict[str, str] = Field(default_factory=dict)


class Alarm(BaseModel):
    """A monitoring alarm's state change, whatever tool raised it.

    Every text field is untrusted: it came from outside and is escaped wherever it is rendered.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    source: AlarmSource
    kind: AlarmKind
    id: str = Field(description="stable identity: the alarm ARN, or the alert fingerprint")
    name: str
    state: AlarmState
    previous_state: AlarmState | None = None
    changed_at: datetime
    reason: str | None = None
    description: str | None = None
    region: str | None = None
    account: str | None = None
    metrics: list[MetricRef] = Field(default_factory=list)
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    alarm_rule: str | None = None
    triggering_alarms: list[str] = Field(default_factory=list)
    url: str | None = None
    links: dict[str, str] = Field(
        default_factory=dict, description="other links the source gave: dashboard, panel, silence, image, alertmanager"
    )
    values: dict[str, float] = Field(default_factory=dict, description="evaluated values (Grafana), by query ref")

    @property
    def namespace(self) -> str | None:
        """The namespace of a single-metric alarm; None when there is no single metric."""
        return self.metrics[0].namespace if len(self.metrics) == 1 else None

    @property
    def metric(self) -> str | None:
        """The metric name of a single-metric alarm; None for metric math, anomaly detection and composites."""
        return self.metrics[0].name if len(self.metrics) == 1 and self.kind == AlarmKind.METRIC else None

    @property
    def event_key(self) -> str:
        """Identity of this state change, equal whichever path (EventBridge, SNS, alarm action) delivered it.

        Used to apply every inbound event at most once.
        """
        raw = "\x1f".join((self.source, self.id, self.state, self.changed_at.isoformat()))
        return hashlib.sha256(raw.encode()).hexdigest()[:32]
