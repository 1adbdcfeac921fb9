"""The status page's view on moto (issue 16, part 2): kept on publication, never overwritten by an older or
redelivered record, safe against a lost answer, read in a constant number of calls whatever the table holds,
files not rewritten when their bytes did not change, and the backfill of incidents published before it existed."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from incident_comms.adapters.dynamodb import DynamoIncidentStore
from incident_comms.adapters.dynamodb_status_view import PARTITION, DynamoStatusView, backfill, record_items
from incident_comms.delivery.publishing import ChannelJob
from incident_comms.delivery.status_page.channel import StatusPageChannel
from incident_comms.delivery.status_page.logic import shown_incident
from incident_comms.delivery.status_page.models import ShownIncident, SiteIncident
from incident_comms.delivery.status_page.records import newest, stamp
from incident_comms.plan.models import Plan
from tests.aws.test_statuspage_s3 import BUCKET, open_and_approve
from tests.factories import OPENED, published_record, status_site_files
from tests.faults import Faults

NOW = OPENED + timedelta(days=1)


@pytest.fixture
def dynamodb(table_name: str) -> Any:
    return boto3.client("dynamodb")


@pytest.fixture
def view(dynamodb: Any, table_name: str) -> DynamoStatusView:
    return DynamoStatusView(dynamodb, table_name)


@pytest.fixture
def s3(aws: None) -> Any:
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    return client


def shown(record: SiteIncident) -> ShownIncident:
    result = shown_incident(record)
    assert result is not None
    return result


def view_items(dynamodb: Any, table_name: str) -> list[dict[str, Any]]:
    found = dynamodb.query(
        TableName=table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": PARTITION}},
    )
    return list(found["Items"])


def job_for(plan: Plan, record: SiteIncident, now: Any = NOW) -> ChannelJob:
    message = record.messages[-1]
    draft = next(d for d in message.drafts if d.kind == "status_page")
    channel = next(c for c in plan.channels.channels if c.id == draft.channel_id)
    return ChannelJob(plan, record.incident, message, draft, channel, now)


class CountingS3:
    """The bucket, counting the files written."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.puts: list[str] = []

    def put_object(self, **request: Any) -> Any:
        self.puts.append(request["Key"])
        return self.client.put_object(**request)


def test_publishing_keeps_the_incident_in_the_view(plan: Plan, store: DynamoIncidentStore, view: Any, s3: Any) -> None:
    incident, message, _ = open_and_approve(store, plan, "api", "INC-api", OPENED)
    record = SiteIncident(incident, [message], store.publications(incident.id))

    StatusPageChannel(store, s3, BUCKET, view=view).publish(job_for(plan, record))

    snapshot = view.read(NOW - timedelta(days=90))
    assert [(e.record.incident.id, [m.id for m in e.record.messages]) for e in snapshot.entries] == [
        ("INC-api", [message.id]),  # the open incident's record, read through its ACTIVE# and OPEN# items
        ("INC-api", [message.id]),
    ]
    assert set(snapshot.digests) == status_site_files("INC-api") | {
        "history/2026-11.html",  # the incident's month, and the list of months
        "history/index.html",
        "en/history/2026-11.html",
        "en/history/index.html",
    }


def test_an_older_or_redelivered_record_never_wins_over_a_newer_one(plan: Plan, view: Any, dynamodb: Any) -> None:
    first = published_record(plan, "INC-1", OPENED)
    later = published_record(plan, "INC-1", OPENED, resolved_at=OPENED + timedelta(hours=2))

    view.keep(later, shown(later))
    view.keep(first, shown(first))  # an older publication arriving late
    view.keep(later, shown(later))  # a redelivery

    records = [entry.record for entry in view.read(NOW - timedelta(days=90)).entries]
    (chosen,) = newest(records)
    assert chosen.incident.resolved_at == OPENED + timedelta(hours=2)
    items = {item["sk"]["S"].split("#")[0]: item for item in view_items(dynamodb, "incidents-test")}
    kinds = Counter(item["sk"]["S"].split("#")[0] for item in view_items(dynamodb, "incidents-test"))
    assert kinds == {"ACTIVE": 2, "OPEN": 1}
    still_open = items["OPEN"]
    assert "record" not in still_open and still_open["stamp"]["S"] == stamp(later)  # the older did not replace it
    expiry = datetime.fromtimestamp(int(still_open["expires_at"]["N"]), UTC)
    assert expiry == OPENED + timedelta(hours=2, days=91)  # resolved: it leaves with its ACTIVE# record


