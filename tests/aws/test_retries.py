"""Our retries: only what certainly did not happen is tried again, with backoff that never reads the clock."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from incident_comms.adapters.retries import Backoff, Verdict, certainly_not_sent, verdict, with_retries


def _refusal(code: str, status: int = 400) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "x"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (EndpointConnectionError(endpoint_url="https://sns"), Verdict.RETRY),
        (ConnectTimeoutError(endpoint_url="https://sns"), Verdict.RETRY),
        (_refusal("Throttling"), Verdict.RETRY),
        (_refusal("Throttled"), Verdict.RETRY),
        (_refusal("TooManyRequestsException", 429), Verdict.RETRY),
        (_refusal("ServiceUnavailable", 503), Verdict.RETRY),
        (_refusal("Whatever", 503), Verdict.RETRY),
        (ReadTimeoutError(endpoint_url="https://sns"), Verdict.UNKNOWN),
        (ConnectionClosedError(endpoint_url="https://sns"), Verdict.UNKNOWN),
        (_refusal("InternalFailure", 500), Verdict.UNKNOWN),
        (_refusal("AuthorizationError", 403), Verdict.FAILED),
        (_refusal("NotFound", 404), Verdict.FAILED),
        (ValueError("not an AWS error"), Verdict.FAILED),
    ],
)
def test_each_error_says_whether_the_call_may_have_happened(error: Exception, expected: Verdict) -> None:
    assert verdict(error) == expected
    assert certainly_not_sent(error) == (expected != Verdict.UNKNOWN)


class _Calls:
    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def test_a_call_that_could_not_connect_is_tried_again_after_a_jittered_growing_wait() -> None:
    waits: list[float] = []
    call = _Calls(EndpointConnectionError(endpoint_url="u"), _refusal("Throttling"))
    result = with_retries(call, sleep=waits.append, backoff=Backoff(tries=4, base=1.0, cap=10.0), jitter=lambda: 0.5)
    assert (result, call.count) == ("done", 3)
    assert waits == [0.5, 1.0]


def test_the_wait_is_capped() -> None:
    assert Backoff(base=1.0, cap=3.0).delay(10, 1.0) == 3.0


def test_a_lost_answer_is_never_sent_again() -> None:
    waits: list[float] = []
    call = _Calls(ReadTimeoutError(endpoint_url="u"))
    with pytest.raises(ReadTimeoutError):
        with_retries(call, sleep=waits.append)
    assert (call.count, waits) == (1, [])


def test_a_lost_answer_is_tried_again_only_for_calls_safe_to_repeat() -> None:
    call = _Calls(ReadTimeoutError(endpoint_url="u"))
    assert with_retries(call, sleep=lambda _s: None, retry_unknown=True) == "done"
    assert call.count == 2


def test_a_refusal_for_good_is_not_tried_again() -> None:
    call = _Calls(_refusal("AuthorizationError", 403))
    with pytest.raises(ClientError):
        with_retries(call, sleep=lambda _s: None)
    assert call.count == 1


def test_the_tries_run_out_and_the_last_error_reaches_the_caller() -> None:
    errors: list[Any] = [EndpointConnectionError(endpoint_url=f"u{n}") for n in range(5)]
    call = _Calls(*errors)
    with pytest.raises(EndpointConnectionError) as raised:
        with_retries(call, sleep=lambda _s: None, backoff=Backoff(tries=3))
    assert call.count == 3
    assert raised.value is errors[2]


def test_errors_that_are_not_boto3s_are_judged_by_the_caller() -> None:
    call = _Calls(OSError("refused"))
    result = with_retries(call, sleep=lambda _s: None, judge=lambda e: Verdict.RETRY)
    assert (result, call.count) == ("done", 2)
