"""The local stack's ``/status/`` over the embedded S3: files answer with the headers they were written with, index
paths are rewritten as the CloudFront Function rewrites them, and a path nothing was published at answers 404 with
the not-found page, as the distribution does (a miss only before the page is published, or outside ``/status``)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from incident_comms.delivery.status_page.serving import LONG_CACHE, SHORT_CACHE, object_headers
from incident_comms.local.status_site import status_file

BUCKET = "status-page-local"
FILES = {"index.html": b"<p>es</p>", "en/index.html": b"<p>en</p>", "en/feed.atom": b"<feed/>"}
FILES |= {"assets/site.3f9a0c1e.css": b"p{}", "404.html": b"<p>no encontrada</p>", "en/404.html": b"<p>not found</p>"}


@pytest.fixture
def s3(aws: None) -> Any:
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    for key, body in FILES.items():
        content_type, cache_control = object_headers(key)
        client.put_object(Bucket=BUCKET, Key=key, Body=body, ContentType=content_type, CacheControl=cache_control)
    return client


@pytest.mark.parametrize(
    ("path", "body", "content_type", "cache_control"),
    [
        ("/status/", b"<p>es</p>", "text/html; charset=utf-8", SHORT_CACHE),
        ("/status/index.html", b"<p>es</p>", "text/html; charset=utf-8", SHORT_CACHE),
        ("/status/en/", b"<p>en</p>", "text/html; charset=utf-8", SHORT_CACHE),
        ("/status/en/feed.atom", b"<feed/>", "application/atom+xml", SHORT_CACHE),
        ("/status/assets/site.3f9a0c1e.css", b"p{}", "text/css; charset=utf-8", LONG_CACHE),
    ],
)
def test_a_file_answers_with_the_headers_it_was_written_with(
    s3: Any, path: str, body: bytes, content_type: str, cache_control: str
) -> None:
    found = status_file(s3, BUCKET, path)

    assert found is not None
    assert (found.status, found.body, found.content_type) == (200, body, content_type)
    assert found.headers == {"Cache-Control": cache_control}


@pytest.mark.parametrize(("path", "location"), [("/status", "/status/"), ("/status/en", "/status/en/")])
def test_a_folder_without_its_slash_is_redirected_to_it(s3: Any, path: str, location: str) -> None:
    found = status_file(s3, BUCKET, path)

    assert found is not None
    assert (found.status, found.headers, found.body) == (301, {"Location": location}, b"")


@pytest.mark.parametrize("path", ["/status/fr/", "/status/en/index.json", "/status/en/nothing.html", "/status/a/b.css"])
def test_nothing_published_there_answers_404_with_the_not_found_page(s3: Any, path: str) -> None:
    found = status_file(s3, BUCKET, path)

    assert found is not None
    assert (found.status, found.body, found.content_type) == (404, b"<p>no encontrada</p>", "text/html; charset=utf-8")
    assert found.headers == {"Cache-Control": SHORT_CACHE}


def test_before_the_not_found_page_is_published_a_missing_path_is_a_miss(s3: Any) -> None:
    s3.delete_object(Bucket=BUCKET, Key="404.html")

    assert status_file(s3, BUCKET, "/status/fr/") is None


@pytest.mark.parametrize("path", ["/statusfoo", "/statuses/index.html"])
def test_a_path_outside_the_site_is_a_miss(s3: Any, path: str) -> None:
    assert status_file(s3, BUCKET, path) is None
