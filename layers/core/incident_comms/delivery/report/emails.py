"""The report email: one per message version, to the people of the communications lead role.

The summary is the subject (the numbers readable in the inbox), then the per-channel table, every failure, bounce
and complaint (up to :data:`PROBLEMS_PER_CHANNEL` per channel) and the incident's facts, in the plan's main locale
from the package's own templates (HTML autoescaped: SES error texts and alarm names are not ours).
"""

from __future__ import annotations

from datetime import datetime

from incident_comms.delivery.report.models import DeliveryReport, ProblemKind
from incident_comms.delivery.report.texts import report_texts
from incident_comms.incidents.models import Incident, Message
from incident_comms.mail_threads import TEAM, thread_key
from incident_comms.plan.models import Plan, localized
from incident_comms.team.context import incident_context
from incident_comms.team.emails import (
    SUBJECT_MAX,
    Email,
    approval_subject,
    approver_addresses,
    email_environment,
    team_texts,
    team_zone,
)
from incident_comms.text import format_datetime, one_line, truncate

REPORT_ROLE = "communications_lead"
"""The plan role whose people get the report; a plan without it sends it to the roles that approved the message."""
PROBLEMS_PER_CHANNEL = 25
"""Failure lines listed per channel in the email; the rest are counted ("and 12 more")."""


def report_recipients(plan: Plan, message: Message) -> list[str]:
    """The people of the communications lead role (:data:`REPORT_ROLE`), or, in a plan without that role, of the
    roles that approved the message; raises LookupError when that leaves nobody with an address."""
    has_role = any(role.id == REPORT_ROLE for role in plan.roles.roles)
    roles = (
        [REPORT_ROLE] if has_role else [role for role in message.approvers if role in {r.id for r in plan.roles.roles}]
    )
    addresses = approver_addresses(plan, roles)
    if not addresses:
        raise LookupError(f"no person with an address in roles {', '.join(roles) or '(none)'}")
    return addresses


def report_subject(plan: Plan, incident: Incident, message: Message, report: DeliveryReport) -> str:
    """``[SEV1][Investigando] API pública — 312 de 320 entregados, 8 rebotados``: one line, the numbers readable in
    the inbox (the component name is what gets shortened; the line itself says it is about delivery)."""
    locale = plan.main_locale
    component = localized(plan.component(incident.component_id).name, locale, locale)
    phase = team_texts(plan)["phases"][message.phase]
    summary = report.summary(locale)
    subject = approval_subject(incident.severity_id, phase, component, summary)
    if len(subject) > SUBJECT_MAX:  # the numbers matter more than the phase, which the body states anyway
        subject = one_line(f"[{one_line(incident.severity_id)}] {truncate(one_line(component), 24)} — {summary}")
    return truncate(subject, SUBJECT_MAX)


def report_email(
    plan: Plan, incident: Incident, message: Message, report: DeliveryReport, recipients: list[str], now: datetime
) -> Email:
    """The one email of a message version's report: the summary as subject, the per-channel table, every failure,
    bounce and complaint (up to :data:`PROBLEMS_PER_CHANNEL` per channel), and the incident's facts. Written in the
    plan's main locale from the package's own templates (HTML autoescaped: SES error texts and alarm names are not
    ours)."""
    locale = plan.main_locale
    words = report_texts(locale)
    zone = team_zone(plan)
    channels = {channel.id: channel for channel in plan.channels.channels}

    def channel_name(channel_id: str) -> str:
        channel = channels.get(channel_id)
        return localized(channel.name, locale, locale) if channel is not None else channel_id

    kind_words = {kind: words[f"kind_{kind.value}"] for kind in ProblemKind}
    context = incident_context(plan, incident, message, now)
    subject = report_subject(plan, incident, message, report)
    published = format_datetime(report.published_at, zone, locale) if report.published_at else "—"
    context.update(
        {
            "subject": subject,
            "message": {"id": message.id, "version": report.version},
            "r": words,
            "intro": words["intro"].format(
                message=message.id, version=report.version, published=published, now=format_datetime(now, zone, locale)
            ),
            "rows": [
                {"name": channel_name(channel.channel_id), "channel_id": channel.channel_id, **channel.counts.as_dict()}
                for channel in report.channels
            ],
            "totals": report.totals.as_dict(),
            "pending": report.totals.pending > 0,
            "problems": [
                {
                    "name": channel_name(channel.channel_id),
                    "channel_id": channel.channel_id,
                    "lines": [
                        {
                            "kind": kind_words[problem.kind],
                            "address": problem.address,
                            "detail": truncate(one_line(problem.detail), 300),
                        }
                        for problem in channel.problems[:PROBLEMS_PER_CHANNEL]
                    ],
                    "more": max(0, len(channel.problems) - PROBLEMS_PER_CHANNEL),
                }
                for channel in report.channels
                if channel.problems
            ],
        }
    )
    environment = email_environment()
    return Email(
        to=recipients,
        subject=subject,
        text=environment.get_template("delivery_report.txt.j2").render(context).strip() + "\n",
        html=environment.get_template("delivery_report.html.j2").render(context),
        headers={"X-Incident-Id": incident.id, "X-Incident-Message": f"{message.id} v{report.version}"},
        thread=thread_key(incident.id, TEAM),
    )
