"""Use cases of the subscriber's own pages besides unsubscribing: manage a subscription, and undo an unsubscribe.

- ``GET``/``HEAD /subscribe/manage/{token}`` (:func:`show_manage`): the address, its components (a checkbox per
  plan component) and its language (a plan locale), in that language; reads the contact list, changes nothing.
- ``POST /subscribe/manage/{token}`` (:func:`change_subscription`): replaces the components and the language (the
  audience follows the language when the plan sends that language to another audience). A bad form is a 400 that
  says what to correct and changes nothing; an address not subscribed (or unsubscribed) is a 409 that changes
  nothing: the manage link never subscribes anyone.
- ``GET``/``HEAD /subscribe/undo/{token}`` (:func:`show_undo`): a button; reads nothing, changes nothing.
- ``POST /subscribe/undo/{token}`` (:func:`undo_unsubscribe`): subscribes again exactly what the person had (address,
  components, language, audience), once: the token is spent in an :class:`UndoLedger` first (a conditional write),
  and given back when SES could not take the change, so the person may press again.

Forged links are a 404, expired ones a 410, cross-site POSTs a 403, and none of them changes anything. Logs carry
an address fingerprint at most, never an address or a token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from datetime import datetime
from typing import Any, Protocol

from incident_comms.errors import BadInput
from incident_comms.observability import Logger, Metrics
from incident_comms.plan.models import Plan
from incident_comms.subscribers.directory import SubscriberDirectory
from incident_comms.subscribers.links import (
    LinkProblem,
    SubscriptionLinkRejected,
    token_fingerprint,
    verify_manage_token,
    verify_undo_token,
)
from incident_comms.subscribers.manage_pages import (
    SubscriptionOutcome,
    SubscriptionPage,
    language_name,
    manage_form,
    refusal_page,
    subscription_page,
)
from incident_comms.subscribers.manage_texts import SubscriptionRefusal, manage_texts
from incident_comms.subscribers.models import Subscriber, email_segments, new_subscriber
from incident_comms.subscribers.subscribe import UnreadableForm, address_fingerprint, read_subscriber_form
from incident_comms.subscribers.subscribe_texts import SubscribeProblem
from incident_comms.text import error_text
from incident_comms.web import HttpRequest

MANAGE_FIELDS = frozenset({"component", "locale"})


class UndoLedger(Protocol):
    """Remembers which undo links were used (by fingerprint, until they expire)."""

    def spend(self, fingerprint: str, expires_at: datetime, now: datetime) -> bool:
        """Take the undo link ``fingerprint`` for this request; False when it was already used."""
        ...

    def restore(self, fingerprint: str) -> None:
        """Give the link back: the undo could not be made, so the person may press again."""
        ...


class _Refused(Exception):
    def __init__(self, refusal: SubscriptionRefusal, problem: SubscribeProblem | None = None) -> None:
        self.refusal = refusal
        self.problem = problem
        super().__init__(refusal.value)


# --- manage ------------------------------------------------------------------------------------------------------


def show_manage(plan: Plan, directory: SubscriberDirectory, token: str, key: bytes, now: datetime) -> SubscriptionPage:
    """The manage page: the address, its components and language in a form; changes nothing."""
    try:
        email = _manage_address(token, key, now)
    except _Refused as refused:
        return refusal_page(plan, plan.main_locale, refused.refusal)
    fingerprint = address_fingerprint(email)
    try:
        found = directory.subscriber(email)
    except Exception as error:  # noqa: BLE001 - answered 503 and logged by the caller
        return _unavailable(plan, plan.main_locale, email, error)
    if found is None or found.unsubscribed:
        return refusal_page(plan, plan.main_locale, SubscriptionRefusal.NOT_SUBSCRIBED, fingerprint=fingerprint)
    locale = found.locale if found.locale in plan.definition.locales else plan.main_locale
    texts = manage_texts(plan, locale)
    form = manage_form(plan, locale, found.components, found.locale, texts)
    return subscription_page(plan, locale, "manage", email, SubscriptionOutcome.MANAGE_SHOWN, fingerprint, manage=form)


def change_subscription(
    request: HttpRequest, plan: Plan, directory: SubscriberDirectory, token: str, key: bytes, now: datetime
) -> SubscriptionPage:
    """The manage form's POST: the chosen components and language replace the subscription's, or nothing changes."""
    locale = plan.main_locale
    try:
        if request.is_cross_site():
            raise _Refused(SubscriptionRefusal.CROSS_SITE)
        email = _manage_address(token, key, now)
    except _Refused as refused:
        return refusal_page(plan, locale, refused.refusal)
    fingerprint = address_fingerprint(email)
    try:
        found = directory.subscriber(email)
        if found is None or found.unsubscribed:
            raise _Refused(SubscriptionRefusal.NOT_SUBSCRIBED)
        locale = found.locale if found.locale in plan.definition.locales else locale
        wanted = _chosen(plan, found, _read_form(request))
        if not directory.change(wanted):
            raise _Refused(SubscriptionRefusal.NOT_SUBSCRIBED)
    except _Refused as refused:
        return refusal_page(plan, locale, refused.refusal, problem=refused.problem, fingerprint=fingerprint)
    except Exception as error:  # noqa: BLE001 - answered 503 and logged by the caller
        return _unavailable(plan, locale, email, error)
    texts = manage_texts(plan, wanted.locale)
    return subscription_page(
        plan,
        wanted.locale,
        "saved",
        email,
        SubscriptionOutcome.CHANGED,
        fingerprint,
        components=wanted.components,
        language=language_name(plan, wanted.locale, wanted.locale),
        manage=manage_form(plan, wanted.locale, wanted.components, wanted.locale, texts),
    )


def _manage_address(token: str, key: bytes, now: datetime) -> str:
    try:
        return verify_manage_token(token, key, now)
    except SubscriptionLinkRejected as rejected:
        raise _Refused(_link_refusal(rejected)) from None


def _read_form(request: HttpRequest) -> Mapping[str, Sequence[str]]:
    try:
        return read_subscriber_form(request)
    except UnreadableForm as unread:
        refusal = SubscriptionRefusal.BAD_FORM if unread.problem else SubscriptionRefusal.TOO_LARGE
        raise _Refused(refusal, unread.problem) from None


def _chosen(plan: Plan, found: Subscriber, form: Mapping[str, Sequence[str]]) -> Subscriber:
    """The subscription the form asks for, checked against the plan; the audience stays when the plan sends the
    chosen language to it, else it is that language's customer audience."""
    locales = form.get("locale", [])
    components = tuple(dict.fromkeys(value.strip() for value in form.get("component", []) if value.strip()))
    if set(form) - MANAGE_FIELDS:
        raise _Refused(SubscriptionRefusal.BAD_FORM, SubscribeProblem.UNKNOWN_FIELD)
    if len(locales) != 1 and locales:
        raise _Refused(SubscriptionRefusal.BAD_FORM, SubscribeProblem.REPEATED_FIELD)
    locale = locales[0].strip() if locales else found.locale
    if not components:
        raise _Refused(SubscriptionRefusal.BAD_FORM, SubscribeProblem.NO_COMPONENT)
    if any(component not in {c.id for c in plan.definition.components} for component in components):
        raise _Refused(SubscriptionRefusal.BAD_FORM, SubscribeProblem.UNKNOWN_COMPONENT)
    if locale not in plan.definition.locales:
        raise _Refused(SubscriptionRefusal.BAD_FORM, SubscribeProblem.UNKNOWN_LOCALE)
    audience = found.audience if (found.audience, locale) in email_segments(plan) else None
    try:
        return new_subscriber(plan, found.email, list(components), locale, audience)
    except BadInput:
        raise _Refused(SubscriptionRefusal.BAD_FORM, SubscribeProblem.NOT_OFFERED) from None


