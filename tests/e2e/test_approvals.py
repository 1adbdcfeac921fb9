"""Approvals through the local stack, over HTTP only: the links of a real approval email, as a responder (and a
mail scanner) would use them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.e2e.conftest import RunningStack
from tests.e2e.steps import APPROVAL_NEEDED, approval_links, post_form, settled, state
from tests.forms import FormReader

pytestmark = pytest.mark.e2e


def open_incident(stack: RunningStack, event: str = "cloudwatch-eventbridge-alarm.json") -> dict[str, Any]:
    answer = stack.post_event(event)
    assert answer.status == 200, answer.body
    (ran,) = answer.json()["ran"]
    (outcome,) = ran["result"]["outcomes"]
    assert outcome["applied"] == "opened", outcome
    (incident,) = [found for found in state(stack) if found["id"] == outcome["incident_id"]]
    return dict(incident)


def published(stack: RunningStack, incident_id: str) -> dict[str, Any]:
    """The incident once the publisher has handled its approved message (publishing runs after the approval)."""

    def done() -> dict[str, Any] | None:
        (found,) = [incident for incident in state(stack) if incident["id"] == incident_id]
        return found if "published" in [entry["kind"] for entry in found["timeline"]] else None

    found: dict[str, Any] = stack.wait_for(done, seconds=20)
    return found


def approvers(incident: dict[str, Any], stack: RunningStack) -> list[str]:
    requested = [
        entry for entry in incident["timeline"] if entry["kind"] == "approval_requested" and "to" in entry["data"]
    ]
    assert requested, incident["timeline"]
    return list(requested[-1]["data"]["to"])


def test_get_and_head_of_every_link_ten_times_change_nothing(sample_stack: RunningStack) -> None:
    (incident,) = state(sample_stack)
    before, outbox = state(sample_stack), sample_stack.request("GET", "/local/outbox").json()

    for recipient in approvers(incident, sample_stack):
        for path in approval_links(sample_stack, recipient).values():
            for _ in range(10):
                page = sample_stack.request("GET", path)
                head = sample_stack.request("HEAD", path)
                assert page.status == head.status == 200, page.body
                assert head.body == b""
                assert len(FormReader(page.body).posting_forms) == 1  # the decision; moves are the console's
                assert FormReader(page.body).scripts == 0
                assert page.headers["Referrer-Policy"] == "no-referrer"
                assert "no-store" in page.headers["Cache-Control"]

    assert state(sample_stack) == before
    assert sample_stack.request("GET", "/local/outbox").json() == outbox


def test_ten_concurrent_posts_of_one_approval_approve_once_and_publish_once(fresh_stack: RunningStack) -> None:
    incident = open_incident(fresh_stack)
    recipient = approvers(incident, fresh_stack)[0]
    path = approval_links(fresh_stack, recipient)["approve"]
    page = fresh_stack.request("GET", path)
    form = FormReader(page.body).fields
    assert form.get("decision") == "approve"

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda _: post_form(fresh_stack, path, form), range(10)))

    assert sorted(answer.status for answer in answers) == [200] + [409] * 9
    (after,) = [found for found in state(fresh_stack) if found["id"] == incident["id"]]
    (message,) = after["messages"]
    assert message["status"] == "approved"
    assert [approval["recipient"] for approval in message["approvals"].values()] == [recipient]
    (publication,) = after["publications"]
    assert (publication["message_id"], publication["reason"]) == (message["id"], "approved")
    kinds = [entry["kind"] for entry in after["timeline"]]
    assert kinds.count("approved") == 1 and kinds.count("publish_requested") == 1
    (audit,) = [entry for entry in after["timeline"] if entry["kind"] == "approved"]
    assert audit["data"]["recipient"] == recipient
    assert audit["data"]["source_ip"] == "127.0.0.1"
    assert audit["data"]["user_agent"].startswith("Python-urllib")


def test_replayed_forged_tampered_and_superseded_links_are_refused_and_change_nothing(
    fresh_stack: RunningStack,
) -> None:
    incident = open_incident(fresh_stack)
    first, second = approvers(incident, fresh_stack)[:2]
    mine, theirs = approval_links(fresh_stack, first), approval_links(fresh_stack, second)

    edit_form = FormReader(fresh_stack.request("GET", mine["edit"]).body).fields
    text_fields = [name for name in edit_form if name.startswith("text.")]
    assert text_fields, edit_form
    edit_form[text_fields[0]] = "Texto corregido a mano: <b>sin</b> marcas."
    edit_form["reason"] = "Texto corto a propósito mientras se investiga."
    assert post_form(fresh_stack, mine["edit"], edit_form).status == 200
    published(fresh_stack, incident["id"])
    edited = settled(fresh_stack, incident["id"])
    assert edited["messages"][0]["version"] == 2
    assert edited["messages"][0]["status"] == "approved"

    token = mine["approve"].rsplit("/", 1)[1]
    payload, signature = token.split(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    refused = {
        "replayed edit": post_form(fresh_stack, mine["edit"], edit_form),
        "superseded approve": post_form(fresh_stack, theirs["approve"], {"decision": "approve", "confirm": "yes"}),
        "forged": post_form(fresh_stack, "/approvals/" + "x" * 40 + "." + "y" * 43, {"decision": "approve"}),
        "tampered": post_form(fresh_stack, f"/approvals/{flipped}.{signature}", {"decision": "approve"}),
    }
    statuses = {name: answer.status for name, answer in refused.items()}
    assert statuses == {"replayed edit": 409, "superseded approve": 409, "forged": 404, "tampered": 404}
    for name, answer in refused.items():
        assert incident["id"].encode() not in answer.body, name
        assert b"API p" not in answer.body, name
    assert fresh_stack.request("GET", theirs["approve"]).status == 409
    assert [found for found in state(fresh_stack) if found["id"] == incident["id"]] == [edited]


def test_an_expired_link_is_refused(fresh_stack: RunningStack) -> None:
    incident = open_incident(fresh_stack, "cloudwatch-anomaly-detection.json")
    path = approval_links(fresh_stack, approvers(incident, fresh_stack)[0])["approve"]
    form = FormReader(fresh_stack.request("GET", path).body).fields

    fresh_stack.request("POST", "/local/clock", {"advance": "P2D"})
    expired_page = fresh_stack.request("GET", path)
    expired_post = post_form(fresh_stack, path, form)

    assert expired_page.status == expired_post.status == 410
    (after,) = [found for found in state(fresh_stack) if found["id"] == incident["id"]]
    assert after["messages"][0]["status"] == "awaiting_approval"
    assert after["publications"] == []


def one_time_schedules(fired: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a clock move fired through one-time Scheduler schedules (not the template's rate schedules)."""
    return [item for item in fired if "schedule" in item]


