"""Drafting: every phase message renders for every channel, safely, in the audience's time and language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from incident_comms.alarms import Alarm, AlarmKind, AlarmSource, AlarmState
from incident_comms.drafting.render import ChannelDraft, MessageFacts, render_draft, render_drafts
from incident_comms.errors import PlanError
from incident_comms.plan.models import Channel, ChannelFormat, ChannelKind, Phase, Plan
from incident_comms.plan.phase_labels import phase_label
from incident_comms.sms import sms_encoding
from incident_comms.text import format_elapsed, one_line

STARTED = datetime(2026, 1, 15, 13, 5, tzinfo=UTC)  # 14:05 CET in Madrid, 07:05 CST in Mexico City
NOW = STARTED + timedelta(minutes=40)
XSS = "<script>alert(1)</script>"
FINISHED = (Phase.RESOLVED, Phase.POSTMORTEM)


def alarm(name: str = f"prod-api-5xx {XSS}") -> Alarm:
    return Alarm(
        source=AlarmSource.CLOUDWATCH,
        kind=AlarmKind.METRIC,
        id="arn:aws:cloudwatch:eu-west-1:123456789012:alarm:prod-api-5xx",
        name=name,
        state=AlarmState.ALARM,
        changed_at=STARTED,
    )


def facts(phase: Phase, **changes: object) -> MessageFacts:
    finished = phase in FINISHED
    values: dict[str, object] = {
        "incident_id": "INC-20260115-0001",
        "component_id": "invoicing",
        "severity_id": "SEV1",
        "started_at": STARTED,
        "now": NOW,
        "next_update_at": None if finished else NOW + timedelta(minutes=30),
        "resolved_at": NOW + timedelta(minutes=55) if finished else None,
        "alarms": [alarm()],
    }
    values.update(changes)
    return MessageFacts.model_validate(values)


def variant(plan: Plan, channel: Channel) -> Channel:
    """The same channel in the other locale, so every template of every format is exercised."""
    other = next(locale for locale in plan.definition.locales if locale != channel.locale)
    return channel.model_copy(update={"locale": other, "id": f"{channel.id}-{other}"})


def all_channels(plan: Plan) -> list[Channel]:
    return [c for channel in plan.channels.channels for c in (channel, variant(plan, channel))]


def audience_internal(plan: Plan, channel: Channel) -> bool:
    return plan.audience(channel.audience).internal


def test_sms_and_social_posts_go_out_at_milestones_only(plan: Plan) -> None:
    def channels(phase: Phase, **changes: object) -> set[str]:
        return {d.channel_id for d in render_drafts(plan, phase, facts(phase, **changes))}

    short = {"sms-customers", "social-media"}
    assert channels(Phase.INVESTIGATING) >= short
    assert not channels(Phase.MONITORING) & short
    assert not channels(Phase.UPDATE) & short
    assert not channels(Phase.POSTMORTEM) & short
    assert "sms-customers" in channels(Phase.RESOLVED)
    assert "email-customers-es" in channels(Phase.UPDATE)


def test_sms_at_identified_only_with_news_for_the_customer(plan: Plan) -> None:
    def sms_at_identified(**changes: object) -> bool:
        drafts = render_drafts(plan, Phase.IDENTIFIED, facts(Phase.IDENTIFIED, **changes))
        return "sms-customers" in {d.channel_id for d in drafts}

    assert not sms_at_identified(data_loss="unknown")
    assert not sms_at_identified(data_loss="unknown", customer_action={"en": "Retry the export."})
    assert sms_at_identified(data_loss="unknown", customer_action={"es": "Repita la exportación."})
    assert sms_at_identified(data_loss="no")
    assert sms_at_identified(data_loss="yes", data_lost={"es": "facturas de una hora"})


@pytest.mark.parametrize("phase", list(Phase))
@pytest.mark.parametrize("full", [True, False], ids=["all-facts", "no-optional-facts"])
def test_every_phase_channel_and_locale_renders(plan: Plan, phase: Phase, full: bool) -> None:
    extra: dict[str, object] = {}
    if full:
        extra = {
            "data_loss": "no",
            "customer_action": {"es": "Reintente el envío.", "en": "Retry sending."},
            "cause": "Una base de datos saturada.",
            "actions_taken": "Ampliamos la capacidad.",
            "actions_planned": "Alertas antes de la saturación.",
            "root_cause": "Un límite de conexiones demasiado bajo.",
            "lessons": "Probar los límites en preproducción.",
        }
    for channel in all_channels(plan):
        draft = render_draft(plan, phase, facts(phase, **extra), channel)
        assert draft.text
        for leftover in ("{{", "}}", "{%", "%}", "None"):
            assert leftover not in draft.text, (channel.id, leftover)
        if draft.format in (ChannelFormat.EMAIL, ChannelFormat.STATUS_PAGE):
            assert draft.subject
            assert "\n" not in draft.subject
            assert "\r" not in draft.subject
            assert draft.html
            assert draft.html.startswith("<!DOCTYPE html>")
        else:
            assert draft.subject is None
            assert draft.html is None


def test_default_channels_are_the_severitys(plan: Plan) -> None:
    drafts = render_drafts(plan, Phase.INVESTIGATING, facts(Phase.INVESTIGATING, severity_id="SEV3"))
    assert [d.channel_id for d in drafts] == [c.id for c in plan.channels_for("SEV3")]
    assert "sms-customers" not in [d.channel_id for d in drafts]
    assert all(isinstance(d, ChannelDraft) for d in drafts)


@pytest.mark.parametrize("phase", [Phase.INVESTIGATING, Phase.IDENTIFIED, Phase.RESOLVED])
def test_an_sms_names_the_component_as_the_plan_says_it_in_sms_never_an_accent_stripped_word(
    plan: Plan, phase: Phase
) -> None:
    """ "la API publica" (accent dropped for GSM-7) reads "the API publishes": the plan's ``in_sms`` avoids it."""
    sms = next(c for c in plan.channels.channels if c.template_format == ChannelFormat.SMS)
    resolved = NOW + timedelta(hours=1) if phase in FINISHED else None
    draft = render_draft(plan, phase, facts(phase, component_id="api", resolved_at=resolved), sms)
    assert "nuestra API" in draft.text and "publica" not in draft.text, draft.text
    assert draft.text.startswith(f"Nubeteca: {phase_label(phase, 'es')} "), "the phase as every other channel says it"


