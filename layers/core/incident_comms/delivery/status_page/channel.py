"""The ``status_page`` channel: keeps the job's incident in the status page's view, gathers the site's inputs from
the view, builds the site and writes every file whose bytes changed to the bucket with the content type and cache
lifetime :func:`~.serving.object_headers` gives its path.

Why a view (:mod:`.records`): reading every incident with its messages and publications cost two queries per
incident, and at a few hundred incidents a publication outlived the function. Now a publication reads the job's own
incident from the store (two queries) and the view in one query, whatever the number of incidents in the table.
Incidents published before the view existed are not in it until the backfill
(:func:`incident_comms.adapters.dynamodb_status_view.backfill`) has run; the job's own incident always is.

It then reads the view again and rewrites if something was published in the meantime, so two publishers running
at once cannot leave the older site in the bucket. The message being published is put in as the job has it, so
the page shows it even when an eventually consistent read missed it. A file whose bytes are those last written
there (the digests kept in the view) is not written again. A file S3 refuses is counted and named, and does not
keep the others from being written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from incident_comms.delivery.publishing import ChannelJob, ChannelResult
from incident_comms.delivery.status_page.archive import ARCHIVE_FOLDER, archived_months, build_archive
from incident_comms.delivery.status_page.build import build_site
from incident_comms.delivery.status_page.logic import HISTORY_DAYS, shown_incident
from incident_comms.delivery.status_page.models import SiteIncident
from incident_comms.delivery.status_page.records import (
    MemoryStatusView,
    StatusView,
    ViewSnapshot,
    month_of,
    newest,
    trimmed,
)
from incident_comms.delivery.status_page.serving import object_headers
from incident_comms.delivery.status_page.view import INCIDENTS_FOLDER
from incident_comms.incidents.models import Message, Publication, PublicationReason
from incident_comms.maintenance.models import Maintenance
from incident_comms.plan.models import Plan
from incident_comms.text import error_text, truncate

MAX_ROUNDS = 3
"""Write, read the view again, rewrite if it changed: at most this many writes per publish."""

ERROR_TEXT_MAX = 300


class StoreReader(Protocol):
    """The reads the channel makes of the job's incident (an :class:`~incident_comms.incidents.store.IncidentStore`
    has them)."""

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

    def __init__(
        self,
        store: StoreReader,
        s3_client: ObjectWriter,
        bucket: str,
        subscribe_base_url: str = "",
        view: StatusView | None = None,
        maintenances: Callable[[datetime], Sequence[Maintenance]] | None = None,
    ) -> None:
        self._store = store
        self._maintenances = maintenances
        self._view: StatusView = view if view is not None else MemoryStatusView()
        self._s3 = s3_client
        self._bucket = bucket
        self._subscribe_url = f"{subscribe_base_url.rstrip('/')}/subscribe" if subscribe_base_url else None

    def publish(self, job: ChannelJob) -> ChannelResult:
        if not self._bucket:
            return ChannelResult(attempted=1, failed=1, detail="STATUS_PAGE_BUCKET is not set: no bucket to write to")
        written: dict[str, str | None] = {}  # each file's latest write: None when S3 accepted it, else why not
        own = self.own_record(job)
        snapshot = self._view.read(job.now - timedelta(days=HISTORY_DAYS))
        shown = shown_incident(own)
        if shown is not None:
            self._view.keep(own, shown)
        digests = dict(snapshot.digests)
        maintenances = self._maintenances(job.now) if self._maintenances else ()
        site = self._site(job, own, snapshot, maintenances)
        self._write(site, written, digests)
        for _ in range(MAX_ROUNDS - 1):
            # Another publisher may have read the view before our update and written after us: read again and
            # rewrite until what is in the bucket is what the view holds (the last writer always checks last).
            snapshot = self._view.read(job.now - timedelta(days=HISTORY_DAYS))
            fresh = self._site(job, own, snapshot, maintenances)
            if fresh == site:
                break
            site = fresh
            self._write(site, written, digests)
        return self._finish(site, written, digests, snapshot.digests)

    def _site(
        self, job: ChannelJob, own: SiteIncident, snapshot: ViewSnapshot, maintenances: Sequence[Maintenance]
    ) -> dict[str, tuple[bytes, str]]:
        """The main pages from the view (with ``maintenances``, read once per publication), and the history page of
        the month the job's incident opened in."""
        month = month_of(own.incident)
        months = archived_months(snapshot.digests)
        archive = build_archive(job.plan, month, newest([*self._view.month(month), own]), months, job.now)
        main = build_site(
            job.plan,
            self.gather(own, snapshot),
            job.now,
            self._subscribe_url,
            archived=bool(archive or months),
            maintenances=maintenances,
        )
        return {**main, **archive}

    def refresh(self, plan: Plan, maintenances: Sequence[Maintenance], now: datetime) -> str | None:
        """Rebuild the main pages from the view with ``maintenances`` (a maintenance approved, started, completed or
        cancelled, with no incident publication to carry it); answers what S3 refused, None when all was written.
        Incident pages and history are rebuilt as a publication would, and unchanged files are skipped by digest."""
        if not self._bucket:
            return "STATUS_PAGE_BUCKET is not set: no bucket to write to"
        snapshot = self._view.read(now - timedelta(days=HISTORY_DAYS))
        digests = dict(snapshot.digests)
        records = newest([entry.record for entry in snapshot.entries])
        archived = bool(archived_months(digests))
        site = build_site(plan, records, now, self._subscribe_url, archived=archived, maintenances=maintenances)
        written: dict[str, str | None] = {}
        self._write(site, written, digests)
        return self._finish(site, written, digests, snapshot.digests).detail

    def write_history(self, plan: Plan, months: Iterable[str], now: datetime) -> ChannelResult:
        """Write the history page of each of ``months`` and the list of months, from the view alone.

        What the backfill runs after an upgrade: a publication writes only its own incident's month, so a month whose
        incidents are never published again would otherwise never get its page. Files whose bytes are those already
        written are skipped, as on a publication."""
        snapshot = self._view.read(now - timedelta(days=HISTORY_DAYS))
        digests = dict(snapshot.digests)
        every = archived_months(digests) | set(months)
        site: dict[str, tuple[bytes, str]] = {}
        for month in sorted(set(months)):
            site.update(build_archive(plan, month, self._view.month(month), every, now))
        written: dict[str, str | None] = {}
        self._write(site, written, digests)
        return self._finish(site, written, digests, snapshot.digests)

    def _finish(
        self,
        site: Mapping[str, tuple[bytes, str]],
        written: Mapping[str, str | None],
        digests: Mapping[str, str],
        before: Mapping[str, str],
    ) -> ChannelResult:
        """Remember what was written (when it differs from what the view held ``before``) and count the files."""
        remembered = {path: digests.get(path) for path in written}
        if any(before.get(path) != digest for path, digest in remembered.items()):
            self._view.remember_files(remembered)
        failed = {path: error for path, error in written.items() if error is not None}
        detail = None
        if failed:
            detail = truncate("; ".join(f"{path}: {error}" for path, error in sorted(failed.items())), ERROR_TEXT_MAX)
        return ChannelResult(attempted=len(site), delivered=len(site) - len(failed), failed=len(failed), detail=detail)

    def own_record(self, job: ChannelJob) -> SiteIncident:
        """The job's incident as the store has it, with the job's message put in as the job has it (approved, at
        the version being published now), so the page shows it even when a read missed it."""
        messages, publications = _with_job(
            job, self._store.messages(job.incident.id), self._store.publications(job.incident.id)
        )
        return trimmed(SiteIncident(job.incident, messages, publications))

    def gather(self, own: SiteIncident, snapshot: ViewSnapshot) -> list[SiteIncident]:
        """Every incident of the view, newest record of each, with the job's own one unless the view has newer."""
        return newest([*(entry.record for entry in snapshot.entries), own])

    def _write(
        self, site: Mapping[str, tuple[bytes, str]], written: dict[str, str | None], digests: dict[str, str]
    ) -> None:
        # Pages last: by the time a page links to the feed, the JSON or the history by month, they are already there.
        order = sorted(site, key=_write_order)
        for path in order:
            body, content_type = site[path]
            digest = hashlib.sha256(body).hexdigest()
            if digests.get(path) == digest:
                written.setdefault(path, None)
                continue
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
                digests.pop(path, None)
            else:
                written[path] = None
                digests[path] = digest


def _write_order(path: str) -> tuple[int, bool, str]:
    """Feeds and JSON, then the history by month (months before their list), the incidents' pages, the main pages."""
    if not path.endswith(".html"):
        return (0, False, path)
    if ARCHIVE_FOLDER in path:
        return (1, path.endswith("/index.html"), path)
    if INCIDENTS_FOLDER in path:
        return (2, False, path)
    return (3, False, path)


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
