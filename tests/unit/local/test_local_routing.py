"""Routing of the local stack: HTTP API paths as API Gateway matches them, rate schedules as EventBridge fires them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from incident_comms.local.routing import HttpRoute, PeriodicSource, rate_period


def route(method: str, path: str) -> HttpRoute:
    function: Any = None
    return HttpRoute(method, path, function)


@pytest.mark.parametrize(
    ("template_path", "request_path", "expected"),
    [
        ("/webhooks/alerts", "/webhooks/alerts", {}),
        ("/webhooks/alerts", "/webhooks/alerts/x", None),
        (
            "/approvals/{incident}/{message}",
            "/approvals/INC-1/investigating-ab",
            {"incident": "INC-1", "message": "investigating-ab"},
        ),
        ("/approvals/{incident}/{message}", "/approvals/INC-1", None),
        ("/approvals/{incident}/{message}", "/approvals/INC-1/m/extra", None),
        ("/status/{proxy+}", "/status/a/b/index.json", {"proxy": "a/b/index.json"}),
    ],
)
def test_paths_match_with_their_parameters(template_path: str, request_path: str, expected: object) -> None:
    assert route("GET", template_path).match("GET", request_path) == expected


def test_method_must_match_unless_the_route_takes_any() -> None:
    assert route("POST", "/x").match("GET", "/x") is None
    assert route("ANY", "/x").match("DELETE", "/x") == {}


@pytest.mark.parametrize(
    ("expression", "period"),
    [
        ("rate(5 minutes)", timedelta(minutes=5)),
        ("rate(1 minute)", timedelta(minutes=1)),
        ("rate(2 hours)", timedelta(hours=2)),
        ("rate(1 day)", timedelta(days=1)),
        ("cron(0 12 * * ? *)", None),
        ("rate(5 fortnights)", None),
    ],
)
def test_rate_expressions_give_their_period(expression: str, period: timedelta | None) -> None:
    assert rate_period(expression) == period


def test_a_rate_schedule_is_due_at_every_multiple_of_its_period_the_clock_crosses() -> None:
    function: Any = None
    every_five = PeriodicSource("sweep", timedelta(minutes=5), function)
    at = datetime(2026, 11, 22, 10, 1, tzinfo=UTC)

    assert every_five.ticks(at, at + timedelta(minutes=3)) is None
    assert every_five.ticks(at, at + timedelta(minutes=4)) == (datetime(2026, 11, 22, 10, 5, tzinfo=UTC), 1)
    assert every_five.ticks(at, at + timedelta(hours=3)) == (datetime(2026, 11, 22, 13, 0, tzinfo=UTC), 36)
    assert every_five.ticks(at.replace(minute=5), at.replace(minute=5)) is None, "a multiple already reached"
    assert every_five.event(at)["detail-type"] == "Scheduled Event"
