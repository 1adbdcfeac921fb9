"""The status site's history by month (issue 16, part 2): what a customer looking for an incident of last spring
finds, in their language, and why a month's page is written once (its bytes depend only on its incidents)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from incident_comms.delivery.status_page.archive import archived_months, build_archive
from incident_comms.delivery.status_page.build import build_site
from incident_comms.delivery.status_page.channel import StatusPageChannel
from incident_comms.delivery.status_page.logic import shown_incident
from incident_comms.delivery.status_page.records import MemoryStatusView
from incident_comms.plan.models import Plan
from tests.aws.test_status_view import job_for
from tests.factories import published_record

MARCH = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


class Links(HTMLParser):
    def __init__(self, html: bytes) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.feed(html.decode())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [value or "" for name, value in attrs if name == "href"]


class Bucket:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.puts: list[str] = []

    def put_object(self, *, Key: str, Body: bytes, **_: str) -> dict[str, str]:
        self.puts.append(Key)
        self.objects[Key] = Body
        return {}


class NoStore:
    def messages(self, incident_id: str) -> list[object]:
        return []

    def publications(self, incident_id: str) -> list[object]:
        return []


def resolved(plan: Plan, incident_id: str, at: datetime):  # type: ignore[no-untyped-def]
    return published_record(plan, incident_id, at, resolved_at=at + timedelta(hours=1))


def test_a_month_page_lists_that_months_incidents_newest_first_in_every_locale(plan: Plan) -> None:
    records = [resolved(plan, "INC-a", MARCH), resolved(plan, "INC-b", MARCH + timedelta(days=5))]

    site = build_archive(plan, "2026-03", records, {"2025-12"}, NOW)

    assert set(site) == {
        "history/2026-03.html",
        "history/index.html",
        "en/history/2026-03.html",
        "en/history/index.html",
    }
    spanish = site["history/2026-03.html"][0].decode()
    assert "Incidencias de marzo de 2026" in spanish and '<html lang="es">' in spanish
    assert spanish.index('id="incident-INC-b"') < spanish.index('id="incident-INC-a"')
    assert "Incidents of March 2026" in site["en/history/2026-03.html"][0].decode()
    listing = Links(site["en/history/index.html"][0]).hrefs
    assert [href for href in listing if href.startswith("20")] == ["2026-03.html", "2025-12.html"]  # newest first
    assert "../../history/index.html" in listing  # the same list in Spanish, from en/history/
    assert "../index.html" in Links(site["history/2026-03.html"][0]).hrefs  # back to the current status


def test_a_month_page_does_not_change_with_the_time_it_is_built(plan: Plan) -> None:
    records = [resolved(plan, "INC-a", MARCH)]

    early = build_archive(plan, "2026-03", records, set(), NOW)
    late = build_archive(plan, "2026-03", records, set(), NOW + timedelta(days=200))

    assert early == late


def test_a_month_with_nothing_published_has_no_page(plan: Plan) -> None:
    assert build_archive(plan, "2026-03", [], {"2026-02"}, NOW) == {}


def test_the_months_written_are_read_back_from_their_paths() -> None:
    paths = [
        "index.html",
        "history/2026-03.html",
        "en/history/2026-04.html",
        "history/index.html",
        "history/2026-13.html",
    ]

    assert archived_months(paths) == {"2026-03", "2026-04"}


def test_the_main_page_links_the_history_by_month_only_once_there_is_one(plan: Plan) -> None:
    record = resolved(plan, "INC-a", NOW - timedelta(days=1))

    without = build_site(plan, [record], NOW)
    linked = build_site(plan, [record], NOW, archived=True)

    assert "history/index.html" not in Links(without["index.html"][0]).hrefs
    assert "history/index.html" in Links(linked["index.html"][0]).hrefs
    assert "history/index.html" in Links(linked["en/index.html"][0]).hrefs


def test_an_old_month_is_not_written_again_when_a_newer_month_is_published(plan: Plan) -> None:
    view = MemoryStatusView()
    bucket = Bucket()
    channel = StatusPageChannel(NoStore(), bucket, "status", view=view)  # type: ignore[arg-type]
    old = resolved(plan, "INC-old", MARCH)
    channel.publish(job_for(plan, old, MARCH + timedelta(hours=2)))
    march_page = bucket.objects["history/2026-03.html"]
    bucket.puts.clear()

    channel.publish(job_for(plan, published_record(plan, "INC-new", NOW), NOW))

    assert not [path for path in bucket.puts if "2026-03" in path]
    assert {"history/2026-11.html", "history/index.html"} <= set(bucket.puts)
    assert bucket.objects["history/2026-03.html"] == march_page
    months = [h for h in Links(bucket.objects["history/index.html"]).hrefs if h.startswith("2026")]
    assert months == ["2026-11.html", "2026-03.html"]
    assert "INC-old" in march_page.decode() and "INC-new" not in march_page.decode()


class RefusingBucket(Bucket):
    def put_object(self, *, Key: str, Body: bytes, **rest: str) -> dict[str, str]:
        if Key == "en/history/2026-03.html":
            raise PermissionError("AccessDenied")
        return super().put_object(Key=Key, Body=Body, **rest)


def test_writing_the_history_again_writes_nothing_and_a_refused_page_is_written_next_time(plan: Plan) -> None:
    view = MemoryStatusView()
    record = resolved(plan, "INC-old", MARCH)
    shown = shown_incident(record)
    assert shown is not None
    view.keep(record, shown)
    refusing, bucket = RefusingBucket(), Bucket()

    refused = StatusPageChannel(NoStore(), refusing, "status", view=view).write_history(plan, {"2026-03"}, NOW)  # type: ignore[arg-type]
    first = StatusPageChannel(NoStore(), bucket, "status", view=view).write_history(plan, {"2026-03"}, NOW)  # type: ignore[arg-type]
    again = StatusPageChannel(NoStore(), bucket, "status", view=view).write_history(plan, {"2026-03"}, NOW)  # type: ignore[arg-type]

    assert (refused.attempted, refused.failed) == (4, 1) and "en/history/2026-03.html" in (refused.detail or "")
    assert bucket.puts == ["en/history/2026-03.html"]  # only what S3 refused the first time
    assert (first.delivered, again.delivered, again.failed) == (4, 4, 0)
