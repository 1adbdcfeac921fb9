"""API Gateway HTTP API (payload 2.0) events for the handler tests of the subscription routes."""

from __future__ import annotations

from typing import Any

API_HOST = "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"
FORM = "application/x-www-form-urlencoded"


def api_event(
    method: str, path: str, route: str, body: str | None = None, query: str = "", **headers: str
) -> dict[str, Any]:
    """The event API Gateway sends for ``{method} {path}`` matched by ``route`` (``/subscribe/manage/{token}``: the
    path's last segment is the token); ``headers`` with ``_`` for ``-``, a form content type when there is a body."""
    sent = {"host": API_HOST, **{name.replace("_", "-"): value for name, value in headers.items()}}
    if body is not None:
        sent.setdefault("content-type", FORM)
    token = path.rpartition("/")[2] if route.endswith("{token}") else None
    return {
        "version": "2.0",
        "routeKey": f"{method} {route}",
        "rawPath": path,
        "rawQueryString": query,
        "queryStringParameters": dict(part.split("=", 1) for part in query.split("&")) if query else None,
        "headers": sent,
        "pathParameters": {"token": token} if token else None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "a1b2c3d4e5",
            "domainName": API_HOST,
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7"},
            "requestId": "Jx1QkgOtjoEEPdw=",
            "routeKey": f"{method} {route}",
            "stage": "$default",
        },
        "body": body,
        "isBase64Encoded": False,
    }
