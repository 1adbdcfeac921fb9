"""The unsubscribe, undo and manage pages, rendered from ``subscription_page.html.j2`` with autoescaping, in the
subscriber's language (:mod:`incident_comms.subscribers.manage_texts`).

A :class:`SubscriptionPage` carries, beside its HTML and status, what logs and metrics may say about it: an
address fingerprint at most, never a token or an address.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from incident_comms.plan.models import Plan, localized
from incident_comms.subscribers.manage_texts import REFUSAL_STATUS, SubscriptionRefusal, manage_texts
from incident_comms.subscribers.subscribe_pages import component_names
from incident_comms.subscribers.subscribe_texts import SubscribeProblem, subscribe_texts
from incident_comms.team.emails import email_environment

LANGUAGE_NAMES = {"es": "Español", "en": "English", "pt": "Português", "fr": "Français", "de": "Deutsch"}
"""Each language in its own name, as a language menu shows it."""


class SubscriptionOutcome(StrEnum):
    """What a request did, for logs and metrics."""

    UNSUBSCRIBE_SHOWN = "unsubscribe_shown"
    UNSUBSCRIBED = "unsubscribed"
    UNDO_SHOWN = "undo_shown"
    RESUBSCRIBED = "resubscribed"
    MANAGE_SHOWN = "manage_shown"
    CHANGED = "changed"
    REFUSED = "refused"


@dataclass(frozen=True)
class SubscriptionPage:
    """A page to answer with, plus what logs and metrics may say about it (never a token or an address)."""

    status: int
    html: str
    outcome: SubscriptionOutcome
    refusal: SubscriptionRefusal | None = None
    reason: str | None = None
    """The form problem, a fixed word safe to log."""
    address_fingerprint: str | None = None
    error: str | None = None
    """What SES or the table answered when the page is UNAVAILABLE (one line, the address taken out)."""


def page_context(plan: Plan, locale: str, title: str, lead: str, email: str = "", **values: Any) -> dict[str, Any]:
    """What every page shows: its title and lead in ``locale``, naming the organisation and the address."""
    organisation = plan.definition.organisation
    words = {"organisation": organisation.name, "email": email, **values}
    return {
        "locale": locale,
        "title": title.format(**words),
        "lead": lead.format(**words),
        "problem": None,
        "items": [],
        "unsubscribe": None,
        "undo": None,
        "manage": None,
        "status_page_url": organisation.status_page_url,
    }


def render(context: dict[str, Any]) -> str:
    return email_environment().get_template("subscription_page.html.j2").render(context)


def language_name(plan: Plan, code: str, locale: str) -> str:
    """The name of language ``code`` in a sentence written in ``locale`` ("inglés", "Spanish")."""
    return str(manage_texts(plan, locale)["languages"].get(code.split("-")[0], code))


def manage_form(
    plan: Plan, locale: str, components: Sequence[str], chosen_locale: str, texts: dict[str, Any]
) -> dict[str, Any]:
    """The manage form: every component of the plan as a checkbox, every locale as an option, the current ones set."""
    return {
        "components_label": texts["components_label"],
        "components": [
            {
                "id": component.id,
                "name": localized(component.name, locale, plan.main_locale),
                "checked": component.id in components,
            }
            for component in plan.definition.components
        ],
        "locale_label": texts["locale_label"],
        "locales": [
            {"code": code, "name": LANGUAGE_NAMES.get(code.split("-")[0], code), "selected": code == chosen_locale}
            for code in plan.definition.locales
        ],
        "button": texts["save_button"],
    }


def refusal_page(
    plan: Plan,
    locale: str,
    refusal: SubscriptionRefusal,
    *,
    problem: SubscribeProblem | None = None,
    fingerprint: str | None = None,
    error: str | None = None,
) -> SubscriptionPage:
    """The page of a request not acted on, in ``locale``: why, and for a bad form what to correct."""
    title, lead = manage_texts(plan, locale)["refusals"][refusal]
    context = page_context(plan, locale, title, lead)
    if problem is not None:
        context["problem"] = subscribe_texts(plan, locale)["problems"][problem]
    return SubscriptionPage(
        int(REFUSAL_STATUS[refusal]),
        render(context),
        SubscriptionOutcome.REFUSED,
        refusal=refusal,
        reason=problem.value if problem else None,
        address_fingerprint=fingerprint,
        error=error,
    )


def subscription_page(
    plan: Plan,
    locale: str,
    kind: str,
    email: str,
    outcome: SubscriptionOutcome,
    fingerprint: str | None,
    *,
    status: int = 200,
    components: Sequence[str] = (),
    **context_values: Any,
) -> SubscriptionPage:
    """A page of ``kind`` (the ``{kind}_title`` and ``{kind}_lead`` texts) naming ``email``, listing ``components``
    in ``locale``; ``context_values`` are the template's forms (``unsubscribe``, ``undo``, ``manage``) and the
    lead's other words."""
    texts = manage_texts(plan, locale)
    forms: dict[str, Any] = {
        name: context_values.pop(name) for name in ("unsubscribe", "undo", "manage") if name in context_values
    }
    context = page_context(plan, locale, texts[f"{kind}_title"], texts[f"{kind}_lead"], email, **context_values)
    context.update(forms)
    context["items"] = component_names(plan, components, locale)
    return SubscriptionPage(status, render(context), outcome, address_fingerprint=fingerprint)
