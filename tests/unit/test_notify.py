"""The approval request email: built from the plan and the incident, escaped, one-line subject, every draft."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from incident_comms.alarms import Alarm, AlarmKind, AlarmSource, AlarmState
from incident_comms.incidents import AlarmSnapshot, Incident, Message
from incident_comms.ingest import first_message
from incident_comms.notify import (
    SUBJECT_MAX,
    ApprovalRequests,
    Email,
    approval_request_email,
    approval_subject,
    approval_url,
    approver_addresses,
)
from incident_comms.plan.models import Plan

OPENED = datetime(2026, 11, 22, 10, 15, tzinfo=UTC)
BASE_URL = "https://incidents.example.com"
HOSTILE_NAME = "prod-api-<script>alert('x')</script>"


def make_alarm(name: str = "prod-api-5xx") -> Alarm:
    return Alarm(
        source=AlarmSource.CLOUDWATCH,
        kind=AlarmKind.METRIC,
        id=f"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:{name}",
        name=name,
        state=AlarmState.ALARM,
        changed_at=OPENED - timedelta(minutes=1),
    )


def opened(plan: Plan, alarm: Alarm | None = None) -> tuple[Incident, Message]:
    alarm = alarm or make_alarm()
    incident = Incident(
        id="INC-20261122-1015-abc123",
        component_id="api",
        severity_id="SEV1",
        opened_at=OPENED,
        updated_at=OPENED,
        alarms={alarm.id: AlarmSnapshot.of(alarm)},
        rule_id="api-errors",
    )
    return incident, first_message(incident, alarm, plan)


def email_for(plan: Plan, alarm: Alarm | None = None, base_url: str = BASE_URL) -> tuple[Email, Message]:
    incident, message = opened(plan, alarm)
    return approval_request_email(plan, incident, message, OPENED + timedelta(minutes=12), base_url), message


def test_subject_names_severity_phase_and_component_in_the_main_locale(plan: Plan) -> None:
    email, _ = email_for(plan)

    assert email.subject == "[SEV1][Investigando] API pública — aprobación necesaria"


def test_a_long_or_multiline_component_name_keeps_the_subject_one_short_line() -> None:
    subject = approval_subject("SEV1", "Investigando", "API\r\npública " + "x" * 200, "aprobación necesaria")

    assert "\r" not in subject and "\n" not in subject
    assert len(subject) <= SUBJECT_MAX
    assert subject.startswith("[SEV1][Investigando] API pública x")
    assert subject.endswith("… — aprobación necesaria")


def test_a_subject_with_a_line_break_is_refused() -> None:
    with pytest.raises(ValidationError):
        Email(to=["a@example.com"], subject="one\r\nBcc: evil@example.com", text="", html="")


def test_every_person_of_every_approving_role_is_a_recipient_once(plan: Plan) -> None:
    email, message = email_for(plan)

    expected = {person.email for role_id in message.approvers for person in plan.role(role_id).people}
    assert message.approvers and expected
    assert set(email.to) == expected
    assert len(email.to) == len(set(email.to))


def test_addresses_of_several_roles_are_merged_in_plan_order(plan: Plan) -> None:
    addresses = approver_addresses(plan, ["communications_lead", "legal", "communications_lead"])

    assert addresses == [
        "marta.ibanez@nubeteca.example",
        "jorge.salas@nubeteca.example",
        "ramon.lozano@nubeteca.example",
    ]


def test_alarm_name_is_escaped_in_html_and_plain_in_text(plan: Plan) -> None:
    email, _ = email_for(plan, make_alarm(HOSTILE_NAME))

    assert "<script" not in email.html.lower()
    assert "&lt;script&gt;" in email.html
    assert HOSTILE_NAME in email.text


def test_every_channel_draft_is_shown_as_the_channel_will_show_it(plan: Plan) -> None:
    email, message = email_for(plan)

    assert {draft.channel_id for draft in message.drafts} == {c.id for c in plan.channels_for("SEV1")}
    for draft in message.drafts:
        assert draft.channel_id in email.text and draft.channel_id in email.html
        assert draft.text in email.text
        if draft.subject:
            assert draft.subject in email.text


def test_the_fields_the_phase_must_answer_are_listed(plan: Plan) -> None:
    email, message = email_for(plan)

    assert plan.phases.phases[message.phase].answers == [
        "impact",
        "data_loss",
        "customer_action",
        "next_update",
        "contact",
    ]
    for label in (
        "Impacto en los clientes",
        "Pérdida de datos (sí / no / aún no se sabe)",
        "Qué deben hacer los clientes",
        "Hora de la próxima actualización",
        "A quién contactar",
    ):
        assert f"- {label}" in email.text
        assert f"<li>{label}</li>" in email.html


def test_incident_facts_are_in_both_parts(plan: Plan) -> None:
    email, _ = email_for(plan)

    for fact in ("INC-20261122-1015-abc123", "API pública", "SEV1 · Crítica", "prod-api-5xx", "ALARM", "12 min"):
        assert fact in email.text, fact
        assert fact in email.html, fact


def test_review_link_points_at_the_approval_page_of_the_message(plan: Plan) -> None:
    email, message = email_for(plan, base_url=BASE_URL + "/")

    url = f"{BASE_URL}/approvals/INC-20261122-1015-abc123/{message.id}"
    assert f'href="{url}"' in email.html
    assert url in email.text
    assert email.headers == {"X-Incident-Id": "INC-20261122-1015-abc123", "X-Incident-Message-Id": message.id}


def test_without_a_base_url_the_page_path_is_shown_but_no_broken_button(plan: Plan) -> None:
    email, message = email_for(plan, base_url="")

    assert "href=" not in email.html
    assert f"/approvals/INC-20261122-1015-abc123/{message.id}" in email.html
    assert "APPROVALS_BASE_URL" in email.text


def test_ids_in_the_link_are_path_segments() -> None:
    assert approval_url("https://x.example", "INC/1", "a b") == "https://x.example/approvals/INC%2F1/a%20b"


def test_html_is_a_single_inline_styled_document_for_small_screens(plan: Plan) -> None:
    email, _ = email_for(plan)

    assert email.html.startswith("<!DOCTYPE html>")
    assert 'name="viewport"' in email.html
    assert "<style" not in email.html and "<link" not in email.html
    assert re.search(r"max-width: \d+px", email.html)


def test_approval_requests_sends_the_built_email(plan: Plan) -> None:
    sent: list[Email] = []

    class Recorder:
        def send(self, email: Email) -> str:
            sent.append(email)
            return "id-1"

    incident, message = opened(plan)
    email, provider_id = ApprovalRequests(Recorder(), BASE_URL).send(plan, incident, message, OPENED)

    assert provider_id == "id-1"
    assert sent == [email]
    assert email.subject.endswith("aprobación necesaria")
