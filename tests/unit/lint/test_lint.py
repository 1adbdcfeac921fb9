"""The draft checks: each check fires on what it is about (with the span of that text), stays quiet on good drafts,
follows the plan (people, alarms, public hosts, settings, phases, severities), and the example plan's own
templates pass in every phase, locale and format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from incident_comms.alarms import Alarm, AlarmKind, AlarmSource, AlarmState
from incident_comms.approvals.holding import holding_message
from incident_comms.drafting.render import MessageFacts, draft_from_text, render_draft
from incident_comms.errors import BadInput
from incident_comms.lint.channel_fit import sms_encoding
from incident_comms.lint.runner import (
    CHECKS,
    DraftText,
    Finding,
    check_levels,
    has_errors,
    lint,
    lint_draft,
    segments,
    split_subject,
    supports_locale,
)
from incident_comms.lint.words import LANGUAGES
from incident_comms.plan.models import (
    LINT_CHECK_IDS,
    Access,
    Channel,
    ChannelFormat,
    ChannelKind,
    CheckSetting,
    Person,
    Phase,
    Plan,
)
from tests.factories import OPENED, opened_incident

GOOD = {
    "en": "Invoices may be delayed on their way to the tax agency.\n\n"
    "Was any data lost? No, no data was lost.\n\n"
    "Need help? Write to soporte@nubeteca.example.\n"
    "Next update: 15:00 CET.",
    "es": "Puede que el envío de sus facturas a Hacienda se retrase.\n\n"
    "¿Se han perdido datos? No, no se ha perdido ningún dato.\n\n"
    "¿Necesita ayuda? Escriba a soporte@nubeteca.example.\n"
    "Próxima actualización: 15:00 CET.",
}


def run(
    plan: Plan,
    text: str,
    *,
    locale: str = "en",
    phase: Phase = Phase.UPDATE,
    severity: str | None = "SEV1",
    fmt: ChannelFormat = ChannelFormat.EMAIL,
    subject: str | None = None,
    internal: bool = False,
    certain: bool = False,
    max_parts: int | None = None,
) -> list[Finding]:
    draft = DraftText(text=text, format=fmt, locale=locale, subject=subject, internal=internal, max_parts=max_parts)
    return lint(plan, draft, phase=phase, severity=severity, certain=certain)


def with_sentence(locale: str, sentence: str) -> str:
    """The good draft with ``sentence`` as its second paragraph."""
    first, rest = GOOD[locale].split("\n\n", 1)
    return f"{first}\n\n{sentence}\n\n{rest}"


def quoted(text: str, findings: list[Finding], check: str) -> list[str]:
    return [text[f.start : f.end] for f in findings if f.check == check and f.part == "text"]


def checks(findings: list[Finding]) -> set[str]:
    return {f.check for f in findings}


@pytest.mark.parametrize("locale", ["en", "es"])
def test_a_good_draft_gives_no_findings(plan: Plan, locale: str) -> None:
    assert run(plan, GOOD[locale], locale=locale) == []


def test_the_linter_implements_exactly_the_checks_values_may_name() -> None:
    assert {spec.id for spec in CHECKS} == LINT_CHECK_IDS
    assert len(CHECKS) == len(LINT_CHECK_IDS)


def test_every_message_exists_in_both_languages() -> None:
    (en, en_labels), (es, es_labels) = LANGUAGES["en"], LANGUAGES["es"]
    assert set(en.messages) == set(es.messages)
    assert set(en_labels) == set(es_labels)


# --- no-blame -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "sentence", "phrase"),
    [
        ("en", "The outage was caused by our cloud provider.", "caused by our cloud provider"),
        ("en", "One of our engineers accidentally deleted a setting.", "One of our engineers accidentally"),
        ("en", "This was a human error during maintenance.", "human error"),
        ("en", "A single customer overloaded the API with requests.", "A single customer overloaded"),
        ("en", "The database team forgot to renew a certificate.", "The database team forgot"),
        ("es", "Un error humano borró la configuración.", "error humano"),
        ("es", "La culpa es de nuestro proveedor.", "La culpa"),
        ("es", "Está causado por nuestro proveedor de pagos.", "causado por nuestro proveedor"),
        ("es", "Uno de nuestros técnicos borró por error un ajuste.", "Uno de nuestros técnicos borró"),
    ],
)
def test_no_blame_quotes_the_blaming_phrase(plan: Plan, locale: str, sentence: str, phrase: str) -> None:
    text = with_sentence(locale, sentence)
    findings = run(plan, text, locale=locale)
    assert quoted(text, findings, "no-blame") == [phrase]
    assert checks(findings) == {"no-blame"}
    assert all(f.level == "error" and f.values == ("blameless",) for f in findings)


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("Lucía Navarro is coordinating the response.", "Lucía Navarro"),
        ("Lucia Navarro is coordinating the response.", "Lucia Navarro"),
        ("Ask @marta for details.", "@marta"),
        ("Jorge is looking at it.", "Jorge"),
    ],
)
def test_no_blame_finds_the_people_of_the_plan_with_or_without_accents(plan: Plan, sentence: str, name: str) -> None:
    text = with_sentence("en", sentence)
    assert quoted(text, run(plan, text), "no-blame") == [name]


def test_the_people_come_from_the_plan_roles(plan: Plan) -> None:
    text = with_sentence("en", "Zoe Quintana is on it.")
    assert run(plan, text) == []
    role = plan.roles.roles[0]
    newcomer = Person(name="Zoe Quintana", email="zoe.quintana@nubeteca.example")
    roles = plan.roles.model_copy(
        update={"roles": [role.model_copy(update={"people": [*role.people, newcomer]}), *plan.roles.roles[1:]]}
    )
    assert quoted(text, run(plan.model_copy(update={"roles": roles}), text), "no-blame") == ["Zoe Quintana"]


# --- no-unsure-commitment -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "sentence", "phrase"),
    [
        ("en", "It will be fixed by 15:00.", "will be fixed by 15:00"),
        ("en", "Everything will be back to normal within the hour.", "will be back to normal within the hour"),
        ("en", "The service should be restored in 30 minutes.", "should be restored in 30 minutes"),
        ("en", "The ETA for the fix is 16:00 CET.", "ETA for the fix is 16:00"),
        ("es", "El servicio quedará resuelto en una hora.", "quedará resuelto en una hora"),
        ("es", "Lo solucionaremos antes de las 14:00.", "Lo solucionaremos antes de las 14:00"),
        ("es", "Debería estar restablecido a las 13:00.", "Debería estar restablecido a las 13:00"),
    ],
)
def test_a_promised_fix_time_is_an_unsure_commitment(plan: Plan, locale: str, sentence: str, phrase: str) -> None:
    text = with_sentence(locale, sentence)
    findings = run(plan, text, locale=locale)
    assert quoted(text, findings, "no-unsure-commitment") == [phrase]
    assert checks(findings) == {"no-unsure-commitment"}


def test_a_commitment_marked_certain_passes(plan: Plan) -> None:
    text = with_sentence("en", "Downloads will be restored at 16:00 CET.")
    assert checks(run(plan, text)) == {"no-unsure-commitment"}
    assert run(plan, text, certain=True) == []


def test_a_hedge_without_a_time_and_plain_state_are_not_commitments(plan: Plan) -> None:
    for sentence in ("The service should now work normally.", "We are working to fix it."):
        assert run(plan, with_sentence("en", sentence)) == []


def test_never_again_is_flagged_in_any_phase_even_when_certain(plan: Plan) -> None:
    text = "No volverá a pasar."
    findings = run(plan, text, locale="es", phase=Phase.POSTMORTEM, certain=True)
    assert quoted(text, findings, "no-unsure-commitment") == ["No volverá a pasar"]


def test_planned_actions_after_resolution_are_not_fix_promises(plan: Plan) -> None:
    text = "We will fix the retry logic and it will be deployed by Friday."
    assert "no-unsure-commitment" not in checks(run(plan, text, phase=Phase.POSTMORTEM))


# --- next-update-promised -----------------------------------------------------------------


def test_a_missing_next_update_is_about_the_whole_draft(plan: Plan) -> None:
    text = GOOD["en"].replace("\nNext update: 15:00 CET.", "")
    [finding] = run(plan, text)
    assert (finding.check, finding.start, finding.end) == ("next-update-promised", 0, len(text))


@pytest.mark.parametrize(
    ("locale", "line", "word"),
    [
        ("en", "We will post another update soon.", "soon"),
        ("en", "Next update: later today.", "later today"),
        ("es", "Próxima actualización: en breve.", "en breve"),
        ("es", "Le informaremos pronto.", "pronto"),
    ],
)
def test_soon_is_not_a_time(plan: Plan, locale: str, line: str, word: str) -> None:
    text = GOOD[locale].rsplit("\n", 1)[0] + "\n" + line
    [finding] = run(plan, text, locale=locale)
    assert finding.check == "next-update-promised"
    assert text[finding.start : finding.end] == word
    assert word in finding.message


@pytest.mark.parametrize(
    ("locale", "line"),
    [
        ("en", "We will update you in 30 minutes."),
        ("en", "At 15:30 CET we will post the next update."),
        ("en", "Next update at 3 pm."),
        ("es", "Le informaremos de nuevo a las 15:30."),
        ("es", "Próx. aviso: 14:30 CET."),
        ("es", "Publicaremos la próxima actualización dentro de 45 minutos."),
    ],
)
def test_a_concrete_time_keeps_the_promise(plan: Plan, locale: str, line: str) -> None:
    text = GOOD[locale].rsplit("\n", 1)[0] + "\n" + line
    assert run(plan, text, locale=locale) == []


@pytest.mark.parametrize("phase", [Phase.RESOLVED, Phase.POSTMORTEM])
def test_no_next_update_is_needed_once_resolved(plan: Plan, phase: Phase) -> None:
    text = GOOD["en"].replace("\nNext update: 15:00 CET.", "")
    assert "next-update-promised" not in checks(run(plan, text, phase=phase))


# --- impact-stated, data-loss-stated -------------------------------------------------------


def test_a_draft_that_does_not_say_what_customers_notice_fails_impact(plan: Plan) -> None:
    text = GOOD["en"].replace("Invoices may be delayed on their way to the tax agency.", "We are aware of a situation.")
    assert checks(run(plan, text)) == {"impact-stated"}


def test_naming_the_affected_component_with_a_problem_states_impact(plan: Plan) -> None:
    text = GOOD["es"].replace(
        "Puede que el envío de sus facturas a Hacienda se retrase.", "Investigamos un problema en Facturación."
    )
    assert run(plan, text, locale="es") == []


def test_data_loss_is_required_for_the_two_most_severe_severities_only(plan: Plan) -> None:
    text = GOOD["en"].replace("Was any data lost? No, no data was lost.\n\n", "")
    assert [s.id for s in plan.definition.severities][:2] == ["SEV1", "SEV2"]
    for severity in ("SEV1", "SEV2"):
        [finding] = run(plan, text, severity=severity)
        assert finding.check == "data-loss-stated" and severity in finding.message
    assert run(plan, text, severity="SEV3") == []
    assert run(plan, text, severity=None) == []


@pytest.mark.parametrize(
    ("locale", "answer", "word"),
    [
        ("en", "Was any data lost? Probably not.", "Probably"),
        ("en", "We don't think any data was lost.", "We don't think"),
        ("es", "¿Se han perdido datos? Creemos que no.", "Creemos que"),
    ],
)
def test_a_guess_about_data_loss_is_flagged(plan: Plan, locale: str, answer: str, word: str) -> None:
    text = GOOD[locale].replace(GOOD[locale].split("\n\n")[1], answer)
    findings = run(plan, text, locale=locale)
    assert quoted(text, findings, "data-loss-stated") == [word]


# --- summary-first ------------------------------------------------------------------------


def test_jargon_in_the_opening_is_a_warning_on_the_jargon_itself(plan: Plan) -> None:
    text = "Hello,\n\nWe see p99 latency and 5xx errors on the API.\n\n" + GOOD["en"]
    findings = run(plan, text)
    assert quoted(text, findings, "summary-first") == ["p99", "latency", "5xx"]
    assert {f.level for f in findings} == {"warning"}
    assert not has_errors(findings)


def test_a_long_opening_sentence_is_flagged_whole(plan: Plan) -> None:
    opening = "Following " + "the many reports " * 10 + "we are looking into delays."
    text = opening + "\n\n" + GOOD["en"]
    [finding] = run(plan, text)
    assert finding.check == "summary-first"
    assert text[finding.start : finding.end] == opening
    assert "36 words" in finding.message


def test_jargon_in_the_subject_points_into_the_subject(plan: Plan) -> None:
    subject = "Nubeteca: DNS failover in progress"
    findings = run(plan, GOOD["en"], subject=subject)
    assert {(f.part, f.check) for f in findings} == {("subject", "summary-first")}
    assert [subject[f.start : f.end] for f in findings] == ["DNS", "failover"]


# --- no-internal-details ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "detail"),
    [
        ("The host db-1.prod.internal is down.", "db-1.prod.internal"),
        ("See grafana.nubeteca.example for graphs.", "grafana.nubeteca.example"),
        (
            "See https://grafana.internal.nubeteca.example/d/api for graphs.",
            "https://grafana.internal.nubeteca.example/d/api",
        ),
        ("The server 10.0.3.17 is overloaded.", "10.0.3.17"),
        ("The server 2001:db8::17 is overloaded.", "2001:db8::17"),
        (
            "Queue arn:aws:sqs:eu-west-1:123456789012:prod-orders is full.",
            "arn:aws:sqs:eu-west-1:123456789012:prod-orders",
        ),
        ("It happened in account 123456789012.", "123456789012"),
        ("We got ZeroDivisionError in the totals.", "ZeroDivisionError"),
        ("The query SELECT id FROM invoices was slow.", "SELECT id FROM"),
        ("The alarm prod-api-latency-p99 fired.", "prod-api-latency-p99"),
        ("The alarm staging-db-cpu fired.", "staging-db-cpu"),
    ],
)
def test_internal_details_are_quoted(plan: Plan, sentence: str, detail: str) -> None:
    text = with_sentence("en", sentence)
    findings = run(plan, text)
    assert quoted(text, findings, "no-internal-details") == [detail]


def test_the_plan_alarm_globs_name_internal_alarms(plan: Plan) -> None:
    globs = [rule.when.alarm_name for rule in plan.definition.rules if rule.when.alarm_name]
    assert "prod-web-down" in globs
    text = with_sentence("en", "The prod-web-down alarm fired.")
    assert quoted(text, run(plan, text), "no-internal-details") == ["prod-web-down"]


def test_public_hosts_times_and_versions_are_not_internal(plan: Plan) -> None:
    sentence = (
        "Follow estado.nubeteca.example, sign in at app.nubeteca.example or https://ayuda.nubeteca.example; "
        "since 14:30:00 the app 2.4.1 works."
    )
    assert run(plan, with_sentence("en", sentence)) == []


# --- contact-given ------------------------------------------------------------------------


def test_no_contact_is_a_warning(plan: Plan) -> None:
    text = GOOD["en"].replace("Need help? Write to soporte@nubeteca.example.\n", "")
    [finding] = run(plan, text)
    assert (finding.check, finding.level) == ("contact-given", "warning")


@pytest.mark.parametrize(
    ("locale", "line"),
    [
        ("en", "Questions? Contact us."),
        ("en", "Help: https://ayuda.nubeteca.example"),
        ("en", "Info: estado.nubeteca.example"),
        ("es", "Si tiene dudas, contacte con nosotros."),
    ],
)
def test_a_phrase_link_or_public_host_is_a_contact(plan: Plan, locale: str, line: str) -> None:
    old = GOOD[locale].split("\n\n")[2].split("\n")[0]
    assert run(plan, GOOD[locale].replace(old, line), locale=locale) == []


# --- resolved-complete, postmortem-complete -------------------------------------------------

RESOLVED = (
    "The problem with Invoicing is resolved.\n\n"
    "Impact started: 2026-03-10 09:12 CET\nImpact ended: 2026-03-10 10:40 CET\n\n"
    "During that time some invoices were delayed.\n\n"
    "Was any data lost? No, no data was lost.\n\n"
    "What we did: we resent every waiting invoice.\n"
    "What we will do so it does not happen again: we will add an alert.\n\n"
    "Need help? Write to soporte@nubeteca.example."
)


def test_a_complete_resolved_message_passes(plan: Plan) -> None:
    assert run(plan, RESOLVED, phase=Phase.RESOLVED) == []


@pytest.mark.parametrize(
    ("remove", "part"),
    [
        ("Impact started: 2026-03-10 09:12 CET\n", "when the impact started"),
        ("Impact ended: 2026-03-10 10:40 CET\n", "when the impact ended"),
        ("What we did: we resent every waiting invoice.\n", "what was done"),
        ("What we will do so it does not happen again: we will add an alert.\n", "what comes next"),
    ],
)
def test_resolved_names_each_missing_part(plan: Plan, remove: str, part: str) -> None:
    [finding] = run(plan, RESOLVED.replace(remove, ""), phase=Phase.RESOLVED)
    assert finding.check == "resolved-complete" and finding.level == "warning"
    assert part in finding.message


def test_an_sms_need_not_hold_the_whole_resolution(plan: Plan) -> None:
    text = "Nubeteca: problem with Invoicing resolved (40 min). Data lost? No. Info: estado.nubeteca.example"
    assert run(plan, text, phase=Phase.RESOLVED, fmt=ChannelFormat.SMS) == []


POSTMORTEM = (
    "Summary: on 4 March uploads failed for an hour.\n\n"
    "Timeline: uploads failed from 10:02 to 11:05 CET.\n\n"
    "Was any data lost? No, no data was lost.\n\n"
    "Root cause: a disk filled up.\n\n"
    "What we did: we freed the space.\n\n"
    "What we will do so it does not happen again: we will alert before it fills.\n\n"
    "What we learned: unwatched cleanup jobs fail silently.\n\n"
    "Need help? Write to soporte@nubeteca.example."
)


@pytest.mark.parametrize(
    ("remove", "part"),
    [
        ("Root cause: a disk filled up.\n\n", "the root cause"),
        ("Timeline: uploads failed from 10:02 to 11:05 CET.\n\n", "a timeline"),
        ("What we did: we freed the space.\n\n", "the actions taken"),
        ("What we will do so it does not happen again: we will alert before it fills.\n\n", "the actions planned"),
        ("What we learned: unwatched cleanup jobs fail silently.\n\n", "what was learned"),
    ],
)
def test_postmortem_names_each_missing_part(plan: Plan, remove: str, part: str) -> None:
    assert run(plan, POSTMORTEM, phase=Phase.POSTMORTEM) == []
    [finding] = run(plan, POSTMORTEM.replace(remove, ""), phase=Phase.POSTMORTEM)
    assert (finding.check, finding.level) == ("postmortem-complete", "error")
    assert part in finding.message


# --- fits-channel -------------------------------------------------------------------------


def test_an_sms_of_160_gsm_characters_fits_and_161_is_two_billed_parts(plan: Plan) -> None:
    base = "Nubeteca: problem with Invoicing. Data lost? No. Next update: 15:00 CET. Info: estado.nubeteca.example "
    fits = base + "x" * (160 - len(base))
    assert run(plan, fits, fmt=ChannelFormat.SMS) == []
    [finding] = run(plan, fits + "y", fmt=ChannelFormat.SMS)
    assert (finding.check, finding.level, finding.start, finding.end) == ("fits-channel", "warning", 160, 161)
    assert "161" in finding.message and "2 billed parts" in finding.message


def test_an_sms_over_the_channels_max_parts_is_an_error(plan: Plan) -> None:
    text = "Nubeteca: problem with Invoicing. Next update: 15:00 CET. " + "x" * 300
    assert 2 * 153 < len(text) <= 3 * 153
    [allowed] = [f for f in run(plan, text, fmt=ChannelFormat.SMS, max_parts=3) if f.check == "fits-channel"]
    [refused] = [f for f in run(plan, text, fmt=ChannelFormat.SMS, max_parts=2) if f.check == "fits-channel"]
    assert (allowed.level, refused.level) == ("warning", "error")
    assert "3 billed parts" in refused.message and "at most 2" in refused.message


def test_a_short_spanish_sms_with_accents_is_several_ucs2_parts(plan: Plan) -> None:
    """137 characters would fit one GSM-7 part; one ``ó`` makes it UCS-2, billed as three parts of 67."""
    text = "Nubeteca: la facturación falla para algunos clientes. Sin pérdida de datos. Próximo aviso 15:30 CET. Info "
    text += "estado.nubeteca.example"
    text = text + "." * (137 - len(text))
    assert len(text) == 137
    [finding] = run(plan, text, locale="es", fmt=ChannelFormat.SMS, phase=Phase.INVESTIGATING)
    assert (finding.check, finding.level, finding.start) == ("fits-channel", "warning", 70)
    assert "3 partes" in finding.message and "UCS-2" in finding.message and "ó" in finding.message


def test_an_sms_says_when_accents_force_ucs2(plan: Plan) -> None:
    text = (
        "Nubeteca: investigamos un problema en Facturación. ¿Datos perdidos? No, ninguno. "
        "Info: estado.nubeteca.example Sentimos mucho las molestias que esto le haya causado."
    )
    assert 160 < len(text) <= 3 * 67
    [finding] = run(plan, text, locale="es", fmt=ChannelFormat.SMS, phase=Phase.RESOLVED)
    assert finding.check == "fits-channel"
    assert "UCS-2" in finding.message and "caracteres ó " in finding.message and "3 partes" in finding.message


def test_sms_encoding_counts_as_the_network_does() -> None:
    assert sms_encoding("¿Señal? ¡Si! ñ Ñ é ü Ü à").encoding == "GSM-7"
    assert sms_encoding("¡Sí!").non_gsm == ("í",)
    assert sms_encoding("Precio: 5 €").length == 12
    spanish = sms_encoding("Facturación " * 7)
    assert (spanish.encoding, spanish.length, spanish.parts, spanish.non_gsm) == ("UCS-2", 84, 2, ("ó",))
    assert sms_encoding("ok 👍").length == 5


@pytest.mark.parametrize(
    ("fmt", "subject", "message"),
    [
        (ChannelFormat.EMAIL, "x" * 100, "subject is 100 characters"),
        (ChannelFormat.STATUS_PAGE, "x" * 120, "title is 120 characters"),
        (ChannelFormat.EMAIL, "Nubeteca: problem\nBcc: someone", "one line"),
        (ChannelFormat.EMAIL, "  ", "empty"),
    ],
)
def test_a_subject_must_be_short_and_one_line(plan: Plan, fmt: ChannelFormat, subject: str, message: str) -> None:
    [finding] = run(plan, GOOD["en"], fmt=fmt, subject=subject)
    assert (finding.check, finding.part) == ("fits-channel", "subject")
    assert message in finding.message


def test_a_subject_of_99_characters_fits(plan: Plan) -> None:
    assert run(plan, GOOD["en"], subject="Nubeteca: " + "x" * 89) == []


# --- plan settings, audiences, input ------------------------------------------------------


def with_checks(plan: Plan, checks: dict[str, CheckSetting]) -> Plan:
    return plan.model_copy(update={"values": plan.values.model_copy(update={"checks": checks})})


def test_the_plan_switches_a_check_off_or_changes_its_level(plan: Plan) -> None:
    text = with_sentence("en", "It was human error.")
    assert [f.level for f in run(plan, text)] == ["error"]
    assert run(with_checks(plan, {"no-blame": CheckSetting(enabled=False)}), text) == []
    softened = with_checks(plan, {"no-blame": CheckSetting(level="warning")})
    assert [f.level for f in run(softened, text)] == ["warning"]
    assert check_levels(softened)["no-blame"] == "warning"
    assert check_levels(plan)["summary-first"] == "warning"


def test_findings_name_the_values_that_stand_for_their_check(plan: Plan) -> None:
    text = GOOD["en"].replace("\nNext update: 15:00 CET.", "")
    [finding] = run(plan, text)
    assert finding.values == ("timeliness",)


def chat_facts(plan: Plan) -> MessageFacts:
    started = datetime(2026, 3, 10, 13, 5, tzinfo=UTC)
    alarm = Alarm(
        source=AlarmSource.CLOUDWATCH,
        kind=AlarmKind.METRIC,
        id="arn:aws:cloudwatch:eu-west-1:123456789012:alarm:prod-api-5xx",
        name="prod-api-5xx",
        state=AlarmState.ALARM,
        changed_at=started,
    )
    return MessageFacts(
        incident_id="INC-1",
        component_id="api",
        severity_id="SEV1",
        started_at=started,
        now=started + timedelta(minutes=40),
        next_update_at=started + timedelta(minutes=70),
        alarms=[alarm],
    )


def test_internal_audiences_skip_the_customer_only_checks(plan: Plan) -> None:
    staff = next(c for c in plan.channels.channels if c.id == "email-staff")
    draft = render_draft(plan, Phase.INVESTIGATING, chat_facts(plan), staff)
    assert "prod-api-5xx" in draft.text and draft.subject is not None and draft.subject.startswith("[SEV1]")
    assert lint_draft(plan, draft, Phase.INVESTIGATING, "SEV1") == []
    as_customer = lint(
        plan,
        DraftText(draft.text, draft.format, draft.locale, draft.subject, internal=False),
        phase=Phase.INVESTIGATING,
        severity="SEV1",
    )
    assert {"no-internal-details", "summary-first"} <= checks(as_customer)


def test_lint_draft_spans_point_into_the_draft_subject_and_text(plan: Plan) -> None:
    channel = next(c for c in plan.channels.channels if c.id == "email-customers-en")
    draft = draft_from_text(plan, channel, "Nubeteca: DNS trouble", with_sentence("en", "It was human error."))
    findings = lint_draft(plan, draft, Phase.UPDATE, "SEV2")
    assert [(f.part, f.check) for f in findings] == [("subject", "summary-first"), ("text", "no-blame")]
    subject, text = findings
    assert draft.subject is not None and draft.subject[subject.start : subject.end] == "DNS"
    assert draft.text[text.start : text.end] == "human error"


def test_offsets_survive_accents(plan: Plan) -> None:
    text = "Ñandú, órgano, acción: " * 3 + with_sentence("es", "Fue un error humano.")
    assert quoted(text, run(plan, text, locale="es"), "no-blame") == ["error humano"]


def test_unknown_severity_and_language_are_bad_input(plan: Plan) -> None:
    with pytest.raises(BadInput, match="SEV9"):
        run(plan, GOOD["en"], severity="SEV9")
    with pytest.raises(BadInput, match="fr"):
        run(plan, GOOD["en"], locale="fr")
    assert supports_locale("es-MX") and supports_locale("en") and not supports_locale("fr")


def test_split_subject_keeps_offsets_into_the_input() -> None:
    source = "Subject:  Nubeteca: problem\r\n\n\nBody text."
    split = split_subject(source, ChannelFormat.EMAIL)
    assert split.subject == "Nubeteca: problem"
    assert source[split.subject_start :].startswith("Nubeteca: problem")
    assert source[split.text_start :] == split.text == "Body text."
    assert split_subject(source, ChannelFormat.SMS).subject is None
    assert split_subject("Title: Slow\n\nBody", ChannelFormat.STATUS_PAGE).subject == "Slow"


def test_segments_cut_the_text_where_findings_start_and_end() -> None:
    blame = Finding("no-blame", "error", "m", 7, 18)
    parts = segments("It was human error, sorry.", [blame])
    assert [(s.text, s.findings) for s in parts] == [("It was ", ()), ("human error", (blame,)), (", sorry.", ())]


# --- the example plan ---------------------------------------------------------------------

STARTED = datetime(2026, 3, 10, 13, 5, tzinfo=UTC)
NOW = STARTED + timedelta(minutes=40)
FINISHED = (Phase.RESOLVED, Phase.POSTMORTEM)
REALISTIC = {
    "customer_action": {
        "es": "si una factura no sale, guárdela como borrador y vuelva a enviarla cuando el servicio se recupere.",
        "en": "if an invoice does not go out, save it as a draft and send it again once the service recovers.",
    },
    "cause": {
        "es": "un cambio de configuración de ayer hacía que el sistema rechazara parte de las peticiones.",
        "en": "a configuration change made yesterday caused the system to reject some requests.",
    },
    "actions_taken": {
        "es": "deshicimos el cambio de configuración y reenviamos las facturas que habían quedado pendientes.",
        "en": "we undid the configuration change and resent the invoices that were waiting.",
    },
    "actions_planned": {
        "es": "probaremos cada cambio de configuración en un entorno de pruebas antes de aplicarlo.",
        "en": "we will test every configuration change in a staging environment before applying it.",
    },
    "root_cause": {
        "es": "un cambio de configuración sin probar redujo el número de conexiones que aceptaba el sistema.",
        "en": "an untested configuration change reduced the number of connections the system accepted.",
    },
    "lessons": {
        "es": "los cambios de configuración necesitan la misma revisión que el código.",
        "en": "configuration changes need the same review as code.",
    },
}
KIND = {
    ChannelFormat.EMAIL: ChannelKind.EMAIL,
    ChannelFormat.SMS: ChannelKind.SNS,
    ChannelFormat.STATUS_PAGE: ChannelKind.STATUS_PAGE,
    ChannelFormat.CHAT: ChannelKind.WEBHOOK,
}


def every_template_channel(plan: Plan) -> list[Channel]:
    """The plan's channels, plus one per locale and format so that every template is rendered."""
    extra = [
        Channel(
            id=f"every-{locale}-{fmt.value}",
            name="every template",
            kind=KIND[fmt],
            audience="staff" if fmt == ChannelFormat.CHAT else "customers_intl",
            severities=["SEV1"],
            departments=["test"],
            access=Access(credentials="test", request_from="test"),
            locale=locale,
        )
        for locale in plan.definition.locales
        for fmt in ChannelFormat
    ]
    return [*plan.channels.channels, *extra]


