"""The status page channel on moto: publishing an approved message writes the whole site to the bucket, a later
publish rewrites it with everything published so far, and a bucket S3 refuses shows up as a failed delivery."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import feedparser  # type: ignore[import-untyped]
import pytest

from incident_comms.adapters.dynamodb import DynamoIncidentStore
from incident_comms.adapters.dynamodb_status_view import DynamoStatusView
from incident_comms.delivery.publishing import ChannelJob, ChannelResult, PublishRequest, PublishResult, publish_message
from incident_comms.delivery.status_page.channel import StatusPageChannel
from incident_comms.delivery.status_page.serving import SHORT_CACHE
from incident_comms.incidents.models import (
    Incident,
    Message,
    MessageStatus,
    Publication,
    PublicationReason,
    TimelineEntry,
    TimelineKind,
)
from incident_comms.incidents.store import Opening
from incident_comms.plan.models import ChannelKind, Plan
from tests.factories import OPENED, make_alarm, opened_incident, status_site_files

NOW = OPENED + timedelta(minutes=5)
BUCKET = "status-page-test"
HISTORY = {"history/index.html", "history/2026-11.html", "en/history/index.html", "en/history/2026-11.html"}
TYPES = {".html": "text/html; charset=utf-8", ".json": "application/json", ".atom": "application/atom+xml"}
SITE = {path: TYPES[path[path.rindex(".") :]] for path in status_site_files("INC-api") | HISTORY}


class Delivered:
    """Every other channel kind: accepts the job and does nothing (this file is about the status page)."""

    def publish(self, job: ChannelJob) -> ChannelResult:
        return ChannelResult(attempted=1, delivered=1)


@pytest.fixture
def s3(aws: None) -> Any:
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    return client


def open_and_approve(
    store: DynamoIncidentStore, plan: Plan, component: str, incident_id: str, at: Any
) -> tuple[Incident, Message, Publication]:
    """An incident on ``component`` opened through the store, its first message approved and handed off ``at``."""
    alarm = make_alarm(f"prod-{component}-alarm", changed_at=at)
    incident, message = opened_incident(plan, alarm, at=at, incident_id=incident_id)
    incident = incident.model_copy(update={"component_id": component})
    opened = TimelineEntry(incident_id=incident.id, at=at, kind=TimelineKind.OPENED, text="opened")
    joining = TimelineEntry(incident_id="", at=at, kind=TimelineKind.ALARM_JOINED, text="joined")
    store.open_or_join(incident, alarm, lambda: Opening([opened], message), joining)
    after = message.model_copy(update={"status": MessageStatus.APPROVED, "revision": 1, "decided_at": at})
    publication = Publication(
        incident_id=incident.id,
        message_id=message.id,
        version=message.version,
        requested_at=at,
        reason=PublicationReason.APPROVED,
    )
    store.save_decision(message, after, f"fp-{incident_id}", at + timedelta(hours=1), [], publication)
    return incident, after, publication


def publish(store: DynamoIncidentStore, plan: Plan, s3: Any, publication: Publication, bucket: str = BUCKET) -> Any:
    publishers: dict[ChannelKind, Any] = {kind: Delivered() for kind in ChannelKind}
    view = DynamoStatusView(boto3.client("dynamodb"), "incidents-test")
    publishers[ChannelKind.STATUS_PAGE] = StatusPageChannel(store, s3, bucket, view=view)
    body = PublishRequest.of(publication).model_dump()
    return publish_message(body, plan, store, publishers, publication.requested_at + timedelta(minutes=1))


def read_json(s3: Any, key: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    return data


def test_publishing_writes_the_whole_site_with_content_types_and_cache_header(
    store: DynamoIncidentStore, plan: Plan, s3: Any
) -> None:
    incident, message, publication = open_and_approve(store, plan, "api", "INC-api", OPENED)

    report = publish(store, plan, s3, publication)

    assert report.result == PublishResult.PUBLISHED
    (page,) = [d for d in store.deliveries(incident.id) if d.channel_id == "status-page"]
    assert (page.attempted, page.delivered, page.failed, page.complete) == (len(SITE), len(SITE), 0, True)
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == set(SITE)
    for key, content_type in SITE.items():
        head = s3.head_object(Bucket=BUCKET, Key=key)
        assert (head["ContentType"], head["CacheControl"]) == (content_type, SHORT_CACHE)
    (shown,) = read_json(s3, "index.json")["incidents"]
    assert (shown["id"], shown["status"]) == ("INC-api", "open")
    assert [update["message_id"] for update in shown["updates"]] == [message.id]
    html = s3.get_object(Bucket=BUCKET, Key="index.html")["Body"].read().decode()
    assert "Estamos investigando un problema en la API pública" in html
    incident_page = s3.get_object(Bucket=BUCKET, Key="incidents/INC-api.html")["Body"].read().decode()
    assert "Estamos investigando un problema en la API pública" in incident_page
    feed = feedparser.parse(s3.get_object(Bucket=BUCKET, Key="en/feed.atom")["Body"].read())
    assert (feed.bozo, len(feed.entries)) == (0, 1)


def test_the_not_found_page_is_written_in_every_locale_as_a_page_a_minute_fresh(
    store: DynamoIncidentStore, plan: Plan, s3: Any
) -> None:
    _, _, publication = open_and_approve(store, plan, "api", "INC-api", OPENED)

    publish(store, plan, s3, publication)

    for key, language, words in [("404.html", "es", "No encontramos esta página"), ("en/404.html", "en", "not find")]:
        found = s3.get_object(Bucket=BUCKET, Key=key)
        assert (found["ContentType"], found["CacheControl"]) == ("text/html; charset=utf-8", SHORT_CACHE)
        html = found["Body"].read().decode()
        assert f'<html lang="{language}">' in html and words in html
        assert "Investigando" not in html and "<script" not in html


def test_a_second_publish_overwrites_the_site_with_everything_published_so_far(
    store: DynamoIncidentStore, plan: Plan, s3: Any
) -> None:
    _, _, first = open_and_approve(store, plan, "api", "INC-api", OPENED)
    publish(store, plan, s3, first)
    before = {key: s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() for key in SITE}
    _, _, second = open_and_approve(store, plan, "storage", "INC-storage", OPENED + timedelta(minutes=20))

    publish(store, plan, s3, second)

    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == set(SITE) | {"incidents/INC-storage.html", "en/incidents/INC-storage.html"}
    after = {key: s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() for key in SITE}
    # the not-found pages say nothing about incidents, the list of months has the same one month, the first
    # incident's own page is as it was (every API endpoint carries the page's updated_at: all change)
    unchanged = {"404.html", "en/404.html", "history/index.html", "en/history/index.html"}
    unchanged |= {"incidents/INC-api.html", "en/incidents/INC-api.html"}
    assert all(after[key] != before[key] for key in set(SITE) - unchanged)
    assert all(after[key] == before[key] for key in unchanged)
    data = read_json(s3, "index.json")
    assert {item["id"] for item in data["incidents"]} == {"INC-api", "INC-storage"}
    statuses = {component["id"]: component["status"] for component in data["components"]}
    assert statuses == {"api": "incident", "invoicing": "operational", "storage": "incident", "web": "operational"}
    levels = {
        component["id"]: component["status"] for component in read_json(s3, "api/v2/components.json")["components"]
    }
    assert levels == {
        "api": "major_outage",
        "invoicing": "operational",
        "storage": "major_outage",
        "web": "operational",
    }
    for key in ("feed.atom", "en/feed.atom"):
        feed = feedparser.parse(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
        assert (feed.bozo, len(feed.entries)) == (0, 2)


def test_a_bucket_s3_refuses_is_a_failed_delivery_on_the_timeline(
    store: DynamoIncidentStore, plan: Plan, s3: Any
) -> None:
    incident, _, publication = open_and_approve(store, plan, "api", "INC-api", OPENED)

    publish(store, plan, s3, publication, bucket="no-such-bucket")

    (page,) = [d for d in store.deliveries(incident.id) if d.channel_id == "status-page"]
    assert (page.attempted, page.delivered, page.failed) == (len(SITE), 0, len(SITE))
    assert page.detail is not None and "NoSuchBucket" in page.detail
    failures = [e for e in store.timeline(incident.id) if e.kind == TimelineKind.DELIVERY_FAILED]
    assert [entry.data["channel_id"] for entry in failures] == ["status-page"]
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET)
