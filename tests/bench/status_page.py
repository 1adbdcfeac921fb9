"""Publishing the status page with H incidents in the table (issue 16, part 2: flat in H), in-process over moto:
AWS calls (counted by a botocore event hook on the clients the channel uses) and seconds per publication at
H = 1, 100, 1,000 and 10,000, each as a ratio to H = 1 measured in the same run; and the old way (every incident's
messages and publications, :class:`OldWay`) at H = 1 and 100 as the "before".

Run: ``.venv/bin/python -m tests.bench.status_page [sizes...] [--old-sizes=1,100] [--no-ttl]``.

Seeding (not timed), on a fresh table per H: the H - 1 other incidents are resolved, the last 20 of them within the
90 days the page shows and the rest older; each is written as the store has it (incident, alarm, message and
publication items) and as the view keeps it (:func:`~incident_comms.adapters.dynamodb_status_view.record_items`),
by ``BatchWriteItem``, leaving out the view items whose ``expires_at`` has passed (DynamoDB's TTL would have
deleted them; moto never does: ``--no-ttl`` keeps them, the worst case of TTL lagging behind). The published
incident is opened and approved through the store; each publication is of it, one minute after the last. The calls
are the figure that transfers to DynamoDB (the median of :data:`RUNS` publications: the first writes every file of the
site, each incident's own page included, the next ones only the files whose bytes changed); moto's seconds are
in-process, and its ``Query`` goes through every item of
the table, so each H also prints one bare ``Query``'s time on the same table (:data:`BARE_QUERIES`).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import tests.conftest as suite  # noqa: F401 - sets the test AWS environment before boto3 is used
from incident_comms.delivery.publishing import ChannelJob, ChannelResult
from incident_comms.delivery.status_page.channel import StatusPageChannel
from incident_comms.delivery.status_page.models import SiteIncident
from incident_comms.delivery.status_page.records import MemoryStatusView, ViewSnapshot
from tests.bench.webhook_groups import fresh_table
from tests.conftest import REPO
from tests.factories import published_record

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
RECENT = 20
"""How many of the other incidents fall in the page's 90 days: the page is the same size at every H above it."""
RUNS = 3
BARE_QUERIES = 10
"""One bare ``Query`` of one incident's items, timed on the same table: moto answers a query by going through every
item of the table in Python, so its cost per call grows with H where DynamoDB's does not."""
BUCKET = "status-page-bench"
COMPONENTS = ("api", "storage", "dashboard")
OLD_INCIDENT_LIMIT = 500
"""How many incidents the old channel listed."""


class OldWay(StatusPageChannel):
    """The channel as it was before the view: every incident listed (up to 500), and its messages and
    publications read, on every round."""

    def __init__(self, store: Any, s3: Any, bucket: str) -> None:
        super().__init__(store, s3, bucket, view=MemoryStatusView())

    def publish(self, job: ChannelJob) -> ChannelResult:
        self._view = MemoryStatusView()  # nothing remembered between publications: every file written, as it was
        return super().publish(job)

    def gather(self, own: SiteIncident, snapshot: ViewSnapshot) -> list[SiteIncident]:
        records = []
        incidents = list(self._store.list_incidents(limit=OLD_INCIDENT_LIMIT))
        if all(incident.id != own.incident.id for incident in incidents):
            incidents.append(own.incident)
        for incident in incidents:
            messages = self._store.messages(incident.id)
            publications = self._store.publications(incident.id)
            if incident.id == own.incident.id:
                records.append(own)
            else:
                records.append(SiteIncident(incident, messages, publications))
        return records


def seed(client: Any, table: str, plan: Any, count: int, keep_expired: bool = False) -> None:
    from incident_comms.adapters.dynamodb_items import alarm_attrs, incident_attrs, model_attrs
    from incident_comms.adapters.dynamodb_status_view import record_items
    from incident_comms.delivery.status_page.logic import shown_incident

    items: list[dict[str, Any]] = []
    for index in range(count):
        age = timedelta(days=4 * index + 1) if index < RECENT else timedelta(days=100 + index)
        at = NOW - age
        record = published_record(
            plan, f"INC-{index:05d}", at, component=COMPONENTS[index % 3], resolved_at=at + timedelta(hours=1)
        )
        incident, (message,), (publication,) = record.incident, record.messages, record.publications
        pk = f"INCIDENT#{incident.id}"
        items += [
            incident_attrs(
                incident, pk=pk, sk="META", gsi1pk="INCIDENTS", gsi1sk=f"{incident.opened_at.isoformat()}#{incident.id}"
            ),
            *(alarm_attrs(incident.id, snapshot) for snapshot in incident.alarms.values()),
            model_attrs(message, pk=pk, sk=f"MSG#{message.id}"),
            model_attrs(publication, pk=pk, sk=f"PUB#{publication.message_id}#v{publication.version:04d}"),
        ]
        shown = shown_incident(record)
        assert shown is not None
        items += [item for item in record_items(record, shown) if keep_expired or not expired(item)]
    for start in range(0, len(items), 25):
        client.batch_write_item(
            RequestItems={table: [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]}
        )


