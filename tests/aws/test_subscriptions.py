"""The subscribe form's rate limit on the incidents table (moto): one claim per address per 15 minutes, by TTL item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from incident_comms.adapters.subscriptions import DynamoConfirmationLimiter
from incident_comms.subscribers.subscribe import CLIENT_BUDGET, GLOBAL_BUDGET

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
ANA = "ana@cliente.example"


@pytest.fixture
def limiter(table_name: str) -> DynamoConfirmationLimiter:
    return DynamoConfirmationLimiter(boto3.client("dynamodb"), table_name)


def items(table_name: str) -> list[dict[str, Any]]:
    return list(boto3.client("dynamodb").scan(TableName=table_name)["Items"])


def test_one_claim_per_address_per_fifteen_minutes(limiter: DynamoConfirmationLimiter) -> None:
    claims = [
        limiter.claim(ANA, NOW),
        limiter.claim(ANA, NOW + timedelta(minutes=14, seconds=59)),
        limiter.claim("bob@client.example", NOW + timedelta(minutes=1)),
        limiter.claim(ANA, NOW + timedelta(minutes=15)),
        limiter.claim(ANA, NOW + timedelta(minutes=16)),
    ]

    assert claims == [True, False, True, True, False]


def test_the_item_expires_by_the_tables_ttl_and_holds_no_address(
    limiter: DynamoConfirmationLimiter, table_name: str
) -> None:
    limiter.claim(ANA, NOW)

    (item,) = items(table_name)
    assert item["pk"]["S"].startswith("SUBSCRIBE#") and item["sk"]["S"] == "CONFIRMATION"
    assert int(item["expires_at"]["N"]) == int((NOW + timedelta(minutes=15)).timestamp())
    assert ANA not in repr(item)


def test_releasing_gives_the_claim_back_but_never_someone_elses(limiter: DynamoConfirmationLimiter) -> None:
    limiter.claim(ANA, NOW)
    limiter.release(ANA, NOW)
    assert limiter.claim(ANA, NOW + timedelta(seconds=1))

    limiter.release(ANA, NOW)  # a stale release: the claim of NOW + 1 s is not its own
    assert not limiter.claim(ANA, NOW + timedelta(seconds=2))


def test_a_non_positive_interval_is_a_configuration_error(table_name: str) -> None:
    with pytest.raises(ValueError, match="positive"):
        DynamoConfirmationLimiter(boto3.client("dynamodb"), table_name, timedelta(0))


def test_each_client_and_the_whole_form_have_an_hourly_budget(limiter: DynamoConfirmationLimiter) -> None:
    one_client = [limiter.admit("198.51.100.7", NOW + timedelta(seconds=i)) for i in range(CLIENT_BUDGET + 2)]
    next_hour = limiter.admit("198.51.100.7", NOW + timedelta(hours=1))

    assert one_client == [True] * CLIENT_BUDGET + [False, False]
    assert next_hour is True
    many = [limiter.admit(f"203.0.113.{i % 250}", NOW + timedelta(hours=2)) for i in range(GLOBAL_BUDGET + 5)]
    assert many.count(True) == GLOBAL_BUDGET, "clients taking turns cannot pass the form's own budget"
