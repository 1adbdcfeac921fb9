"""``/status/`` on the local stack: the status page bucket served as CloudFront serves it, so what a laptop shows
is what customers get. Paths are rewritten by the CloudFront Function's rules (``/en/`` is ``en/index.html``,
``/en`` redirects to ``/en/``) and each file answers with the ``Content-Type`` and ``Cache-Control`` it was written
with, read back from the object in the embedded S3. A path nothing was published at answers 404 with the main
locale's not-found page, as the distribution's custom error responses do."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, NamedTuple

from incident_comms.delivery.status_page.serving import NOT_FOUND_PAGE, UNKNOWN_TYPE, viewer_request

PREFIX = "/status"
"""Where the site sits on the local stack; behind CloudFront it is the root of the distribution."""


class StatusFile(NamedTuple):
    body: bytes
    content_type: str
    headers: dict[str, str]
    status: int = HTTPStatus.OK


def status_file(s3: Any, bucket: str, path: str) -> StatusFile | None:
    """The answer to ``GET path`` (``/status`` or under ``/status/``): a file, a redirect, the not-found page with
    404, or ``None`` (not a status path, or not even the not-found page is published yet)."""
    if path != PREFIX and not path.startswith(PREFIX + "/"):
        return None
    wanted = viewer_request(path.removeprefix(PREFIX))  # "/status" is "" here: redirected like any folder
    if wanted.redirect:
        location = PREFIX + wanted.uri
        return StatusFile(b"", "text/plain; charset=utf-8", {"Location": location}, HTTPStatus.MOVED_PERMANENTLY)
    found = _object(s3, bucket, wanted.uri.removeprefix("/"))
    if found is not None:
        return found
    not_found = _object(s3, bucket, NOT_FOUND_PAGE)
    return not_found._replace(status=HTTPStatus.NOT_FOUND) if not_found is not None else None


def _object(s3: Any, bucket: str, key: str) -> StatusFile | None:
    try:
        found = s3.get_object(Bucket=bucket, Key=key)
    except Exception:  # noqa: BLE001 - any miss is a miss
        return None
    headers = {"Cache-Control": found["CacheControl"]} if found.get("CacheControl") else {}
    return StatusFile(found["Body"].read(), found.get("ContentType", UNKNOWN_TYPE), headers)