# --- undo --------------------------------------------------------------------------------------------------------


def show_undo(plan: Plan, token: str, key: bytes, now: datetime) -> SubscriptionPage:
    """The undo link opened (GET, HEAD): what pressing the button gives back; reads nothing, changes nothing."""
    try:
        subscriber, _ = _undo_claims(token, key, now)
    except _Refused as refused:
        return refusal_page(plan, plan.main_locale, refused.refusal)
    button = {"offer": "", "button": manage_texts(plan, subscriber.locale)["undo_button"], "action": ""}
    return subscription_page(
        plan,
        subscriber.locale,
        "undo",
        subscriber.email,
        SubscriptionOutcome.UNDO_SHOWN,
        address_fingerprint(subscriber.email),
        components=subscriber.components,
        undo=button,
    )


def undo_unsubscribe(
    request: HttpRequest,
    plan: Plan,
    directory: SubscriberDirectory,
    ledger: UndoLedger,
    token: str,
    key: bytes,
    now: datetime,
) -> SubscriptionPage:
    """The undo form's POST: subscribe again what the link names, once; the link is spent before the change and
    given back if the change could not be made."""
    try:
        if request.is_cross_site():
            raise _Refused(SubscriptionRefusal.CROSS_SITE)
        subscriber, expires_at = _undo_claims(token, key, now)
    except _Refused as refused:
        return refusal_page(plan, plan.main_locale, refused.refusal)
    fingerprint = address_fingerprint(subscriber.email)
    spent = token_fingerprint(token)
    try:
        if not ledger.spend(spent, expires_at, now):
            raise _Refused(SubscriptionRefusal.USED)
    except _Refused as refused:
        return refusal_page(plan, subscriber.locale, refused.refusal, fingerprint=fingerprint)
    except Exception as error:  # noqa: BLE001 - nothing spent that we know of: answered 503
        return _unavailable(plan, subscriber.locale, subscriber.email, error)
    try:
        changed = directory.change(subscriber, resubscribe=True)
    except Exception as error:  # noqa: BLE001 - SES took nothing: the link is given back, answered 503
        _restore(ledger, spent)
        return _unavailable(plan, subscriber.locale, subscriber.email, error)
    if not changed:
        return refusal_page(plan, subscriber.locale, SubscriptionRefusal.NOT_SUBSCRIBED, fingerprint=fingerprint)
    return subscription_page(
        plan,
        subscriber.locale,
        "resubscribed",
        subscriber.email,
        SubscriptionOutcome.RESUBSCRIBED,
        fingerprint,
        components=subscriber.components,
    )


