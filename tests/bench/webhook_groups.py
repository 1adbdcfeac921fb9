"""Per-alert cost of applying an Alertmanager group of 10, 100 and 1,000 alerts on one component (issue 16: flat),
as a ratio to one bare two-item conditional transaction measured in the same run, in-process over moto.

Run: ``.venv/bin/python -m tests.bench.webhook_groups [sizes...] [--one-by-one]``. ``--one-by-one`` also times the
path that applies each alert on its own (:func:`incident_comms.intake.ingest.ingest_event`), for comparison; it is
slow (about a minute for 100 alerts). Each size runs on a fresh table: moto copies the whole table on every
transaction item, so a table left from a previous size would be measured too.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import tests.conftest as suite  # noqa: F401 - sets the test AWS environment before boto3 is used
from tests.conftest import REPO
from tests.factories import alertmanager_group as group

BASELINE_ROUNDS = 50
NOW = datetime(2026, 11, 22, 10, 20, tzinfo=UTC)


class Silent:
    """An email sender that sends nothing: SES is not what is measured."""

    def send(self, email: Any) -> str:
        return "silent"


def fresh_table() -> Any:
    import boto3

    from incident_comms.local.cfn import create_table_request, load_template, resources_of_type

    (properties,) = resources_of_type(load_template(REPO / "template.yaml"), "AWS::DynamoDB::Table").values()
    client = boto3.client("dynamodb")
    name = f"bench-{time.perf_counter_ns()}"
    client.create_table(**create_table_request(properties, name))
    return client, name


def baseline(on: tuple[Any, str] | None = None) -> float:
    """Seconds per bare two-item conditional transaction (two new items, each on ``attribute_not_exists``), on a
    fresh table or ``on`` a given (client, table): moto copies the whole table on every transaction item, so the
    loop costs more on a full table than in AWS, and a fair comparison runs it on the same table."""
    client, table = on or fresh_table()
    started = time.perf_counter()
    for n in range(BASELINE_ROUNDS):
        client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": table,
                        "Item": {"pk": {"S": f"BENCH#{n}"}, "sk": {"S": side}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
                for side in ("A", "B")
            ]
        )
    return (time.perf_counter() - started) / BASELINE_ROUNDS


def timed_group(size: int, apply: Callable[..., Any]) -> float:
    """Seconds per alert to apply a group of ``size`` on a fresh table with ``apply``."""
    from incident_comms.adapters.dynamodb import DynamoIncidentStore
    from incident_comms.adapters.dynamodb_alarms import DynamoAlarmBatches
    from incident_comms.approvals.requests import ApprovalRequests
    from incident_comms.clock import ManualClock
    from incident_comms.lifecycle.transitions import IncidentLifecycle
    from incident_comms.lint.plan_texts import load_checked_plan

    client, table = fresh_table()
    store = DynamoIncidentStore(client, table)
    plan = load_checked_plan(REPO / "plan")
    approvals = ApprovalRequests(Silent(), token_key=lambda: b"k" * 64, base_url="https://incidents.example.com")
    lifecycle = IncidentLifecycle(plan, store, approvals)
    payload = group(size)
    started = time.perf_counter()
    report = apply(payload, plan, store, DynamoAlarmBatches(client, table), ManualClock(NOW), approvals, lifecycle)
    elapsed = time.perf_counter() - started
    assert len(report.outcomes) == size and not report.rejected
    return elapsed / size


def grouped(payload: Any, plan: Any, store: Any, batches: Any, clock: Any, approvals: Any, lifecycle: Any) -> Any:
    from incident_comms.intake.groups import ingest_group
    from incident_comms.intake.payloads import alarms_from_payload

    return ingest_group(alarms_from_payload(payload, clock.now()), plan, store, batches, clock, approvals, lifecycle)


def one_by_one(payload: Any, plan: Any, store: Any, batches: Any, clock: Any, approvals: Any, lifecycle: Any) -> Any:
    from incident_comms.intake.ingest import ingest_event

    return ingest_event(payload, plan, store, clock, approvals, lifecycle)


def main(argv: list[str]) -> None:
    from moto import mock_aws

    sizes = [int(arg) for arg in argv if arg.isdigit()] or [10, 100, 1000]
    paths = {"grouped": grouped, **({"one-by-one": one_by_one} if "--one-by-one" in argv else {})}
    with mock_aws():
        unit = baseline()
        print(f"baseline: {unit * 1000:.1f} ms per 2-item conditional transaction (moto, fresh table)")
        print(f"{'path':<11} {'alerts':>6} {'ms/alert':>9} {'ratio':>7}")
        for name, apply in paths.items():
            for size in sizes:
                per_alert = timed_group(size, apply)
                print(f"{name:<11} {size:>6} {per_alert * 1000:>9.1f} {per_alert / unit:>7.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
