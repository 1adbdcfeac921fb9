"""Our own retries for calls whose SDK retries are off: resend only what certainly did not happen (issue 14).

boto3 retries a call whose answer was lost (a read timeout, a closed connection) by sending it again. For a
conditional write that is harmless; for a send to customers it is the duplicate SMS and the email read twice. So the
clients that send have SDK retries off (``total_max_attempts=1``, see :mod:`incident_comms.composition`) and every
send goes through :func:`with_retries`, which tells three kinds of failure apart (:func:`verdict`):

- ``RETRY``: the call certainly did not happen, or AWS says so and asks us to come back: the connection could not be
  made (:class:`~botocore.exceptions.EndpointConnectionError`, ``ConnectTimeoutError``), throttling, and the
  transient refusals AWS documents as retryable (``ServiceUnavailable`` and the other 503/502/504 answers). Tried
  again with jittered exponential backoff, a few times.
- ``UNKNOWN``: the request left and no answer came back (``ReadTimeoutError``, ``ConnectionClosedError``), or AWS
  answered that it failed inside (a 500 ``InternalFailure``: it may have done part of it). It may have been
  delivered, so a send is never tried again: the caller records "outcome unknown". An idempotent call (creating a
  named schedule) may pass ``retry_unknown=True``.
- ``FAILED``: any other refusal (not authorised, bad request, topic gone). Trying again cannot fix it.

The last error is raised unchanged, so the caller words it; :func:`verdict` tells it what it means. Time is not read
here: ``sleep`` and ``jitter`` come from the caller, so tests neither wait nor depend on chance.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from incident_comms.adapters.client_errors import error_code

T = TypeVar("T")

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "Throttled",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "SlowDown",
        "PriorRequestNotComplete",
        "KMSThrottling",
        "KMSThrottlingException",
    }
)
"""Refusals that mean "too fast, nothing done": botocore's own throttling list plus SNS's names for it."""

NOT_DONE_CODES = frozenset({"ServiceUnavailable", "ServiceUnavailableException", "RequestTimeout"})
"""Transient refusals that mean the request was turned away before it was acted on."""

NOT_DONE_STATUSES = frozenset({429, 502, 503, 504})
"""HTTP statuses of a refusal that was turned away before it was acted on (a 500 may have done part of the work)."""

MAYBE_DONE_STATUSES = frozenset({500})


class Verdict(StrEnum):
    RETRY = "retry"
    """Certainly not done; worth trying again."""
    UNKNOWN = "unknown"
    """May have been done (the answer was lost, or the service failed inside): never resent as a send."""
    FAILED = "failed"
    """Refused for good: certainly not done, and trying again cannot help."""


def verdict(error: BaseException) -> Verdict:
    """What ``error`` from a boto3 call says about the call: see the module doc."""
    if isinstance(error, EndpointConnectionError | ConnectTimeoutError):
        return Verdict.RETRY
    if isinstance(error, ReadTimeoutError | ConnectionClosedError):
        return Verdict.UNKNOWN
    if isinstance(error, ClientError):
        code = error_code(error)
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if code in THROTTLING_CODES or code in NOT_DONE_CODES or status in NOT_DONE_STATUSES:
            return Verdict.RETRY
        if status in MAYBE_DONE_STATUSES or code in {"InternalFailure", "InternalError", "InternalErrorException"}:
            return Verdict.UNKNOWN
        return Verdict.FAILED
    return Verdict.FAILED


def certainly_not_sent(error: BaseException) -> bool:
    """Whether ``error`` proves the call did nothing (a refusal or no connection): safe to say "not delivered"."""
    return verdict(error) != Verdict.UNKNOWN


@dataclass(frozen=True)
class Backoff:
    """How often and how long to wait: ``tries`` calls in all, full jitter over ``base * 2**n`` capped at ``cap``."""

    tries: int = 4
    base: float = 0.2
    cap: float = 5.0

    def delay(self, retry: int, jitter: float) -> float:
        """The wait before retry number ``retry`` (0 first), ``jitter`` drawn from [0, 1)."""
        return float(jitter * min(self.cap, self.base * 2.0**retry))


SENDS = Backoff()
"""The backoff of a send to customers or the team: four tries within about three seconds at most."""


def with_retries(
    call: Callable[[], T],
    *,
    sleep: Callable[[float], None] = time.sleep,
    backoff: Backoff = SENDS,
    jitter: Callable[[], float] = random.random,
    judge: Callable[[BaseException], Verdict] = verdict,
    retry_unknown: bool = False,
) -> T:
    """``call()``, tried again while it fails with a ``RETRY`` verdict, at most ``backoff.tries`` times in all.

    Raises the last error unchanged when the tries run out, when the verdict is ``FAILED``, or when it is
    ``UNKNOWN`` (unless ``retry_unknown``: only for calls that are safe to repeat). ``judge`` classifies errors that
    are not boto3's (a webhook POST); it must answer ``FAILED`` for anything it does not know.
    """
    retry = 0
    while True:
        try:
            return call()
        except Exception as error:
            kind = judge(error)
            again = kind == Verdict.RETRY or (retry_unknown and kind == Verdict.UNKNOWN)
            if not again or retry + 1 >= backoff.tries:
                raise
            sleep(backoff.delay(retry, jitter()))
            retry += 1
