"""Use cases of the one-click unsubscribe link in every customer email (RFC 8058), in the subscriber's language.

``GET`` and ``HEAD`` only show a page naming the address and a button: mail scanners fetch every link, and
unsubscribing someone because a scanner looked would be as wrong as approving a draft that way. ``POST``
unsubscribes: the page's button, or the mail client's own one-click POST (``List-Unsubscribe=One-Click``), which
comes from the mail provider and carries no Origin, so unlike the other forms it is not refused as cross-site: the
signed token naming the one address it may unsubscribe is the whole credential, and anyone holding it could post
it from anywhere.

The pages speak the language the subscriber chose (one GetContact; when SES does not answer, the plan's main
language, and the page still works). The answer to a POST names the address and, when the list held a
subscription, offers to undo it (:mod:`incident_comms.subscribers.manage`): a signed, single-use form valid for
:data:`~incident_comms.subscribers.links.UNDO_VALIDITY`. Only the address's owner holds its link, so saying
whether it was on the list tells nobody else anything.
"""

from __future__ import annotations

from datetime import datetime
from http import HTTPStatus

from incident_comms.observability import Logger
from incident_comms.plan.models import Plan
from incident_comms.subscribers.directory import SubscriberDirectory
from incident_comms.subscribers.links import UNDO_PATH, UNDO_VALIDITY, undo_token
from incident_comms.subscribers.manage_pages import (
    SubscriptionOutcome,
    SubscriptionPage,
    refusal_page,
    subscription_page,
)
from incident_comms.subscribers.manage_texts import SubscriptionRefusal, manage_texts
from incident_comms.subscribers.models import Subscriber
from incident_comms.subscribers.subscribe import address_fingerprint
from incident_comms.subscribers.tokens import UnsubscribeRejected, verify_unsubscribe_token
from incident_comms.text import error_text


def show_unsubscribe(
    plan: Plan, directory: SubscriberDirectory, token: str, key: bytes, logger: Logger | None = None
) -> SubscriptionPage:
    """The page of a link (GET, HEAD): the address and a button for a genuine link, a 404 for anything else;
    reads the subscriber's language, changes nothing."""
    try:
        email = verify_unsubscribe_token(token, key)
    except UnsubscribeRejected:
        return refusal_page(plan, plan.main_locale, SubscriptionRefusal.INVALID_LINK)
    fingerprint = address_fingerprint(email)
    try:
        found = directory.subscriber(email)
    except Exception as error:  # noqa: BLE001 - the page still works, in the plan's main language
        if logger is not None:
            logger.warning(
                "subscriber's language unknown", extra={"address_fingerprint": fingerprint, "error": error_text(error)}
            )
        found = None
    locale = _locale(plan, found)
    button = {"button": manage_texts(plan, locale)["unsubscribe_button"]}
    return subscription_page(
        plan, locale, "unsubscribe", email, SubscriptionOutcome.UNSUBSCRIBE_SHOWN, fingerprint, unsubscribe=button
    )


def confirm_unsubscribe(
    plan: Plan, directory: SubscriberDirectory, token: str, key: bytes, base_url: str, now: datetime
) -> SubscriptionPage:
    """The POST of a link: unsubscribe the address it names and offer to undo it. When SES does not answer, a 503
    that changed nothing (a mail provider's one-click POST is retried on it)."""
    try:
        email = verify_unsubscribe_token(token, key)
    except UnsubscribeRejected:
        return refusal_page(plan, plan.main_locale, SubscriptionRefusal.INVALID_LINK)
    fingerprint = address_fingerprint(email)
    found: Subscriber | None = None
    try:
        found = directory.subscriber(email)
        directory.unsubscribe(email)
    except Exception as error:  # noqa: BLE001 - answered 503, logged by the caller; the link still works
        text = error_text(error).replace(email, "<address>")
        return refusal_page(
            plan, _locale(plan, found), SubscriptionRefusal.UNAVAILABLE, fingerprint=fingerprint, error=text
        )
    locale = _locale(plan, found)
    undo = None
    if found is not None and found.locale in plan.definition.locales and found.audience:
        texts = manage_texts(plan, locale)
        again = found.model_copy(update={"unsubscribed": False})
        undo = {
            "offer": texts["undo_offer"].format(hours=int(UNDO_VALIDITY.total_seconds() // 3600)),
            "button": texts["undo_button"],
            "action": f"{base_url.rstrip('/')}{UNDO_PATH}{undo_token(again, key, now)}",
        }
    return subscription_page(
        plan,
        locale,
        "unsubscribed",
        email,
        SubscriptionOutcome.UNSUBSCRIBED,
        fingerprint,
        status=int(HTTPStatus.OK),
        undo=undo,
    )


def _locale(plan: Plan, found: Subscriber | None) -> str:
    """The subscriber's language when the plan has it, else the plan's main one."""
    if found is not None and found.locale in plan.definition.locales:
        return found.locale
    return plan.main_locale
