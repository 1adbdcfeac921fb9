"""How the status site is served: headers per file from its path alone, and index paths rewritten the same way by
the Python rules (the local stack) and the CloudFront Function (``viewer_request.js``, run here under node)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime

import pytest

from incident_comms.delivery.status_page.build import build_site
from incident_comms.delivery.status_page.serving import (
    LONG_CACHE,
    SHORT_CACHE,
    VIEWER_REQUEST_JS,
    ObjectHeaders,
    ViewerRequest,
    object_headers,
    viewer_request,
)
from incident_comms.plan.models import Plan

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("index.html", ("text/html; charset=utf-8", SHORT_CACHE)),
        ("en/index.json", ("application/json", SHORT_CACHE)),
        ("en/feed.atom", ("application/atom+xml", SHORT_CACHE)),
        ("INDEX.HTML", ("text/html; charset=utf-8", SHORT_CACHE)),
        ("index.0123abcd.html", ("text/html; charset=utf-8", SHORT_CACHE)),
        ("assets/site.3f9a0c1e.css", ("text/css; charset=utf-8", LONG_CACHE)),
        ("assets/logo.3f9a0c1e77.svg", ("image/svg+xml", LONG_CACHE)),
        ("assets/site.css", ("text/css; charset=utf-8", SHORT_CACHE)),
        ("assets/logo.v2.png", ("image/png", SHORT_CACHE)),
        ("assets/logo.3f9a0c1.png", ("image/png", SHORT_CACHE)),
        ("favicon.ico", ("image/vnd.microsoft.icon", SHORT_CACHE)),
        ("robots", ("application/octet-stream", SHORT_CACHE)),
        ("data.bin.deadbeef00", ("application/octet-stream", SHORT_CACHE)),
    ],
)
def test_headers_per_path(path: str, expected: tuple[str, str]) -> None:
    assert object_headers(path) == ObjectHeaders(*expected)


def test_short_and_long_lifetimes_say_what_they_promise() -> None:
    assert SHORT_CACHE == "public, max-age=60, stale-while-revalidate=30"
    assert LONG_CACHE == "public, max-age=31536000, immutable"


def test_every_file_the_site_builds_is_typed_as_the_serving_rules_type_it(plan: Plan) -> None:
    site = build_site(plan, [], NOW)

    assert site
    for path, (_, content_type) in site.items():
        assert object_headers(path) == ObjectHeaders(content_type, SHORT_CACHE), path


VIEWER_CASES = [
    ("/", ViewerRequest("/index.html")),
    ("/en/", ViewerRequest("/en/index.html")),
    ("/en", ViewerRequest("/en/", redirect=True)),
    ("/a/b", ViewerRequest("/a/b/", redirect=True)),
    ("/index.html", ViewerRequest("/index.html")),
    ("/en/feed.atom", ViewerRequest("/en/feed.atom")),
    ("/v1.2/status", ViewerRequest("/v1.2/status/", redirect=True)),
    ("/assets/site.3f9a0c1e.css", ViewerRequest("/assets/site.3f9a0c1e.css")),
]


@pytest.mark.parametrize(("uri", "expected"), VIEWER_CASES)
def test_index_paths_are_rewritten_and_folders_without_slash_redirected(uri: str, expected: ViewerRequest) -> None:
    assert viewer_request(uri) == expected


def test_the_cloudfront_function_rewrites_exactly_as_the_python_rules() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the CloudFront Function cannot run here")
    script = (
        VIEWER_REQUEST_JS.read_text(encoding="utf-8")
        + "\nconst uris = JSON.parse(process.argv[1]);"
        + "\nconsole.log(JSON.stringify(uris.map((uri) => handler({request: {uri: uri, headers: {}}}))));\n"
    )
    uris = [uri for uri, _ in VIEWER_CASES]

    done = subprocess.run([node, "-e", script, json.dumps(uris)], capture_output=True, text=True, check=True)

    answers = json.loads(done.stdout)
    for (uri, expected), answer in zip(VIEWER_CASES, answers, strict=True):
        if expected.redirect:
            assert (answer["statusCode"], answer["headers"]["location"]["value"]) == (301, expected.uri), uri
        else:
            assert answer["uri"] == expected.uri, uri
