"""The subscribe form's pages and its confirmation email, rendered from package templates with autoescaping.

Nothing a visitor typed can become markup: the pages (``subscribe_page.html.j2``) and the double opt-in email
(``subscribe_confirm.txt.j2``, ``subscribe_confirm.html.j2``) render through the package's autoescaping
environment, in the wording of :mod:`incident_comms.subscribers.subscribe_texts`. A :class:`SubscribePage`
carries, beside its HTML and status (one per refusal: :data:`REFUSAL_STATUS`), what logs and metrics may say about
it: never a token or an address.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from http import HTTPStatus
from typing import Any

from incident_comms.plan.models import Plan, localized
from incident_comms.subscribers.directory import Added
from incident_comms.subscribers.models import Subscriber
from incident_comms.subscribers.subscribe_texts import SubscribeProblem, SubscribeRefusal, subscribe_texts
from incident_comms.subscribers.tokens import DEFAULT_CONFIRMATION_EXPIRY
from incident_comms.team.emails import Email, email_environment

_LANGUAGE_NAMES = {"es": "Español", "en": "English", "pt": "Português", "fr": "Français", "de": "Deutsch"}


# --- what the use cases answer ---------------------------------------------------------------------------------

REFUSAL_STATUS: dict[SubscribeRefusal, HTTPStatus] = {
    SubscribeRefusal.BAD_FORM: HTTPStatus.BAD_REQUEST,
    SubscribeRefusal.CROSS_SITE: HTTPStatus.FORBIDDEN,
    SubscribeRefusal.TOO_LARGE: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    SubscribeRefusal.UNAVAILABLE: HTTPStatus.SERVICE_UNAVAILABLE,
    SubscribeRefusal.INVALID_LINK: HTTPStatus.NOT_FOUND,
    SubscribeRefusal.EXPIRED_LINK: HTTPStatus.GONE,
}


class SubscribeOutcome(StrEnum):
    """What a request did, for logs and metrics."""

    FORM_SHOWN = "form_shown"
    CONFIRMATION_SENT = "confirmation_sent"
    CONFIRMATION_LIMITED = "confirmation_limited"
    """Answered exactly like CONFIRMATION_SENT, but nothing was sent: one went out less than 15 minutes ago."""
    CONFIRM_SHOWN = "confirm_shown"
    SUBSCRIBED = "subscribed"
    REFUSED = "refused"


@dataclass(frozen=True)
class SubscribePage:
    """A page to answer with, plus what logs and metrics may say about it (never a token or an address)."""

    status: int
    html: str
    outcome: SubscribeOutcome
    refusal: SubscribeRefusal | None = None
    reason: str | None = None
    """The form problem or link problem, a fixed word safe to log."""
    address_fingerprint: str | None = None
    added: Added | None = None
    error: str | None = None
    """Why the confirmation email could not be sent (one line, the address taken out)."""


@dataclass(frozen=True)
class Posted:
    """The posted fields as given (for showing the form again) and the locale to answer in."""

    email: str = ""
    components: tuple[str, ...] = ()
    locale: str = ""


# --- the email -------------------------------------------------------------------------------------------------


def confirmation_email(plan: Plan, subscriber: Subscriber, url: str) -> Email:
    """The double opt-in email, in the subscriber's locale: what they asked for and the link that confirms it."""
    texts = subscribe_texts(plan, subscriber.locale)
    organisation = plan.definition.organisation
    hours = int(DEFAULT_CONFIRMATION_EXPIRY.total_seconds() // 3600)
    words = {
        key: texts[key].format(organisation=organisation.name, hours=hours)
        for key in ("email_intro", "email_action", "email_button", "email_expiry", "email_ignore")
    }
    context = {
        "locale": subscriber.locale,
        "subject": texts["email_subject"].format(organisation=organisation.name),
        "t": words,
        "components": component_names(plan, subscriber.components, subscriber.locale),
        "confirm_url": url,
        "status_page_url": organisation.status_page_url,
    }
    environment = email_environment()
    return Email(
        to=[subscriber.email],
        subject=context["subject"],
        text=environment.get_template("subscribe_confirm.txt.j2").render(context),
        html=environment.get_template("subscribe_confirm.html.j2").render(context),
        headers={"Auto-Submitted": "auto-generated"},
    )


# --- rendering -------------------------------------------------------------------------------------------------


def component_names(plan: Plan, components: Sequence[str], locale: str) -> list[str]:
    names = {component.id: component.name for component in plan.definition.components}
    return [localized(names[c], locale, plan.main_locale) if c in names else c for c in components]


def page_context(plan: Plan, locale: str, title: str, lead: str) -> dict[str, Any]:
    organisation = plan.definition.organisation
    hours = int(DEFAULT_CONFIRMATION_EXPIRY.total_seconds() // 3600)
    return {
        "locale": locale,
        "title": title.format(organisation=organisation.name),
        "lead": lead.format(organisation=organisation.name, hours=hours),
        "problem": None,
        "form": None,
        "confirm": None,
        "status_page_url": organisation.status_page_url,
    }


def render_page(context: Mapping[str, Any]) -> str:
    return email_environment().get_template("subscribe_page.html.j2").render(context)


def form_page(
    plan: Plan, status: int, posted: Posted, problem: SubscribeProblem | None, outcome: SubscribeOutcome
) -> SubscribePage:
    texts = subscribe_texts(plan, posted.locale)
    context = page_context(plan, posted.locale, texts["form_title"], texts["form_lead"])
    if problem is not None:
        context["title"], _ = texts["refusals"][SubscribeRefusal.BAD_FORM]
        context["problem"] = texts["problems"][problem]
    context["form"] = {
        "email_label": texts["email_label"],
        "email": posted.email,
        "components_label": texts["components_label"],
        "components": [
            {
                "id": component.id,
                "name": localized(component.name, posted.locale, plan.main_locale),
                "checked": component.id in posted.components,
            }
            for component in plan.definition.components
        ],
        "locale_label": texts["locale_label"],
        "locales": [
            {"code": code, "name": _LANGUAGE_NAMES.get(code.split("-")[0], code), "selected": code == posted.locale}
            for code in plan.definition.locales
        ],
        "button": texts["subscribe_button"],
    }
    refusal = SubscribeRefusal.BAD_FORM if problem is not None else None
    return SubscribePage(
        int(status), render_page(context), outcome, refusal=refusal, reason=problem.value if problem else None
    )


def sent_page(plan: Plan, locale: str, outcome: SubscribeOutcome, fingerprint: str) -> SubscribePage:
    """ "Check your inbox": the one answer to every valid request, sent or limited, subscribed or not."""
    texts = subscribe_texts(plan, locale)
    context = page_context(plan, locale, texts["sent_title"], texts["sent_lead"])
    return SubscribePage(int(HTTPStatus.OK), render_page(context), outcome, address_fingerprint=fingerprint)


def refusal_page(
    plan: Plan,
    locale: str,
    refusal: SubscribeRefusal,
    problem: SubscribeProblem | None = None,
    fingerprint: str | None = None,
) -> SubscribePage:
    texts = subscribe_texts(plan, locale)
    title, lead = texts["refusals"][refusal]
    context = page_context(plan, locale, title, lead)
    if problem is not None:
        context["problem"] = texts["problems"][problem]
    return SubscribePage(
        int(REFUSAL_STATUS[refusal]),
        render_page(context),
        SubscribeOutcome.REFUSED,
        refusal=refusal,
        reason=problem.value if problem else None,
        address_fingerprint=fingerprint,
    )
