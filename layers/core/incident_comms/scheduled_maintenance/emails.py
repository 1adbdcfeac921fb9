"""What a maintenance says by email: each step's customer draft per email channel, and the team's approval request.

Customers hear of a maintenance on the plan's email channels whose audience has lead times
(:attr:`~incident_comms.plan.models.Audience.maintenance_notice`); an audience without them only sees the status page.
Every time is in the audience's zone, with UTC beside it when that zone is another. Rendered from the package's own
templates with autoescaping (titles and details are typed by people: never markup).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from incident_comms.drafting.models import ChannelDraft
from incident_comms.mail_threads import TEAM, thread_key
from incident_comms.maintenance.models import MAINTENANCE_ID_PREFIX, Maintenance, MaintenanceStep
from incident_comms.maintenance.store import MaintenanceStore
from incident_comms.maintenance.texts import joined, texts_for
from incident_comms.plan.models import Channel, ChannelFormat, ChannelKind, Phase, Plan, localized
from incident_comms.team.emails import Email, approver_addresses, email_environment
from incident_comms.text import format_datetime, one_line, truncate

SUBJECT_MAX = 200


def maintenance_channels(plan: Plan) -> list[Channel]:
    """The email channels that tell customers of maintenances, in plan order."""
    return [
        channel
        for channel in plan.channels.channels
        if channel.kind == ChannelKind.EMAIL
        and not plan.audience(channel.audience).internal
        and plan.audience(channel.audience).maintenance_notice
    ]


def maintenance_approvers(plan: Plan) -> list[str]:
    """Who approves a maintenance: the people of the plan's ``maintenance.approvers`` roles, by default those who
    approve the first message of the least severe incident (planned work is never more urgent than that)."""
    roles = plan.roles.maintenance.approvers
    if roles is None:
        roles = plan.approvers_for(plan.definition.severities[-1].id, Phase.INVESTIGATING)
    return approver_addresses(plan, roles)


def team_draft(plan: Plan, maintenance: Maintenance, step: MaintenanceStep) -> ChannelDraft | None:
    """The email of ``step`` as the team's language reads it (the first maintenance channel in the plan's main
    locale, else the first one): what an approver of a progress email sees."""
    channels = maintenance_channels(plan)
    main = [channel for channel in channels if channel.locale == plan.main_locale] or channels
    return customer_draft(plan, maintenance, step, main[0]) if main else None


def progress_request_emails(
    plan: Plan, maintenance: Maintenance, step: MaintenanceStep, links: Mapping[str, str]
) -> list[Email]:
    """One email per approver asking to approve the customer email of ``step`` (``links``: address -> link)."""
    draft = team_draft(plan, maintenance, step)
    if draft is None:
        return []
    values = team_values(plan, maintenance)
    t = values["t"]
    values["subject"] = t["progress_subject"].format(subject=draft.subject)  # type: ignore[index]
    values["lead"] = t["progress_lead"].format(what=t["progress_what"][step.value])  # type: ignore[index]
    values["draft"] = draft
    return _personal_emails("maintenance_progress", values, links, thread_key(maintenance.id, TEAM))


def status_index_url(plan: Plan, locale: str) -> str | None:
    base = plan.definition.organisation.status_page_url
    if not base:
        return None
    return f"{base.rstrip('/')}/" + ("" if locale == plan.main_locale else f"{locale}/")


def _when(moment: datetime, zone: ZoneInfo, locale: str) -> str:
    local = format_datetime(moment, zone, locale)
    return local if zone.key == "UTC" else f"{local} ({moment.astimezone(UTC):%H:%M} UTC)"


def _values(plan: Plan, maintenance: Maintenance, locale: str, zone: ZoneInfo) -> dict[str, object]:
    t = texts_for(locale)
    names = [localized(plan.component(component).name, locale) for component in maintenance.components]
    window = t["from_to"].format(
        start=_when(maintenance.starts_at, zone, locale), end=_when(maintenance.ends_at, zone, locale)
    )
    return {
        "t": t,
        "locale": locale,
        "maintenance": maintenance,
        "components": joined(names, locale),
        "title": maintenance.title.get(locale) or next(iter(maintenance.title.values())),
        "details": maintenance.details.get(locale, ""),
        "window": window,
        "ends": _when(maintenance.ends_at, zone, locale),
        "ended": _when(maintenance.completed_at or maintenance.ends_at, zone, locale),
    }


def customer_draft(plan: Plan, maintenance: Maintenance, step: MaintenanceStep, channel: Channel) -> ChannelDraft:
    """The email ``channel`` sends for ``step``: the same text for every batch (it depends on the stored maintenance
    only, never on the instant it is rendered)."""
    locale = channel.locale
    zone = ZoneInfo(plan.audience(channel.audience).timezone)
    values = _values(plan, maintenance, locale, zone)
    organisation = plan.definition.organisation.name
    subject = truncate(
        one_line(f"[{organisation}] " + values["t"]["subject"][step.value].format(title=values["title"])),  # type: ignore[index]
        SUBJECT_MAX,
    )
    values.update(step=step.value, subject=subject, status_url=status_index_url(plan, locale))
    environment = email_environment()
    return ChannelDraft(
        channel_id=channel.id,
        kind=ChannelKind.EMAIL,
        format=ChannelFormat.EMAIL,
        locale=locale,
        subject=subject,
        text=environment.get_template("maintenance_email.txt.j2").render(values).strip() + "\n",
        html=environment.get_template("maintenance_email.html.j2").render(values),
    )


def step_of(message_id: str) -> MaintenanceStep | None:
    """The step an email batch's ``message_id`` names (:attr:`~incident_comms.maintenance.models.StepEvent.
    message_id`)."""
    head = message_id.split("-", 1)[0]
    return MaintenanceStep(head) if head in MaintenanceStep.__members__.values() else None


def batch_draft(
    plan: Plan, store: MaintenanceStore, incident_id: str, message_id: str, channel_id: str
) -> ChannelDraft | str | None:
    """The draft of an email batch of a maintenance (what the email sender sends), why there is none, or None when
    the batch is not a maintenance's."""
    if not incident_id.startswith(MAINTENANCE_ID_PREFIX):
        return None
    step = step_of(message_id)
    channel = next((c for c in maintenance_channels(plan) if c.id == channel_id), None)
    maintenance = store.get(incident_id)
    if step is None or channel is None or maintenance is None:
        return f"no draft for {message_id} of maintenance {incident_id} on {channel_id}"
    return customer_draft(plan, maintenance, step, channel)


def notice_words(plan: Plan, locale: str) -> str:
    """What the approver is told of the announcements: the lead times of the audiences emailed."""
    t = texts_for(locale)
    leads = sorted(
        {lead for channel in maintenance_channels(plan) for lead in plan.audience(channel.audience).maintenance_notice},
        reverse=True,
    )
    if not leads:
        return str(t["team_no_notice"])
    words = [
        f"{int(lead.total_seconds() // 3600)} h" if lead.total_seconds() >= 3600 else f"{lead.seconds // 60} min"
        for lead in leads
    ]
    return str(t["team_notice"]).format(notice=joined(words, locale))


def team_zone(plan: Plan) -> ZoneInfo:
    """Where the team reads and types a window's times: the zone of the first audience told of maintenances (the
    plan's main customers), UTC when none is."""
    channels = maintenance_channels(plan)
    return ZoneInfo(plan.audience(channels[0].audience).timezone if channels else "UTC")


def team_values(plan: Plan, maintenance: Maintenance) -> dict[str, object]:
    """What the approval request and page show, in the team's language (the plan's main locale)."""
    locale = plan.main_locale
    values = _values(plan, maintenance, locale, team_zone(plan))
    values["notice"] = notice_words(plan, locale)
    return values


def approval_request_emails(plan: Plan, maintenance: Maintenance, links: Mapping[str, str]) -> list[Email]:
    """One email per approver (``links``: address -> their own approval link)."""
    values = team_values(plan, maintenance)
    values["subject"] = values["t"]["team_subject"].format(title=values["title"])  # type: ignore[index]
    return _personal_emails("maintenance_request", values, links, thread_key(maintenance.id, TEAM))


def _personal_emails(template: str, values: Mapping[str, object], links: Mapping[str, str], thread: str) -> list[Email]:
    """One email per address from ``template`` (``.txt.j2`` and ``.html.j2``), each with its own ``link``, in the
    window's team thread (the customers' emails of the window thread apart, as an incident's do)."""
    environment = email_environment()
    subject = truncate(one_line(str(values["subject"])), SUBJECT_MAX)
    emails = []
    for address, link in links.items():
        own = {**values, "link": link, "subject": subject}
        text = environment.get_template(f"{template}.txt.j2").render(own)
        html = environment.get_template(f"{template}.html.j2").render(own)
        emails.append(Email(to=[address], subject=subject, text=text, html=html, thread=thread))
    return emails


def _lead_words(lead: timedelta) -> str:
    minutes = int(lead.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"
