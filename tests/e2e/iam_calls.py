"""Every AWS call each template function makes in the sample flow, as IAM sees it (issue 15, part 4).

Run as ``python -m tests.e2e.iam_calls OUT.json``: in a process of its own, because the flow runs the template's
functions in-process (:class:`tests.faults_matrix.flow.MatrixStack`) and they leave Powertools' process-wide logger
and metrics state behind. Each function runs as in its own Lambda container: its own services (clients, cached
parameters, plan) built from *its* environment only, so a parameter one function read is not read for another, and a
setting only another function has is missing, as on AWS. Each call is recorded against the function running it
(:func:`incident_comms.local.functions.running_function`) as the IAM actions it needs:

- ``dynamodb.TransactWriteItems`` needs the item actions of its items (``Put`` → ``dynamodb:PutItem``…), and a
  query on an index is recorded as on the index;
- ``sqs.SendMessageBatch`` is ``sqs:SendMessage``; sesv2's actions are ``ses:``; Parameter Store's ``ssm:``;
- a scheduler call is recorded with the schedule's name, and creating or updating one also passes its role
  (``iam:PassRole`` on that role).

Each item action on the table is also recorded with the prefix of the partition key it names (its text up to and
including the first ``#``), as ``dynamodb:LeadingKeys`` sees it: a get, put, update or delete by its item's key, a
query on the table by its key condition's partition value, each item of a transaction under its own action, each
request of a batch. A query on an index names none of the table's keys and is not recorded there.

The flow is the fault matrix's (alarm → approval → delivery → 15 minutes on), then the incident's reminders and
recovery: the promised update due and overdue, the alarm back to OK, the clock on until the quiet period has
resolved it (its monitoring and resolved messages approved as they come, the resolved one stopping the reminders);
then a customer's one-click unsubscribe and its undo, a subscriber's manage page saved, a new subscriber's double
opt-in, and what responders and other alarm
sources do (:mod:`tests.e2e.iam_flow`): the alarm firing again, an incident declared by hand twice that Grafana's
alerts join, an Alertmanager webhook's incident worked from the console to its published postmortem.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlencode, urlsplit

import boto3

from incident_comms.composition import Services, Settings, use_services
from incident_comms.local.cfn import load_template
from incident_comms.local.functions import LocalFunction, running_function
from incident_comms.team.console_links import declare_url
from tests.conftest import REPO
from tests.e2e.conftest import suite_clock
from tests.e2e.iam_flow import (
    alarm_again,
    approve_since,
    custom_resource,
    declared_and_joined,
    maintenance_windows,
    post_form,
    webhook_incident,
)
from tests.faults_matrix.flow import MatrixStack, _http, _outbox_marks, customer_emails
from tests.forms import FormReader

TRANSACTION_ITEM_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}
RENAMED = {"sqs:SendMessageBatch": "sqs:SendMessage", "dynamodb:TransactGetItems": "dynamodb:GetItem"}
PASSES_ROLE = {"CreateSchedule", "UpdateSchedule"}
LOCAL_SETTINGS = ("INCIDENT_COMMS_PLAN_DIR", "APPROVALS_BASE_URL", "STATUS_PAGE_URL")
"""What the local stack sets over the template's environment: the plan, its own URL, the plan's status page."""
UNSUBSCRIBE_LINK = re.compile(r"https?://\S+/unsubscribe/[A-Za-z0-9_.%-]+")
MANAGE_LINK = re.compile(r"https?://\S+/subscribe/manage/[A-Za-z0-9_.%-]+")
CONFIRM_LINK = re.compile(r"https?://\S+/subscribe/confirm/[A-Za-z0-9_.%-]+")
RECOVERY = "cloudwatch-eventbridge-ok.json"
NEW_SUBSCRIBER = "nuevo.cliente@example.com"
DECLARER = "lucia.navarro@nubeteca.example"
"""The plan's incident commander, who may declare by hand (``plan/roles.yaml``)."""
DECLARATION = {
    "component": "storage",
    "severity": "SEV2",
    "impact_es": "Algunos clientes no pueden subir archivos.",
    "impact_en": "Some customers cannot upload files.",
    "customer_action_es": "",
    "customer_action_en": "",
    "confirm": "yes",
}
PROMPTS = timedelta(minutes=20)
LATER = timedelta(hours=30)
"""From the recovery on: settle and quiet periods, the resolved draft's approval timeout, the postmortem reminder
and the update reminders (``plan/incident-definition.yaml``) all fall within it."""

KEY_CONDITION = re.compile(r"([#\w]+)\s*=\s*(:\w+)")
TABLE = "IncidentsTable"

