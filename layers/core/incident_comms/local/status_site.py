"""``/status/`` on the local stack: the status page bucket served as CloudFront serves it, so what a laptop shows
is what customers get. Paths are rewritten by the CloudFront Function's rules (``/en/`` is ``en/index.html``,
``/en`` redirects to ``/en/``) and each file answers with the ``Content-Type`` and ``Cache-Control`` it was written
with, read back from the object in the embedded S3."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, NamedTuple

from incident_comms.delivery.status_page.serving import UNKNOWN_TYPE, viewer_request

PREFIX = "/status"
"""Where the site sits on the local stack; behind CloudFront it is the root of the distribution."""


class StatusFile(NamedTuple):
    body: bytes
    content_type: str
    headers: dict[str, str]
    status: int = HTTPStatus.OK


def status_file(s3: Any, bucket: str, path: str) -> StatusFile | None:
    """The answer to ``GET path`` (``/status`` or under ``/status/``): a file, a redirect, or ``None`` (nothing
    published there)."""
    if path != PREFIX and not path.startswith(PREFIX + "/"):
        return None
    wanted = viewer_request(path.removeprefix(PREFIX))  # "/status" is "" here: redirected like any folder
    if wanted.redirect:
        location = PREFIX + wanted.uri
        return StatusFile(b"", "text/plain; charset=utf-8", {"Location": location}, HTTPStatus.MOVED_PERMANENTLY)
    try:
        found = s3.get_object(Bucket=bucket, Key=wanted.uri.removeprefix("/"))
    except Exception:  # noqa: BLE001 - any miss is a 404
        return None
    headers = {"Cache-Control": found["CacheControl"]} if found.get("CacheControl") else {}
    return StatusFile(found["Body"].read(), found.get("ContentType", UNKNOWN_TYPE), headers)
