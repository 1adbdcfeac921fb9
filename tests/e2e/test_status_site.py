"""The published status page over the local stack's HTTP, served as CloudFront serves it: each file with the
content type and cache lifetime it was written with, index paths rewritten, folders without a slash redirected."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e

SHORT = "public, max-age=60, stale-while-revalidate=30"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/status/", "text/html; charset=utf-8"),
        ("/status/index.json", "application/json"),
        ("/status/feed.atom", "application/atom+xml"),
        ("/status/en/", "text/html; charset=utf-8"),
        ("/status/en/index.json", "application/json"),
    ],
)
def test_each_published_file_is_served_with_its_type_and_a_minute_of_cache(
    approved_sample_stack: RunningStack, path: str, content_type: str
) -> None:
    answer = approved_sample_stack.request("GET", path)

    assert answer.status == 200
    assert (answer.headers["Content-Type"], answer.headers["Cache-Control"]) == (content_type, SHORT)


def test_a_locale_folder_without_its_slash_redirects_so_its_relative_links_stay_in_it(
    approved_sample_stack: RunningStack,
) -> None:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as raised:
        opener.open(approved_sample_stack.url + "/status/en", timeout=30)

    assert (raised.value.code, raised.value.headers["Location"]) == (301, "/status/en/")
    assert approved_sample_stack.request("GET", "/status/en/").body == (
        approved_sample_stack.request("GET", "/status/en/index.html").body
    )


def test_a_missing_path_answers_404_with_the_published_not_found_page(approved_sample_stack: RunningStack) -> None:
    answer = approved_sample_stack.request("GET", "/status/en/old-incident.html")

    assert answer.status == 404
    assert (answer.headers["Content-Type"], answer.headers["Cache-Control"]) == ("text/html; charset=utf-8", SHORT)
    assert '<html lang="es">' in answer.body.decode() and "No encontramos esta página" in answer.body.decode()
    assert answer.body == approved_sample_stack.request("GET", "/status/404.html").body
