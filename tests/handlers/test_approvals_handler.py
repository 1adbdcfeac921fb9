"""The approvals API Lambda handler on moto: API Gateway HTTP API events in, pages out, decisions stored once."""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest

from incident_comms.approvals.tokens import ApprovalAction, TokenClaims, issue_token, token_fingerprint
from incident_comms.composition import Services
from incident_comms.incidents.models import Message, MessageStatus, TimelineKind
from incident_comms.intake.ingest import ingest_event
from incident_comms.intake.payloads import alarms_from_payload
from incident_comms.plan.models import Phase
from tests.conftest import FakeLambdaContext, load_event, load_handler_module
from tests.factories import emitted_metrics, invoke, sent_emails, stored_incident
from tests.forms import FormReader
from tests.handlers.conftest import ComposeServices

RECEIVED_AT = datetime(2026, 11, 22, 10, 20, tzinfo=UTC)
CONFIGURED_BASE_URL = "https://approvals.nubeteca.example"
API_HOST = "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"
MARTA = "marta.ibanez@nubeteca.example"  # communications_lead
JORGE = "jorge.salas@nubeteca.example"  # communications_lead
RAMON = "ramon.lozano@nubeteca.example"  # legal
APPROVAL_NEEDED = "— aprobación necesaria"
REASON = "Las acciones pendientes se publican en la revisión del viernes."
"""The written reason a draft with errors needs (the postmortem drafted without its facts has errors)."""
BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)"
EXPECTED_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
}


@pytest.fixture
def deps(compose_services: ComposeServices) -> Services:
    return compose_services(approvals_base_url=CONFIGURED_BASE_URL)


@pytest.fixture(scope="module")
def handler() -> ModuleType:
    return load_handler_module("approvals_api")


def open_incident(deps: Services) -> Message:
    """The sample SEV1 alarm through ingest: an incident whose first message awaits the communications lead."""
    report = ingest_event(
        load_event("cloudwatch-eventbridge-alarm.json"), deps.plan, deps.store, deps.clock, deps.approval_requests
    )
    (message,) = deps.store.messages(report.outcomes[0].incident_id or "")
    return message


def approval_requests() -> list[dict[str, Any]]:
    return [email for email in sent_emails() if email["subject"].endswith(APPROVAL_NEEDED)]


def links_of(recipient: str) -> dict[str, str]:
    """The approve, edit and reject tokens of the newest approval request email ``recipient`` got."""
    (*_, email) = [email for email in approval_requests() if recipient in email["to"]]
    tokens = re.findall(r"/approvals/([A-Za-z0-9_.-]+)", email["text"])
    assert len(tokens) == 3, email["text"]
    return dict(zip(("approve", "edit", "reject"), tokens, strict=True))