@pytest.mark.parametrize("phase", list(Phase))
@pytest.mark.parametrize("locale", ["es", "en"])
def test_sms_is_one_gsm7_part(plan: Plan, phase: Phase, locale: str) -> None:
    """Accents GSM-7 lacks (``Facturación``, ``Próx.``) are written without them: one ``ó`` would bill 3 parts."""
    sms = next(c for c in plan.channels.channels if c.template_format == ChannelFormat.SMS)
    sms = sms.model_copy(update={"locale": locale})
    tomorrow = NOW + timedelta(hours=20)
    for component in plan.definition.components:
        for data_loss in ("yes", "no", "unknown"):
            draft = render_draft(
                plan,
                phase,
                facts(
                    phase,
                    component_id=component.id,
                    data_loss=data_loss,
                    next_update_at=None if phase in FINISHED else tomorrow,
                    resolved_at=NOW + timedelta(days=1, hours=3) if phase in FINISHED else None,
                ),
                sms,
            )
            encoding = sms_encoding(draft.text)
            assert (encoding.encoding, encoding.parts) == ("GSM-7", 1), draft.text
            assert "\n" not in draft.text


def test_times_are_in_the_audience_time_zone(plan: Plan) -> None:
    drafts = {d.channel_id: d for d in render_drafts(plan, Phase.INVESTIGATING, facts(Phase.INVESTIGATING))}
    assert "Próxima actualización: 15:15 CET, en https://" in drafts["email-customers-es"].text
    assert "Próxima actualización: 08:15 CST (14:15 UTC), en https://" in drafts["email-customers-latam"].text
    assert "Next update: 15:15 CET (14:15 UTC), at https://" in drafts["email-customers-en"].text
    assert "desde el 15 de enero, 14:05 CET." in drafts["email-customers-es"].text
    assert "since 15 January, 14:05 CET (13:05 UTC)." in drafts["email-customers-en"].text


