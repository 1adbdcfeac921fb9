"""The approvals API on moto once a newer message exists: a superseded draft's links answer 409 and act on nothing,
and a decision the store finds older than a message already published is refused with its own 409."""

from __future__ import annotations

from html import unescape
from types import ModuleType
from typing import Any

import boto3
import pytest

from incident_comms.approvals.tokens import token_fingerprint
from incident_comms.composition import Services
from incident_comms.incidents.models import Message, MessageStatus, TimelineKind
from incident_comms.plan.models import Phase
from tests.conftest import load_handler_module
from tests.factories import emitted_metrics
from tests.forms import FormReader
from tests.handlers.conftest import ComposeServices
from tests.handlers.test_approvals_handler import (
    CONFIGURED_BASE_URL,
    MARTA,
    call,
    http_event,
    links_of,
    open_incident,
    post,
    table_items,
)
from tests.handlers.test_lifecycle_handler import console_post

REPLACED = "Un mensaje más reciente ha sustituido a este"
OUTDATED = "Ya se ha publicado un mensaje más reciente"


@pytest.fixture
def deps(compose_services: ComposeServices) -> Services:
    return compose_services(approvals_base_url=CONFIGURED_BASE_URL)


@pytest.fixture(scope="module")
def handler() -> ModuleType:
    return load_handler_module("approvals_api")


def moved_to_identified(deps: Services, handler: ModuleType) -> tuple[Message, dict[str, str]]:
    """Open the sample incident, then move it to *cause identified* from its approval page while its first draft
    still waits; answers that first draft and its links."""
    first = open_incident(deps)
    links = links_of(MARTA)
    cause = {
        "action": "phase",
        "phase": "identified",
        "cause_es": "Un cambio de configuración de la API.",
        "cause_en": "A configuration change on the API.",
    }
    assert console_post(deps, handler, first.incident_id, cause)["statusCode"] == 200
    return first, links


def assert_tells_nothing(body: str, message: Message) -> None:
    assert message.incident_id not in body and message.id not in body
    assert "API" not in body and "SEV1" not in body and "identified" not in body


def test_a_superseded_drafts_links_answer_409_to_looking_and_change_nothing(
    deps: Services, handler: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    first, links = moved_to_identified(deps, handler)
    before = table_items(deps)
    capsys.readouterr()

    for token in links.values():
        page = call(handler, http_event("GET", token))
        head = call(handler, http_event("HEAD", token))

        assert page["statusCode"] == head["statusCode"] == 409
        assert REPLACED in unescape(page["body"]) and head["body"] == ""
        assert FormReader(page["body"]).posting_forms == []
        assert_tells_nothing(page["body"], first)

    assert table_items(deps) == before
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["LinksRefusedReplaced"] == 6 and metrics.get("ApprovalPagesShown", 0) == 0


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("approve", {"decision": "approve", "confirm": "yes"}),
        ("edit", {"decision": "edit", "confirm": "yes", "text.sms-customers-es": "Todo bien."}),
        ("reject", {"decision": "reject", "confirm": "yes", "reason": "Ya no es lo que pasa."}),
    ],
)
def test_posting_a_superseded_drafts_form_decides_nothing(
    deps: Services, handler: ModuleType, caplog: pytest.LogCaptureFixture, action: str, fields: dict[str, str]
) -> None:
    first, links = moved_to_identified(deps, handler)
    before = table_items(deps)

    answer = post(handler, links[action], fields)

    assert answer["statusCode"] == 409 and REPLACED in unescape(answer["body"])
    assert_tells_nothing(answer["body"], first)
    assert table_items(deps) == before
    stored = deps.store.get_message(first.incident_id, first.id)
    assert stored is not None and stored.status == MessageStatus.SUPERSEDED
    assert deps.store.publications(first.incident_id) == []
    refused = [r for r in caplog.records if r.message == "approval link refused"]
    assert [r.__dict__["reason"] for r in refused] == ["replaced"]


def test_the_newer_drafts_links_still_work(deps: Services, handler: ModuleType) -> None:
    first, _ = moved_to_identified(deps, handler)
    newest = links_of(MARTA)

    page = call(handler, http_event("GET", newest["approve"]))

    assert page["statusCode"] == 200
    (identified,) = [m for m in deps.store.messages(first.incident_id) if m.status == MessageStatus.AWAITING_APPROVAL]
    assert identified.phase == Phase.IDENTIFIED and identified.sequence == 2
    (entry,) = [e for e in deps.store.timeline(first.incident_id) if e.kind == TimelineKind.SUPERSEDED]
    assert entry.data["message_id"] == first.id and entry.data["superseded_by"] == identified.id


def publish_newer_before_the_decision_lands(deps: Services, incident_id: str) -> None:
    """Just before the decision's transaction, a newer message is handed to publishing by another path (the
    fault the store's order guard exists for): the incident's published sequence moves past the draft's."""
    table, done = deps.settings.table_name, []

    def newer_published(**_: Any) -> None:
        if not done:
            done.append(True)
            boto3.client("dynamodb").update_item(
                TableName=table,
                Key={"pk": {"S": f"INCIDENT#{incident_id}"}, "sk": {"S": "META"}},
                UpdateExpression="SET published_sequence = :newer, published_message_id = :id",
                ExpressionAttributeValues={":newer": {"N": "5"}, ":id": {"S": "update-newer000"}},
            )

    deps.store._client.meta.events.register("before-call.dynamodb.TransactWriteItems", newer_published)  # type: ignore[attr-defined]


def test_an_approval_racing_a_newer_publication_is_refused_and_saves_nothing(
    deps: Services,
    handler: ModuleType,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = open_incident(deps)
    token = links_of(MARTA)["approve"]
    fields = FormReader(call(handler, http_event("GET", token))["body"]).fields
    publish_newer_before_the_decision_lands(deps, first.incident_id)
    capsys.readouterr()

    answer = post(handler, token, fields)

    assert answer["statusCode"] == 409 and OUTDATED in unescape(answer["body"])
    assert_tells_nothing(answer["body"], first)
    assert deps.store.get_message(first.incident_id, first.id) == first
    assert deps.store.publications(first.incident_id) == []
    assert not deps.store.token_used(token_fingerprint(token))
    assert [e.kind for e in deps.store.timeline(first.incident_id)].count(TimelineKind.APPROVED) == 0
    assert [r.__dict__["reason"] for r in caplog.records if r.message == "approval link refused"] == ["outdated"]
    assert emitted_metrics(capsys.readouterr().out)["LinksRefusedOutdated"] == 1
    assert call(handler, http_event("GET", token))["statusCode"] == 409, "the page says so too from now on"
