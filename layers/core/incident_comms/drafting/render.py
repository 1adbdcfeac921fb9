"""Drafting: the phase message for each channel, written from the plan's templates.

Plan templates are code the team wrote, fed with facts that partly come from alarms (untrusted), so
they render in Jinja2's immutable sandbox with ``StrictUndefined``: a misspelt name fails loudly,
naming the template and line. Text output is plain; HTML (email, status page) is made only by an
autoescaping layout from that text, so alarm text can never become markup; the plan's own addresses in it become
links (:mod:`incident_comms.drafting.links`), nothing else does.

Template conventions: each ``templates/<locale>/<phase>.<format>.j2`` defines Jinja2 blocks, and
only the blocks are rendered (so put ``{% set %}``/``{% include %}`` inside a block):
``email``: ``subject`` + ``body``; ``status_page``: ``title`` + ``body``; ``sms``, ``chat``: ``body``.
Files whose name starts with ``_`` are partials for ``{% include %}``.

Template context: every name below is always defined; a fact the responder has not given is
``None`` (guard it with ``{% if %}``).

- ``organisation``: ``name``, ``status_page_url``, ``support_url`` (the audience's own when the plan gives one)
- ``locale``, ``phase`` (e.g. ``"investigating"``)
- ``phase_label``: the phase as customers read it everywhere, e.g. ``"En observación"`` (``plan/phase_labels.py``)
- ``channel``: ``id``, ``name``, ``kind``, ``format``, ``internal``
- ``audience``: ``id``, ``name``, ``timezone``, ``internal``, ``utc_equivalent``
- ``incident``: ``id``, ``component_id``, ``component`` (name), ``component_in_sentence`` (the name as prose says
  it, article included: ``la API pública``), ``component_in_sms`` (the same as SMS say it, GSM-7 friendly: ``nuestra
  API``; default ``component_in_sentence``), ``title`` (the component's short impact title for subjects, e.g.
  ``"Errores en la API pública"``; its name when the plan gives none), ``impact`` (the responder's, else the
  component's for this audience; from monitoring on, its ``impact_past`` when the plan gives one), ``severity``
  (id), ``severity_name``, ``started_at``, ``resolved_at`` (text or None), ``duration`` (to resolution or now),
  ``url`` (the incident's own status page in this locale; None for internal audiences or without a status page)
- ``data_loss``: ``"yes"`` | ``"no"`` | ``"unknown"`` (never guessed: unknown until someone knows)
- ``data_lost``: what was lost when ``data_loss`` is ``"yes"``, else None
- ``customer_action``, ``cause``, ``actions_taken``, ``actions_planned``, ``root_cause``, ``lessons``: the
  draft's own locale's text only (None when that locale has none: never another locale's text)
- ``next_update``: ``"14:30 CET"`` in the audience's time zone (date first when not today: ``1 de diciembre,
  09:00 CET``), or None. Every time is in the audience's zone, its date as the locale writes it (never ISO), with
  the UTC equivalent when the audience (or the channel, for public ones) has ``utc_equivalent`` (``14:30 CET
  (13:30 UTC)``)
- ``contact``: ``role``, ``name``, ``email``, ``url``, ``phone`` (from ``roles.customer_contact``, the audience's
  own where it gives one)
- ``team``: the roles the severity engages, list of ``role``, ``name``, ``email`` (first the one who leads) —
  internal audiences only, ``[]`` otherwise
- ``alarms``: list of ``name``, ``state``, ``changed_at`` — internal audiences only, ``[]`` otherwise
- ``status_page_url``, ``now`` (the current time as text)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, Template, TemplateSyntaxError

from incident_comms.alarms import Alarm
from incident_comms.drafting.links import paragraph_segments, plan_links
from incident_comms.drafting.models import (
    ALARM_TEXT_MAX,
    HTML_FORMATS,
    SNS_SUBJECT_MAX,
    ChannelDraft,
    MessageFacts,
)
from incident_comms.errors import PlanError
from incident_comms.plan.models import (
    TEMPLATE_BLOCKS,
    Channel,
    ChannelFormat,
    ChannelKind,
    LocalizedText,
    Phase,
    Plan,
    localized,
    template_key,
)
from incident_comms.plan.phase_labels import phase_label
from incident_comms.plan.templates import plan_environment
from incident_comms.sms import to_gsm7
from incident_comms.text import clean_text, format_datetime, format_elapsed, format_time, one_line, truncate

AFTER_FIX = frozenset({Phase.MONITORING, Phase.RESOLVED, Phase.POSTMORTEM})
"""The phases told once the fix is in: the component's impact is told in the past."""