def http_event(
    method: str, token: str, body: str | None = None, *, encode: bool = False, **headers: str
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event for ``{method} /approvals/{token}``, as a phone browser sends it."""
    sent = {
        "host": API_HOST,
        "user-agent": BROWSER,
        **{name.replace("_", "-"): value for name, value in headers.items()},
    }
    if body is not None:
        sent.setdefault("content-type", "application/x-www-form-urlencoded")
    return {
        "version": "2.0",
        "routeKey": f"{method} /approvals/{{token}}",
        "rawPath": f"/approvals/{token}",
        "rawQueryString": "",
        "headers": sent,
        "pathParameters": {"token": token},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "a1b2c3d4e5",
            "domainName": API_HOST,
            "http": {
                "method": method,
                "path": f"/approvals/{token}",
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": BROWSER,
            },
            "requestId": "Jx1QkgOtjoEEPdw=",
            "routeKey": f"{method} /approvals/{{token}}",
            "stage": "$default",
        },
        "body": base64.b64encode(body.encode()).decode() if encode and body is not None else body,
        "isBase64Encoded": encode,
    }


def call(handler: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
    return invoke(handler, event, FakeLambdaContext())


def post(handler: ModuleType, token: str, fields: dict[str, str], **headers: str) -> dict[str, Any]:
    return call(handler, http_event("POST", token, urlencode(fields), **headers))


def table_items(deps: Services) -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName=deps.settings.table_name)["Items"]
    return sorted(items, key=lambda item: (item["pk"]["S"], item["sk"]["S"]))


def test_opening_the_links_any_number_of_times_changes_nothing(deps: Services, handler: ModuleType) -> None:
    open_incident(deps)
    links = links_of(MARTA)
    before, emails = table_items(deps), len(sent_emails())

    for action, token in links.items():
        for _ in range(10):
            page = call(handler, http_event("GET", token))
            head = call(handler, http_event("HEAD", token))

            assert page["statusCode"] == head["statusCode"] == 200
            assert page["headers"] == head["headers"] == EXPECTED_HEADERS
            assert head["body"] == ""
            form = FormReader(page["body"])
            assert "<script" not in page["body"].lower() and form.scripts == 0
            assert [found["method"] for found in form.forms] == ["post"]  # the decision (moves are the console's)
            assert [found["action"] for found in form.forms] == [token]
            assert form.fields["decision"] == action and form.fields["confirm"] == "yes"

    assert table_items(deps) == before
    assert len(sent_emails()) == emails


def test_approving_publishes_once_and_a_replayed_link_is_refused(
    deps: Services, handler: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    message = open_incident(deps)
    token = links_of(MARTA)["approve"]
    fields = FormReader(call(handler, http_event("GET", token))["body"]).fields
    body = urlencode(fields)

    done = call(handler, http_event("POST", token, body, encode=True, origin=f"https://{API_HOST}"))
    after_first = table_items(deps)
    replay = call(handler, http_event("POST", token, body))

    assert done["statusCode"] == 200 and done["headers"] == EXPECTED_HEADERS
    assert message.incident_id in done["body"] and "Aprobado" in done["body"]
    assert replay["statusCode"] == 409 and "Este enlace ya se ha usado" in replay["body"]
    assert table_items(deps) == after_first
    stored = deps.store.get_message(message.incident_id, message.id)
    assert stored is not None and stored.status == MessageStatus.APPROVED
    approval = stored.approvals["communications_lead"]
    assert (approval.recipient, approval.source_ip, approval.user_agent) == (MARTA, "203.0.113.7", BROWSER)
    (publication,) = deps.store.publications(message.incident_id)
    assert (publication.message_id, publication.version, publication.reason) == (message.id, 1, "approved")
    kinds = [entry.kind for entry in deps.store.timeline(message.incident_id)]
    assert kinds.count(TimelineKind.APPROVED) == 1 and kinds.count(TimelineKind.PUBLISH_REQUESTED) == 1
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["ApprovalsApproved"] == 1 and metrics["PublicationsRequested"] == 1
    assert metrics["LinksRefused"] == 1 and metrics["LinksRefusedUsed"] == 1


def test_an_expired_link_is_gone_for_looking_and_for_deciding(deps: Services, handler: ModuleType) -> None:
    message = open_incident(deps)
    token = links_of(MARTA)["approve"]
    deps.clock.advance(deps.plan.severity("SEV1").approval_expiry)  # type: ignore[attr-defined]
    before = table_items(deps)

    page = call(handler, http_event("GET", token))
    decision = post(handler, token, {"decision": "approve", "confirm": "yes"})

    assert page["statusCode"] == decision["statusCode"] == 410
    assert "caducado" in decision["body"] and message.incident_id not in decision["body"]
    assert table_items(deps) == before


def test_forged_and_tampered_links_say_nothing_about_the_incident(deps: Services, handler: ModuleType) -> None:
    message = open_incident(deps)
    genuine = links_of(MARTA)["approve"]
    payload, signature = genuine.split(".")
    tampered = f"{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"
    forged = issue_token(
        TokenClaims(
            incident_id=message.incident_id,
            message_id=message.id,
            message_version=1,
            recipient=MARTA,
            action=ApprovalAction.APPROVE,
            expires_at=datetime(2026, 11, 23, tzinfo=UTC),
        ),
        b"not the key, but long enough for HMAC-SHA256!!",
    )
    before = table_items(deps)

    for token in (tampered, forged, "x" * 40 + "." + "y" * 43):
        for answer in (
            call(handler, http_event("GET", token)),
            post(handler, token, {"decision": "approve", "confirm": "yes"}),
        ):
            assert answer["statusCode"] == 404
            assert "Este enlace no es válido" in answer["body"]
            assert message.incident_id not in answer["body"] and message.id not in answer["body"]
            assert "API pública" not in answer["body"] and "SEV1" not in answer["body"]
    assert table_items(deps) == before


def test_an_edit_is_a_new_version_and_every_older_link_is_superseded(deps: Services, handler: ModuleType) -> None:
    message = open_incident(deps)
    marta, jorge = links_of(MARTA), links_of(JORGE)
    fields = FormReader(call(handler, http_event("GET", marta["edit"]))["body"]).fields
    fields["text.email-customers-es"] = "Corregido <script>alert('x')</script> a mano."
    fields["subject.email-customers-es"] = "Nubeteca: <b>incidencia</b> en la API"
    fields["reason"] = "Aviso corto a propósito; el completo sale en la próxima versión."

    edited = post(handler, marta["edit"], fields)

    assert edited["statusCode"] == 200 and "versión 2" in edited["body"]
    stored = deps.store.get_message(message.incident_id, message.id)
    assert stored is not None and (stored.version, stored.status) == (2, MessageStatus.APPROVED)
    draft = next(draft for draft in stored.drafts if draft.channel_id == "email-customers-es")
    assert draft.text == "Corregido <script>alert('x')</script> a mano."
    assert draft.html is not None and "<script" not in draft.html and "&lt;script&gt;" in draft.html
    assert "<b>" not in draft.html
    (publication,) = deps.store.publications(message.incident_id)
    assert publication.version == 2
    before = table_items(deps)

    superseded = post(handler, jorge["approve"], {"decision": "approve", "confirm": "yes"})
    own_old_link = post(handler, marta["approve"], {"decision": "approve", "confirm": "yes"})
    looked = call(handler, http_event("GET", jorge["reject"]))
    replayed = post(handler, marta["edit"], fields)

    assert superseded["statusCode"] == own_old_link["statusCode"] == looked["statusCode"] == 409
    for answer in (superseded, own_old_link, looked):
        assert "el borrador ha cambiado, use el enlace del correo más reciente" in answer["body"].lower()
    assert replayed["statusCode"] == 409 and "ya se ha usado" in replayed["body"]
    assert table_items(deps) == before


def test_a_rejected_draft_says_so_and_points_to_the_console(deps: Services, handler: ModuleType) -> None:
    open_incident(deps)
    marta, jorge = links_of(MARTA), links_of(JORGE)
    rejected = {"decision": "reject", "confirm": "yes", "reason": "El impacto no es ese."}
    assert post(handler, marta["reject"], rejected)["statusCode"] == 200

    looked = call(handler, http_event("GET", jorge["approve"]))

    assert looked["statusCode"] == 409
    assert "Este borrador se rechazó" in looked["body"] and "ya se aprobó" not in looked["body"].lower()
    assert re.search(r'href="[^"]*/console/[A-Za-z0-9_.%-]+"', looked["body"]), "the rejection links the console"


def store_postmortem(deps: Services) -> Message:
    """A SEV1 postmortem awaiting the communications lead AND legal (the plan's rule for it)."""
    (alarm,) = alarms_from_payload(load_event("cloudwatch-eventbridge-alarm.json"), RECEIVED_AT)
    _, message = stored_incident(
        deps.store,
        deps.plan,
        alarm,
        at=deps.clock.now(),
        incident_id="INC-20261122-1005-pm0001",
        phase=Phase.POSTMORTEM,
    )
    return message


def test_an_edit_leaving_roles_to_approve_sends_them_links_to_this_api(deps: Services, handler: ModuleType) -> None:
    message = store_postmortem(deps)
    claims = TokenClaims(
        incident_id=message.incident_id,
        message_id=message.id,
        message_version=1,
        recipient=RAMON,
        action=ApprovalAction.EDIT,
        expires_at=deps.clock.now() + timedelta(hours=24),
    )
    token = issue_token(claims, deps.approval_key)

    edited = post(
        handler,
        token,
        {
            "decision": "edit",
            "confirm": "yes",
            "text.sms-customers": "Postmortem revisado por legal.",
            "reason": REASON,
        },
    )

    assert edited["statusCode"] == 200
    stored = deps.store.get_message(message.incident_id, message.id)
    assert stored is not None and stored.version == 2 and stored.pending_roles == ["communications_lead"]
    assert deps.store.publications(message.incident_id) == []
    new_emails = approval_requests()
    assert sorted(address for email in new_emails for address in email["to"]) == sorted([MARTA, JORGE])
    assert re.findall(r"https://[^/\s]+/approvals/", new_emails[0]["text"]) == [f"https://{API_HOST}/approvals/"] * 3
    requested = deps.store.timeline(message.incident_id)[-1]
    assert requested.kind == TimelineKind.APPROVAL_REQUESTED and requested.data["version"] == 2
    new_approve = links_of(MARTA)["approve"]
    assert call(handler, http_event("GET", new_approve))["statusCode"] == 200
    assert post(handler, new_approve, {"decision": "approve", "confirm": "yes", "reason": REASON})["statusCode"] == 200
    assert [publication.version for publication in deps.store.publications(message.incident_id)] == [2]


def test_a_form_posted_from_another_site_is_forbidden(deps: Services, handler: ModuleType) -> None:
    message = open_incident(deps)
    token = links_of(MARTA)["approve"]
    before = table_items(deps)
    approve = {"decision": "approve", "confirm": "yes"}

    from_elsewhere = post(handler, token, approve, origin="https://evil.example")
    cross_site = post(handler, token, approve, origin="null", sec_fetch_site="cross-site")

    assert from_elsewhere["statusCode"] == cross_site["statusCode"] == 403
    assert message.incident_id not in from_elsewhere["body"]
    assert table_items(deps) == before
    own_page = post(handler, token, approve, origin="null", sec_fetch_site="same-origin")
    assert own_page["statusCode"] == 200


def test_a_bad_form_is_a_400_with_its_reason_and_changes_nothing(deps: Services, handler: ModuleType) -> None:
    open_incident(deps)
    links = links_of(MARTA)
    before = table_items(deps)

    no_reason = post(handler, links["reject"], {"decision": "reject", "confirm": "yes", "reason": "  "})
    wrong_decision = post(handler, links["reject"], {"decision": "approve", "confirm": "yes"})
    not_confirmed = post(handler, links["approve"], {"decision": "approve"})
    too_large = post(handler, links["approve"], {"decision": "approve", "confirm": "yes", "pad": "x" * 70_000})
    as_json = call(
        handler, http_event("POST", links["approve"], '{"decision": "approve"}', content_type="application/json")
    )

    assert no_reason["statusCode"] == 400 and "Para rechazar hay que indicar el motivo." in no_reason["body"]
    assert wrong_decision["statusCode"] == 400 and "no es la de este enlace" in wrong_decision["body"]
    assert not_confirmed["statusCode"] == 400 and "Confirme la decisión" in not_confirmed["body"]
    assert too_large["statusCode"] == 413
    assert as_json["statusCode"] == 400
    assert table_items(deps) == before


def test_approving_a_draft_with_errors_needs_a_reason_which_the_timeline_keeps(
    deps: Services, handler: ModuleType
) -> None:
    message = store_postmortem(deps)
    claims = TokenClaims(
        incident_id=message.incident_id,
        message_id=message.id,
        message_version=1,
        recipient=MARTA,
        action=ApprovalAction.APPROVE,
        expires_at=deps.clock.now() + timedelta(hours=24),
    )
    token = issue_token(claims, deps.approval_key)
    page = call(handler, http_event("GET", token))
    form = FormReader(page["body"]).fields
    assert "postmortem-complete" in page["body"] and form["reason"] == ""
    before = table_items(deps)

    refused = post(handler, token, form)

    assert refused["statusCode"] == 400
    # the sample postmortem does not yet know whether data was lost: that is an error too once resolved
    assert "El borrador tiene errores (postmortem-complete, data-loss-settled)" in refused["body"]
    assert "el enlace sigue sirviendo" in refused["body"]
    assert table_items(deps) == before  # nothing saved, the token not spent

    approved = post(handler, token, {**form, "reason": f"  {REASON}\n"})

    assert approved["statusCode"] == 200
    stored = deps.store.get_message(message.incident_id, message.id)
    assert stored is not None
    approval = stored.approvals["communications_lead"]
    assert (approval.reason, approval.error_checks) == (REASON, ["postmortem-complete", "data-loss-settled"])
    (entry,) = [e for e in deps.store.timeline(message.incident_id) if e.kind == TimelineKind.APPROVED]
    assert entry.data["reason"] == REASON and entry.data["error_checks"] == ["postmortem-complete", "data-loss-settled"]
    assert REASON in entry.text
    assert post(handler, token, {**form, "reason": REASON})["statusCode"] == 409


@pytest.fixture
def log_lines(handler: ModuleType) -> Iterator[io.StringIO]:
    """Every line the handler's Powertools logger writes (it keeps the stdout it saw at import, out of capsys)."""
    stream = io.StringIO()
    previous = handler.logger.registered_handler.setStream(stream)
    yield stream
    handler.logger.registered_handler.setStream(previous)


def test_the_token_never_reaches_the_logs(
    deps: Services, handler: ModuleType, log_lines: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    message = open_incident(deps)
    links = links_of(MARTA)

    call(handler, http_event("GET", links["approve"]))
    call(handler, http_event("HEAD", links["edit"]))
    post(handler, links["reject"], {"decision": "reject", "confirm": "yes"})
    post(handler, links["approve"], {"decision": "approve", "confirm": "yes"})
    post(handler, links["approve"], {"decision": "approve", "confirm": "yes"})
    post(handler, links["edit"], {"decision": "edit", "confirm": "yes"}, origin="https://evil.example")

    captured = capsys.readouterr()
    logged = log_lines.getvalue() + captured.out + captured.err
    records = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    assert [record["message"] for record in records] == [
        "approval page shown",
        "approval page shown",
        "approval link refused",
        "approval decision recorded",
        "approval link refused",
        "approval link refused",
    ]
    assert records[3]["incident_id"] == message.incident_id
    assert [record.get("reason") for record in records if record["level"] == "WARNING"] == [
        "bad_form",
        "used",
        "cross_site",
    ]
    for token in links.values():
        payload, signature = token.split(".")
        assert payload not in logged and signature not in logged
        assert token_fingerprint(token) in logged


def test_an_approval_the_publish_queue_refused_arms_the_sweep_that_asks_again(
    compose_services: ComposeServices, handler: ModuleType
) -> None:
    """The approval stands and the refusal is on the timeline; the sweep armed for five minutes later asks again."""
    scheduler = boto3.client("scheduler")
    scheduler.create_schedule_group(Name="incident-schedules")
    gone = "https://sqs.eu-west-1.amazonaws.com/123456789012/no-such-queue"
    deps = compose_services(
        approvals_base_url=CONFIGURED_BASE_URL,
        publish_queue_url=gone,
        sweeper_function_arn="arn:aws:lambda:eu-west-1:123456789012:function:stack-sweeper",
        scheduler_role_arn="arn:aws:iam::123456789012:role/scheduler",
        schedule_group="incident-schedules",
    )
    message = open_incident(deps)
    token = links_of(MARTA)["approve"]
    fields = FormReader(call(handler, http_event("GET", token))["body"]).fields

    done = call(handler, http_event("POST", token, urlencode(fields), encode=True, origin=f"https://{API_HOST}"))

    assert done["statusCode"] == 200 and "Aprobado" in done["body"]
    failed = [e for e in deps.store.timeline(message.incident_id) if e.kind == TimelineKind.NOTIFICATION_FAILED]
    assert [entry.data.get("message_id") for entry in failed] == [message.id]
    now = deps.clock.now()
    names = [summary["Name"] for summary in scheduler.list_schedules(GroupName="incident-schedules")["Schedules"]]
    sweeps = [name for name in names if name.startswith("sweep-")]
    assert len(sweeps) == 1
    fires_at = scheduler.get_schedule(GroupName="incident-schedules", Name=sweeps[0])["ScheduleExpression"]
    at = datetime.fromisoformat(fires_at.removeprefix("at(").removesuffix(")")).replace(tzinfo=UTC)
    assert timedelta(minutes=5) <= at - now < timedelta(minutes=6)
