"""Each function's DynamoDB grants reach only the partition keys it names (issue 15, part 4).

The table holds every kind of item under a partition-key prefix (``INCIDENT#``, ``COMPONENT#``, ``EVENT#``,
``TOKEN#``, ``SUBSCRIBE#``: :mod:`incident_comms.adapters.dynamodb_items`). Each function's item statements on it are
conditioned on ``dynamodb:LeadingKeys`` (``ForAllValues:StringLike``), split where its actions need different
prefixes. :mod:`tests.e2e.iam_calls` records the prefix of every item each function names in the sample flow (each
transaction item and batch request on its own, as IAM authorises them); here they are held against the template:

- an item outside its function's granted prefixes fails (AccessDenied on deploy day, which moto never answers);
- a granted prefix no item of the flow needed fails unless :data:`UNREACHED_KEYS` says which path needs it;
- every item statement on the table carries the condition, and only actions whose every request names a partition
  key: ``ForAllValues`` holds for an empty set of keys (IAM user guide, multivalued context keys), and a Scan "returns
  all items regardless of the leading keys" (DynamoDB developer guide, *Using IAM policy conditions for fine-grained
  access control*). The index's query stays in a statement of its own, unconditioned: LeadingKeys is the table's
  partition key, and a query on the index names ``gsi1pk`` (always ``INCIDENTS``) instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

import pytest

from tests.e2e.iam_calls import leading_keys as leading_keys_of
from tests.e2e.test_iam_usage import LEADING_KEYS, LEADING_KEYS_OPERATOR, Grant, as_list, leading_keys, statements


@pytest.fixture(scope="module")
def keys(iam_recorded: dict[str, Any]) -> dict[str, set[Grant]]:
    """(item action, partition-key prefix) of every item each function named on the table in the sample flow."""
    return {
        function: {(action, prefix) for action, prefix in pairs} for function, pairs in iam_recorded["keys"].items()
    }


TABLE_ARN = {"Fn::GetAtt": ["IncidentsTable", "Arn"]}
KEYED_ACTIONS = {
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
}
"""The item actions whose every request names a partition key: under ``ForAllValues`` a request with no key at all
(a Scan) would match any pattern, so only these may stand in a LeadingKeys statement."""
READ_BACK = (
    "a transaction refused on a condition reads back, by key, every item it puts or updates, to tell its own lost"
    " commit from someone else's write (dynamodb_attempts.transaction_committed); the flow's transactions commit"
)
OUTDATED_ALARM = (
    "an alarm state older than the one recorded is checked, not written: the incident still open and the newer"
    " alarm item, under the incident (IncidentStore._apply_to_open)"
)
JOINED = (
    "an alarm joining the open incident of its component reads the lock for the incident's id and checks it in the"
    " same transaction (open_or_join, record_alarm_state, intake/groups.py)"
)
STATUS_PAGE_RESUMED = (
    "a resumed status page delivery reads and keeps the page's view as the publisher does (delivery/sweeper.py,"
    " status_page/channel.py)"
)
UNREACHED_KEYS: dict[tuple[str, str, str], str] = {
    ("IngestAlarmFunction", "dynamodb:GetItem", "INCIDENT#*"): READ_BACK,
    ("AlertWorkerFunction", "dynamodb:GetItem", "INCIDENT#*"): READ_BACK,
    ("IngestAlarmFunction", "dynamodb:ConditionCheckItem", "INCIDENT#*"): OUTDATED_ALARM,
    ("AlertWorkerFunction", "dynamodb:ConditionCheckItem", "INCIDENT#*"): OUTDATED_ALARM,
    ("DeliveryReportFunction", "dynamodb:DeleteItem", "INCIDENT#*"): "a report whose email failed releases its claim",
    ("PublicationSweeperFunction", "dynamodb:GetItem", "INCIDENT#*"): (
        "a stalled delivery's message is read by key to resume it (delivery/sweeper.py)"
    ),
    ("PublicationSweeperFunction", "dynamodb:PutItem", "INCIDENT#*"): (
        "a resumed delivery is advanced and finished (IncidentStore.advance_delivery)"
    ),
    ("SubscribeFunction", "dynamodb:DeleteItem", "SUBSCRIBE#*"): "a refused confirmation email releases its claim",
    ("PublisherFunction", "dynamodb:GetItem", "STATUSPAGE#*"): (
        "a status page view record put refused on its condition is read back to tell a lost commit of ours from a"
        " newer record (dynamodb_status_view.DynamoStatusView.keep, put_once)"
    ),
    ("PublicationSweeperFunction", "dynamodb:Query", "STATUSPAGE#*"): STATUS_PAGE_RESUMED,
    ("PublicationSweeperFunction", "dynamodb:PutItem", "STATUSPAGE#*"): STATUS_PAGE_RESUMED,
    ("PublicationSweeperFunction", "dynamodb:GetItem", "STATUSPAGE#*"): STATUS_PAGE_RESUMED,
    ("PublicationSweeperFunction", "dynamodb:UpdateItem", "STATUSPAGE#*"): STATUS_PAGE_RESUMED,
}
"""(function, item action, LeadingKeys pattern) granted for a path the sample flow does not take, and why."""

KeyGrant = tuple[str, str, str, str]
"""(function, statement id, item action, LeadingKeys pattern)."""


def function_statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(function, statement) for every statement of every function's inline policies."""
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in as_list(policy["Statement"]):
                yield logical_id, statement


