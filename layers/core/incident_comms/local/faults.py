"""AWS faults injected into boto3 clients with botocore's event hooks, the way AWS really fails (issue 14).

- ``lose_answer``: the call reaches AWS (moto) and commits, then its answer is lost on the way back (a read
  timeout). A client with SDK retries sends it again, as boto3 does; one without gets the timeout.
- ``fail``: the call never reaches AWS (the connection cannot be made) ``times`` times, or for good. The SDK
  retries that too when the client has retries left; the last failure reaches the caller.
- ``refuse``: the call is answered with an AWS error (throttling by default) and never reaches AWS; botocore
  raises it as a ``ClientError`` to the caller.

Every try is counted in ``tried``, every call that reached AWS in ``committed``, every fault in ``injected``, so a
test can say "sent exactly once". :class:`Faults` works on one client (keys are operation names, ``"Publish"``) or
on a whole botocore session (:meth:`Faults.on_session`; keys are ``"service.Operation"``, ``"sns.Publish"``, with
botocore's service id: ``sesv2``, ``dynamodb``, ``ssm``). It works on in-process moto (``mock_aws``)
and on moto server: the hook hands the request on itself before dropping the answer.

The local stack installs one session-wide :class:`Faults` on the session its functions' clients come from, and
serves it at ``/local/faults`` (:func:`answer_request`):

- ``POST`` ``{"service": "sns", "operation": "Publish", "fault": "lose_answer", "times": 1}`` (``fault``:
  ``lose_answer`` | ``fail`` | ``refuse``; ``times``: a positive integer or ``"always"``; ``code`` only for
  ``refuse``, default ``ThrottlingException``) adds a rule: 201 with it; bad input is a 400 with the reason.
- ``GET`` answers the rules with how many faults each has ``left``, and per ``"service.Operation"`` the counters.
- ``DELETE`` clears the rules; the counters stay.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError, UnknownServiceError
from botocore.httpsession import URLLib3Session

FOR_GOOD = 10**9
"""``times`` for a fault that never stops."""
KINDS = ("lose_answer", "fail", "refuse")
DEFAULT_REFUSAL = "ThrottlingException"


@dataclass
class FaultRule:
    """``left`` more calls of ``key`` get ``fault``."""

    key: str
    fault: str
    left: int
    code: str = ""
    times: int = field(init=False)

    def __post_init__(self) -> None:
        self.times = self.left

    def as_json(self) -> dict[str, Any]:
        service, _, operation = self.key.rpartition(".")
        found: dict[str, Any] = {
            "service": service,
            "operation": operation,
            "fault": self.fault,
            "times": _count(self.times),
            "left": _count(self.left),
        }
        return {**found, "code": self.code} if self.fault == "refuse" else found


@dataclass
class Faults:
    """The faults of one client (``Faults(client)``) or of every client of a session (:meth:`on_session`)."""

    client: Any = None
    session: Any = None
    """The botocore session the faults are on, if they are on one: it knows the services' operations."""
    qualified: bool = False
    """Keys name the service too (``"sns.Publish"``): a session's clients are of every service."""
    rules: dict[str, list[FaultRule]] = field(default_factory=dict)
    tried: Counter[str] = field(default_factory=Counter)
    committed: Counter[str] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.client is not None:
            self.client.meta.events.register_first("before-send", self._before_send)

    @classmethod
    def on_session(cls, session: Any) -> Faults:
        """Faults for every client ``session`` (a botocore session) makes from now on: a client copies its session's
        hooks when it is made, so install this before the clients exist."""
        faults = cls(session=session, qualified=True)
        session.get_component("event_emitter").register_first("before-send", faults._before_send)
        return faults

    def lose_answer(self, operation: str, times: int = 1) -> Faults:
        """The next ``times`` calls of ``operation`` commit, then their answers are lost."""
        return self.add(FaultRule(operation, "lose_answer", times))

    def fail(self, operation: str, times: int = 1) -> Faults:
        """The next ``times`` tries of ``operation`` cannot connect (nothing reaches AWS)."""
        return self.add(FaultRule(operation, "fail", times))

    def refuse(self, operation: str, times: int = 1, code: str = DEFAULT_REFUSAL) -> Faults:
        """The next ``times`` calls of ``operation`` are answered with the AWS error ``code`` (nothing committed)."""
        return self.add(FaultRule(operation, "refuse", times, code))

    def add(self, rule: FaultRule) -> Faults:
        with self._lock:
            self.rules.setdefault(rule.key, []).append(rule)
        return self

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def snapshot(self) -> dict[str, Any]:
        """The rules with what is left of each, and the counters per key."""
        with self._lock:
            keys = sorted(set(self.tried) | set(self.injected))
            return {
                "rules": [rule.as_json() for rules in self.rules.values() for rule in rules],
                "counters": {
                    key: {"tried": self.tried[key], "committed": self.committed[key], "injected": self.injected[key]}
                    for key in keys
                },
            }

    def _before_send(self, request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
        event_name = kwargs.get("event_name", "")
        key = _key_of(event_name, self.qualified)
        with self._lock:
            self.tried[key] += 1
            rule = next((rule for rule in self.rules.get(key, []) if rule.left > 0), None)
            if rule is None:
                self.committed[key] += 1
                return None
            rule.left -= 1
            self.injected[key] += 1
            if rule.fault == "lose_answer":
                self.committed[key] += 1
        operation = key.rpartition(".")[2]
        if rule.fault == "fail":
            raise EndpointConnectionError(endpoint_url=request.url)
        if rule.fault == "refuse":
            raise ClientError({"Error": {"Code": rule.code, "Message": "injected fault"}}, operation)
        _send_on(request, event_name)
        raise ReadTimeoutError(endpoint_url=request.url)


def _count(times: int) -> int | str:
    return "always" if times >= FOR_GOOD // 2 else times


def _key_of(event_name: str, qualified: bool) -> str:
    """``before-send.sns.Publish`` → ``sns.Publish`` (qualified) or ``Publish``."""
    _, service, operation = event_name.split(".", 2) if event_name.count(".") >= 2 else ("", "", event_name)
    return f"{service}.{operation}" if qualified else operation


def _send_on(request: AWSPreparedRequest, event_name: str) -> AWSResponse:
    """Hand the request to AWS as botocore would have: to in-process moto when it is on, else over HTTP."""
    from moto.core.models import botocore_stubber

    response = botocore_stubber(event_name=event_name, request=request) if botocore_stubber.enabled else None
    return response if response is not None else URLLib3Session().send(request)


def faults_on_default_session() -> Faults:
    """Faults on a fresh boto3 default session, where ``boto3.client(...)`` (the composition root) makes the local
    stack's functions' clients; install before any of them exists. Clients of other sessions keep no faults."""
    import boto3
    import botocore.session

    session = botocore.session.get_session()
    boto3.setup_default_session(botocore_session=session)
    return Faults.on_session(session)


def answer_request(faults: Faults, method: str, body: bytes) -> tuple[int, Any]:
    """``/local/faults``: (status, JSON) for ``method`` with ``body``."""
    if method == "GET":
        return HTTPStatus.OK, faults.snapshot()
    if method == "DELETE":
        faults.clear()
        return HTTPStatus.OK, faults.snapshot()
    try:
        rule = rule_of(body, faults.session)
    except ValueError as error:
        return HTTPStatus.BAD_REQUEST, {"error": str(error)}
    faults.add(rule)
    return HTTPStatus.CREATED, rule.as_json()


def rule_of(body: bytes, session: Any = None) -> FaultRule:
    """The rule a ``POST /local/faults`` body asks for; ValueError with the reason when it is not one."""
    try:
        asked = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("the body must be a JSON object") from None
    if not isinstance(asked, dict):
        raise ValueError("the body must be a JSON object")
    unknown = set(asked) - {"service", "operation", "fault", "times", "code"}
    if unknown:
        raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
    fault = asked.get("fault")
    if fault not in KINDS:
        raise ValueError(f"fault must be one of {', '.join(KINDS)}")
    if "code" in asked and fault != "refuse":
        raise ValueError("code is only for the refuse fault")
    code = asked.get("code", DEFAULT_REFUSAL if fault == "refuse" else "")
    if not isinstance(code, str) or (fault == "refuse" and not code.strip()):
        raise ValueError("code must be an AWS error code, e.g. ThrottlingException")
    return FaultRule(_service_key(asked, session), fault, _times_of(asked.get("times", 1)), code)


def _times_of(times: Any) -> int:
    if times == "always":
        return FOR_GOOD
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise ValueError('times must be a positive integer or "always"')
    return min(times, FOR_GOOD)


def _service_key(asked: dict[str, Any], session: Any) -> str:
    """``sns.Publish``, with the service as botocore's events name it; ValueError for an unknown service or
    operation."""
    service, operation = asked.get("service"), asked.get("operation")
    if not isinstance(service, str) or not service:
        raise ValueError("service must be a boto3 service name, e.g. sns")
    if not isinstance(operation, str) or not operation:
        raise ValueError("operation must be an API operation name, e.g. Publish")
    import botocore.session

    try:
        model = (session or botocore.session.get_session()).get_service_model(service)
    except UnknownServiceError:
        raise ValueError(f"unknown service {service!r}") from None
    if operation not in model.operation_names:
        raise ValueError(f"{service} has no operation {operation!r}")
    return f"{model.service_id.hyphenize()}.{operation}"
