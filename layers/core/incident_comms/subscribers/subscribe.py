"""Use cases of the subscribe form with double opt-in: customers subscribe themselves, and only the owner of the
address can make it so.

- ``GET /subscribe`` (:func:`show_form`) shows the form on the API's own origin; the status page carries the same
  form, posting here.
- ``POST /subscribe`` (:func:`request_subscription`) checks the form against the plan
  (:func:`incident_comms.subscribers.models.new_subscriber`) and only *emails a confirmation link*; it subscribes
  nobody. A bad form gets a 400 page naming the problem and nothing is sent.
- ``GET``/``HEAD /subscribe/confirm/{token}`` (:func:`show_confirmation`) shows a button and changes nothing: mail
  scanners fetch every link in an email. ``POST`` (:func:`confirm_subscription`) subscribes, undoing an earlier
  unsubscribe (this is the person's own request); a repeated POST answers the same.

What keeps the form from being used against people or against us:

- **No enumeration.** A valid request always answers the same "check your inbox" page, whether the address is
  subscribed, unsubscribed, unknown or rate-limited: this module never even asks the directory.
- **No mail bombing.** At most one confirmation email per address per :data:`CONFIRMATION_INTERVAL`
  (:class:`ConfirmationLimiter`, a conditional write); a limited request is logged and counted, not revealed.
- **Cross-site posts refused.** The status page is another origin (an S3 website or CDN), so a POST whose
  ``Origin`` is the plan's ``status_page_url`` origin or the API's own is accepted and any other ``Origin`` is
  refused (403); without an ``Origin`` the browser's ``Sec-Fetch-Site`` decides, as for the approval forms.
- **Bounded input.** Bodies above :data:`MAX_SUBSCRIBE_FORM_BYTES` get a 413 before parsing.

Pure: the plan, the email sender, the limiter, the directory, the key and ``now`` come from the caller. Pages and
the email render from package templates with autoescaping, so nothing a visitor typed can become markup
(:mod:`incident_comms.subscribers.subscribe_pages`, in the words of :mod:`incident_comms.subscribers.subscribe_texts`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import urlsplit

from incident_comms.errors import BadInput
from incident_comms.observability import Logger, Metrics
from incident_comms.plan.models import Plan
from incident_comms.subscribers.directory import SubscriberDirectory
from incident_comms.subscribers.models import Subscriber, new_subscriber, normalise_address
from incident_comms.subscribers.subscribe_pages import (
    Posted,
    SubscribeOutcome,
    SubscribePage,
    component_names,
    confirmation_email,
    form_page,
    page_context,
    refusal_page,
    render_page,
    sent_page,
)
from incident_comms.subscribers.subscribe_texts import SubscribeProblem, SubscribeRefusal, subscribe_texts
from incident_comms.subscribers.tokens import (
    ConfirmationProblem,
    ConfirmationRejected,
    confirmation_url,
    verify_confirmation_token,
)
from incident_comms.team.emails import EmailSender
from incident_comms.text import error_text
from incident_comms.web import BadForm, HttpRequest, LinkRefused
from incident_comms.web import FormProblem as ApprovalFormProblem

CONFIRMATION_INTERVAL = timedelta(minutes=15)
"""At most one confirmation email per address this often: enough for a person who mistyped, useless to a bomber."""
BUDGET_WINDOW = timedelta(hours=1)
CLIENT_BUDGET = 10
"""Confirmation emails one client (source IP) may cause per :data:`BUDGET_WINDOW`: a family behind one router
subscribes comfortably; one script cycling addresses stops after ten."""
GLOBAL_BUDGET = 300
"""Confirmation emails the whole form may cause per :data:`BUDGET_WINDOW`: a bomber cycling clients too cannot
spend the SES reputation (or a sandbox's 200 a day) on strangers' inboxes."""
MAX_SUBSCRIBE_FORM_BYTES = 8 * 1024
"""An address, every component of a plan (SES allows 20 topics) and a locale stay far below this."""
FORM_FIELDS = frozenset({"email", "component", "locale"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRUSTED_FETCH_SITES = ("same-origin", "none")
FINGERPRINT_CHARS = 16


class ConfirmationLimiter(Protocol):
    """Remembers, per address, when a confirmation email last went out."""

    def claim(self, email: str, now: datetime) -> bool:
        """Take the right to email ``email`` a confirmation at ``now``; False when one went out less than the
        limiter's interval ago (nothing is changed then)."""
        ...

    def release(self, email: str, now: datetime) -> None:
        """Give back the claim made at ``now``: the email could not be sent, so the person may try again at once."""
        ...

    def admit(self, client: str | None, now: datetime) -> bool:
        """Take one confirmation email from ``client``'s budget and from the form's whole budget for the window
        ``now`` falls in (:data:`CLIENT_BUDGET`, :data:`GLOBAL_BUDGET` per :data:`BUDGET_WINDOW`); False when
        either is spent."""
        ...


def address_fingerprint(email: str) -> str:
    """What logs say instead of an address: the same person's requests correlate, the address is not written."""
    return hashlib.sha256(email.encode("utf-8")).hexdigest()[:FINGERPRINT_CHARS]


class _Refused(Exception):
    def __init__(self, refusal: SubscribeRefusal, problem: SubscribeProblem | None = None) -> None:
        self.refusal = refusal
        self.problem = problem
        super().__init__(refusal.value if problem is None else f"{refusal.value}: {problem.value}")


# --- the use cases ---------------------------------------------------------------------------------------------


def show_form(plan: Plan, locale: str | None = None) -> SubscribePage:
    """``GET /subscribe``: the form, in ``locale`` when the plan has it (``?locale=en``), else the main locale."""
    chosen = locale if locale in plan.definition.locales else plan.main_locale
    return form_page(plan, HTTPStatus.OK, Posted(locale=chosen), None, SubscribeOutcome.FORM_SHOWN)


def request_subscription(
    request: HttpRequest,
    plan: Plan,
    sender: EmailSender,
    limiter: ConfirmationLimiter,
    key: bytes,
    base_url: str,
    now: datetime,
) -> SubscribePage:
    """``POST /subscribe``: refuse another site's form (403), an oversized (413) or bad (400) one; else email a
    confirmation link to the address, at most once per :data:`CONFIRMATION_INTERVAL`, and answer "check your
    inbox" either way — also once the client's or the form's hourly budget is spent, so a script learns
    nothing from the answer. A send that fails answers 503 and gives the limiter its claim back."""
    if not base_url:
        raise RuntimeError("APPROVALS_BASE_URL is not set: the confirmation link would point nowhere")
    posted = Posted(locale=plan.main_locale)
    try:
        if is_foreign_origin(request, plan):
            raise _Refused(SubscribeRefusal.CROSS_SITE)
        form = _read_form(request)
        posted = _posted(plan, form)
        _check_fields(plan, form, posted)
        subscriber = _subscriber(plan, posted)
    except _Refused as refused:
        if refused.refusal == SubscribeRefusal.BAD_FORM:
            return form_page(plan, HTTPStatus.BAD_REQUEST, posted, refused.problem, SubscribeOutcome.REFUSED)
        return refusal_page(plan, posted.locale, refused.refusal, refused.problem)
    fingerprint = address_fingerprint(subscriber.email)
    if not limiter.admit(request.meta.source_ip, now) or not limiter.claim(subscriber.email, now):
        return sent_page(plan, subscriber.locale, SubscribeOutcome.CONFIRMATION_LIMITED, fingerprint)
    try:
        sender.send(confirmation_email(plan, subscriber, confirmation_url(base_url, subscriber, key, now)))
    except Exception as error:  # noqa: BLE001 - any refusal is answered 503, logged and counted by the caller
        limiter.release(subscriber.email, now)
        page = refusal_page(plan, subscriber.locale, SubscribeRefusal.UNAVAILABLE, None, fingerprint)
        return replace(page, error=error_text(error).replace(subscriber.email, "<address>"))
    return sent_page(plan, subscriber.locale, SubscribeOutcome.CONFIRMATION_SENT, fingerprint)


def show_confirmation(plan: Plan, token: str, key: bytes, now: datetime) -> SubscribePage:
    """``GET``/``HEAD /subscribe/confirm/{token}``: a button for a genuine link (404 forged, 410 expired); reads
    nothing, changes nothing."""
    try:
        subscriber = _confirmed(plan, token, key, now)
    except _Refused as refused:
        return refusal_page(plan, plan.main_locale, refused.refusal)
    texts = subscribe_texts(plan, subscriber.locale)
    context = page_context(plan, subscriber.locale, texts["confirm_title"], texts["confirm_lead"])
    context["confirm"] = {
        "address": texts["confirm_address"].format(email=subscriber.email),
        "components": component_names(plan, subscriber.components, subscriber.locale),
        "button": texts["confirm_button"],
    }
    return SubscribePage(
        int(HTTPStatus.OK),
        render_page(context),
        SubscribeOutcome.CONFIRM_SHOWN,
        address_fingerprint=address_fingerprint(subscriber.email),
    )


def confirm_subscription(
    request: HttpRequest, plan: Plan, directory: SubscriberDirectory, token: str, key: bytes, now: datetime
) -> SubscribePage:
    """``POST /subscribe/confirm/{token}``: subscribe the link's subscriber, undoing an earlier unsubscribe (it is
    their own request now). Repeating it answers the same page (the directory merges, never duplicates)."""
    try:
        if request.is_cross_site():
            raise _Refused(SubscribeRefusal.CROSS_SITE)
        subscriber = _confirmed(plan, token, key, now)
    except _Refused as refused:
        return refusal_page(plan, plan.main_locale, refused.refusal)
    added = directory.add(subscriber, resubscribe=True)
    texts = subscribe_texts(plan, subscriber.locale)
    context = page_context(plan, subscriber.locale, texts["subscribed_title"], texts["subscribed_lead"])
    return SubscribePage(
        int(HTTPStatus.OK),
        render_page(context),
        SubscribeOutcome.SUBSCRIBED,
        address_fingerprint=address_fingerprint(subscriber.email),
        added=added,
    )


# --- origin, form and link checks ------------------------------------------------------------------------------


def _origin_parts(url: str) -> tuple[str, str, int | None] | None:
    """``(scheme, host, port)`` of an origin or URL, the port defaulted by scheme; None when it has no host."""
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return scheme, parts.hostname, port


def is_foreign_origin(request: HttpRequest, plan: Plan) -> bool:
    """Whether a POST /subscribe comes from a page that is neither ours nor the status page.

    An ``Origin`` other than ``null`` decides: the status page's origin (the plan's ``status_page_url``) and the
    API's own host are accepted, anything else is refused. Without one (or ``null``: pages with
    ``Referrer-Policy: no-referrer`` send it), ``Sec-Fetch-Site`` decides when the browser sent it; a client that
    sends neither is no browser carrying someone else's form.
    """
    origin = request.headers.get("origin", "").strip()
    if origin and origin.lower() != "null":
        claimed = _origin_parts(origin)
        if claimed is None:
            return True
        status_page = _origin_parts(plan.definition.organisation.status_page_url or "")
        if status_page is not None and claimed == status_page:
            return False
        own = urlsplit(f"//{request.headers.get('host') or request.domain_name}")
        try:
            own_port = own.port or _DEFAULT_PORTS.get(claimed[0])
        except ValueError:
            return True
        return (claimed[1], claimed[2]) != ((own.hostname or "").lower(), own_port)
    fetch_site = request.headers.get("sec-fetch-site", "").strip().lower()
    return bool(fetch_site) and fetch_site not in _TRUSTED_FETCH_SITES


class UnreadableForm(Exception):
    """A subscriber's form that cannot be read: too large (``problem`` None), or not a UTF-8 form."""

    def __init__(self, problem: SubscribeProblem | None) -> None:
        self.problem = problem
        super().__init__(problem.value if problem else "too large")


def read_subscriber_form(request: HttpRequest) -> dict[str, list[str]]:
    """The posted fields of a subscriber's form (subscribe, manage), at most :data:`MAX_SUBSCRIBE_FORM_BYTES`;
    raises :class:`UnreadableForm` saying why not."""
    raw = request.body or ""
    size = len(raw) * 3 // 4 if request.is_base64_encoded else len(raw.encode("utf-8", "surrogatepass"))
    if size > MAX_SUBSCRIBE_FORM_BYTES:
        raise UnreadableForm(None)
    try:
        return request.form()
    except BadForm as bad:
        problem = SubscribeProblem.ENCODING if bad.problem == ApprovalFormProblem.ENCODING else None
        raise UnreadableForm(problem or SubscribeProblem.UNREADABLE) from None
    except LinkRefused:  # only TOO_LARGE is left, and the size check above came first
        raise UnreadableForm(None) from None


def _read_form(request: HttpRequest) -> dict[str, list[str]]:
    try:
        return read_subscriber_form(request)
    except UnreadableForm as unread:
        refusal = SubscribeRefusal.BAD_FORM if unread.problem else SubscribeRefusal.TOO_LARGE
        raise _Refused(refusal, unread.problem) from None


def _posted(plan: Plan, form: Mapping[str, Sequence[str]]) -> Posted:
    """The fields as posted, to show the form again with them; the locale to answer in is the posted one when the
    plan has it, else the main one."""
    locales = form.get("locale", [])
    locale = locales[0].strip() if locales else ""
    emails = form.get("email", [])
    return Posted(
        email=emails[0].strip()[:254] if emails else "",
        components=tuple(dict.fromkeys(value.strip() for value in form.get("component", []) if value.strip())),
        locale=locale if locale in plan.definition.locales else plan.main_locale,
    )


def _check_fields(plan: Plan, form: Mapping[str, Sequence[str]], posted: Posted) -> None:
    """One field at a time, so the page can say which is wrong (the plan's own check comes after)."""
    emails, locales = form.get("email", []), form.get("locale", [])
    locale = locales[0].strip() if locales else ""
    if set(form) - FORM_FIELDS:
        raise _Refused(SubscribeRefusal.BAD_FORM, SubscribeProblem.UNKNOWN_FIELD)
    if len(emails) > 1 or len(locales) > 1:
        raise _Refused(SubscribeRefusal.BAD_FORM, SubscribeProblem.REPEATED_FIELD)
    try:
        normalise_address(posted.email)
    except ValueError:
        raise _Refused(SubscribeRefusal.BAD_FORM, SubscribeProblem.EMAIL_INVALID) from None
    if not posted.components:
        raise _Refused(SubscribeRefusal.BAD_FORM, SubscribeProblem.NO_COMPONENT)
    known = {component.id for component in plan.definition.components}
    if any(component not in known for component in posted.components):
        raise _Refused(SubscribeRefusal.BAD_FORM, SubscribeProblem.UNKNOWN_COMPONENT)
    if locale and locale not in plan.definition.locales:
        raise _Refused(SubscribeRefusal.BAD_FORM, SubscribeProblem.UNKNOWN_LOCALE)


def _subscriber(plan: Plan, posted: Posted) -> Subscriber:
    """The plan's own check (the audience is the locale's customer email channel's); what it still refuses is a
    locale no customer email channel is in."""
    try:
        return new_subscriber(plan, posted.email, list(posted.components), posted.locale)
    except BadInput:
        raise _Refused(SubscribeRefusal.BAD_FORM, SubscribeProblem.NOT_OFFERED) from None


def _confirmed(plan: Plan, token: str, key: bytes, now: datetime) -> Subscriber:
    """The genuine link's subscriber, checked again against today's plan (a component or channel may be gone)."""
    try:
        subscriber = verify_confirmation_token(token, key, now)
    except ConfirmationRejected as rejected:
        expired = rejected.problem == ConfirmationProblem.EXPIRED
        raise _Refused(SubscribeRefusal.EXPIRED_LINK if expired else SubscribeRefusal.INVALID_LINK) from None
    try:
        return new_subscriber(
            plan, subscriber.email, list(subscriber.components), subscriber.locale, subscriber.audience
        )
    except BadInput:
        raise _Refused(SubscribeRefusal.EXPIRED_LINK) from None


# --- logs and metrics ------------------------------------------------------------------------------------------

_OUTCOME_METRIC = {
    SubscribeOutcome.FORM_SHOWN: "SubscribePagesShown",
    SubscribeOutcome.CONFIRM_SHOWN: "SubscribePagesShown",
    SubscribeOutcome.CONFIRMATION_SENT: "SubscriptionConfirmationsSent",
    SubscribeOutcome.CONFIRMATION_LIMITED: "SubscriptionConfirmationsLimited",
    SubscribeOutcome.SUBSCRIBED: "SubscriptionsConfirmed",
}


def record_subscribe_page(page: SubscribePage, logger: Logger, metrics: Metrics, unit: Any) -> None:
    """Log what a request did (an address fingerprint at most, never the address or a token) and count it.

    ``SubscribeRefused`` counts every refusal and ``SubscribeRefused<Reason>`` each reason; a limited request and
    a failed send are warnings, so abuse and SES trouble both show in the logs without showing on the page.
    """
    where = {"address_fingerprint": page.address_fingerprint}
    if page.refusal is not None:
        logger.warning(
            "subscribe request refused",
            extra={**where, "refusal": page.refusal.value, "reason": page.reason, "status": page.status},
        )
        if page.error is not None:
            logger.warning("subscription confirmation not sent", extra={**where, "error": page.error})
        metrics.add_metric(name="SubscribeRefused", unit=unit, value=1)
        name = "".join(part.capitalize() for part in page.refusal.value.split("_"))
        metrics.add_metric(name=f"SubscribeRefused{name}", unit=unit, value=1)
        return
    if page.outcome == SubscribeOutcome.CONFIRMATION_LIMITED:
        minutes = int(CONFIRMATION_INTERVAL.total_seconds() // 60)
        logger.warning(f"subscription confirmation limited: one was sent less than {minutes} minutes ago", extra=where)
    else:
        extra = {**where, "added": page.added.value} if page.added is not None else where
        logger.info(f"subscribe: {page.outcome.value}", extra=extra)
    metrics.add_metric(name=_OUTCOME_METRIC[page.outcome], unit=unit, value=1)
