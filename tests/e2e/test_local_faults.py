"""``/local/faults``: AWS faults replayed on the local stack's functions, over HTTP only (issue 14).

Tests share one stack: each clears the rules it added and reads counters as differences.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import RunningStack

ALARM = "cloudwatch-eventbridge-alarm.json"


@pytest.fixture
def faults(stack: RunningStack) -> Iterator[RunningStack]:
    stack.request("DELETE", "/local/faults")
    yield stack
    stack.request("DELETE", "/local/faults")


def counters(stack: RunningStack, key: str) -> dict[str, int]:
    found: dict[str, dict[str, int]] = stack.request("GET", "/local/faults").json()["counters"]
    return found.get(key, {"tried": 0, "committed": 0, "injected": 0})


def difference(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {name: after[name] - before[name] for name in after}


def test_a_rule_is_answered_listed_with_what_is_left_and_cleared_while_the_counters_stay(
    faults: RunningStack,
) -> None:
    added = faults.request(
        "POST",
        "/local/faults",
        {"service": "sns", "operation": "Publish", "fault": "refuse", "times": 2, "code": "InternalError"},
    )
    forever = faults.request(
        "POST", "/local/faults", {"service": "sesv2", "operation": "SendEmail", "fault": "fail", "times": "always"}
    )

    assert added.status == 201
    assert added.json() == {
        "service": "sns",
        "operation": "Publish",
        "fault": "refuse",
        "times": 2,
        "left": 2,
        "code": "InternalError",
    }
    assert forever.status == 201
    assert forever.json()["times"] == forever.json()["left"] == "always"
    listed = faults.request("GET", "/local/faults").json()
    assert listed["rules"] == [added.json(), forever.json()]
    cleared = faults.request("DELETE", "/local/faults")
    assert cleared.status == 200
    assert cleared.json() == {"rules": [], "counters": listed["counters"]}


def test_a_lost_answer_commits_and_the_sdk_sends_the_call_again(faults: RunningStack) -> None:
    before = counters(faults, "dynamodb.TransactWriteItems")
    faults.request(
        "POST", "/local/faults", {"service": "dynamodb", "operation": "TransactWriteItems", "fault": "lose_answer"}
    )

    answer = faults.post_event(ALARM)

    assert answer.status == 200, answer.body
    after = counters(faults, "dynamodb.TransactWriteItems")
    assert difference(after, before) == {"tried": 2, "committed": 2, "injected": 1}
    (rule,) = faults.request("GET", "/local/faults").json()["rules"]
    assert rule["left"] == 0


def test_a_refused_call_reaches_the_function_as_the_aws_error_and_nothing_else_is_tried(
    faults: RunningStack,
) -> None:
    """The alarm's first call is the read of its event and its component's lock (``TransactGetItems``)."""
    before = counters(faults, "dynamodb.TransactGetItems")
    writes = counters(faults, "dynamodb.TransactWriteItems")
    faults.request(
        "POST",
        "/local/faults",
        {"service": "dynamodb", "operation": "TransactGetItems", "fault": "refuse", "times": "always"},
    )

    answer = faults.post_event(ALARM)

    assert answer.status == 500
    assert "ThrottlingException" in answer.json()["ran"][0]["error"]
    assert difference(counters(faults, "dynamodb.TransactGetItems"), before) == {
        "tried": 1,
        "committed": 0,
        "injected": 1,
    }
    assert difference(counters(faults, "dynamodb.TransactWriteItems"), writes) == dict.fromkeys(writes, 0)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "JSON object"),
        (b"[]", "JSON object"),
        ({"service": "sns", "operation": "Publish", "fault": "explode"}, "fault must be one of"),
        ({"service": "sns", "operation": "Publish", "fault": "fail", "times": 0}, "times must be"),
        ({"service": "sns", "operation": "Publish", "fault": "fail", "times": "never"}, "times must be"),
        ({"service": "sns", "operation": "Publish", "fault": "fail", "times": True}, "times must be"),
        ({"service": "sns", "operation": "Publish", "fault": "fail", "code": "Throttling"}, "only for the refuse"),
        ({"service": "sns", "operation": "Publish", "fault": "refuse", "code": " "}, "code must be"),
        ({"service": "nosuch", "operation": "Publish", "fault": "fail"}, "unknown service"),
        ({"service": "sns", "operation": "Publsh", "fault": "fail"}, "no operation 'Publsh'"),
        ({"operation": "Publish", "fault": "fail"}, "service must be"),
        ({"service": "sns", "fault": "fail"}, "operation must be"),
        ({"service": "sns", "operation": "Publish", "fault": "fail", "when": "now"}, "unknown fields: when"),
    ],
)
def test_a_bad_rule_is_a_400_with_its_reason_and_changes_nothing(
    faults: RunningStack, body: bytes | dict[str, Any], reason: str
) -> None:
    faults.request("POST", "/local/faults", {"service": "s3", "operation": "PutObject", "fault": "fail"})
    before = faults.request("GET", "/local/faults").json()

    answer = faults.request("POST", "/local/faults", body)

    assert answer.status == 400
    assert reason in answer.json()["error"]
    assert faults.request("GET", "/local/faults").json() == before
