"""The plan's pre-approved holding texts (``holding:`` in ``templates/phases.yaml``), rendered per channel.

A holding text goes out unreviewed when nobody approves a draft in time, so the team approves it once, when it
writes the plan. That only holds if nothing in it can be wrong on the day: it is a Jinja2 template (in the same
sandbox as the phase templates) that sees only what is *certain* whatever happened — the next update time already
promised, where to ask, the status page, the component and its plain impact — and never causes, fix times,
actions or alarm names, which only a person can vouch for. A holding text naming any other fact fails to render
(``StrictUndefined``), at ``plan check`` time (:func:`incident_comms.plan.loader.load_plan` renders and lints each
one), not during an incident.

The names a holding text sees: ``organisation`` (``name``, ``status_page_url``, ``support_url``), ``locale``,
``phase``, ``channel``, ``audience``, ``incident`` (``id``, ``component_id``, ``component``,
``component_in_sentence``, ``impact``, ``severity``, ``severity_name``, ``started_at``, ``duration``, ``url``),
``next_update`` (or None), ``contact`` (``role``, ``name``, ``email``, ``url``, ``phone``), ``status_page_url``,
``now``.

SMS-format channels get the ``sms`` variant when the plan gives one (SMS is 160 GSM-7 characters; the long text
would be split in parts, or go out as UCS-2), else the ``text``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Template, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from incident_comms.drafting.models import MessageFacts
from incident_comms.drafting.render import build_context
from incident_comms.errors import PlanError
from incident_comms.plan.models import Channel, ChannelFormat, HoldingText, LocalizedText, Phase, Plan
from incident_comms.plan.templates import plan_environment
from incident_comms.sms import to_gsm7

HOLDING_FILE = "templates/phases.yaml"
CERTAIN_NAMES = (
    "organisation",
    "locale",
    "phase",
    "channel",
    "audience",
    "next_update",
    "contact",
    "status_page_url",
    "now",
)
"""The template context names a holding text sees as they are (``incident`` is cut down, see the module doc)."""
CERTAIN_INCIDENT = (
    "id",
    "component_id",
    "component",
    "component_in_sentence",
    "impact",
    "severity",
    "severity_name",
    "started_at",
    "duration",
    "url",
)


def holding_variant(holding: HoldingText, channel: Channel) -> tuple[str, LocalizedText]:
    """Which variant a channel publishes — ``("sms", ...)`` for an SMS-format channel when there is one, else
    ``("text", ...)`` — and its text."""
    if channel.template_format == ChannelFormat.SMS and holding.sms is not None:
        return "sms", holding.sms
    return "text", holding.text


def holding_source(plan: Plan, phase: Phase, holding: HoldingText, channel: Channel) -> tuple[str, str]:
    """The template source a channel renders, and where it is in the plan (``phases.update.holding.sms.es``)."""
    variant, text = holding_variant(holding, channel)
    where = f"phases.{phase.value}.holding.{variant}"
    if isinstance(text, str):
        return text, where
    for candidate in (channel.locale, channel.locale.split("-")[0], plan.main_locale):
        if candidate in text:
            return text[candidate], f"{where}.{candidate}"
    first = next(iter(text), None)
    return (text[first], f"{where}.{first}") if first is not None else ("", where)


def holding_context(plan: Plan, phase: Phase, facts: MessageFacts, channel: Channel) -> dict[str, Any]:
    """The phase templates' context (:func:`incident_comms.drafting.render.build_context`) cut down to the certain
    facts."""
    full = build_context(plan, phase, facts, channel)
    context = {name: full[name] for name in CERTAIN_NAMES}
    context["incident"] = {name: full["incident"][name] for name in CERTAIN_INCIDENT}
    return context


def render_holding(plan: Plan, phase: Phase, holding: HoldingText, facts: MessageFacts, channel: Channel) -> str:
    """The holding text as ``channel`` publishes it, from ``facts`` (the incident's, and the promised next update).

    Raises :class:`PlanError` naming the ``phases.yaml`` entry (and the template line) when it does not compile or
    names a fact it may not see.
    """
    source, where = holding_source(plan, phase, holding, channel)
    try:
        template = _compiled(plan_environment(plan), source)
    except TemplateSyntaxError as error:
        raise PlanError([f"{HOLDING_FILE}: {where}: line {error.lineno}: {error.message}"]) from error
    try:
        text = template.render(holding_context(plan, phase, facts, channel))
    except Exception as error:  # a plan template may fail in any way; the team needs to know which text
        message = getattr(error, "message", None) or str(error) or type(error).__name__
        raise PlanError([f"{HOLDING_FILE}: {where}: {message} (a holding text sees only certain facts)"]) from error
    return to_gsm7(text) if channel.template_format == ChannelFormat.SMS else text


@lru_cache(maxsize=32)
def _compiled(environment: ImmutableSandboxedEnvironment, source: str) -> Template:
    """Each holding text compiled once per plan environment: ``plan check`` renders it on every channel."""
    return environment.from_string(source)
