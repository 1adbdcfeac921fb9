"""What the use cases need of Powertools' Logger and Metrics to report themselves, as protocols: the core never
imports Powertools, and tests can pass anything with these methods."""

from __future__ import annotations

from typing import Any, Protocol


class Logger(Protocol):
    def warning(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...
    def info(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...


class Metrics(Protocol):
    def add_metric(self, name: str, unit: Any, value: float) -> Any: ...
