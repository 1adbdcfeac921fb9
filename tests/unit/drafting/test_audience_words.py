"""Each audience its own words: its own impact and help addresses, its clock, the internal email for management,
the incident's page in every customer message, and only the plan's own addresses clickable in HTML."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from incident_comms.alarms import Alarm, AlarmKind, AlarmSource, AlarmState
from incident_comms.drafting.holding import render_holding
from incident_comms.drafting.links import Segment, line_segments, plan_links
from incident_comms.drafting.render import MessageFacts, draft_from_text, render_draft, render_drafts
from incident_comms.errors import PlanError
from incident_comms.lint.plan_texts import load_checked_plan
from incident_comms.plan.models import Channel, ChannelFormat, ChannelKind, Phase, Plan, for_audience
from tests.unit.conftest import Edit

STARTED = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # 15:00 CET, 08:00 CST
NOW = STARTED + timedelta(minutes=40)
INCIDENT = "INC-20261130-0001"
PAGE = f"https://estado.nubeteca.example/incidents/{INCIDENT}.html"
ISO_OR_NUMERIC = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}")


def facts(phase: Phase = Phase.INVESTIGATING, **changes: Any) -> MessageFacts:
    finished = phase in (Phase.RESOLVED, Phase.POSTMORTEM)
    values: dict[str, Any] = {
        "incident_id": INCIDENT,
        "component_id": "invoicing",
        "severity_id": "SEV1",
        "started_at": STARTED,
        "now": NOW,
        "next_update_at": None if finished else NOW + timedelta(minutes=30),
        "resolved_at": NOW + timedelta(minutes=20) if finished else None,
    }
    values.update(changes)
    return MessageFacts.model_validate(values)


def channel(plan: Plan, channel_id: str, **changes: Any) -> Channel:
    found = next(c for c in plan.channels.channels if c.id == channel_id)
    return found.model_copy(update=changes) if changes else found


def alarm(name: str) -> Alarm:
    return Alarm(
        source=AlarmSource.CLOUDWATCH,
        kind=AlarmKind.METRIC,
        id="arn:aws:cloudwatch:eu-west-1:123456789012:alarm:prod-invoicing",
        name=name,
        state=AlarmState.ALARM,
        changed_at=STARTED,
    )


# --- per-audience words ---------------------------------------------------------------------


def test_latin_america_reads_its_own_impact_and_never_about_hacienda(plan: Plan) -> None:
    spain = render_draft(plan, Phase.INVESTIGATING, facts(), channel(plan, "email-customers-es"))
    latam = render_draft(plan, Phase.INVESTIGATING, facts(), channel(plan, "email-customers-latam"))

    assert "Hacienda" in spain.text
    assert "Hacienda" not in latam.text and "Hacienda" not in (latam.html or "")
    assert "su envío a la autoridad fiscal se retrase" in latam.text


def test_an_audience_without_its_own_text_in_a_locale_reads_the_plans(plan: Plan) -> None:
    latam_in_english = channel(plan, "email-customers-latam", locale="en")
    draft = render_draft(plan, Phase.INVESTIGATING, facts(), latam_in_english)
    assert "their submission to the tax agency may be delayed" in draft.text
    other_component = render_draft(
        plan, Phase.INVESTIGATING, facts(component_id="api"), channel(plan, "email-customers-latam")
    )
    assert "Las integraciones que usan la API de Nubeteca" in other_component.text


def test_what_the_responder_said_outranks_the_audiences_default(plan: Plan) -> None:
    told = {"es": "No se pueden enviar facturas electrónicas.", "en": "E-invoices cannot be sent."}
    latam = render_draft(plan, Phase.INVESTIGATING, facts(impact=told), channel(plan, "email-customers-latam"))
    assert told["es"] in latam.text and "autoridad fiscal" not in latam.text


@pytest.mark.parametrize("phase", [Phase.MONITORING, Phase.RESOLVED, Phase.POSTMORTEM])
def test_once_fixed_the_impact_is_told_in_the_past_each_audience_its_own(plan: Plan, phase: Phase) -> None:
    spain = render_draft(plan, phase, facts(phase), channel(plan, "email-customers-es"))
    latam = render_draft(plan, phase, facts(phase), channel(plan, "email-customers-latam"))
    english = render_draft(plan, phase, facts(phase), channel(plan, "email-customers-en"))

    assert "Cómo le afectó: Es posible que no pudiera emitir o enviar facturas" in spain.text
    assert "su envío a Hacienda se retrasara" in spain.text and "se retrase" not in spain.text
    assert "su envío a la autoridad fiscal se retrasara" in latam.text and "Hacienda" not in latam.text
    assert "How this affected you: You may have been unable to issue or send invoices" in english.text


def test_a_component_without_a_past_impact_keeps_its_own_words(plan: Plan) -> None:
    api = plan.component("api").model_copy(update={"impact_past": None})
    assert api.impact_after_fix_for("customers_es", "es") == api.impact_for("customers_es", "es")


def test_own_text_picks_locale_then_falls_back() -> None:
    plain = {"es": "Hacienda", "en": "the tax agency"}
    assert for_audience(plain, {"es": "la autoridad fiscal"}, "es") == "la autoridad fiscal"
    assert for_audience(plain, {"es": "la autoridad fiscal"}, "es-MX") == "la autoridad fiscal"
    assert for_audience(plain, {"es": "la autoridad fiscal"}, "en") == "the tax agency"
    assert for_audience(plain, "SAT", "en") == "SAT", "one text for every locale"
    assert for_audience(plain, None, "en") == "the tax agency"


def test_latin_america_is_sent_to_its_own_help_page(plan: Plan) -> None:
    latam = render_draft(plan, Phase.INVESTIGATING, facts(), channel(plan, "email-customers-latam"))
    spain = render_draft(plan, Phase.INVESTIGATING, facts(), channel(plan, "email-customers-es"))
    assert "visite https://ayuda.nubeteca.example/latam." in latam.text
    assert '<a href="https://ayuda.nubeteca.example/latam">' in (latam.html or "")
    assert "visite https://ayuda.nubeteca.example." in spain.text and "/latam" not in spain.text


def test_a_by_audience_naming_an_unknown_audience_fails_the_plan_check(plan_copy: Path, edit_plan: Edit) -> None:
    def misspell(data: dict[str, Any]) -> None:
        data["components"][1]["by_audience"] = {"customers_lat": {"impact": {"es": "Otra cosa."}}}

    edit_plan("incident-definition.yaml", misspell)
    with pytest.raises(PlanError) as caught:
        load_checked_plan(plan_copy)
    assert any(
        problem.startswith("incident-definition.yaml: components[1].by_audience.customers_lat: unknown audience")
        and "customers_latam" in problem
        for problem in caught.value.problems
    ), caught.value.problems


# --- times ------------------------------------------------------------------------------------


def test_international_and_latin_american_readers_get_utc_and_spain_its_own_clock(plan: Plan) -> None:
    drafts = {d.channel_id: d for d in render_drafts(plan, Phase.INVESTIGATING, facts())}
    assert "since 30 November, 15:00 CET (14:00 UTC)" in drafts["email-customers-en"].text
    assert "Next update: 16:10 CET (15:10 UTC), at " in drafts["email-customers-en"].text
    assert "desde el 30 de noviembre, 15:00 CET." in drafts["email-customers-es"].text
    # one Latin American list spans UTC-6 to UTC-3: Mexico City's "CST" alone is ambiguous and wrong for most
    assert "desde el 30 de noviembre, 08:00 CST (14:00 UTC)." in drafts["email-customers-latam"].text
    assert "UTC" not in drafts["email-customers-es"].text


def test_public_channels_give_utc_whatever_their_audience(plan: Plan) -> None:
    drafts = {d.channel_id: d for d in render_drafts(plan, Phase.INVESTIGATING, facts())}
    assert "desde el 30 de noviembre, 15:00 CET (14:00 UTC)." in drafts["status-page"].text
    assert "UTC" not in drafts["email-customers-es"].text, "the same audience by email reads its own clock only"


def test_no_customer_message_of_any_phase_shows_an_iso_or_numeric_date(plan: Plan) -> None:
    tomorrow = NOW + timedelta(hours=20)
    for phase in Phase:
        open_phase = phase not in (Phase.RESOLVED, Phase.POSTMORTEM)
        for draft in render_drafts(plan, phase, facts(phase, next_update_at=tomorrow if open_phase else None)):
            for text in (draft.subject or "", draft.text):
                assert not ISO_OR_NUMERIC.search(text), (phase, draft.channel_id, text)


# --- where to look ----------------------------------------------------------------------------


def test_every_customer_email_links_the_incident_page_even_with_a_promised_time(plan: Plan) -> None:
    for phase in Phase:
        for draft in render_drafts(plan, phase, facts(phase)):
            internal = plan.audience(channel(plan, draft.channel_id).audience).internal
            if draft.format == ChannelFormat.EMAIL and not internal:
                assert (
                    PAGE.replace("/incidents", "/en/incidents" if draft.locale == "en" else "/incidents") in draft.text
                )
                assert draft.html is not None and 'href="https://estado.nubeteca.example/' in draft.html


def test_without_an_incident_page_the_status_page_is_linked(plan: Plan) -> None:
    no_status_page = plan.channels.model_copy(
        update={"channels": [c for c in plan.channels.channels if c.kind != ChannelKind.STATUS_PAGE]}
    )
    bare = plan.model_copy(update={"channels": no_status_page})
    draft = render_draft(bare, Phase.UPDATE, facts(Phase.UPDATE), channel(plan, "email-customers-es"))
    assert "Próxima actualización: 16:10 CET, en https://estado.nubeteca.example." in draft.text


# --- the internal email ---------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["es", "en"])
@pytest.mark.parametrize("phase", list(Phase))
def test_management_reads_an_internal_summary_never_told_to_contact_support(
    plan: Plan, phase: Phase, locale: str
) -> None:
    staff = channel(plan, "email-staff", locale=locale)
    draft = render_draft(plan, phase, facts(phase, data_loss="no"), staff)

    summary, *_ = draft.text.split("\n\n")
    assert summary.startswith("Resumen: incidente SEV1 (Crítica)" if locale == "es" else "Summary: SEV1 (Critical)")
    assert ("Impacto en clientes:" if locale == "es" else "Customer impact:") in draft.text
    assert (
        "Quién lo lleva: Responsable del incidente" if locale == "es" else "Who leads: Incident commander"
    ) in draft.text
    for customer_words in ("¿Necesita ayuda?", "Need help?", "soporte@nubeteca.example", "Sentimos", "sorry"):
        assert customer_words not in draft.text
    if phase not in (Phase.RESOLVED, Phase.POSTMORTEM):
        assert (
            "Próxima actualización a clientes: 16:10 CET" if locale == "es" else "Next customer update: 16:10 CET"
        ) in draft.text


def test_customers_never_get_the_internal_text(plan: Plan) -> None:
    for draft in render_drafts(plan, Phase.INVESTIGATING, facts()):
        if draft.channel_id != "email-staff":
            assert "Resumen:" not in draft.text and "Quién lo lleva" not in draft.text


# --- clickable links ------------------------------------------------------------------------


def test_the_plans_addresses_become_links_and_nothing_else(plan: Plan) -> None:
    links = plan_links(plan, channel(plan, "email-customers-es"), INCIDENT)
    assert links["soporte@nubeteca.example"] == "mailto:soporte@nubeteca.example"
    assert links[PAGE] == PAGE and links["https://ayuda.nubeteca.example"] == "https://ayuda.nubeteca.example"

    assert line_segments("Escriba a soporte@nubeteca.example o visite https://ayuda.nubeteca.example.", links) == [
        Segment("Escriba a "),
        Segment("soporte@nubeteca.example", "mailto:soporte@nubeteca.example"),
        Segment(" o visite "),
        Segment("https://ayuda.nubeteca.example", "https://ayuda.nubeteca.example"),
        Segment("."),
    ]
    for untouched in (
        "https://evil.example/phish",
        "https://ayuda.nubeteca.example.evil.example/",
        "https://ayuda.nubeteca.example/../reset?to=evil",
        "xsoporte@nubeteca.example",
        "soporte@nubeteca.example.evil",
    ):
        assert line_segments(f"mire {untouched} ahora", links) == [Segment(f"mire {untouched} ahora")], untouched


def test_alarm_text_with_a_url_or_markup_stays_escaped_text(plan: Plan) -> None:
    hostile = 'prod-invoicing <script>alert(1)</script> https://evil.example/x "><a href="https://evil.example">'
    staff = channel(plan, "email-staff")
    draft = render_draft(plan, Phase.INVESTIGATING, facts(alarms=[alarm(hostile)]), staff)

    assert draft.html is not None
    assert "<script>" not in draft.html and "&lt;script&gt;" in draft.html
    assert 'href="https://evil.example' not in draft.html
    assert "https://evil.example/x" in draft.html
    hrefs = re.findall(r'<a href="([^"]*)"', draft.html)
    assert hrefs and set(hrefs) <= set(plan_links(plan, staff, INCIDENT).values())


def test_an_edit_gets_links_for_the_plans_addresses_only(plan: Plan) -> None:
    text = f"Siga el incidente en {PAGE} (no en https://evil.example/{INCIDENT}.html) <b>ya</b>."
    edited = draft_from_text(plan, channel(plan, "email-customers-es"), "Asunto", text, incident_id=INCIDENT)
    assert edited.html is not None
    assert f'<a href="{PAGE}">{PAGE}</a>' in edited.html
    assert "evil.example" in edited.html and 'href="https://evil' not in edited.html
    assert "&lt;b&gt;ya&lt;/b&gt;" in edited.html
    without_incident = draft_from_text(plan, channel(plan, "email-customers-es"), "Asunto", text)
    assert "<a " not in (without_incident.html or "")


def test_a_holding_text_tells_customers_where_to_ask_and_management_nothing_of_the_kind(plan: Plan) -> None:
    holding = plan.phases.phases[Phase.INVESTIGATING].holding
    assert holding is not None
    customers = render_holding(plan, Phase.INVESTIGATING, holding, facts(), channel(plan, "email-customers-es"))
    staff = render_holding(plan, Phase.INVESTIGATING, holding, facts(), channel(plan, "email-staff"))
    assert "¿Necesita ayuda? Escriba a soporte@nubeteca.example" in customers
    assert f"Próxima actualización: 16:10 CET, en {PAGE}." in customers
    assert "soporte@" not in staff and "¿Necesita ayuda?" not in staff