def expired(item: dict[str, Any]) -> bool:
    """Whether DynamoDB's TTL would have deleted ``item`` by ``NOW`` (moto never expires items)."""
    return "expires_at" in item and int(item["expires_at"]["N"]) < NOW.timestamp()


def published_job(store: Any, plan: Any) -> ChannelJob:
    """The incident being published: opened and approved through the store half an hour before :data:`NOW`."""
    from tests.aws.test_statuspage_s3 import open_and_approve

    incident, after, _ = open_and_approve(store, plan, "api", "INC-now", NOW - timedelta(minutes=30))
    draft = next(d for d in after.drafts if d.kind == "status_page")
    channel = next(c for c in plan.channels.channels if c.id == draft.channel_id)
    return ChannelJob(plan, incident, after, draft, channel, NOW)


def measure(size: int, old: bool, keep_expired: bool = False) -> tuple[float, float, int, str]:
    """Median calls and seconds per publication with ``size`` incidents in the table, the incidents shown, and the
    calls of the last publication by operation."""
    import json

    import boto3

    from incident_comms.adapters.dynamodb import DynamoIncidentStore
    from incident_comms.adapters.dynamodb_maintenance import DynamoMaintenanceStore
    from incident_comms.adapters.dynamodb_status_view import DynamoStatusView
    from incident_comms.lint.plan_texts import load_checked_plan
    from incident_comms.scheduled_maintenance.use_cases import listed

    plan = load_checked_plan(REPO / "plan")
    client, table = fresh_table()
    s3 = boto3.client("s3")
    if BUCKET not in {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    store = DynamoIncidentStore(client, table)
    seed(client, table, plan, size - 1, keep_expired)
    job = published_job(store, plan)
    maintenances = DynamoMaintenanceStore(client, table)
    channel = (
        OldWay(store, s3, BUCKET)
        if old
        else StatusPageChannel(
            store,
            s3,
            BUCKET,
            view=DynamoStatusView(client, table),
            maintenances=lambda now: listed(maintenances, now),
        )
    )
    calls: Counter[str] = Counter()
    spent: Counter[str] = Counter()
    began: dict[str, float] = {}

    def count(model: Any, **_: Any) -> None:
        calls.update([model.name])
        began[model.name] = time.perf_counter()

    def took(model: Any, **_: Any) -> None:
        spent[model.name] += time.perf_counter() - began.pop(model.name, time.perf_counter())

    for each in (client, s3):
        each.meta.events.register("before-call.*.*", count)
        each.meta.events.register("after-call.*.*", took)
    seconds, totals = [], []
    for run in range(RUNS):
        calls.clear()
        spent.clear()
        started = time.perf_counter()
        result = channel.publish(replace(job, now=NOW + timedelta(minutes=run)))
        seconds.append(time.perf_counter() - started)
        totals.append(sum(calls.values()))
        assert result.failed == 0, result.detail
    for each in (client, s3):
        each.meta.events.unregister("before-call.*.*", count)
        each.meta.events.unregister("after-call.*.*", took)
    shown = len(json.loads(s3.get_object(Bucket=BUCKET, Key="index.json")["Body"].read())["incidents"])
    started = time.perf_counter()
    for _ in range(BARE_QUERIES):
        store.publications(job.incident.id)
    bare = (time.perf_counter() - started) / BARE_QUERIES
    last = " ".join(f"{name}={number}/{spent[name] * 1000:.0f}ms" for name, number in sorted(calls.items()))
    return statistics.median(totals), statistics.median(seconds), shown, f"{last} bare-Query={bare * 1000:.1f}ms"


def main(argv: list[str]) -> None:
    from moto import mock_aws

    sizes = [int(arg) for arg in argv if arg.isdigit()] or [1, 100, 1000, 10000]
    old_arg = next((arg for arg in argv if arg.startswith("--old-sizes=")), "--old-sizes=1,100")
    old_sizes = [int(size) for size in old_arg.split("=", 1)[1].split(",") if size]
    with mock_aws():
        print(
            f"{'way':<4} {'H':>6} {'shown':>5} {'calls':>6} {'s/pub':>8} {'calls/H=1':>10} {'s/H=1':>7}  calls/ms by op"
        )
        for label, way_sizes, old in (("old", old_sizes, True), ("new", sizes, False)):
            unit: tuple[float, float, int, str] | None = None
            for size in way_sizes:
                figures = measure(size, old, "--no-ttl" in argv)
                unit = unit or (measure(1, old, "--no-ttl" in argv) if size != 1 else figures)
                calls, seconds, shown, last = figures
                print(
                    f"{label:<4} {size:>6} {shown:>5} {calls:>6.0f} {seconds:>8.3f} "
                    f"{calls / unit[0]:>10.2f} {seconds / unit[1]:>7.2f}  {last if size <= 100 or not old else ''}"
                )


if __name__ == "__main__":
    main(sys.argv[1:])