def test_the_approval_timeout_publishes_the_holding_text(fresh_stack: RunningStack) -> None:
    incident = open_incident(fresh_stack)

    early = fresh_stack.request("POST", "/local/clock", {"advance": "PT9M"}).json()
    assert one_time_schedules(early["fired"]) == []
    fired = one_time_schedules(fresh_stack.request("POST", "/local/clock", {"advance": "PT2M"}).json()["fired"])

    assert [item.get("function") for item in fired] == ["ApprovalTimeoutFunction"], fired
    (after,) = [found for found in state(fresh_stack) if found["id"] == incident["id"]]
    waiting, holding = sorted(after["messages"], key=lambda message: message["holding"])
    assert waiting["status"] == "awaiting_approval"
    assert holding["status"] == "approved" and holding["replaces"] == waiting["id"]
    (publication,) = after["publications"]
    assert (publication["message_id"], publication["reason"]) == (holding["id"], "approval_timeout")
    assert "approval_timed_out" in [entry["kind"] for entry in after["timeline"]]
    later = one_time_schedules(fresh_stack.request("POST", "/local/clock", {"advance": "PT1H"}).json()["fired"])
    assert "ApprovalTimeoutFunction" not in [item.get("function") for item in later], "the timeout fires once"


def test_the_sample_drafts_page_shows_its_checks_and_asks_no_reason(sample_stack: RunningStack) -> None:
    (incident,) = state(sample_stack)
    recipient = approvers(incident, sample_stack)[0]
    page = sample_stack.request("GET", approval_links(sample_stack, recipient)["approve"])

    assert page.status == 200
    html = page.body.decode()
    assert "Revisión del borrador: No se han encontrado problemas" in html
    assert "reason" not in FormReader(page.body).fields
    emails = [m for m in sample_stack.request("GET", "/local/outbox").json() if APPROVAL_NEEDED in m.get("subject", "")]
    assert "No se han encontrado problemas)" in emails[-1]["text"]  # the drafts heading's summary


def test_an_edit_with_blame_shows_the_no_blame_finding_and_needs_a_reason(fresh_stack: RunningStack) -> None:
    incident = open_incident(fresh_stack)
    recipient = approvers(incident, fresh_stack)[0]
    path = approval_links(fresh_stack, recipient)["edit"]
    form = FormReader(fresh_stack.request("GET", path).body).fields
    original = form["text.email-customers-es"]
    form["text.email-customers-es"] = "La culpa es del proveedor de la base de datos.\n\n" + original
    before = state(fresh_stack)

    refused = post_form(fresh_stack, path, form)

    assert refused.status == 400
    assert "El borrador tiene errores (no-blame)" in refused.body.decode()
    assert state(fresh_stack) == before, "a refused edit changes nothing"

    form["reason"] = "Lo decidió dirección: se corrige en la siguiente actualización."
    assert post_form(fresh_stack, path, form).status == 200
    after = published(fresh_stack, incident["id"])
    (edited,) = [entry for entry in after["timeline"] if entry["kind"] == "edited"]
    assert edited["data"]["error_checks"] == ["no-blame"]
    assert edited["data"]["reason"] == form["reason"]
    (message,) = after["messages"]
    assert message["version"] == 2 and message["approvals"]["communications_lead"]["error_checks"] == ["no-blame"]
