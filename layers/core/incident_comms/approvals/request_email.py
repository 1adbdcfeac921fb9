"""The approval request email: what one approver reads to decide on a draft from a phone, with their own links.

These emails are the system's own (package templates in ``incident_comms/templates``), not the plan's, so they
render in a plain Jinja2 environment with autoescaping on for HTML: alarm names come from monitoring and are
untrusted, and must never become markup in a responder's mail client. Pure: builds :class:`Email` values only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from incident_comms.approvals.links import ApprovalLinks
from incident_comms.cadence.conformance import Conformance
from incident_comms.incidents.facts import missing_facts
from incident_comms.incidents.models import Incident, Message
from incident_comms.mail_threads import TEAM, thread_key
from incident_comms.plan.models import Phase, Plan
from incident_comms.team.context import incident_context
from incident_comms.team.emails import Email, email_environment, team_texts, team_zone
from incident_comms.text import format_datetime


def approval_request_email(
    plan: Plan,
    incident: Incident,
    message: Message,
    now: datetime,
    links: ApprovalLinks,
    recipient: str,
    conformance: Conformance | None = None,
    console_link: str | None = None,
) -> Email:
    """The email asking one approver to review ``message`` before any customer sees it.

    It carries everything needed to decide from a phone: the incident facts, every channel's draft as
    that channel will show it, the questions the phase must answer, three links (review and approve,
    edit, reject) signed for this recipient, and their own incident console link (``console_link``).
    Opening a link only shows a page; the decision is a button.

    Written in the plan's main locale (the team's language).
    """
    # The draft checks (both languages' word lists) load here, not with the module: the functions that import the
    # approval requests mostly never send one (a repeat alarm, a publication, a sweep), and paid for them on every
    # cold start (issue 16).
    from incident_comms.approvals.checks import checks_context, draft_checks

    locale = plan.main_locale
    texts = team_texts(plan)
    zone = team_zone(plan)
    context = {
        **incident_context(plan, incident, message, now, texts),
        "checks": checks_context(
            plan, message, draft_checks(plan, message, incident.severity_id, missing_facts(incident.facts, plan)), texts
        ),
        "links": links,
        "console_link": console_link,
        "links_note": texts["links_note"].format(expires=format_datetime(links.expires_at, zone, locale)),
        "links_are_absolute": links.approve.startswith(("https://", "http://")),
        "conformance": conformance_lines(conformance, texts) if message.phase == Phase.POSTMORTEM else None,
    }
    environment = email_environment()
    return Email(
        to=[recipient],
        subject=context["subject"],
        text=environment.get_template("approval_request.txt.j2").render(context).strip() + "\n",
        html=environment.get_template("approval_request.html.j2").render(context),
        headers={"X-Incident-Id": incident.id, "X-Incident-Message-Id": message.id},
        thread=thread_key(incident.id, TEAM),
    )


def conformance_lines(report: Conformance | None, texts: dict[str, Any]) -> list[tuple[str, str]] | None:
    """The conformance report as (label, value) lines for the postmortem's approval email; None without one."""
    if report is None:
        return None
    names = texts["conformance_names"]
    promises = report.promises
    reach = "; ".join(
        f"{channel.channel_id}: {channel.messages}, {channel.delivered}, {channel.failed}"
        for channel in report.channels
    )
    return [
        (names["first_message"], report.time_to_first_message or names["not_yet"]),
        (
            names["promises"],
            f"{promises.made} / {promises.kept_on_time} / {promises.kept_late} / {promises.open}",
        ),
        (names["reach"], reach or names["not_yet"]),
    ]