def test_summer_time_and_another_day(plan: Plan) -> None:
    summer = datetime(2026, 7, 1, 21, 0, tzinfo=UTC)
    draft = render_draft(
        plan,
        Phase.UPDATE,
        facts(Phase.UPDATE, started_at=summer, now=summer, next_update_at=summer + timedelta(hours=4)),
        plan.channels.channels[0],
    )
    assert "Próxima actualización: 2 de julio, 03:00 CEST, en https://" in draft.text


def test_every_customer_email_links_the_incidents_own_status_page_in_its_locale(plan: Plan) -> None:
    page = "https://estado.nubeteca.example/{}incidents/INC-20260115-0001.html"
    for phase in Phase:
        for draft in render_drafts(plan, phase, facts(phase)):
            channel = next(c for c in plan.channels.channels if c.id == draft.channel_id)
            internal = plan.audience(channel.audience).internal
            linked = page.format("" if draft.locale == plan.main_locale else f"{draft.locale}/") in draft.text
            if draft.kind == "email" and not internal:
                assert linked, (phase, draft.channel_id)
            if internal:
                assert "/incidents/INC-" not in draft.text, (phase, draft.channel_id)


def test_without_a_status_page_for_the_severity_no_incident_page_is_linked(plan: Plan) -> None:
    pages = [c.id for c in plan.channels.channels if c.kind == "status_page"]
    assert plan.incident_page_url("es", "INC-1", "SEV1") == "https://estado.nubeteca.example/incidents/INC-1.html"
    assert plan.incident_page_url("en", "INC-1", "SEV1") == "https://estado.nubeteca.example/en/incidents/INC-1.html"
    channels = [c for c in plan.channels.channels if c.id not in pages]
    without = plan.model_copy(update={"channels": plan.channels.model_copy(update={"channels": channels})})
    assert without.incident_page_url("es", "INC-1", "SEV1") is None


def test_alarm_names_reach_internal_channels_only_and_never_as_html(plan: Plan) -> None:
    for phase in Phase:
        for draft in render_drafts(plan, phase, facts(phase)):
            channel = next(c for c in plan.channels.channels if c.id == draft.channel_id)
            if audience_internal(plan, channel):
                assert f"prod-api-5xx {XSS}" in draft.text
            else:
                assert "prod-api-5xx" not in draft.text
                assert "prod-api-5xx" not in (draft.html or "")
                assert "prod-api-5xx" not in (draft.subject or "")
            if draft.html is not None:
                assert XSS not in draft.html
                assert "<script" not in draft.html
            if audience_internal(plan, channel) and draft.html is not None:
                assert "&lt;script&gt;alert(1)&lt;/script&gt;" in draft.html


def test_alarm_names_cannot_forge_lines(plan: Plan) -> None:
    forged = alarm("prod-api-5xx\nPróxima actualización: nunca")
    draft = render_drafts(plan, Phase.INVESTIGATING, facts(Phase.INVESTIGATING, alarms=[forged]))
    chat = next(d for d in draft if d.format == ChannelFormat.CHAT)
    assert "- prod-api-5xx Próxima actualización: nunca: ALARM" in chat.text


def test_untrusted_responder_text_is_escaped_in_html(plan: Plan) -> None:
    draft = render_draft(
        plan, Phase.IDENTIFIED, facts(Phase.IDENTIFIED, cause=f"Fallo {XSS} & más"), plan.channels.channels[0]
    )
    assert draft.html is not None
    assert "Fallo &lt;script&gt;alert(1)&lt;/script&gt; &amp; más" in draft.html


@pytest.mark.parametrize(("locale", "phrase"), [("es", "Aún no lo sabemos"), ("en", "We do not know yet")])
def test_data_loss_unknown_is_said_not_guessed(plan: Plan, locale: str, phrase: str) -> None:
    email = next(c for c in plan.channels.channels if c.locale == locale and c.kind == ChannelKind.EMAIL)
    for phase in Phase:
        draft = render_draft(plan, phase, facts(phase), email)
        assert phrase in draft.text, phase