def test_a_lost_answer_on_the_view_write_ends_with_one_correct_record(
    plan: Plan, view: Any, dynamodb: Any, no_retry_waits: None
) -> None:
    record = published_record(plan, "INC-1", OPENED)
    faults = Faults(dynamodb).lose_answer("PutItem")

    view.keep(record, shown(record))

    assert faults.injected["PutItem"] == 1 and faults.committed["PutItem"] == 4  # lost, re-sent, OPEN#, its month
    items = view_items(dynamodb, "incidents-test")
    assert sorted(item["sk"]["S"].split("#")[0] for item in items) == ["ACTIVE", "OPEN"]
    entries = view.read(NOW - timedelta(days=90)).entries
    assert [entry.record for entry in entries] == [record, record]  # its ACTIVE# and OPEN# items


def test_a_publication_makes_the_same_calls_with_1_or_50_incidents_in_the_table(
    plan: Plan, store: DynamoIncidentStore, view: Any, dynamodb: Any, s3: Any
) -> None:
    def calls_publishing(seeded: int) -> Counter[str]:
        for index in range(seeded):
            record = published_record(plan, f"INC-old-{seeded}-{index}", OPENED - timedelta(days=200 + index))
            record = published_record(
                plan, record.incident.id, record.incident.opened_at, resolved_at=record.incident.opened_at
            )
            dynamodb.batch_write_item(
                RequestItems={
                    "incidents-test": [{"PutRequest": {"Item": i}} for i in record_items(record, shown(record))]
                }
            )
        incident, message, _ = open_and_approve(store, plan, "api", f"INC-{seeded}", OPENED + timedelta(minutes=seeded))
        record = SiteIncident(incident, [message], store.publications(incident.id))
        calls: Counter[str] = Counter()

        def count(model: Any, **_: Any) -> None:
            calls.update([model.name])

        clients = (dynamodb, store._client, s3)
        for client in clients:
            client.meta.events.register("before-call.*.*", count)
        StatusPageChannel(store, s3, BUCKET, view=view).publish(job_for(plan, record, NOW + timedelta(minutes=seeded)))
        for client in clients:
            client.meta.events.unregister("before-call.*.*", count)
        return calls

    calls_publishing(0)  # the first publication also writes the pages that never change (404)
    assert calls_publishing(1) == calls_publishing(50)


def test_files_whose_bytes_did_not_change_are_not_written_again(
    plan: Plan, store: DynamoIncidentStore, view: Any, s3: Any
) -> None:
    incident, message, _ = open_and_approve(store, plan, "api", "INC-api", OPENED)
    record = SiteIncident(incident, [message], store.publications(incident.id))
    bucket = CountingS3(s3)
    channel = StatusPageChannel(store, bucket, BUCKET, view=view)

    first = channel.publish(job_for(plan, record))
    again = channel.publish(job_for(plan, record))  # a redelivery: the same site

    files = len(status_site_files("INC-api")) + 4  # and the history by month: its month and the list of months
    assert len(bucket.puts) == files
    assert (first.delivered, again.delivered, again.failed) == (files, files, 0)


def test_backfill_puts_incidents_published_before_the_view_into_it(
    plan: Plan, store: DynamoIncidentStore, view: Any, dynamodb: Any, s3: Any
) -> None:
    open_and_approve(store, plan, "api", "INC-api", OPENED)
    incident, message, _ = open_and_approve(store, plan, "storage", "INC-storage", OPENED + timedelta(minutes=5))
    record = SiteIncident(incident, [message], store.publications(incident.id))
    channel = StatusPageChannel(store, s3, BUCKET, view=view)
    channel.publish(job_for(plan, record))
    before = {i["id"] for i in json.loads(s3.get_object(Bucket=BUCKET, Key="index.json")["Body"].read())["incidents"]}

    kept = backfill(dynamodb, "incidents-test", store)
    channel.publish(job_for(plan, record, NOW + timedelta(minutes=1)))

    after = {i["id"] for i in json.loads(s3.get_object(Bucket=BUCKET, Key="index.json")["Body"].read())["incidents"]}
    assert (before, after) == ({"INC-storage"}, {"INC-api", "INC-storage"})
    assert kept == {"INC-api": "2026-11", "INC-storage": "2026-11"}