_HTML_LAYOUT = """\
<!DOCTYPE html>
<html lang="{{ locale }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ subject or organisation }}</title>
</head>
<body style="font-family: -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; line-height: 1.5; \
color: #1a1a1a; max-width: 640px; margin: 0 auto; padding: 16px;">
{% if subject %}<h1 style="font-size: 1.25em;">{{ subject }}</h1>
{% endif %}
{% for paragraph in paragraphs %}
<p>{% for line in paragraph %}{% for part in line %}{% if part.href %}<a href="{{ part.href }}">{{ part.text }}</a>\
{% else %}{{ part.text }}{% endif %}{% endfor %}{% if not loop.last %}<br>
{% endif %}{% endfor %}</p>
{% endfor %}
<hr>
<p style="color: #666; font-size: 0.85em;">{{ organisation }}</p>
</body>
</html>
"""

_layout_environment = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
_HTML = _layout_environment.from_string(_HTML_LAYOUT)


def render_drafts(
    plan: Plan, phase: Phase, facts: MessageFacts, channels: Sequence[Channel] | None = None
) -> list[ChannelDraft]:
    """Render the phase message for each channel (default: :func:`channels_for_message`).

    Raises :class:`PlanError` naming the template and line when a template fails (a misspelt name,
    a missing block), because that is a plan bug the team must fix, not a bad alarm.
    """
    chosen = channels_for_message(plan, phase, facts) if channels is None else channels
    return [render_draft(plan, phase, facts, channel) for channel in chosen]


def channels_for_message(plan: Plan, phase: Phase, facts: MessageFacts) -> list[Channel]:
    """The channels a ``phase`` message goes on: those of the severity that speak in that phase
    (:attr:`~incident_comms.plan.models.Channel.speaks_in`), less those that speak in it only with news
    (:attr:`~incident_comms.plan.models.Channel.quiet_without_news`) when the message has none for their readers.

    A paid SMS or a pinned post that says "still working on it" costs the customer attention and the team money and
    changes nothing they know or do; the status page and email carry that.
    """
    return [
        channel
        for channel in plan.channels_for(facts.severity_id, phase)
        if phase not in channel.quiet_without_news or has_news_for_customers(facts, channel.locale)
    ]


def has_news_for_customers(facts: MessageFacts, locale: str) -> bool:
    """Whether a message changes what a customer reading ``locale`` knows or must do: whether data was lost is
    answered (yes or no), or there is something for them to do in their language."""
    if facts.data_loss != "unknown":
        return True
    action = facts.customer_action
    if isinstance(action, str):
        return bool(action.strip())
    return bool(action and (action.get(locale) or action.get(locale.split("-")[0]) or "").strip())


def render_draft(plan: Plan, phase: Phase, facts: MessageFacts, channel: Channel) -> ChannelDraft:
    """Render one channel's message: subject/title and body blocks, then the HTML layout where the format has one."""
    fmt = channel.template_format
    key = template_key(channel.locale, phase, fmt)
    context = build_context(plan, phase, facts, channel)
    template = _template(plan, key)
    blocks = TEMPLATE_BLOCKS[fmt]
    text = render_block(template, key, blocks[-1], context)
    subject = render_block(template, key, blocks[0], context) if len(blocks) > 1 else None
    if fmt == ChannelFormat.SMS:
        text = to_gsm7(text)
    return draft_from_text(plan, channel, subject, text, incident_id=facts.incident_id)


