"""Engagement and announcement emails: one per person, their own roles, the team around them, escaped alarm text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from markupsafe import escape

from incident_comms.alarms import AlarmSource, AlarmState
from incident_comms.incidents.models import AlarmSnapshot, Incident
from incident_comms.plan.models import Person, Plan, localized
from incident_comms.team.emails import SUBJECT_MAX, Email
from incident_comms.team.engage import announcement_emails, engage_texts, engagement_emails, engagement_subject

OPENED = datetime(2026, 11, 22, 10, 15, tzinfo=UTC)
NOW = OPENED + timedelta(minutes=3)
HOSTILE_NAME = "prod-api-<script>alert('x')</script>"


def incident(severity_id: str = "SEV1", alarm_name: str = "prod-api-5xx", component_id: str = "api") -> Incident:
    snapshot = AlarmSnapshot(
        id=f"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:{alarm_name}",
        name=alarm_name,
        source=AlarmSource.CLOUDWATCH,
        state=AlarmState.ALARM,
        changed_at=OPENED - timedelta(minutes=1),
    )
    return Incident(
        id="INC-20261122-1015-abc123",
        component_id=component_id,
        severity_id=severity_id,
        opened_at=OPENED,
        updated_at=OPENED,
        alarms={snapshot.id: snapshot},
    )


def es(text: object) -> str:
    return localized(text, "es")  # type: ignore[arg-type]


def addresses_of(plan: Plan, role_ids: list[str]) -> set[str]:
    return {person.email for role_id in role_ids for person in plan.role(role_id).people}


def by_recipient(emails: list[Email]) -> dict[str, Email]:
    assert all(len(email.to) == 1 for email in emails)
    found = {email.to[0]: email for email in emails}
    assert len(found) == len(emails), "one email per person"
    return found


def with_role_people(plan: Plan, role_id: str, people: list[Person]) -> Plan:
    roles = [role.model_copy(update={"people": people}) if role.id == role_id else role for role in plan.roles.roles]
    return plan.model_copy(update={"roles": plan.roles.model_copy(update={"roles": roles})})


def with_engage(plan: Plan, engage: dict[str, list[str]]) -> Plan:
    return plan.model_copy(update={"roles": plan.roles.model_copy(update={"engage": engage})})


def section(text: str, heading: str) -> str:
    """The lines of a text email from ``heading`` to the next blank line."""
    start = text.index(heading)
    end = text.find("\n\n", start)
    return text[start : end if end != -1 else len(text)]


# --- engagement ---------------------------------------------------------------------------------------


def test_sev1_emails_every_person_of_every_engaged_role_once(plan: Plan) -> None:
    engaged = plan.roles.engage["SEV1"]
    assert len(engaged) == 4

    emails = by_recipient(engagement_emails(plan, incident("SEV1"), NOW))

    assert set(emails) == addresses_of(plan, engaged)


def test_every_engagement_email_goes_in_the_teams_thread_of_the_incident(plan: Plan) -> None:
    opened = incident("SEV1")

    emails = engagement_emails(plan, opened, NOW)

    assert {email.thread for email in emails} == {f"{opened.id}/team"}


def test_each_email_lists_the_recipients_own_responsibilities_in_spanish_and_no_one_elses(plan: Plan) -> None:
    emails = by_recipient(engagement_emails(plan, incident("SEV1"), NOW))

    for role in plan.roles.roles:
        duties = [es(duty) for duty in role.responsibilities]
        for person in role.people:
            if person.email not in emails:
                continue
            email = emails[person.email]
            for duty in duties:
                assert duty in email.text
                assert str(escape(duty)) in email.html
            assert es(role.name) in email.subject
    lucia = emails["lucia.navarro@nubeteca.example"]
    for responsibility in plan.role("technical_lead").responsibilities:
        assert es(responsibility) not in lucia.text


def test_a_person_holding_two_engaged_roles_gets_one_email_naming_both(plan: Plan) -> None:
    diego = plan.role("technical_lead").people[0]
    commanders = [*plan.role("incident_commander").people, diego]
    variant = with_role_people(plan, "incident_commander", commanders)

    emails = by_recipient(engagement_emails(variant, incident("SEV1"), NOW))

    assert set(emails) == addresses_of(variant, variant.roles.engage["SEV1"])
    email = emails[diego.email]
    for role_id in ("incident_commander", "technical_lead"):
        role = variant.role(role_id)
        assert es(role.name) in email.subject
        for responsibility in role.responsibilities:
            assert es(responsibility) in email.text
    assert len(email.subject) <= SUBJECT_MAX


def test_a_person_listed_twice_by_address_case_is_one_inbox(plan: Plan) -> None:
    diego = plan.role("technical_lead").people[0]
    shouting = diego.model_copy(update={"email": diego.email.upper()})
    variant = with_role_people(plan, "incident_commander", [*plan.role("incident_commander").people, shouting])

    emails = engagement_emails(variant, incident("SEV1"), NOW)

    recipients = [email.to[0].lower() for email in emails]
    assert recipients.count(diego.email) == 1


def test_the_email_states_the_incident_facts_in_the_team_zone(plan: Plan) -> None:
    (email, *_) = engagement_emails(plan, incident("SEV1"), NOW)

    component = plan.component("api")
    for fact in (
        "INC-20261122-1015-abc123",
        es(component.name),
        es(component.impact),
        "SEV1",
        es(plan.severity("SEV1").name),
        "22 de noviembre, 11:15 CET",
        "3 min",
        "prod-api-5xx",
        "ALARM",
    ):
        assert fact in email.text
        assert str(escape(fact)) in email.html
    assert email.headers["X-Incident-Id"] == "INC-20261122-1015-abc123"


def test_the_email_names_the_whole_engaged_team_and_who_approves(plan: Plan) -> None:
    texts = engage_texts(plan)
    emails = by_recipient(engagement_emails(plan, incident("SEV1"), NOW))
    email = emails["diego.ferrer@nubeteca.example"]

    team = section(email.text, texts["team"])
    for role_id in plan.roles.engage["SEV1"]:
        role = plan.role(role_id)
        assert es(role.name) in team
        for person in role.people:
            assert person.name in team
            assert person.handle is not None and person.handle in team
    assert f"Diego Ferrer (@diego) [{texts['you']}]" in team
    assert f"Sofía Cabrera (@sofia) [{texts['you']}]" not in team

    approvers = section(email.text, texts["approvers"])
    approver_ids = plan.approvers_for("SEV1", incident().phase)
    assert approver_ids
    for role_id in approver_ids:
        for person in plan.role(role_id).people:
            assert person.name in approvers
    assert "Lucía Navarro" not in approvers


def test_alarm_names_are_escaped_in_html_and_kept_to_one_line(plan: Plan) -> None:
    (email, *_) = engagement_emails(plan, incident(alarm_name=HOSTILE_NAME + "\r\nBcc: x@evil.example"), NOW)

    assert "<script" not in email.html.lower()
    assert "&lt;script&gt;" in email.html
    assert f"- {HOSTILE_NAME} Bcc: x@evil.example: ALARM" in email.text


def test_subjects_are_one_short_line_naming_severity_component_and_role(plan: Plan) -> None:
    emails = by_recipient(engagement_emails(plan, incident("SEV1"), NOW))

    assert emails["diego.ferrer@nubeteca.example"].subject == (
        "[SEV1] API pública — incidente abierto: usted es Responsable técnico"
    )
    for email in emails.values():
        assert "\n" not in email.subject and "\r" not in email.subject
        assert len(email.subject) <= SUBJECT_MAX


def test_a_long_component_name_is_shortened_before_the_role() -> None:
    texts = {"and": "y", "opened": "incidente abierto", "you_are": "usted es"}

    subject = engagement_subject("SEV1", "API\r\npública " + "x" * 200, ["Responsable técnico"], texts)

    assert len(subject) <= SUBJECT_MAX
    assert subject.startswith("[SEV1] API pública x")
    assert subject.endswith("… — incidente abierto: usted es Responsable técnico")


def test_many_long_role_names_still_fit_one_subject_line() -> None:
    texts = {"and": "y", "opened": "incidente abierto", "you_are": "usted es"}

    subject = engagement_subject("SEV1", "API pública", ["Responsable " + "z" * 60] * 3, texts)

    assert len(subject) <= SUBJECT_MAX
    assert subject.startswith("[SEV1] API pública")


def test_a_severity_the_plan_does_not_engage_for_emails_nobody(plan: Plan) -> None:
    variant = with_engage(plan, {key: value for key, value in plan.roles.engage.items() if key != "SEV3"})

    assert engagement_emails(variant, incident("SEV3"), NOW) == []
    assert engagement_emails(variant, incident("SEV1"), NOW) != []


def test_a_plan_whose_main_locale_is_english_writes_in_english(plan: Plan) -> None:
    definition = plan.definition.model_copy(update={"locales": ["en", "es"]})
    english = plan.model_copy(update={"definition": definition})

    emails = by_recipient(engagement_emails(english, incident("SEV1"), NOW))

    email = emails["diego.ferrer@nubeteca.example"]
    assert email.subject == "[SEV1] Public API — incident opened: you are Technical lead"
    assert "Leads diagnosis and mitigation." in email.text


# --- announcement -------------------------------------------------------------------------------------


def test_every_person_in_the_roles_table_gets_exactly_one_email(plan: Plan) -> None:
    emails = by_recipient(announcement_emails(plan))

    assert set(emails) == addresses_of(plan, [role.id for role in plan.roles.roles])
    for email in emails.values():
        assert email.subject == "Nubeteca — su papel en el plan de comunicación de incidentes"
        assert len(email.subject) <= SUBJECT_MAX


def test_each_announcement_names_the_persons_roles_and_responsibilities(plan: Plan) -> None:
    emails = by_recipient(announcement_emails(plan))

    for role in plan.roles.roles:
        for person in role.people:
            email = emails[person.email]
            assert es(role.name) in email.text
            for duty in role.responsibilities:
                assert es(duty) in email.text
                assert str(escape(es(duty))) in email.html
            assert person.handle is not None and person.handle in email.text


def test_legal_is_told_it_approves_the_sev1_postmortem_only(plan: Plan) -> None:
    texts = engage_texts(plan)
    emails = by_recipient(announcement_emails(plan))
    legal = emails[plan.role("legal").people[0].email]

    approvals = section(legal.text, texts["approvals"])
    assert "- SEV1 · Crítica: Informe del incidente (como Asesoría legal y protección de datos)" in approvals
    assert "SEV2" not in approvals and "SEV3" not in approvals
    assert texts["engaged_none"] in legal.text


def test_the_communications_lead_approves_every_phase_of_every_severity(plan: Plan) -> None:
    texts = engage_texts(plan)
    emails = by_recipient(announcement_emails(plan))
    lead = emails[plan.role("communications_lead").people[0].email]

    approvals = section(lead.text, texts["approvals"])
    for severity in plan.definition.severities:
        assert f"- {severity.id} · {es(severity.name)}: {texts['all_phases']}" in approvals


def test_engaged_severities_follow_the_engage_table(plan: Plan) -> None:
    texts = engage_texts(plan)
    emails = by_recipient(announcement_emails(plan))

    for role in plan.roles.roles:
        engaged = section(emails[role.people[0].email].text, texts["engaged"])
        for severity in plan.definition.severities:
            expected = role.id in plan.roles.engage.get(severity.id, [])
            assert (f"- {severity.id} · " in engaged) is expected, (role.id, severity.id)


def test_only_escalation_roles_are_told_they_receive_escalations(plan: Plan) -> None:
    texts = engage_texts(plan)
    emails = by_recipient(announcement_emails(plan))
    escalated = addresses_of(plan, plan.roles.escalation.roles)
    assert escalated

    for address, email in emails.items():
        receives = texts["escalation_no"] not in email.text
        assert receives is (address in escalated), address
    commander = emails[plan.role("incident_commander").people[0].email]
    assert "10 min" in commander.text


def test_a_person_without_a_handle_is_asked_to_get_one(plan: Plan) -> None:
    texts = engage_texts(plan)
    ramon = plan.role("legal").people[0].model_copy(update={"handle": None})
    variant = with_role_people(plan, "legal", [ramon])

    email = by_recipient(announcement_emails(variant))[ramon.email]

    assert texts["handle_none"] in email.text
    assert texts["handle"] not in email.text


def test_plan_text_is_escaped_in_the_announcement_html(plan: Plan) -> None:
    carmen = plan.role("support_lead").people[0].model_copy(update={"name": "Carmen <b>Ortega</b>"})
    variant = with_role_people(plan, "support_lead", [carmen])

    email = by_recipient(announcement_emails(variant))[carmen.email]

    assert "<b>Ortega" not in email.html
    assert "Carmen &lt;b&gt;Ortega&lt;/b&gt;" in email.html
