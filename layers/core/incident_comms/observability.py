"""What the use cases need of Powertools' Logger and Metrics to report themselves, as protocols: the core never
imports Powertools, and tests can pass anything with these methods."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Logger(Protocol):
    def warning(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...
    def info(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...


class Metrics(Protocol):
    def add_metric(self, name: str, unit: Any, value: float) -> Any: ...


def add_counts(metrics: Metrics, counts: Mapping[str, float], unit: Any, *, quiet_when_idle: bool = False) -> None:
    """Add every count, zeros included, so each metric has a data point on every invocation (alarms on a metric
    that only appears when something goes wrong never see it go back to normal).

    ``quiet_when_idle``: add nothing when every count is zero. For what runs on a timer with nothing to do (the hourly
    sweep): CloudWatch bills a custom metric for every hour it receives a data point, so zeros every hour would keep
    each metric billed all month on a stack where nothing happens. The alarms on them treat missing data as normal.
    """
    if quiet_when_idle and not any(counts.values()):
        return
    for name, value in counts.items():
        metrics.add_metric(name=name, unit=unit, value=value)


def present(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields worth a log line: those that are neither None nor an empty list."""
    return {key: value for key, value in fields.items() if value not in (None, [])}