def draft_from_text(
    plan: Plan, channel: Channel, subject: str | None, text: str, *, incident_id: str | None = None
) -> ChannelDraft:
    """A channel's draft from its subject/title and plain text, laid out the way a rendered template is.

    Used for every text a person (an edit on the approval page) or the plan (a holding text) writes directly:
    the subject becomes one line (and SNS-short), the text is tidied, and email and status page get their HTML
    from the same autoescaping layout, so edited text can no more become markup than alarm text can.
    Channels whose format has no subject ignore ``subject``. The plan's own addresses in the text (and the page of
    incident ``incident_id``) become links in the HTML, nothing else (:mod:`incident_comms.drafting.links`).
    """
    fmt = channel.template_format
    text = clean_text(text)
    if len(TEMPLATE_BLOCKS[fmt]) > 1:
        subject = one_line(subject or "")
        if channel.kind == ChannelKind.SNS:
            subject = truncate(subject, SNS_SUBJECT_MAX)
    else:
        subject = None
    html = None
    if fmt in HTML_FORMATS:
        html = _HTML.render(
            locale=channel.locale,
            subject=subject,
            organisation=plan.definition.organisation.name,
            paragraphs=paragraph_segments(text, plan_links(plan, channel, incident_id)),
        )
    return ChannelDraft(
        channel_id=channel.id,
        kind=channel.kind,
        format=fmt,
        locale=channel.locale,
        subject=subject,
        text=text,
        html=html,
    )


def build_context(plan: Plan, phase: Phase, facts: MessageFacts, channel: Channel) -> dict[str, Any]:
    """The names a plan template sees (listed in this module's docstring), as plain dicts and strings."""
    locale = channel.locale
    audience = plan.audience(channel.audience)
    zone = ZoneInfo(audience.timezone)
    component = plan.component(facts.component_id)
    severity = plan.severity(facts.severity_id)
    organisation = plan.definition.organisation
    contact_spec = plan.roles.customer_contact
    contact_role = plan.role(contact_spec.role)
    contact = contact_spec.words_for(audience.id)
    utc = audience.utc_equivalent if channel.utc_equivalent is None else channel.utc_equivalent
    next_update = facts.next_update_for(channel.audience)

    def text(value: LocalizedText | None) -> str | None:
        return None if value is None else localized(value, locale, plan.main_locale)

    def own(value: LocalizedText | None) -> str | None:
        """A fact in the draft's locale only: never another locale's text."""
        if value is None or isinstance(value, str):
            return value
        return value.get(locale) or value.get(locale.split("-")[0])

    component_impact = component.impact_after_fix_for if phase in AFTER_FIX else component.impact_for
    end = facts.resolved_at or facts.now
    return {
        "organisation": {
            "name": organisation.name,
            "status_page_url": organisation.status_page_url,
            "support_url": organisation.support_url_for(audience.id),
        },
        "locale": locale,
        "phase": phase.value,
        "phase_label": phase_label(phase, locale),
        "channel": {
            "id": channel.id,
            "name": text(channel.name),
            "kind": channel.kind.value,
            "format": channel.template_format.value,
            "internal": audience.internal,
        },
        "audience": {
            "id": audience.id,
            "name": text(audience.name),
            "timezone": audience.timezone,
            "internal": audience.internal,
            "utc_equivalent": utc,
        },
        "incident": {
            "id": facts.incident_id,
            "component_id": component.id,
            "component": text(component.name),
            "component_in_sentence": text(component.in_sentence or component.name),
            "component_in_sms": text(component.in_sms or component.in_sentence or component.name),
            "title": component.title_for(locale, plan.main_locale),
            "impact": own(facts.impact) or component_impact(audience.id, locale, plan.main_locale),
            "severity": severity.id,
            "severity_name": text(severity.name),
            "started_at": format_datetime(facts.started_at, zone, locale, utc=utc, now=facts.now),
            "resolved_at": (
                format_datetime(facts.resolved_at, zone, locale, utc=utc, now=facts.now) if facts.resolved_at else None
            ),
            "duration": format_elapsed(end - facts.started_at),
            "url": None if audience.internal else plan.incident_page_url(locale, facts.incident_id, severity.id),
        },
        "data_loss": facts.data_loss,
        "data_lost": own(facts.data_lost) if facts.data_loss == "yes" else None,
        "customer_action": own(facts.customer_action),
        "cause": own(facts.cause),
        "actions_taken": own(facts.actions_taken),
        "actions_planned": own(facts.actions_planned),
        "root_cause": own(facts.root_cause),
        "lessons": own(facts.lessons),
        "next_update": format_time(next_update, zone, locale, facts.now, utc=utc) if next_update else None,
        "contact": {
            "role": text(contact_role.name),
            "name": contact_role.people[0].name,
            "email": contact.email,
            "url": contact.url,
            "phone": contact.phone,
        },
        "team": _team(plan, severity.id, locale) if audience.internal else [],
        "alarms": _alarms(facts.alarms, zone, locale, facts.now) if audience.internal else [],
        "status_page_url": organisation.status_page_url,
        "now": format_time(facts.now, zone, locale, facts.now, utc=utc),
    }


