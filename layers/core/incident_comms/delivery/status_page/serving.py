"""How the status site is served: each file's content type and cache lifetime, and which file a viewer's path
names. The same rules hold behind CloudFront and on the local stack, so what a laptop shows is what customers get.

- A page, its JSON and its feed change on every publish: caches may keep them a minute (``max-age=60``), and serve
  the old copy a little longer while fetching the new one, never for long enough to hide an update.
- An asset is kept a year (``immutable``) only when its name carries its content's hash: a new version is a new
  name. Any other asset is kept a minute like the pages, so a fix is never stuck in a browser for a year.
- An S3 REST origin has no index documents: ``/en/`` is fetched as ``en/index.html``, and ``/en`` is redirected to
  ``/en/`` (served as ``/en/index.html`` directly, its relative links would resolve against ``/`` and reach the
  main locale's feed). ``viewer_request.js`` beside this module is the CloudFront Function doing the same.
- A path nothing was published at answers 404 with the main locale's :data:`NOT_FOUND_PAGE`, never S3's
  ``AccessDenied`` XML.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

HTML_TYPE = "text/html; charset=utf-8"
JSON_TYPE = "application/json"
ATOM_TYPE = "application/atom+xml"

SHORT_CACHE = "public, max-age=60, stale-while-revalidate=30"
"""A minute fresh, then up to 30 s stale while a cache refetches: fresh enough during an incident, cheap under a
stampede of customers reloading."""

LONG_CACHE = "public, max-age=31536000, immutable"
"""A year and never revalidated: only for names that change whenever their content does."""

DOCUMENT_TYPES = {".html": HTML_TYPE, ".json": JSON_TYPE, ".atom": ATOM_TYPE}
"""What every publish rewrites: always short-lived, whatever their name looks like."""

ASSET_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/vnd.microsoft.icon",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
}

UNKNOWN_TYPE = "application/octet-stream"

NOT_FOUND_PAGE = "404.html"
"""Each locale's not-found page (``404.html``, ``en/404.html``). The bucket is private and CloudFront has no
``s3:ListBucket``, so a missing object answers 403, not 404: the distribution answers both with the main locale's
page and status 404 (its ``CustomErrorResponses``), and the local stack does the same."""

CONTENT_HASHED = re.compile(r"\.[0-9a-f]{8,}\.[a-z0-9]+$")
"""``logo.3f9a0c1e.svg``: at least 8 hex digits between the name and its extension."""

VIEWER_REQUEST_JS = Path(__file__).with_name("viewer_request.js")
"""The CloudFront Function (viewer-request) that rewrites index paths; template.yaml holds a copy of its code."""


class ObjectHeaders(NamedTuple):
    content_type: str
    cache_control: str


class ViewerRequest(NamedTuple):
    """What a viewer's path becomes: the object's path (``redirect`` false), or where to send the viewer."""

    uri: str
    redirect: bool = False


def object_headers(path: str) -> ObjectHeaders:
    """The ``Content-Type`` and ``Cache-Control`` a site file is written with, from its path alone."""
    name = path.rsplit("/", 1)[-1].lower()
    extension = name[name.rfind(".") :] if "." in name else ""
    if extension in DOCUMENT_TYPES:
        return ObjectHeaders(DOCUMENT_TYPES[extension], SHORT_CACHE)
    content_type = ASSET_TYPES.get(extension, UNKNOWN_TYPE)
    return ObjectHeaders(content_type, LONG_CACHE if CONTENT_HASHED.search(name) else SHORT_CACHE)


def viewer_request(uri: str) -> ViewerRequest:
    """The index rewriting of ``viewer_request.js``: ``/`` and ``/en/`` name their ``index.html``; ``/en``, a last
    segment without an extension, is redirected to ``/en/``; anything else is fetched as it is."""
    if uri.endswith("/"):
        return ViewerRequest(uri + "index.html")
    if "." not in uri.rsplit("/", 1)[-1]:
        return ViewerRequest(uri + "/", redirect=True)
    return ViewerRequest(uri)