def _undo_claims(token: str, key: bytes, now: datetime) -> tuple[Subscriber, datetime]:
    try:
        return verify_undo_token(token, key, now)
    except SubscriptionLinkRejected as rejected:
        raise _Refused(_link_refusal(rejected)) from None


def _restore(ledger: UndoLedger, fingerprint: str) -> None:
    """Give the link back; if even that fails, it stays spent and the person subscribes from the status page."""
    with suppress(Exception):
        ledger.restore(fingerprint)


# --- shared ------------------------------------------------------------------------------------------------------


def _link_refusal(rejected: SubscriptionLinkRejected) -> SubscriptionRefusal:
    if rejected.problem == LinkProblem.EXPIRED:
        return SubscriptionRefusal.EXPIRED_LINK
    return SubscriptionRefusal.INVALID_LINK


def _unavailable(plan: Plan, locale: str, email: str, error: Exception) -> SubscriptionPage:
    text = error_text(error).replace(email, "<address>")
    return refusal_page(
        plan, locale, SubscriptionRefusal.UNAVAILABLE, fingerprint=address_fingerprint(email), error=text
    )


_OUTCOME_METRIC = {
    SubscriptionOutcome.UNSUBSCRIBE_SHOWN: "SubscriptionPagesShown",
    SubscriptionOutcome.UNDO_SHOWN: "SubscriptionPagesShown",
    SubscriptionOutcome.MANAGE_SHOWN: "SubscriptionPagesShown",
    SubscriptionOutcome.UNSUBSCRIBED: "Unsubscribed",
    SubscriptionOutcome.RESUBSCRIBED: "UnsubscribesUndone",
    SubscriptionOutcome.CHANGED: "SubscriptionsChanged",
}


def record_subscription_page(page: SubscriptionPage, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log what a request did (an address fingerprint at most) and count it: ``SubscriptionRequestsRefused`` and
    ``SubscriptionRequestsRefused<Reason>`` for refusals (``UnsubscribeLinksRefused`` too for forged links), and a
    warning with SES's answer when the page is UNAVAILABLE."""
    where = {"address_fingerprint": page.address_fingerprint}
    if page.refusal is None:
        logger.info(f"subscription: {page.outcome.value}", extra=where)
        metrics.add_metric(name=_OUTCOME_METRIC[page.outcome], unit=unit, value=1)
        return
    logger.warning(
        "subscription request refused",
        extra={
            **where,
            "refusal": page.refusal.value,
            "reason": page.reason,
            "status": page.status,
            "error": page.error,
        },
    )
    metrics.add_metric(name="SubscriptionRequestsRefused", unit=unit, value=1)
    name = "".join(part.capitalize() for part in page.refusal.value.split("_"))
    metrics.add_metric(name=f"SubscriptionRequestsRefused{name}", unit=unit, value=1)
    if page.refusal == SubscriptionRefusal.INVALID_LINK:
        metrics.add_metric(name="UnsubscribeLinksRefused", unit=unit, value=1)