def realistic_facts(plan: Plan, phase: Phase, component: str, severity: str, data_loss: str) -> MessageFacts:
    finished = phase in FINISHED
    told = {k: v for k, v in REALISTIC.items() if phase != Phase.INVESTIGATING or k == "customer_action"}
    alarm = Alarm(
        source=AlarmSource.CLOUDWATCH,
        kind=AlarmKind.METRIC,
        id="arn:aws:cloudwatch:eu-west-1:123456789012:alarm:prod-api-5xx",
        name="prod-api-5xx",
        state=AlarmState.ALARM,
        changed_at=STARTED + timedelta(minutes=2),
    )
    return MessageFacts(
        incident_id="INC-20260310-1",
        component_id=component,
        severity_id=severity,
        started_at=STARTED,
        now=NOW + timedelta(days=2) if phase == Phase.POSTMORTEM else NOW,
        next_update_at=None if finished else NOW + timedelta(minutes=30),
        resolved_at=NOW if finished else None,
        data_loss=data_loss,  # type: ignore[arg-type]
        alarms=[alarm],
        **told,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("phase", list(Phase), ids=lambda p: p.value)
def test_the_example_plan_templates_pass_in_every_phase_locale_and_format(plan: Plan, phase: Phase) -> None:
    channels = every_template_channel(plan)
    rendered = set()
    problems = []
    severity = plan.definition.severities[0].id  # the strictest: data-loss-stated applies
    for component in plan.definition.components:
        for data_loss in ("no", "yes", "unknown"):
            facts = realistic_facts(plan, phase, component.id, severity, data_loss)
            for channel in channels:
                draft = render_draft(plan, phase, facts, channel)
                rendered.add((channel.locale, channel.template_format))
                internal = plan.audience(channel.audience).internal
                target = DraftText(draft.text, draft.format, draft.locale, draft.subject, internal)
                errors = [f for f in lint(plan, target, phase=phase, severity=severity) if f.level == "error"]
                # once resolved, "not known yet" on data loss is the responder's answer to fix, not a template's
                unsettled = phase in (Phase.RESOLVED, Phase.POSTMORTEM) and data_loss == "unknown"
                if unsettled:
                    assert "data-loss-settled" in {f.check for f in errors}, (channel.id, draft.text)
                    errors = [f for f in errors if f.check != "data-loss-settled"]
                problems += [f"{channel.id} {component.id} {data_loss}: {f.check}: {f.message}" for f in errors]
    assert rendered == {(locale, fmt) for locale in plan.definition.locales for fmt in ChannelFormat}
    assert problems == []


def test_the_holding_texts_pass_on_every_channel_they_are_published_on(plan: Plan) -> None:
    """Published unreviewed when approval times out (SEV1, SEV2), so no errors on any channel: rendered as the
    approval timeout renders them, from a waiting draft's facts and promise (``sms`` variant on SMS channels)."""
    timed_out = [severity.id for severity in plan.definition.severities if severity.approval_timeout is not None]
    assert timed_out == ["SEV1", "SEV2"]
    problems = []
    for severity in timed_out:
        incident, waiting = opened_incident(plan)
        incident = incident.model_copy(update={"severity_id": severity})
        for phase, spec in plan.phases.phases.items():
            if spec.holding is None:
                continue
            waiting = waiting.model_copy(update={"phase": phase})
            holding = holding_message(plan, incident, waiting, spec.holding, OPENED + timedelta(minutes=10))
            assert holding.drafts
            for draft in holding.drafts:
                errors = [f for f in lint_draft(plan, draft, phase, severity) if f.level == "error"]
                problems += [f"{severity} {phase.value} {draft.channel_id}: {f.check}" for f in errors]
    assert problems == []