Call = tuple[str, str]
"""(IAM action, resource: the schedule's name, the passed role's name, ``index`` for a query on an index, or "")."""
Key = tuple[str, str]
"""(IAM item action, the prefix of the partition key it names: ``INCIDENT#``, ``TOKEN#``…)."""


class Recorder:
    """The IAM actions each function's AWS calls need, recorded by a botocore hook on the functions' session."""

    def __init__(self, session: Any, partition_key: str) -> None:
        self.calls: dict[str, set[Call]] = defaultdict(set)
        self.keys: dict[str, set[Key]] = defaultdict(set)
        self.outside: set[Call] = set()
        self._partition_key = partition_key
        session.get_component("event_emitter").register("before-parameter-build", self._record)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        function = running_function()
        found = self.calls[function] if function is not None else self.outside
        prefix = model.service_model.signing_name
        found.update(iam_calls(prefix, model.name, params))
        if function is not None and prefix == "dynamodb":
            self.keys[function].update(leading_keys(model.name, params, self._partition_key))


def iam_calls(prefix: str, operation: str, params: dict[str, Any]) -> set[Call]:
    """What IAM evaluates for one API call (see the module's docstring)."""
    if operation == "TransactWriteItems":
        return {(TRANSACTION_ITEM_ACTIONS[verb], "") for item in params["TransactItems"] for verb in item}
    action = RENAMED.get(f"{prefix}:{operation}", f"{prefix}:{operation}")
    if prefix == "scheduler":
        found = {(action, params.get("Name", ""))}
        if operation in PASSES_ROLE:
            found.add(("iam:PassRole", params["Target"]["RoleArn"].rpartition("/")[2]))
        return found
    if prefix == "dynamodb" and params.get("IndexName"):
        return {(action, "index")}
    return {(action, "")}


def partition_key_of(template: dict[str, Any]) -> str:
    """The name of the table's partition (``HASH``) key attribute."""
    schema = template["Resources"][TABLE]["Properties"]["KeySchema"]
    return next(str(key["AttributeName"]) for key in schema if key["KeyType"] == "HASH")


def key_prefix(value: str) -> str:
    """A partition key's text up to and including its first ``#`` (all of it when it has none)."""
    head, mark, _ = value.partition("#")
    return head + mark


def leading_keys(operation: str, params: dict[str, Any], partition_key: str) -> set[Key]:
    """(item action, partition-key prefix) of every item one DynamoDB call names on the table, as IAM authorises it.

    Raises KeyError or ValueError for a keyed call whose partition key cannot be read, so that a new shape of call
    fails the recording instead of passing unseen."""

    def prefix(key: dict[str, Any]) -> str:
        return key_prefix(str(key[partition_key]["S"]))

    if operation in ("GetItem", "UpdateItem", "DeleteItem"):
        return {(f"dynamodb:{operation}", prefix(params["Key"]))}
    if operation == "PutItem":
        return {("dynamodb:PutItem", prefix(params["Item"]))}
    if operation == "Query":
        return set() if params.get("IndexName") else {("dynamodb:Query", queried_prefix(params, partition_key))}
    if operation == "TransactWriteItems":
        return {
            (TRANSACTION_ITEM_ACTIONS[verb], prefix(body.get("Key") or body["Item"]))
            for item in params["TransactItems"]
            for verb, body in item.items()
        }
    if operation == "TransactGetItems":
        return {("dynamodb:GetItem", prefix(body["Key"])) for item in params["TransactItems"] for body in item.values()}
    if operation == "BatchWriteItem":
        return {
            ("dynamodb:BatchWriteItem", prefix(body.get("Key") or body["Item"]))
            for requests in params["RequestItems"].values()
            for request in requests
            for body in request.values()
        }
    if operation == "BatchGetItem":
        return {
            ("dynamodb:BatchGetItem", prefix(key)) for asked in params["RequestItems"].values() for key in asked["Keys"]
        }
    return set()


def queried_prefix(params: dict[str, Any], partition_key: str) -> str:
    """The prefix of the partition value a query's key condition names (``pk = :pk``, or ``#name = :pk``)."""
    names = params.get("ExpressionAttributeNames", {})
    for name, value in KEY_CONDITION.findall(params["KeyConditionExpression"]):
        if names.get(name, name) == partition_key:
            return key_prefix(str(params["ExpressionAttributeValues"][value]["S"]))
    raise ValueError(f"no partition key in {params['KeyConditionExpression']!r}")