def table_statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(function, statement) for every statement of a function's policies that grants an action on the table."""
    for function, statement in function_statements(template):
        if TABLE_ARN in as_list(statement["Resource"]):
            yield function, statement


def on_the_index(resource: Any) -> bool:
    return isinstance(resource, dict) and str(resource.get("Fn::Sub", "")).endswith("/index/gsi1")


def key_grants(template: dict[str, Any]) -> set[KeyGrant]:
    """Every (function, statement, item action, partition-key pattern) a LeadingKeys statement on the table grants."""
    return {
        (function, sid, action, pattern)
        for function, sid, (action, scope), patterns in statements(template)
        if scope == "" and action.startswith("dynamodb:") and patterns is not None
        for pattern in patterns
    }


def keys_missing(keys: dict[str, set[Grant]], granted: set[KeyGrant]) -> list[str]:
    """Each recorded (function, action, prefix) no LeadingKeys pattern of a statement with that action allows."""
    return sorted(
        f"{function}: {action} {prefix}"
        for function, named in keys.items()
        for action, prefix in named
        if not any(
            (owner, allowed) == (function, action) and fnmatchcase(prefix, pattern)
            for owner, _, allowed, pattern in granted
        )
    )


def keys_unused(keys: dict[str, set[Grant]], granted: set[KeyGrant]) -> set[tuple[str, str, str]]:
    """(function, action, pattern) of every key grant no item its function named in the flow needed."""
    return {
        (function, action, pattern)
        for function, _, action, pattern in granted
        if not any(done == action and fnmatchcase(prefix, pattern) for done, prefix in keys.get(function, set()))
    }


def test_every_item_statement_on_the_table_is_narrowed_by_partition_key(template: dict[str, Any]) -> None:
    """No function's role reaches the whole table: each statement on it is conditioned on the partition keys it
    may name, holds only actions whose every request names one (no Scan: under ``ForAllValues`` an empty key set
    matches), and the index's query stays apart (its partition key is ``gsi1pk``, not the table's)."""
    found = []
    for function, statement in table_statements(template):
        sid = statement["Sid"]
        patterns = leading_keys(statement)
        if patterns is None or set(statement["Condition"]) != {LEADING_KEYS_OPERATOR}:
            found.append(f"{function} {sid}: no {LEADING_KEYS_OPERATOR} {LEADING_KEYS} condition alone")
        found += [
            f"{function} {sid}: {action} in it"
            for action in as_list(statement["Action"])
            if action not in KEYED_ACTIONS
        ]
        found += [
            f"{function} {sid}: {item} beside the table" for item in as_list(statement["Resource"]) if item != TABLE_ARN
        ]
        found += [
            f"{function} {sid}: pattern {pattern}"
            for pattern in patterns or ()
            if not re.fullmatch(r"[A-Z]+#\*", pattern)
        ]
    found += [
        f"{function} {statement['Sid']}: more than the index's query"
        for function, statement in function_statements(template)
        if any(on_the_index(item) for item in as_list(statement["Resource"]))
        and (as_list(statement["Action"]) != ["dynamodb:Query"] or len(as_list(statement["Resource"])) != 1)
    ]
    assert found == []
    assert {function for function, _ in table_statements(template)} >= {"IngestAlarmFunction", "SubscribeFunction"}


