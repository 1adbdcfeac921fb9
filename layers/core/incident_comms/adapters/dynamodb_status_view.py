"""The status page's view in the one table (issue 16, part 2): a publication reads it in one query, whatever the
number of incidents in the table, where it used to read every incident's messages and publications.

Items, all under ``pk = STATUSPAGE#VIEW`` (sort keys chosen so that one ``Query`` with ``sk >= ACTIVE#<cutoff>``
reads the recent records, the file digests and every open incident, and nothing older):

- ``ACTIVE#<last activity>#<incident id>#<stamp>``  one record of an incident (compressed JSON in ``record``) as a
  publication kept it; a new key per publication, so a record is never overwritten, and the one read for an
  incident is the one with the greatest stamp (:func:`~incident_comms.delivery.status_page.records.stamp`): an
  older or redelivered publication cannot win over a newer one. It expires by TTL (``expires_at``) a day after it
  falls out of the page's 90 days, superseded or not: the page never shows it again, and the store keeps the
  incident itself.
- ``OPEN#<incident id>``                the newest record of an open incident, however old its last activity, so
  it stays on the page; put only over an older stamp. Once a record shows the incident resolved, the item becomes a
  tombstone (its stamp, no record: a hundred bytes, so that even before TTL deletes it a query reads thousands per
  page) that expires with the ``ACTIVE#`` record; not deleted at once, so that a late redelivery of an older
  publication cannot put the incident back as open
- ``FILES``                             ``file:<path>`` = sha256 of the bytes last written to that site path,
  merged by ``UpdateItem`` (each publication names only the paths it wrote; the history by month adds paths)

and, in a partition per month (``pk = STATUSPAGE#MONTH#<YYYY-MM>``, the month the incident opened in, one query for the
month's history page), ``sk = <incident id>``: the newest record of each incident, put only over an older stamp,
never expiring.

Records are put through :func:`~incident_comms.adapters.dynamodb_attempts.put_once`: a lost answer re-sent is
recognised as our own commit. Only ``Query``, ``PutItem``, ``UpdateItem`` and ``GetItem`` (the read-back of a refused
put): the grants the publisher and the publication sweeper have on these partitions (``StatusPageView`` in
``template.yaml``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from incident_comms.adapters.dynamodb_attempts import put_once
from incident_comms.adapters.dynamodb_items import item_values, string_attr
from incident_comms.delivery.status_page.logic import HISTORY_DAYS, shown_incident
from incident_comms.delivery.status_page.models import SiteIncident
from incident_comms.delivery.status_page.records import (
    ViewEntry,
    ViewSnapshot,
    decode,
    encode,
    month_of,
    stamp,
    trimmed,
)
from incident_comms.incidents.models import Incident

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

    from incident_comms.delivery.status_page.models import ShownIncident
    from incident_comms.incidents.store import IncidentStore

PARTITION = "STATUSPAGE#VIEW"
MONTH_PARTITION = "STATUSPAGE#MONTH#"
ACTIVE = "ACTIVE#"
OPEN = "OPEN#"
FILES = "FILES"
FILE_PREFIX = "file:"


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _key(sk: str) -> dict[str, Any]:
    return {"pk": string_attr(PARTITION), "sk": string_attr(sk)}


class DynamoStatusView:
    """:class:`~incident_comms.delivery.status_page.records.StatusView` on the one table."""

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def read(self, since: datetime) -> ViewSnapshot:
        entries: list[ViewEntry] = []
        digests: dict[str, str] = {}
        recent = "pk = :pk AND sk >= :from"
        bounds = {":pk": string_attr(PARTITION), ":from": string_attr(ACTIVE + _when(since))}
        for item in _queried(
            self._client,
            TableName=self._table,
            KeyConditionExpression=recent,
            ExpressionAttributeValues=bounds,
            ConsistentRead=True,
        ):
            sk = item["sk"]["S"]
            if sk == FILES:
                digests = {
                    name.removeprefix(FILE_PREFIX): value["S"]
                    for name, value in item.items()
                    if name.startswith(FILE_PREFIX)
                }
            elif "record" in item:
                entries.append(ViewEntry(decode(item["record"]["B"]), sk))
        return ViewSnapshot(entries, digests)

    def keep(self, record: SiteIncident, shown: ShownIncident) -> None:
        active, still_open, in_month = record_items(record, shown)
        put_once(self._client, self._table, active, "attribute_not_exists(pk)")
        for item in (still_open, in_month):
            put_once(
                self._client,
                self._table,
                item,
                "attribute_not_exists(pk) OR #stamp < :stamp",
                ExpressionAttributeNames={"#stamp": "stamp"},
                ExpressionAttributeValues={":stamp": item["stamp"]},
            )

    def remember_files(self, digests: Mapping[str, str | None]) -> None:
        # Merged, path by path, into what other publications remembered (a month page one of them wrote stays
        # known). Unconditional: the same update twice is harmless, and two publishers writing one path at once
        # both wrote the bytes of a view read after the other's keep (the channel's rounds).
        if not digests:
            return
        kept = sorted((path, digest) for path, digest in digests.items() if digest is not None)
        forgotten = sorted(path for path, digest in digests.items() if digest is None)
        names = {f"#k{index}": FILE_PREFIX + path for index, (path, _) in enumerate(kept)}
        names |= {f"#r{index}": FILE_PREFIX + path for index, path in enumerate(forgotten)}
        values = {f":k{index}": string_attr(digest) for index, (_, digest) in enumerate(kept)}
        sets = [f"#k{index} = :k{index}" for index in range(len(kept))]
        removes = [f"#r{index}" for index in range(len(forgotten))]
        clauses = ([f"SET {', '.join(sets)}"] if sets else []) + ([f"REMOVE {', '.join(removes)}"] if removes else [])
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": _key(FILES),
            "UpdateExpression": " ".join(clauses),
            "ExpressionAttributeNames": names,
        }
        if values:
            request["ExpressionAttributeValues"] = values
        self._client.update_item(**request)

    def month(self, month: str) -> list[SiteIncident]:
        items = _queried(
            self._client,
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": string_attr(MONTH_PARTITION + month)},
            ConsistentRead=True,
        )
        return [decode(item["record"]["B"]) for item in items if "record" in item]


def _queried(client: DynamoDBClient, **request: Any) -> Iterator[dict[str, Any]]:
    """Every item a query finds, page by page (boto3's paginator)."""
    for page in client.get_paginator("query").paginate(**request):
        yield from page.get("Items", [])


def record_items(record: SiteIncident, shown: ShownIncident) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The items that keep ``record``: its ``ACTIVE#`` item, its ``OPEN#`` item (a tombstone once it is resolved)
    and its item in its month (also what a bulk loader, such as the benchmark's, writes)."""
    mark = stamp(record)
    data = {"B": encode(record)}
    expires = {"N": str(int((shown.last_activity + timedelta(days=HISTORY_DAYS + 1)).timestamp()))}
    sk = f"{ACTIVE}{_when(shown.last_activity)}#{record.incident.id}#{mark}"
    active = {**_key(sk), "record": data, "expires_at": expires}
    still_open: dict[str, Any] = {**_key(OPEN + record.incident.id), "stamp": string_attr(mark)}
    if shown.resolved_at is None:
        still_open["record"] = data
    else:
        still_open["expires_at"] = expires
    in_month = {
        "pk": string_attr(MONTH_PARTITION + month_of(record.incident)),
        "sk": string_attr(record.incident.id),
        "stamp": string_attr(mark),
        "record": data,
    }
    return active, still_open, in_month


def backfill(client: DynamoDBClient, table: str, store: IncidentStore) -> dict[str, str]:
    """One-off (``incident-comms status-page backfill``): put every incident of the table the page would show into
    the view, for incidents published before the view existed. Safe to run again and beside publications: a record
    never wins over a newer one. Reads every incident (a paginated query of ``gsi1``), so it costs what a publication
    used to; answers the incidents it kept, by id, with the month whose history page lists each."""
    view = DynamoStatusView(client, table)
    kept: dict[str, str] = {}
    every = {":all": string_attr("INCIDENTS")}
    for item in _queried(
        client,
        TableName=table,
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :all",
        ExpressionAttributeValues=every,
    ):
        incident = Incident.model_validate(item_values(item))
        record = trimmed(SiteIncident(incident, store.messages(incident.id), store.publications(incident.id)))
        shown = shown_incident(record)
        if shown is not None:
            view.keep(record, shown)
            kept[incident.id] = month_of(incident)
    return kept