class Containers:
    """One set of services per function, built from that function's environment as Lambda would give it."""

    def __init__(self, matrix: MatrixStack) -> None:
        stack = matrix.stack
        self._stack = stack
        own = {key for function in stack.functions.values() for key in function.environment}
        self._base = {key: value for key, value in matrix._inside.items() if key not in own}
        self._local = {key: matrix._inside[key] for key in LOCAL_SETTINGS}
        self._services: dict[str, Services] = {}

    def services_of(self, function: LocalFunction) -> Services:
        if function.logical_id not in self._services:
            environment = {**self._base, **function.environment, **self._local}
            with mock.patch.dict(os.environ, environment, clear=True):
                settings = Settings.from_env()
            self._services[function.logical_id] = Services(settings, self._stack.clock, self._stack.sleep)
        return self._services[function.logical_id]

    @contextmanager
    def installed(self) -> Iterator[None]:
        """While on, each invoke runs on its function's services; the stack's own go back in between."""
        from incident_comms import composition

        original = LocalFunction.invoke
        containers = self

        def invoke(function: LocalFunction, event: Any) -> Any:
            outside = composition._current
            use_services(containers.services_of(function))
            try:
                return original(function, event)
            finally:
                use_services(outside)

        LocalFunction.invoke = invoke  # type: ignore[method-assign,assignment]
        try:
            yield
        finally:
            LocalFunction.invoke = original  # type: ignore[method-assign]


def run_flow(matrix: MatrixStack) -> None:
    """The fault matrix's flow, then recovery, reminders, an unsubscribe and its undo, a subscription managed, a
    new subscription and the responders' steps; the stack's parameters created by its custom resource first and
    deleted with it last."""
    cell = matrix.run()
    emails = customer_emails(cell)
    with matrix._borrowed() as stack:
        custom_resource(stack, "Create")
        for _ in range(2):  # the promised update falls due, then overdue: the prompter drafts, then escalates
            stack.move(PROMPTS)
            matrix._drain(stack)
        stack.handle_event((REPO / "events" / RECOVERY).read_bytes())
        matrix._drain(stack)
        for _ in range(int(LATER / timedelta(minutes=30))):
            seen = _outbox_marks(stack)
            stack.move(timedelta(minutes=30))
            matrix._drain(stack)
            approve_since(matrix, stack, seen)  # monitoring, then resolved: its publication stops the reminders
        alarm_again(matrix, stack)
        links = [link for item in emails for link in UNSUBSCRIBE_LINK.findall(item["text"])]
        if links:
            path = urlsplit(links[0]).path
            _, done = _http(stack, "POST", path, urlencode(FormReader(_http(stack, "GET", path)[1]).fields).encode())
            for undo in FormReader(done).posting_forms:  # the subscriber takes the unsubscribe back
                _http(stack, "POST", urlsplit(undo["action"]).path, b"undo=yes")
        manages = [link for item in emails for link in MANAGE_LINK.findall(item["text"])]
        if manages:  # and saves their subscription as it is shown (no topic the list lacks)
            path = urlsplit(manages[0]).path
            page = _http(stack, "GET", path)[1].decode()
            shown = {
                "component": re.findall(r'name="component" value="([\w-]+)" checked', page),
                "locale": re.findall(r'<option value="([\w-]+)" selected>', page),
            }
            _http(stack, "POST", path, urlencode(shown, doseq=True).encode())
        asked = {"email": NEW_SUBSCRIBER, "component": ["api"], "locale": "es"}
        post_form(stack, "/subscribe", urlencode(asked, doseq=True).encode())
        matrix._drain(stack)
        confirmations = [
            link
            for item in (stack.outbox.emails() if stack.outbox else [])
            if NEW_SUBSCRIBER in item["to"]
            for link in CONFIRM_LINK.findall(item["text"])
        ]
        if confirmations:
            path = urlsplit(confirmations[-1]).path
            post_form(stack, path, b"confirm=yes")
        key = matrix._services.approval_key
        path = urlsplit(declare_url(stack.url, key, DECLARER, stack.clock.now())).path
        declared_and_joined(matrix, stack, path, DECLARATION)
        webhook_incident(matrix, stack)
        path = urlsplit(declare_url(stack.url, key, DECLARER, stack.clock.now())).path
        maintenance_windows(matrix, stack, path)
        custom_resource(stack, "Delete")


def main(out: Path) -> None:
    matrix = MatrixStack(REPO, suite_clock())
    assert matrix._session is not None, "the stack's functions make their clients from its boto3 session"
    recorder = Recorder(matrix._session._session, partition_key_of(load_template(REPO / "template.yaml")))
    try:
        with Containers(matrix).installed():
            run_flow(matrix)
    finally:
        matrix.stop()
    calls = {function: sorted(found) for function, found in sorted(recorder.calls.items())}
    keys = {function: sorted(found) for function, found in sorted(recorder.keys.items())}
    out.write_text(json.dumps({"calls": calls, "keys": keys}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    boto3.set_stream_logger("botocore", level=40)
    main(Path(sys.argv[1]))
