"""The ``status_page`` channel: gathers the site's inputs from the store, builds the site and writes every file
to the bucket with the content type and cache lifetime :func:`~.serving.object_headers` gives its path, regenerated
whole on every publish.

It then reads the store again and rewrites if something was published in the meantime, so two publishers running
at once cannot leave the older site in the bucket. The message being published is put in as the job has it, so
the page shows it even when an eventually consistent read missed it. A file S3 refuses is counted and named,
and does not keep the others from being written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from incident_comms.delivery.publishing import ChannelJob, ChannelResult
from incident_comms.delivery.status_page.build import build_site
from incident_comms.delivery.status_page.models import SiteIncident
from incident_comms.delivery.status_page.serving import object_headers
from incident_comms.incidents.models import Incident, Message, Publication, PublicationReason
from incident_comms.text import error_text, truncate

INCIDENT_LIMIT = 500
"""How many of the most recently opened incidents the channel reads: far more than 90 days hold."""

MAX_ROUNDS = 3
"""Write, read the store again, rewrite if it changed: at most this many writes per publish."""

ERROR_TEXT_MAX = 300


class StoreReader(Protocol):
    """The reads the channel makes (an :class:`~incident_comms.incidents.store.IncidentStore` has them all)."""

    def list_incidents(self, limit: int = 100) -> list[Incident]: ...

    def messages(self, incident_id: str) -> list[Message]: ...

    def publications(self, incident_id: str) -> list[Publication]: ...


class ObjectWriter(Protocol):
    """What the channel needs of an S3 client (boto3's satisfies it)."""

    def put_object(self, *, Bucket: str, Key: str, Body: bytes, ContentType: str, CacheControl: str) -> Any: ...


class StatusPageChannel:
    """The ``status_page`` channel: rebuild the site from the store and write every file to ``bucket``.

    The result counts files: ``attempted`` the site's files, ``delivered`` those whose last write S3 accepted,
    ``failed`` the rest, with the first refusals in ``detail``. A file S3 refuses does not keep the others from
    being written; reading the store failing raises (the publisher records it as a failed delivery).
    """

    def __init__(self, store: StoreReader, s3_client: ObjectWriter, bucket: str, subscribe_base_url: str = "") -> None:
        self._store = store
        self._s3 = s3_client
        self._bucket = bucket
        self._subscribe_url = f"{subscribe_base_url.rstrip('/')}/subscribe" if subscribe_base_url else None

    def publish(self, job: ChannelJob) -> ChannelResult:
        if not self._bucket:
            return ChannelResult(attempted=1, failed=1, detail="STATUS_PAGE_BUCKET is not set: no bucket to write to")
        written: dict[str, str | None] = {}  # each file's latest write: None when S3 accepted it, else why not
        site = build_site(job.plan, self.gather(job), job.now, self._subscribe_url)
        self._write(site, written)
        for _ in range(MAX_ROUNDS - 1):
            # Another publisher may have read the store before our update and written after us: read again and
            # rewrite until what is in the bucket is what the store holds (the last writer always checks last).
            fresh = build_site(job.plan, self.gather(job), job.now, self._subscribe_url)
            if fresh == site:
                break
            site = fresh
            self._write(site, written)
        failed = {path: error for path, error in written.items() if error is not None}
        detail = None
        if failed:
            detail = truncate("; ".join(f"{path}: {error}" for path, error in sorted(failed.items())), ERROR_TEXT_MAX)
        return ChannelResult(attempted=len(site), delivered=len(site) - len(failed), failed=len(failed), detail=detail)

    def gather(self, job: ChannelJob) -> list[SiteIncident]:
        """Every incident of the store with its messages and publications, plus the one being published.

        The job's incident and message are put in as the job has them (the message approved, at the version being
        published now), so the page shows them even when a read missed them: the incident list is a secondary
        index, eventually consistent, and a new incident may not be in it yet.
        """
        records = []
        incidents = list(self._store.list_incidents(limit=INCIDENT_LIMIT))
        if all(incident.id != job.incident.id for incident in incidents):
            incidents.append(job.incident)
        for incident in incidents:
            messages = self._store.messages(incident.id)
            publications = self._store.publications(incident.id)
            if incident.id == job.incident.id:
                messages, publications = _with_job(job, messages, publications)
            records.append(SiteIncident(incident, messages, publications))
        return records

    def _write(self, site: Mapping[str, tuple[bytes, str]], written: dict[str, str | None]) -> None:
        # Pages last: by the time a page links to the feed and the JSON, they are already there.
        order = sorted(site, key=lambda path: (path.endswith(".html"), path))
        for path in order:
            body, content_type = site[path]
            try:
                self._s3.put_object(
                    Bucket=self._bucket,
                    Key=path,
                    Body=body,
                    ContentType=content_type,
                    CacheControl=object_headers(path).cache_control,
                )
            except Exception as error:  # noqa: BLE001 - a refused file is counted and named, the others still go
                written[path] = error_text(error, ERROR_TEXT_MAX)
            else:
                written[path] = None


def _with_job(
    job: ChannelJob, messages: Sequence[Message], publications: Sequence[Publication]
) -> tuple[list[Message], list[Publication]]:
    message = job.message
    handed_off = any(p.message_id == message.id and p.version == message.version for p in publications)
    if not handed_off:
        reason = PublicationReason.APPROVAL_TIMEOUT if message.holding else PublicationReason.APPROVED
        publications = [
            *publications,
            Publication(
                incident_id=job.incident.id,
                message_id=message.id,
                version=message.version,
                requested_at=job.now,
                reason=reason,
            ),
        ]
    return [m for m in messages if m.id != message.id] + [message], list(publications)
