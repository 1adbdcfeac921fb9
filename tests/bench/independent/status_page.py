"""Publishing the status page with H incidents in the table: AWS calls and seconds of one publication.

The sample alarm's incident is opened and approved through the stack's routes (a real publication fills the view).
History is then added incident by incident as a team's history grows, one incident a day going back from the
sample's (so H = 10,000 is some 27 years): each a copy of the sample's incident, resolved an hour after it opened,
under its own id and dates, written to the table as a publication would have left it (its incident and publication
items, and the status page view's items made by the view's own ``record_items``). DynamoDB's TTL is played: an item
whose ``expires_at`` has passed is not written (AWS deletes those within days; moto never does). At each H the
sample's incident is published on the status page channel (``composition.services().channel_publishers``) five
times, a minute apart, after one publication that also rewrites the history pages the added history changed
(its calls are reported apart), and the calls and the median time are kept. Baseline: the same publication at
H = 1, in the same table, before any history was added. Last, the expired items are written too (TTL not run
yet) and the largest H is measured again, for the record."""

from __future__ import annotations

import json
import re
import time
import zlib
from datetime import datetime, timedelta
from typing import Any

from tests.bench.independent import isolated
from tests.bench.independent.calls import counting, describe
from tests.bench.independent.report import Figure, median
from tests.bench.independent.stack import START, BenchStack, sample

INSTANT = re.compile(r'"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))"')
PUBLICATIONS = 5


def shifted(text: str, old_id: str, new_id: str, delta: timedelta) -> str:
    """``text`` (JSON) with the incident id replaced and every instant moved by ``delta``."""

    def move(found: re.Match[str]) -> str:
        moment = datetime.fromisoformat(found.group(1).replace("Z", "+00:00")) + delta
        return json.dumps(moment.isoformat())

    return INSTANT.sub(move, text.replace(old_id, new_id))


class History:
    """Adds resolved incidents behind the sample's, one a day going back."""

    def __init__(self, bench: BenchStack, record: Any, raw_items: list[dict[str, Any]]) -> None:
        self.bench = bench
        self.record = record
        self.raw_items = raw_items
        self.count = 0
        self.expired: list[dict[str, Any]] = []
        self.now = START

    def add(self, how_many: int) -> None:
        from incident_comms.adapters.dynamodb_status_view import record_items
        from incident_comms.delivery.status_page.logic import shown_incident
        from incident_comms.delivery.status_page.records import decode, encode

        source_id = self.record.incident.id
        document = zlib.decompress(encode(self.record)).decode("utf-8")
        items: list[dict[str, Any]] = []
        for _ in range(how_many):
            self.count += 1
            new_id = f"INC-HIST-{self.count:06d}"
            delta = -timedelta(days=self.count, hours=2)
            copy = json.loads(shifted(document, source_id, new_id, delta))
            incident = copy["incident"]
            opened = datetime.fromisoformat(incident["opened_at"].replace("Z", "+00:00"))
            incident.update(status="resolved", phase="resolved", resolved_at=(opened + timedelta(hours=1)).isoformat())
            record = decode(zlib.compress(json.dumps(copy).encode("utf-8")))
            shown = shown_incident(record)
            assert shown is not None and shown.resolved_at is not None, "a history incident must show as resolved"
            items += list(record_items(record, shown))
            items += [json.loads(shifted(json.dumps(raw), source_id, new_id, delta)) for raw in self.raw_items]
        self._write(items)

    def _write(self, items: list[dict[str, Any]]) -> None:
        live = []
        for item in items:
            expires = item.get("expires_at", {}).get("N")
            if expires is not None and int(expires) < self.now.timestamp():
                self.expired.append(item)
            else:
                live.append(item)
        self.put(live)

    def put(self, items: list[dict[str, Any]]) -> None:
        dynamodb = self.bench.client("dynamodb")
        for start in range(0, len(items), 25):
            requests = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
            left = {self.bench.table: requests}
            while left:
                left = dynamodb.batch_write_item(RequestItems=left).get("UnprocessedItems") or {}


