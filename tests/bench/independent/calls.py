"""Counting AWS calls with our own hook: botocore's ``BaseClient._make_api_call`` wrapped for the run.

Every client of the process goes through it (the functions' clients from ``composition``, the local stack's own, this
benchmark's), so each call is recorded with who made it: the template function running on this thread (the local
stack's :func:`~incident_comms.local.functions.running_function`), or ``None`` for the stack's bridge (the stand-in
for Lambda's event source mappings and SNS, which cost no call of the function's) and for the benchmark itself.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.client import BaseClient

from incident_comms.local.functions import running_function


class CallLog:
    """Calls recorded while :meth:`recording`, keyed ``(function or None, "service.Operation")``."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str | None, str]] = Counter()
        self._lock = threading.Lock()
        self._depth = 0

    def record(self, client: Any, operation: str) -> None:
        service = client.meta.service_model.service_name
        with self._lock:
            self.calls[(running_function(), f"{service}.{operation}")] += 1

    def functions_total(self) -> int:
        """Calls made by template functions (the bridge's and the benchmark's own are left out)."""
        return sum(count for (function, _), count in self.calls.items() if function is not None)

    def by_operation(self, functions_only: bool = True) -> Counter[str]:
        found: Counter[str] = Counter()
        for (function, operation), count in self.calls.items():
            if function is not None or not functions_only:
                found[operation] += count
        return found

    def by_function(self) -> Counter[str]:
        found: Counter[str] = Counter()
        for (function, _), count in self.calls.items():
            if function is not None:
                found[function] += count
        return found

    def total(self) -> int:
        return sum(self.calls.values())

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()


_log: CallLog | None = None
_original = BaseClient._make_api_call  # type: ignore[attr-defined]


def _counted(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
    if _log is not None:
        _log.record(self, operation_name)
    return _original(self, operation_name, api_params)


@contextmanager
def counting() -> Iterator[CallLog]:
    """Record every AWS call made in the block (calls retried inside botocore count once: one call of ours)."""
    global _log
    log = CallLog()
    previous = _log
    _log = log
    BaseClient._make_api_call = _counted  # type: ignore[attr-defined]
    try:
        yield log
    finally:
        _log = previous
        if previous is None:
            BaseClient._make_api_call = _original  # type: ignore[attr-defined]


def describe(counts: Counter[str]) -> str:
    """``dynamodb.Query×2, s3.PutObject×5`` in a stable order."""
    return ", ".join(f"{name}×{count}" for name, count in sorted(counts.items())) or "none"
