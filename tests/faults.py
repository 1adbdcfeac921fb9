"""Faults injected into one boto3 client, the way AWS really fails (issue 14): :class:`Faults` lives in
:mod:`incident_comms.local.faults` so that the local stack replays the same faults (``/local/faults``).

``Faults(client).lose_answer("PutItem")`` (commits, answer lost), ``.fail(op, times)`` (never reaches AWS),
``.refuse(op, times, code)`` (an AWS error); counters ``tried``/``committed``/``injected`` per operation. Retries
never wait: :func:`no_retry_waits` takes botocore's sleep.
"""

from __future__ import annotations

import pytest

from incident_comms.local.faults import FOR_GOOD, FaultRule, Faults

__all__ = ["FOR_GOOD", "FaultRule", "Faults", "no_retry_waits"]


@pytest.fixture
def no_retry_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's retry backoff does not sleep in tests."""
    import types

    import botocore.endpoint

    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=lambda _seconds: None))
