"""Emails that tell people where they stand: the roles an opening incident engages, and ``plan announce``.

Pure: builds :class:`~incident_comms.team.emails.Email` values from the plan (and the incident); sending them is
the caller's (ingest through its :class:`~incident_comms.team.emails.EmailSender`, the CLI through SES). Both emails
go to the team, so they are written in the plan's main locale and the team's time zone, one per person: a
person who holds several roles reads one email that lists them all instead of several that each tell half.
Alarm names come from monitoring and are untrusted: one line, truncated, and autoescaped in the HTML part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from incident_comms.drafting.models import ALARM_TEXT_MAX
from incident_comms.incidents.models import Incident
from incident_comms.mail_threads import TEAM, thread_key
from incident_comms.plan.models import Person, Phase, Plan, Role, localized
from incident_comms.team.emails import SUBJECT_MAX, Email, email_environment, team_texts, team_zone
from incident_comms.text import format_datetime, format_elapsed, one_line, truncate

_COMPONENT_MIN = 12
_FALLBACK_LOCALE = "en"

_TEXTS: dict[str, dict[str, str]] = {
    "es": {
        "opened": "incidente abierto",
        "you_are": "usted es",
        "and": "y",
        "console": "Su consola del incidente (ver todo y cambiar fase, severidad o datos)",
        "engage_intro": "Se ha abierto un incidente y el plan de comunicación de incidentes le convoca. "
        "Esto es lo que el plan espera de usted y quién más está en ello.",
        "incident": "Incidente",
        "component": "Componente",
        "severity": "Severidad",
        "impact": "Lo que notan los clientes",
        "opened_at": "Abierto",
        "open_for": "Abierto desde hace",
        "alarms": "Alarmas",
        "your_roles": "Su papel",
        "team": "Roles convocados y quién los tiene",
        "you": "usted",
        "approvers": "Quién aprueba los mensajes a clientes",
        "approvers_note": "Ningún mensaje llega a los clientes sin la aprobación de todos estos roles; "
        "cada persona recibe sus propios enlaces de aprobación.",
        "engage_why": "Recibe este correo porque el plan le convoca cuando se abre un incidente {severity}.",
        "announce_subject": "su papel en el plan de comunicación de incidentes",
        "announce_intro": "Este es su papel en el plan de comunicación de incidentes de {organisation}: "
        "lo que se espera de usted cuando se abra un incidente.",
        "hello": "Hola, {name}:",
        "roles": "Sus roles y responsabilidades",
        "engaged": "Se le convoca cuando se abre un incidente de estas severidades",
        "engaged_none": "Ninguna: el plan no le convoca al abrirse un incidente.",
        "approvals": "Mensajes que usted debe aprobar antes de que lleguen a los clientes",
        "approvals_none": "Ninguno: el plan no le pide aprobar mensajes.",
        "all_phases": "todas las fases",
        "as_role": "como",
        "escalation": "Escaladas",
        "escalation_yes": "Recibe las escaladas: se le avisa si una actualización prometida lleva {grace} de retraso.",
        "escalation_no": "No recibe escaladas.",
        "customer_contact": "Los clientes que necesitan ayuda durante un incidente escriben a su rol.",
        "handle": "Su mención en el plan",
        "handle_none": "El plan no tiene una mención (@) para usted: pida que la añadan en roles.yaml.",
        "announce_why": "Este correo sale de roles.yaml. Si algo no es correcto, pida que se corrija el plan.",
        "declare": "Declarar un incidente",
        "declare_lead": "Puede declarar un incidente a mano (el aviso de un cliente, algo que vea antes que ninguna "
        "alarma) con este enlace personal. No lo comparta: declara en su nombre.",
    },
    "en": {
        "opened": "incident opened",
        "you_are": "you are",
        "and": "and",
        "console": "Your incident console (see everything; change the phase, severity or facts)",
        "engage_intro": "An incident has opened and the incident communication plan calls you in. "
        "This is what the plan expects of you and who else is on it.",
        "incident": "Incident",
        "component": "Component",
        "severity": "Severity",
        "impact": "What customers notice",
        "opened_at": "Opened",
        "open_for": "Open for",
        "alarms": "Alarms",
        "your_roles": "Your role",
        "team": "Engaged roles and who holds them",
        "you": "you",
        "approvers": "Who approves customer messages",
        "approvers_note": "No message reaches customers until every one of these roles approves it; "
        "each person gets their own approval links.",
        "engage_why": "You get this email because the plan calls you in when a {severity} incident opens.",
        "announce_subject": "your part in the incident communication plan",
        "announce_intro": "This is your part in the {organisation} incident communication plan: "
        "what is expected of you when an incident opens.",
        "hello": "Hello {name},",
        "roles": "Your roles and responsibilities",
        "engaged": "You are called in when an incident of these severities opens",
        "engaged_none": "None: the plan does not call you in when an incident opens.",
        "approvals": "Messages you must approve before customers see them",
        "approvals_none": "None: the plan does not ask you to approve messages.",
        "all_phases": "every phase",
        "as_role": "as",
        "escalation": "Escalations",
        "escalation_yes": "You receive escalations: when a promised update is {grace} late, you are told.",
        "escalation_no": "You do not receive escalations.",
        "customer_contact": "Customers who need help during an incident write to your role.",
        "handle": "Your mention in the plan",
        "handle_none": "The plan has no mention (@) for you: ask for one to be added to roles.yaml.",
        "announce_why": "This email comes from roles.yaml. If anything is wrong, ask for the plan to be fixed.",
        "declare": "Declare an incident",
        "declare_lead": "You may declare an incident by hand (a customer's report, something you see before any "
        "alarm does) with this personal link. Do not share it: it declares in your name.",
    },
}


@dataclass(frozen=True)
class Holder:
    """One person and the roles they hold among those asked about, in plan order."""

    person: Person
    roles: list[Role]


def engage_texts(plan: Plan) -> dict[str, str]:
    """This module's wording in the team's language (the plan's main locale), English when we lack it."""
    return _TEXTS.get(plan.main_locale.split("-")[0], _TEXTS[_FALLBACK_LOCALE])


def engaged_role_ids(plan: Plan, severity_id: str) -> list[str]:
    """The roles the plan calls in when an incident of ``severity_id`` opens, each once; none if not listed."""
    return list(dict.fromkeys(plan.roles.engage.get(severity_id, [])))


def holders(plan: Plan, role_ids: list[str]) -> list[Holder]:
    """Every person of ``role_ids``, once each (by address, case-insensitively), with all of their roles.

    Keyed by address because the address is where the email goes: two entries with one address are one
    inbox, and must get one email that tells the whole story.
    """
    found: dict[str, Holder] = {}
    for role_id in role_ids:
        role = plan.role(role_id)
        for person in role.people:
            holder = found.setdefault(person.email.lower(), Holder(person=person, roles=[]))
            if role not in holder.roles:
                holder.roles.append(role)
    return list(found.values())


def engagement_emails(
    plan: Plan, incident: Incident, now: datetime, console_link: Callable[[str], str] | None = None
) -> list[Email]:
    """One email per person of every role the plan engages for the incident's severity (none if it engages none).

    Sent when an incident opens, so nobody has to be phoned to learn they are on it: the incident facts and
    alarms, the person's own roles and what each asks of them, who else is engaged (name and @mention), and
    who must approve what customers are told; with ``console_link`` (address -> link), the person's own incident
    console link.
    """
    role_ids = engaged_role_ids(plan, incident.severity_id)
    if not role_ids:
        return []
    locale = plan.main_locale
    texts = engage_texts(plan)
    environment = email_environment()
    facts = _incident_facts(plan, incident, now)
    approver_ids = plan.approvers_for(incident.severity_id, incident.phase)
    shared = {
        "locale": locale,
        "t": texts,
        "organisation": plan.definition.organisation.name,
        "incident": facts,
        "alarms": _alarms(plan, incident),
        "approvers": [_role_with_people(plan, plan.role(role_id), None) for role_id in approver_ids],
        "why": texts["engage_why"].format(severity=incident.severity_id),
    }
    emails = []
    for holder in holders(plan, role_ids):
        context = {
            **shared,
            "subject": engagement_subject(
                incident.severity_id,
                facts["component"],
                [_name(plan, role.name) for role in holder.roles],
                texts,
            ),
            "person": _person(holder.person),
            "roles": [_role_duties(plan, role) for role in holder.roles],
            "team": [_role_with_people(plan, plan.role(role_id), holder.person) for role_id in role_ids],
            "console_link": console_link(holder.person.email) if console_link else None,
        }
        emails.append(
            Email(
                to=[holder.person.email],
                subject=context["subject"],
                text=environment.get_template("engage.txt.j2").render(context).strip() + "\n",
                html=environment.get_template("engage.html.j2").render(context),
                headers={"X-Incident-Id": incident.id},
                thread=thread_key(incident.id, TEAM),
            )
        )
    return emails


def engagement_subject(severity_id: str, component_name: str, role_names: list[str], texts: dict[str, str]) -> str:
    """``[SEV1] API pública — incidente abierto: usted es Responsable técnico``: one line, under 100 characters.

    The component name is shortened first, so the severity and the recipient's role stay readable in the inbox.
    """
    prefix = f"[{one_line(severity_id)}] "
    roles = f" {texts['and']} ".join(one_line(name) for name in role_names)
    suffix = f" — {texts['opened']}: {texts['you_are']} {roles}"
    room = max(_COMPONENT_MIN, SUBJECT_MAX - len(prefix) - len(suffix))
    return truncate(one_line(prefix + truncate(one_line(component_name), room) + suffix), SUBJECT_MAX)


def announcement_emails(plan: Plan, declare_link: Callable[[str], str] | None = None) -> list[Email]:
    """One email per person in the roles table, telling them their part in the plan before any incident.

    Each names the person's roles and responsibilities, the severities that call them in, exactly which
    messages they must approve (the plan's first-match approval rules, resolved per severity and phase), whether
    late updates are escalated to them, and their @mention, so the team can check the plan is true of them.
    A person of a role the plan's ``declare`` names also gets their personal declare link, ``declare_link(address)``
    (signing needs the approval key, so the caller makes it; without it the section is left out).
    """
    declaring = set(plan.roles.declare)
    locale = plan.main_locale
    texts = engage_texts(plan)
    environment = email_environment()
    organisation = plan.definition.organisation.name
    subject = announcement_subject(organisation, texts)
    escalation = plan.roles.escalation
    emails = []
    for holder in holders(plan, [role.id for role in plan.roles.roles]):
        mine = {role.id for role in holder.roles}
        context = {
            "locale": locale,
            "t": texts,
            "organisation": organisation,
            "subject": subject,
            "intro": texts["announce_intro"].format(organisation=organisation),
            "hello": texts["hello"].format(name=holder.person.name),
            "person": _person(holder.person),
            "roles": [_role_duties(plan, role) for role in holder.roles],
            "engaged": _engaged_severities(plan, mine),
            "approvals": _approvals(plan, mine),
            "escalation": texts["escalation_yes"].format(grace=format_elapsed(escalation.grace))
            if mine & set(escalation.roles)
            else texts["escalation_no"],
            "customer_contact": plan.roles.customer_contact.role in mine,
            "declare_url": declare_link(holder.person.email) if declare_link and mine & declaring else None,
        }
        emails.append(
            Email(
                to=[holder.person.email],
                subject=subject,
                text=environment.get_template("announce.txt.j2").render(context).strip() + "\n",
                html=environment.get_template("announce.html.j2").render(context),
            )
        )
    return emails


def announcement_subject(organisation: str, texts: dict[str, str]) -> str:
    """``Nubeteca — su papel en el plan de comunicación de incidentes``: one line, under 100 characters."""
    suffix = f" — {texts['announce_subject']}"
    room = max(_COMPONENT_MIN, SUBJECT_MAX - len(suffix))
    return truncate(one_line(truncate(one_line(organisation), room) + suffix), SUBJECT_MAX)


def _name(plan: Plan, text: Any) -> str:
    return localized(text, plan.main_locale, plan.main_locale)


def _person(person: Person) -> dict[str, str | None]:
    return {"name": person.name, "email": person.email, "handle": person.handle}


def _role_duties(plan: Plan, role: Role) -> dict[str, Any]:
    return {"name": _name(plan, role.name), "responsibilities": [_name(plan, duty) for duty in role.responsibilities]}


def _role_with_people(plan: Plan, role: Role, recipient: Person | None) -> dict[str, Any]:
    return {
        "name": _name(plan, role.name),
        "people": [
            {
                **_person(person),
                "is_recipient": recipient is not None and person.email.lower() == recipient.email.lower(),
            }
            for person in role.people
        ],
    }


def _incident_facts(plan: Plan, incident: Incident, now: datetime) -> dict[str, str]:
    locale = plan.main_locale
    zone = team_zone(plan)
    component = plan.component(incident.component_id)
    return {
        "id": incident.id,
        "component": _name(plan, component.name),
        "impact": incident.facts.impact.get(locale) or _name(plan, component.impact),
        "severity": incident.severity_id,
        "severity_name": _name(plan, plan.severity(incident.severity_id).name),
        "opened_at": format_datetime(incident.opened_at, zone, locale),
        "open_for": format_elapsed(now - incident.opened_at),
    }


def _alarms(plan: Plan, incident: Incident) -> list[dict[str, str]]:
    zone = team_zone(plan)
    return [
        {
            "name": truncate(one_line(snapshot.name), ALARM_TEXT_MAX),
            "state": snapshot.state.value,
            "changed_at": format_datetime(snapshot.changed_at, zone, plan.main_locale),
        }
        for snapshot in sorted(incident.alarms.values(), key=lambda snapshot: snapshot.changed_at)
    ]


def _engaged_severities(plan: Plan, mine: set[str]) -> list[dict[str, Any]]:
    engaged = []
    for severity in plan.definition.severities:
        roles = [role_id for role_id in engaged_role_ids(plan, severity.id) if role_id in mine]
        if roles:
            engaged.append(
                {
                    "severity": severity.id,
                    "name": _name(plan, severity.name),
                    "roles": [_name(plan, plan.role(role_id).name) for role_id in roles],
                }
            )
    return engaged


def _approvals(plan: Plan, mine: set[str]) -> list[dict[str, Any]]:
    """Per severity, the phases whose messages need one of ``mine`` to approve, as the plan resolves them."""
    phase_names = team_texts(plan)["phases"]
    texts = engage_texts(plan)
    approvals = []
    for severity in plan.definition.severities:
        phases: list[Phase] = []
        roles: dict[str, None] = {}
        for phase in Phase:
            approving = [role_id for role_id in plan.approvers_for(severity.id, phase) if role_id in mine]
            if approving:
                phases.append(phase)
                roles.update(dict.fromkeys(approving))
        if phases:
            approvals.append(
                {
                    "severity": severity.id,
                    "name": _name(plan, severity.name),
                    "phases": texts["all_phases"]
                    if len(phases) == len(Phase)
                    else ", ".join(phase_names[phase] for phase in phases),
                    "roles": [_name(plan, plan.role(role_id).name) for role_id in roles],
                }
            )
    return approvals