def test_the_backfill_command_reports_what_it_kept(
    plan: Plan, store: DynamoIncidentStore, view: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from incident_comms.cli.main import main

    open_and_approve(store, plan, "api", "INC-api", OPENED)

    assert main(["status-page", "backfill", "--table", "incidents-test"]) == 0
    assert capsys.readouterr().out == (
        "status page view: 1 incidents kept\n"
        "history by month: not written (give --bucket NAME or set STATUS_PAGE_BUCKET)\n"
    )
    assert [entry.record.incident.id for entry in view.read(OPENED).entries] == ["INC-api", "INC-api"]


def test_the_backfill_writes_the_history_of_months_nobody_will_publish_about_again(
    plan: Plan, store: DynamoIncidentStore, s3: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from incident_comms.cli.main import main

    march = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    open_and_approve(store, plan, "api", "INC-march", march)
    open_and_approve(store, plan, "storage", "INC-november", OPENED)
    command = ["status-page", "backfill", "--table", "incidents-test", "--bucket", BUCKET, "--clock", NOW.isoformat()]

    assert main(command) == 0
    assert main(command) == 0  # again: nothing new to write

    first, again = capsys.readouterr().out.strip().split("\n")[1::2]
    assert (first, again) == (
        "history by month: 6 of 6 files written or already current",
        "history by month: 6 of 6 files written or already current",
    )
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {
        f"{prefix}history/{page}.html" for prefix in ("", "en/") for page in ("index", "2026-03", "2026-11")
    }
    march_page = s3.get_object(Bucket=BUCKET, Key="history/2026-03.html")["Body"].read().decode()
    assert "INC-march" in march_page and "INC-november" not in march_page
    listing = s3.get_object(Bucket=BUCKET, Key="en/history/index.html")["Body"].read().decode()
    assert listing.index("2026-11.html") < listing.index("2026-03.html")


def test_the_backfill_refuses_a_clock_without_an_offset_before_touching_the_table(
    capsys: pytest.CaptureFixture[str], table_name: str
) -> None:
    from incident_comms.cli.main import main

    code = main(["status-page", "backfill", "--table", table_name, "--bucket", BUCKET, "--clock", "2026-11-23T10:00"])

    assert code == 2
    assert capsys.readouterr().err.startswith("error: --clock:")


def test_an_incident_is_kept_in_its_month_for_good_and_only_a_newer_record_replaces_it(
    plan: Plan, view: Any, dynamodb: Any
) -> None:
    first = published_record(plan, "INC-1", OPENED)
    later = published_record(plan, "INC-1", OPENED, resolved_at=OPENED + timedelta(hours=2))

    view.keep(later, shown(later))
    view.keep(first, shown(first))  # an older publication arriving late

    (kept,) = view.month("2026-11")
    assert kept.incident.resolved_at == OPENED + timedelta(hours=2)
    item = dynamodb.get_item(
        TableName="incidents-test", Key={"pk": {"S": "STATUSPAGE#MONTH#2026-11"}, "sk": {"S": "INC-1"}}
    )["Item"]
    assert "expires_at" not in item  # the history by month outlives the 90 days
    assert view.month("2026-10") == []


def test_the_files_remembered_are_merged_across_publications(view: Any) -> None:
    view.remember_files({"history/2026-03.html": "a", "index.html": "b", "en/feed.atom": "c"})

    view.remember_files({"index.html": "d", "history/2026-11.html": "e", "en/feed.atom": None})  # refused: forgotten

    digests = view.read(NOW - timedelta(days=90)).digests
    assert digests == {"history/2026-03.html": "a", "index.html": "d", "history/2026-11.html": "e"}