def _bare_query(bench: BenchStack) -> float:
    """Median seconds of one bare Query of the view's partition, as the view reads it, at this table size: moto's
    Query looks at every item of the table, so this is what the table's size alone costs a query here."""
    dynamodb = bench.client("dynamodb")
    request = {
        "TableName": bench.table,
        "KeyConditionExpression": "pk = :pk AND sk >= :from",
        "ExpressionAttributeValues": {
            ":pk": {"S": "STATUSPAGE#VIEW"},
            ":from": {"S": "ACTIVE#" + (START - timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")},
        },
        "ConsistentRead": True,
    }
    seconds = []
    for _ in range(PUBLICATIONS):
        started = time.perf_counter()
        dynamodb.query(**request)
        seconds.append(time.perf_counter() - started)
    return median(seconds)


def one(sizes: list[int]) -> dict[str, Any]:
    """Every H of ``sizes`` in one stack, history added between them (run it through :mod:`.isolated`)."""
    from incident_comms.composition import services
    from incident_comms.delivery.publishing import ChannelJob
    from incident_comms.plan.models import ChannelKind

    results: list[dict[str, Any]] = []
    with BenchStack() as bench:
        bench.event(sample("cloudwatch-eventbridge-alarm.json"))
        bench.drain()
        if bench.approve_all() == 0:
            raise RuntimeError("the sample draft was not approved")
        deps = services()
        (listed,) = deps.store.list_incidents()
        incident = deps.store.get_incident(listed.id)
        assert incident is not None
        (entry, *_) = deps.status_view.read(START - timedelta(days=90)).entries
        raw = [
            item
            for item in bench.client("dynamodb").query(
                TableName=bench.table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": f"INCIDENT#{incident.id}"}},
            )["Items"]
            if item["sk"]["S"] == "META" or item["sk"]["S"].startswith("PUB#")
        ]
        history = History(bench, entry.record, raw)
        channel = next(c for c in deps.plan.channels.channels if c.kind == ChannelKind.STATUS_PAGE)
        publisher = deps.channel_publishers[ChannelKind.STATUS_PAGE]
        message = next(m for m in deps.store.messages(incident.id) if any(d.channel_id == channel.id for d in m.drafts))
        draft = next(d for d in message.drafts if d.channel_id == channel.id)
        minute = 0

        def publications(label: str, h: int) -> None:
            nonlocal minute
            seconds, calls, detail = [], [], ""
            for number in range(PUBLICATIONS + 1):
                minute += 1
                job = ChannelJob(deps.plan, incident, message, draft, channel, START + timedelta(minutes=minute))
                with counting() as log:
                    started = time.perf_counter()
                    result = publisher.publish(job)
                    seconds.append(time.perf_counter() - started)
                if result.failed:
                    raise RuntimeError(f"the status page publication failed: {result.detail}")
                if number == 0:
                    # The first publication after the history grew also writes the history pages that history
                    # changed: kept apart, the figure is a publication's steady cost.
                    first = log.total()
                    seconds.pop()
                    continue
                calls.append(log.total())
                detail = describe(log.by_operation(functions_only=False))
            query = _bare_query(bench)
            results.append(
                {
                    "query": query,
                    "h": h,
                    "label": label,
                    "seconds": median(seconds),
                    "calls": calls,
                    "operations": detail,
                    "first": first,
                }
            )

        for h in sizes:
            history.add(h - 1 - history.count)
            publications("TTL played", h)
        history.put(history.expired)
        publications("expired items kept (TTL not run)", sizes[-1])
    return {"results": results}


def measure(quick: bool, sizes: list[int] | None = None) -> Figure:
    sizes = sizes or ([1, 100, 1000] if quick else [1, 100, 1000, 10000])
    figure = Figure("status page", "publication cost flat in H (same AWS calls at every H)")
    results = isolated.run("tests.bench.independent.status_page:one", sizes)["results"]
    base = results[0]
    played = [r for r in results if r["label"] == "TTL played"]
    for r in results:
        figure.details.append(
            f"H={r['h']:>6} ({r['label']}): calls {r['calls']} (first after the history grew {r['first']}), "
            f"{r['seconds'] * 1000:.0f} ms median, a bare view Query {r['query'] * 1000:.0f} ms "
            f"(publication = {r['seconds'] / r['query']:.1f} bare queries), "
            f"{r['seconds'] / base['seconds']:.2f}x H=1"
        )
    figure.details.append(f"calls at H={base['h']}: {base['operations']}")
    figure.details.append(f"calls at H={results[-1]['h']} (TTL not run): {results[-1]['operations']}")
    last = played[-1]
    same_calls = all(r["calls"] == base["calls"] for r in played)
    figure.figure = f"H={last['h']}: {last['calls'][0]} AWS calls, {last['seconds'] * 1000:.0f} ms per publication"
    figure.baseline = f"H=1: {base['calls'][0]} AWS calls, {base['seconds'] * 1000:.0f} ms"
    figure.ratio = last["seconds"] / base["seconds"]
    figure.met = same_calls
    if len(played) > 2:
        figure.details.append(
            f"seconds H={played[-1]['h']} / H={played[1]['h']}: {played[-1]['seconds'] / played[1]['seconds']:.2f}"
        )
    return figure