def _team(plan: Plan, severity_id: str, locale: str) -> list[dict[str, str]]:
    return [
        {
            "role": localized(plan.role(role_id).name, locale, plan.main_locale),
            "name": plan.role(role_id).people[0].name,
            "email": plan.role(role_id).people[0].email,
        }
        for role_id in plan.roles.engage.get(severity_id, [])
    ]


def _alarms(alarms: Sequence[Alarm], zone: ZoneInfo, locale: str, now: datetime) -> list[dict[str, str]]:
    return [
        {
            "name": truncate(one_line(alarm.name), ALARM_TEXT_MAX),
            "state": alarm.state.value,
            "changed_at": format_time(alarm.changed_at, zone, locale, now),
        }
        for alarm in alarms
    ]


# --- the sandbox --------------------------------------------------------------------------


def _template(plan: Plan, key: str) -> Template:
    if key not in plan.templates:
        raise PlanError([f"templates/{key}: (file): missing"])
    try:
        return plan_environment(plan).get_template(key)
    except TemplateSyntaxError as error:
        raise PlanError([f"templates/{error.name or key}: line {error.lineno}: {error.message}"]) from error


def render_block(template: Template, key: str, block: str, context: dict[str, Any]) -> str:
    """Render one named block; any failure becomes a :class:`PlanError` naming the template and line."""
    render = template.blocks.get(block)
    if render is None:
        raise PlanError([f"templates/{key}: (file): missing block '{block}'"])
    try:
        return "".join(render(template.new_context(context)))
    except Exception as error:  # a plan template may fail in any way; the team needs file and line
        where, line = _template_line(template, error.__traceback__, key)
        message = getattr(error, "message", None) or str(error) or type(error).__name__
        raise PlanError([f"{where}: line {line}: {message}" if line else f"{where}: (file): {message}"]) from error


def _template_line(template: Template, tb: TracebackType | None, key: str) -> tuple[str, int | None]:
    """The innermost template frame of a traceback, as template file and line (includes name the partial)."""
    found: tuple[str, int | None] = (f"templates/{key}", None)
    for frame, python_line in _frames(tb):
        filename = frame.f_code.co_filename
        if filename.startswith("templates/"):
            source = template.environment.get_template(filename.removeprefix("templates/"))
            found = (filename, source.get_corresponding_lineno(python_line))
    return found


def _frames(tb: TracebackType | None) -> Iterator[tuple[Any, int]]:
    while tb is not None:
        yield tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next
