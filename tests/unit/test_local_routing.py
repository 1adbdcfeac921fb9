"""HTTP API route matching of the local stack, as API Gateway matches the template's paths."""

from __future__ import annotations

from typing import Any

import pytest

from incident_comms.local.routing import HttpRoute


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
