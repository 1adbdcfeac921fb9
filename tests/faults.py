"""Faults injected into one boto3 client with botocore's event hooks, the way AWS really fails (issue 14).

- :meth:`Faults.lose_answer`: the call reaches AWS (moto) and commits, then its answer is lost on the way back
  (a read timeout). A client with SDK retries sends it again, as boto3 does; one without gets the timeout.
- :meth:`Faults.fail`: the call never reaches AWS (the connection cannot be made) ``times`` times, or for good.
  The SDK retries that too when the client has retries left; the last failure reaches the caller.
- :meth:`Faults.refuse`: the call is answered with an AWS error (throttling by default) and never reaches AWS;
  botocore raises it as a ``ClientError`` to the caller.

Every call that reached AWS is counted in :attr:`Faults.committed`, every try in :attr:`Faults.tried`, so a test can
say "sent exactly once". Works on in-process moto (``mock_aws``) and on the local stack (moto server): the hook hands
the request on itself before dropping the answer. Retries never wait: :func:`no_retry_waits` takes botocore's sleep.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from botocore.httpsession import URLLib3Session

FOR_GOOD = 10**9
"""``times`` for a fault that never stops."""


@dataclass
class _Rule:
    kind: str
    left: int
    code: str = ""


@dataclass
class Faults:
    """The faults of one client, by operation name (``"TransactWriteItems"``, ``"Publish"``, ``"SendEmail"``)."""

    client: Any
    rules: dict[str, list[_Rule]] = field(default_factory=dict)
    tried: Counter[str] = field(default_factory=Counter)
    committed: Counter[str] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.client.meta.events.register_first("before-send", self._before_send)

    def lose_answer(self, operation: str, times: int = 1) -> Faults:
        """The next ``times`` calls of ``operation`` commit, then their answers are lost."""
        self.rules.setdefault(operation, []).append(_Rule("lose", times))
        return self

    def fail(self, operation: str, times: int = 1) -> Faults:
        """The next ``times`` tries of ``operation`` cannot connect (nothing reaches AWS)."""
        self.rules.setdefault(operation, []).append(_Rule("fail", times))
        return self

    def refuse(self, operation: str, times: int = 1, code: str = "ThrottlingException") -> Faults:
        """The next ``times`` calls of ``operation`` are answered with the AWS error ``code`` (nothing committed)."""
        self.rules.setdefault(operation, []).append(_Rule("refuse", times, code))
        return self

    def clear(self) -> None:
        self.rules.clear()

    def _before_send(self, request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
        operation = _operation_of(kwargs.get("event_name", ""))
        self.tried[operation] += 1
        rule = next((rule for rule in self.rules.get(operation, []) if rule.left > 0), None)
        if rule is None:
            self.committed[operation] += 1
            return None
        rule.left -= 1
        self.injected[operation] += 1
        if rule.kind == "fail":
            raise EndpointConnectionError(endpoint_url=request.url)
        if rule.kind == "refuse":
            raise ClientError({"Error": {"Code": rule.code, "Message": "injected by tests.faults"}}, operation)
        self.committed[operation] += 1
        _send_on(request, kwargs.get("event_name", ""))
        raise ReadTimeoutError(endpoint_url=request.url)


def _operation_of(event_name: str) -> str:
    return event_name.rsplit(".", 1)[-1]


def _send_on(request: AWSPreparedRequest, event_name: str) -> AWSResponse:
    """Hand the request to AWS as botocore would have: to in-process moto when it is on, else over HTTP."""
    from moto.core.models import botocore_stubber

    response = botocore_stubber(event_name=event_name, request=request) if botocore_stubber.enabled else None
    return response if response is not None else URLLib3Session().send(request)


@pytest.fixture
def no_retry_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's retry backoff does not sleep in tests."""
    import types

    import botocore.endpoint

    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=lambda _seconds: None))