def test_data_loss_known_answers(plan: Plan) -> None:
    email = plan.channels.channels[0]
    assert (
        "No, no se ha perdido ningún dato."
        in render_draft(plan, Phase.RESOLVED, facts(Phase.RESOLVED, data_loss="no"), email).text
    )
    assert (
        "¿Se han perdido datos? Sí"
        in render_draft(plan, Phase.RESOLVED, facts(Phase.RESOLVED, data_loss="yes"), email).text
    )


def test_summary_comes_first_and_contact_is_given(plan: Plan) -> None:
    for draft in render_drafts(plan, Phase.INVESTIGATING, facts(Phase.INVESTIGATING)):
        if draft.format == ChannelFormat.EMAIL and draft.locale == "es" and draft.channel_id != "email-staff":
            assert draft.text.startswith("Estamos investigando un problema en la facturación")
            assert "soporte@nubeteca.example" in draft.text


def test_resolved_tells_the_impact_window(plan: Plan) -> None:
    draft = render_draft(plan, Phase.RESOLVED, facts(Phase.RESOLVED), plan.channels.channels[0])
    assert "Inicio del impacto: 15 de enero, 14:05 CET" in draft.text
    assert "Fin del impacto: 15 de enero, 15:40 CET" in draft.text
    assert "Duración: 1 h 35 min" in draft.text


def test_component_impact_can_be_overridden(plan: Plan) -> None:
    impact = {"es": "No se pueden descargar facturas en PDF.", "en": "Invoice PDFs cannot be downloaded."}
    drafts = render_drafts(plan, Phase.INVESTIGATING, facts(Phase.INVESTIGATING, impact=impact))
    texts = {d.locale: d.text for d in drafts if d.format == ChannelFormat.EMAIL}
    assert impact["es"] in texts["es"]
    assert impact["en"] in texts["en"]


def test_sns_subjects_stay_under_100_characters(plan: Plan) -> None:
    email = plan.channels.channels[0]
    over_sns = email.model_copy(update={"kind": ChannelKind.SNS, "format": ChannelFormat.EMAIL})
    long_name = {"es": "Componente " + "muy " * 40 + "largo", "en": "Long"}
    component = plan.definition.components[1].model_copy(update={"name": long_name, "title": long_name})
    definition = plan.definition.model_copy(
        update={"components": [plan.definition.components[0], component, *plan.definition.components[2:]]}
    )
    long_plan = plan.model_copy(update={"definition": definition})
    draft = render_draft(long_plan, Phase.INVESTIGATING, facts(Phase.INVESTIGATING), over_sns)
    assert draft.subject is not None
    assert len(draft.subject) < 100
    assert draft.subject.endswith("…")


def test_misspelt_variable_names_the_template(plan: Plan) -> None:
    templates = dict(plan.templates)
    templates["es/update.chat.j2"] = "{% block body %}\nHola\n{{ incident.componnent }}\n{% endblock %}\n"
    broken = plan.model_copy(update={"templates": templates})
    chat = next(c for c in plan.channels.channels if c.format is None and c.kind == ChannelKind.WEBHOOK)
    with pytest.raises(PlanError) as caught:
        render_draft(broken, Phase.UPDATE, facts(Phase.UPDATE), chat)
    assert caught.value.problems == ["templates/es/update.chat.j2: line 3: 'dict object' has no attribute 'componnent'"]


def test_facts_need_aware_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        facts(Phase.INVESTIGATING, now=datetime(2026, 1, 15, 13, 45))


def test_helpers() -> None:
    assert one_line(" a\r\nb\t c ") == "a b c"
    assert format_elapsed(timedelta(minutes=5)) == "5 min"
    assert format_elapsed(timedelta(hours=2, minutes=5)) == "2 h 05 min"
    assert format_elapsed(timedelta(days=3, hours=4)) == "3 d 4 h"
    assert format_elapsed(timedelta(days=1)) == "1 d"
