"""The approval request email: built from the plan and the incident, escaped, one-line subject, every draft."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from pydantic import ValidationError

from incident_comms.alarms import Alarm
from incident_comms.approvals.links import approval_links, approval_url
from incident_comms.approvals.request_email import approval_request_email
from incident_comms.approvals.requests import ApprovalRequests
from incident_comms.approvals.tokens import ApprovalAction, RejectReason, TokenRejected, verify_token
from incident_comms.incidents.models import Message
from incident_comms.plan.models import Plan
from incident_comms.team.emails import SUBJECT_MAX, Email, approval_subject, approver_addresses
from tests.factories import OPENED, RecordingSender, make_alarm, opened_incident

BASE_URL = "https://incidents.example.com"
HOSTILE_NAME = "prod-api-<script>alert('x')</script>"
KEY = b"k" * 32
RECIPIENT = "marta.ibanez@nubeteca.example"
NOW = OPENED + timedelta(minutes=12)


def email_for(plan: Plan, alarm: Alarm | None = None, base_url: str = BASE_URL) -> tuple[Email, Message]:
    incident, message = opened_incident(plan, alarm)
    links = approval_links(base_url, KEY, message, RECIPIENT, NOW + timedelta(hours=24))
    return approval_request_email(plan, incident, message, NOW, links, RECIPIENT), message


def link_tokens(text: str) -> list[str]:
    return re.findall(r"/approvals/([A-Za-z0-9_.-]+)", text)


def test_subject_names_severity_phase_and_component_in_the_main_locale(plan: Plan) -> None:
    email, _ = email_for(plan)

    assert email.subject == "[SEV1][Investigando] API pública — aprobación necesaria"


def test_the_request_goes_in_the_teams_thread_of_the_incident_not_the_customers(plan: Plan) -> None:
    email, message = email_for(plan)

    assert email.thread == f"{message.incident_id}/team"


def test_a_long_or_multiline_component_name_keeps_the_subject_one_short_line() -> None:
    subject = approval_subject("SEV1", "Investigando", "API\r\npública " + "x" * 200, "aprobación necesaria")

    assert "\r" not in subject and "\n" not in subject
    assert len(subject) <= SUBJECT_MAX
    assert subject.startswith("[SEV1][Investigando] API pública x")
    assert subject.endswith("… — aprobación necesaria")


def test_a_subject_with_a_line_break_is_refused() -> None:
    with pytest.raises(ValidationError):
        Email(to=["a@example.com"], subject="one\r\nBcc: evil@example.com", text="", html="")


def test_each_approver_gets_an_email_of_their_own(plan: Plan) -> None:
    sender = RecordingSender()

    incident, message = opened_incident(plan)
    results = ApprovalRequests(sender, lambda: KEY, BASE_URL).send(plan, incident, message, NOW)

    expected = [person.email for role_id in message.approvers for person in plan.role(role_id).people]
    assert message.approvers and expected
    assert [email.to for email in sender.sent] == [[address] for address in expected]
    assert [result.provider_id for result in results] == [f"id-{n}" for n in range(1, len(expected) + 1)]


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


def test_the_three_links_are_signed_for_the_recipient_action_and_version(plan: Plan) -> None:
    email, message = email_for(plan, base_url=BASE_URL + "/")

    tokens = link_tokens(email.text)
    assert len(tokens) == 3
    assert link_tokens(email.html) == tokens
    for token in tokens:
        assert f'href="{BASE_URL}/approvals/{token}"' in email.html
    claims = [verify_token(token, KEY, NOW, expected_version=message.version) for token in tokens]
    assert [c.action for c in claims] == [ApprovalAction.APPROVE, ApprovalAction.EDIT, ApprovalAction.REJECT]
    assert {(c.incident_id, c.message_id, c.recipient) for c in claims} == {
        ("INC-20261122-1015-abc123", message.id, RECIPIENT)
    }
    assert email.headers == {"X-Incident-Id": "INC-20261122-1015-abc123", "X-Incident-Message-Id": message.id}


def test_links_die_with_the_severity_expiry(plan: Plan) -> None:
    incident, message = opened_incident(plan)
    sender = RecordingSender()

    ApprovalRequests(sender, lambda: KEY, BASE_URL).send(plan, incident, message, NOW)

    expiry = plan.severity("SEV1").approval_expiry
    token = link_tokens(sender.sent[0].text)[0]
    assert verify_token(token, KEY, NOW + expiry - timedelta(seconds=1))
    with pytest.raises(TokenRejected) as rejected:
        verify_token(token, KEY, NOW + expiry)
    assert rejected.value.reason == RejectReason.EXPIRED


def test_without_a_base_url_the_page_paths_are_shown_but_no_broken_button(plan: Plan) -> None:
    email, _ = email_for(plan, base_url="")

    assert "href=" not in email.html
    assert len(link_tokens(email.html)) == 3
    assert "APPROVALS_BASE_URL" in email.text


def test_the_token_is_one_path_segment() -> None:
    assert approval_url("https://x.example/", "a.b_c-d") == "https://x.example/approvals/a.b_c-d"
    assert approval_url("https://x.example", "a/b") == "https://x.example/approvals/a%2Fb"


def test_html_is_a_single_inline_styled_document_for_small_screens(plan: Plan) -> None:
    email, _ = email_for(plan)

    assert email.html.startswith("<!DOCTYPE html>")
    assert 'name="viewport"' in email.html
    assert "<style" not in email.html and "<link" not in email.html
    assert re.search(r"max-width: \d+px", email.html)


def test_one_refused_address_does_not_keep_the_others_from_being_asked(plan: Plan) -> None:
    class RefusesMarta:
        def send(self, email: Email) -> str:
            if email.to == [RECIPIENT]:
                raise RuntimeError("MessageRejected: address blocked")
            return "ok"

    incident, message = opened_incident(plan)
    results = ApprovalRequests(RefusesMarta(), lambda: KEY, BASE_URL).send(plan, incident, message, NOW)

    assert [r.error for r in results if r.email.to == [RECIPIENT]] == ["RuntimeError: MessageRejected: address blocked"]
    assert all(r.provider_id == "ok" for r in results if r.email.to != [RECIPIENT])


# --- the findings of the draft checks ------------------------------------------------------------------------


LONG_BLAME = "La culpa es del equipo de base de datos, que " + "tocó la configuración sin avisar " * 4 + "<b>ayer</b>."


def email_with_sms(plan: Plan, text: str) -> Email:
    from incident_comms.drafting.render import draft_from_text

    incident, message = opened_incident(plan)
    channel = next(c for c in plan.channels.channels if c.id == "sms-customers")
    drafts = [draft_from_text(plan, channel, None, text) if d.channel_id == channel.id else d for d in message.drafts]
    message = message.model_copy(update={"drafts": drafts})
    links = approval_links(BASE_URL, KEY, message, RECIPIENT, NOW + timedelta(hours=24))
    return approval_request_email(plan, incident, message, NOW, links, RECIPIENT)


def test_a_clean_draft_says_no_problems_and_the_email_opens_as_before(plan: Plan) -> None:
    email, message = email_for(plan)

    assert email.text.startswith(email.subject + "\n")
    assert (
        "Borradores, tal como los verá cada canal (revisión del borrador: No se han encontrado problemas)" in email.text
    )
    assert email.text.count("No se han encontrado problemas") == len(message.drafts) + 1
    assert "Revisión del borrador: No se han encontrado problemas" in email.html


def test_errors_put_the_summary_first_and_each_channel_lists_its_findings(plan: Plan) -> None:
    email = email_with_sms(plan, LONG_BLAME)

    first_line = email.text.splitlines()[0]
    assert first_line.startswith("Revisión del borrador: ") and " errores" in first_line
    assert "habrá que escribir el motivo" in first_line
    sms_part = email.text[email.text.index("[sms-customers · es]") : email.text.index("[status-page · es]")]
    lines = [line for line in sms_part.splitlines() if line.startswith("- [")]
    assert lines[0].startswith("- [error] no-blame: «La culpa» señala a alguien")
    assert "(Valores del plan: Responsabilidad sin culpas)" in lines[0]
    assert any(line.startswith("- [error] impact-stated: ") for line in lines)
    html_sms = email.html[email.html.index("(sms-customers") : email.html.index("(status-page")]
    assert "<code>no-blame</code>" in html_sms and "&lt;b&gt;ayer&lt;/b&gt;" in html_sms and "<b>" not in html_sms
    assert email.html.index("habrá que escribir el motivo") < email.html.index(BASE_URL)


def test_a_quoted_span_is_one_line_of_at_most_80_characters(plan: Plan) -> None:
    from incident_comms.approvals.checks import FINDING_QUOTE_MAX, checks_context, draft_checks
    from incident_comms.team.emails import team_texts

    long_sms = "Nubeteca: " + "avería en la API " * 12
    email = email_with_sms(plan, long_sms)
    message = email_with_sms_message(plan, long_sms)

    context = checks_context(plan, message, draft_checks(plan, message, "SEV1"), team_texts(plan))

    (fits,) = [f for f in context["channels"]["sms-customers"]["findings"] if f["check"] == "fits-channel"]
    assert fits["quote"] is not None and len(fits["quote"]) <= FINDING_QUOTE_MAX and "\n" not in fits["quote"]
    assert f"«{fits['quote']}»" in email.text


def email_with_sms_message(plan: Plan, text: str) -> Message:
    from incident_comms.drafting.render import draft_from_text

    _, message = opened_incident(plan)
    channel = next(c for c in plan.channels.channels if c.id == "sms-customers")
    return message.model_copy(update={"drafts": [draft_from_text(plan, channel, None, text)]})


def test_each_sms_draft_shows_its_billed_parts_and_cost_next_to_it(plan: Plan) -> None:
    """137 characters with one ``ó``: UCS-2, three parts of 67, at the sample plan's 0.0745 USD a part."""
    text = "Nubeteca: la facturación falla para algunos clientes. Sin pérdida de datos. Próximo aviso 15:30 CET. "
    text += "Info estado.nubeteca.example"
    text += "." * (137 - len(text))
    email = email_with_sms(plan, text)

    line = (
        "SMS: 3 parte(s) facturada(s), UCS-2, 137 caracteres (el canal admite 1) · coste: 0.2235 USD por destinatario"
    )
    sms_part = email.text[email.text.index("[sms-customers · es]") : email.text.index("[status-page · es]")]
    assert line in sms_part
    assert line in email.html[email.html.index("(sms-customers") : email.html.index("(status-page")]
    assert (
        "fits-channel" in sms_part
        and "SMS: " not in email.text[email.text.index("[status-page · es]") : email.text.index("[chat-incidents")]
    )
