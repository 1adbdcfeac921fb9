"""The holding message that stands in for a draft nobody approved in time, and the email telling its approvers.

:func:`holding_message` builds the pre-approved message from the phase's ``holding`` text in each channel's locale,
on the draft's own channels, from the incident's certain facts and the next update the waiting draft promised
(promised anew from now when that time has passed), so customers still learn when they will hear more and where to
ask. Nothing unapproved goes out: subjects and titles are the plan's own for the phase, never the waiting draft's.
Its id is the draft's plus :data:`HOLDING_SUFFIX`, so a second firing collides in the store instead of publishing
twice. :func:`holding_published_email` tells one approver what went out in their place, from the package's own
templates (HTML autoescaped: the incident facts include alarm names from monitoring).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from incident_comms.cadence.facts import draft_promise
from incident_comms.drafting.holding import render_holding
from incident_comms.drafting.models import MessageFacts
from incident_comms.drafting.render import build_context, draft_from_text, render_block
from incident_comms.incidents.models import Incident, Message, MessageStatus
from incident_comms.incidents.promises import DuePromise
from incident_comms.mail_threads import TEAM, thread_key
from incident_comms.plan.models import TEMPLATE_BLOCKS, Channel, HoldingText, Plan, template_key
from incident_comms.plan.templates import plan_environment
from incident_comms.team.context import incident_context
from incident_comms.team.emails import Email, approval_subject, email_environment, team_texts
from incident_comms.text import format_elapsed

HOLDING_SUFFIX = "-holding"
_FALLBACK_LOCALE = "en"

_TEXTS: dict[str, dict[str, str]] = {
    "es": {
        "holding_published": "publicado el texto de espera",
        "holding_intro": "Nadie aprobó el borrador {message} en {timeout}. Para no dejar a los clientes sin noticias, "
        "se ha publicado en su lugar el texto de espera preaprobado del plan, en cada canal del borrador.",
        "still_waiting": "El borrador original sigue pendiente de aprobación y los enlaces del primer correo siguen "
        "sirviendo: si lo aprueba (o lo corrige), se publicará después con todos sus detalles.",
        "published": "Lo que se ha publicado, canal por canal",
    },
    "en": {
        "holding_published": "holding text published",
        "holding_intro": "Nobody approved draft {message} within {timeout}. So that customers are not left without "
        "news, the plan's pre-approved holding text was published instead, on every channel of the draft.",
        "still_waiting": "The original draft still awaits approval and the links in the first email still work: "
        "if you approve it (or edit it), it is published afterwards with all its details.",
        "published": "What was published, channel by channel",
    },
}


def holding_message(plan: Plan, incident: Incident, waiting: Message, holding: HoldingText, now: datetime) -> Message:
    """The pre-approved message published in place of ``waiting``: the holding text in each channel's locale (its
    ``sms`` variant on SMS-format channels), on the same channels, already approved (the plan approved it when the
    team wrote it), rendered from the incident's certain facts and :func:`holding_promise`, which it carries.

    Its id is ``waiting``'s plus ``-holding``, so a second firing collides in the store instead of publishing
    twice; it carries ``waiting``'s sequence, so approving the draft afterwards still publishes while nothing older
    than the draft does (:mod:`incident_comms.incidents.ordering`). Subjects and titles are the plan's own for the
    phase, from the incident's facts only: the waiting draft's subject may carry an edit that was never approved, and
    nothing unapproved may go out.
    """
    channels = {channel.id: channel for channel in plan.channels.channels}
    promise = holding_promise(plan, incident, waiting, now)
    facts = MessageFacts(
        incident_id=incident.id,
        component_id=incident.component_id,
        severity_id=incident.severity_id,
        started_at=incident.impact_start,
        now=now,
        next_update_at=promise.due_at if promise else None,
    )
    drafts = [
        draft_from_text(
            plan,
            channel,
            plan_subject(plan, incident, waiting, channel, now),
            render_holding(plan, waiting.phase, holding, facts, channel),
            incident_id=incident.id,
        )
        for channel in (channels.get(draft.channel_id) for draft in waiting.drafts)
        if channel is not None
    ]
    return Message(
        id=f"{waiting.id}{HOLDING_SUFFIX}",
        incident_id=incident.id,
        phase=waiting.phase,
        status=MessageStatus.APPROVED,
        created_at=now,
        approvers=[],
        drafts=drafts,
        decided_at=now,
        holding=True,
        replaces=waiting.id,
        promise=promise,
        sequence=waiting.sequence,
    )


def holding_promise(plan: Plan, incident: Incident, waiting: Message, now: datetime) -> DuePromise | None:
    """The next update the holding text tells customers: the one the waiting draft promised while it is still
    ahead (the holding text stands in for that draft, and must not move its word), else one promised from ``now``
    by the severity's cadence (:func:`incident_comms.cadence.facts.draft_promise`)."""
    if waiting.promise is not None and waiting.promise.due_at > now:
        return waiting.promise
    return draft_promise(plan, incident, waiting.phase, now)


def plan_subject(plan: Plan, incident: Incident, waiting: Message, channel: Channel, now: datetime) -> str | None:
    """The subject (email) or title (status page) the plan's template gives the phase for this channel,
    rendered from what the alarm said alone; None for formats without one (SMS, chat)."""
    blocks = TEMPLATE_BLOCKS[channel.template_format]
    if len(blocks) < 2:
        return None
    facts = MessageFacts(
        incident_id=incident.id,
        component_id=incident.component_id,
        severity_id=incident.severity_id,
        started_at=incident.impact_start,
        now=now,
    )
    key = template_key(channel.locale, waiting.phase, channel.template_format)
    template = plan_environment(plan).get_template(key)
    return render_block(template, key, blocks[0], build_context(plan, waiting.phase, facts, channel))


def holding_published_email(
    plan: Plan,
    incident: Incident,
    waiting: Message,
    holding: Message,
    timeout: timedelta,
    now: datetime,
    recipient: str,
) -> Email:
    """The email telling one approver what went out in their place and that their draft still waits.

    Written in the plan's main locale, from the package's own templates (HTML autoescaped: the incident
    facts include alarm names from monitoring).
    """
    texts = team_texts(plan)
    own = holding_texts(plan)
    context = incident_context(plan, incident, waiting, now, texts)
    subject = approval_subject(
        incident.severity_id, texts["phases"][waiting.phase], context["incident"]["component"], own["holding_published"]
    )
    context.update(
        {
            "subject": subject,
            "h": own,
            "intro": own["holding_intro"].format(message=waiting.id, timeout=format_elapsed(timeout)),
            "published": incident_context(plan, incident, holding, now, texts)["drafts"],
        }
    )
    environment = email_environment()
    return Email(
        to=[recipient],
        subject=subject,
        text=environment.get_template("approval_timeout.txt.j2").render(context).strip() + "\n",
        html=environment.get_template("approval_timeout.html.j2").render(context),
        headers={"X-Incident-Id": incident.id, "X-Incident-Message-Id": holding.id},
        thread=thread_key(incident.id, TEAM),
    )


def holding_texts(plan: Plan) -> dict[str, str]:
    """This email's own wording in the team's language (the plan's main locale), English when we lack it."""
    return _TEXTS.get(plan.main_locale.split("-")[0], _TEXTS[_FALLBACK_LOCALE])