def test_every_item_a_function_names_is_within_its_granted_partition_keys(
    keys: dict[str, set[Grant]], template: dict[str, Any]
) -> None:
    assert keys_missing(keys, key_grants(template)) == []
    assert {prefix for named in keys.values() for _, prefix in named} >= {"INCIDENT#", "COMPONENT#", "EVENT#", "TOKEN#"}


def test_every_granted_partition_key_is_named_in_the_flow_or_says_why_not(
    keys: dict[str, set[Grant]], template: dict[str, Any]
) -> None:
    unused = keys_unused(keys, key_grants(template))
    assert sorted(unused - set(UNREACHED_KEYS)) == []
    assert sorted(set(UNREACHED_KEYS) - unused) == [], "a reason for a key grant that is gone or now used is stale"


def test_the_check_finds_an_item_outside_the_granted_partition_keys(
    keys: dict[str, set[Grant]], template: dict[str, Any]
) -> None:
    """The comparison itself: the lock release granted on incidents only is reported, by function, action, prefix."""
    narrowed = {
        (function, sid, action, "INCIDENT#*" if sid == "ReleaseComponentLock" else pattern)
        for function, sid, action, pattern in key_grants(template)
    }

    assert keys_missing(keys, narrowed) == ["LifecycleTimerFunction: dynamodb:DeleteItem COMPONENT#"]


@pytest.mark.parametrize(
    ("operation", "params", "expected"),
    [
        ("GetItem", {"Key": {"pk": {"S": "TOKEN#f1"}, "sk": {"S": "USED"}}}, {("dynamodb:GetItem", "TOKEN#")}),
        ("PutItem", {"Item": {"pk": {"S": "EVENT#a#b"}, "sk": {"S": "EVENT"}}}, {("dynamodb:PutItem", "EVENT#")}),
        (
            "Query",
            {
                "KeyConditionExpression": "#k = :pk AND begins_with(sk, :prefix)",
                "ExpressionAttributeNames": {"#k": "pk"},
                "ExpressionAttributeValues": {":pk": {"S": "INCIDENT#i1"}, ":prefix": {"S": "MSG#"}},
            },
            {("dynamodb:Query", "INCIDENT#")},
        ),
        ("Query", {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :all"}, set()),
        (
            "TransactWriteItems",
            {
                "TransactItems": [
                    {"Put": {"Item": {"pk": {"S": "COMPONENT#api"}, "sk": {"S": "OPEN"}}}},
                    {"ConditionCheck": {"Key": {"pk": {"S": "INCIDENT#i1"}, "sk": {"S": "META"}}}},
                    {"Delete": {"Key": {"pk": {"S": "COMPONENT#db"}, "sk": {"S": "OPEN"}}}},
                ]
            },
            {
                ("dynamodb:PutItem", "COMPONENT#"),
                ("dynamodb:ConditionCheckItem", "INCIDENT#"),
                ("dynamodb:DeleteItem", "COMPONENT#"),
            },
        ),
        (
            "TransactGetItems",
            {"TransactItems": [{"Get": {"Key": {"pk": {"S": "SUBSCRIBE#x"}, "sk": {"S": "CONFIRMATION"}}}}]},
            {("dynamodb:GetItem", "SUBSCRIBE#")},
        ),
        (
            "BatchWriteItem",
            {"RequestItems": {"t": [{"DeleteRequest": {"Key": {"pk": {"S": "TOKEN#a"}, "sk": {"S": "USED"}}}}]}},
            {("dynamodb:BatchWriteItem", "TOKEN#")},
        ),
        (
            "BatchGetItem",
            {"RequestItems": {"t": {"Keys": [{"pk": {"S": "EVENT#e"}, "sk": {"S": "EVENT"}}]}}},
            {("dynamodb:BatchGetItem", "EVENT#")},
        ),
        ("Scan", {}, set()),
    ],
)
def test_the_recorder_reads_the_partition_key_of_every_shape_of_item_call(
    operation: str, params: dict[str, Any], expected: set[tuple[str, str]]
) -> None:
    assert leading_keys_of(operation, params, "pk") == expected


def test_the_recorder_refuses_a_query_whose_partition_key_it_cannot_find() -> None:
    with pytest.raises(ValueError, match="no partition key"):
        leading_keys_of("Query", {"KeyConditionExpression": "sk = :s", "ExpressionAttributeValues": {}}, "pk")
