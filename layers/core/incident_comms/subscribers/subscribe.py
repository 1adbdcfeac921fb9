"""Use cases of the subscribe form with double opt-in: customers subscribe themselves, and only the owner of the
address can make it so.

- ``GET /subscribe`` (:func:`show_form`) shows the form on the API's own origin; the status page carries the same
  form, posting here.
- ``POST /subscribe`` (:func:`request_subscription`) checks the form against the plan
  (:func:`incident_comms.subscribers.new_subscriber`) and only *emails a confirmation link*; it subscribes
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
the email render from package templates with autoescaping, so nothing a visitor typed can become markup.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import urlsplit

from incident_comms.errors import BadInput
from incident_comms.observability import Logger, Metrics
from incident_comms.plan.models import Plan, localized
from incident_comms.subscribers.directory import (
    DEFAULT_CONFIRMATION_EXPIRY,
    Added,
    ConfirmationProblem,
    ConfirmationRejected,
    Subscriber,
    SubscriberDirectory,
    confirmation_url,
    new_subscriber,
    normalise_address,
    verify_confirmation_token,
)
from incident_comms.team.emails import Email, EmailSender, email_environment
from incident_comms.text import error_text
from incident_comms.web import BadForm, HttpRequest, LinkRefused
from incident_comms.web import FormProblem as ApprovalFormProblem

CONFIRMATION_INTERVAL = timedelta(minutes=15)
"""At most one confirmation email per address this often: enough for a person who mistyped, useless to a bomber."""
MAX_SUBSCRIBE_FORM_BYTES = 8 * 1024
"""An address, every component of a plan (SES allows 20 topics) and a locale stay far below this."""
FORM_FIELDS = frozenset({"email", "component", "locale"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRUSTED_FETCH_SITES = ("same-origin", "none")
_LANGUAGE_NAMES = {"es": "Español", "en": "English", "pt": "Português", "fr": "Français", "de": "Deutsch"}
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


class SubscribeProblem(StrEnum):
    """What is wrong with a posted subscribe form: logged as is, shown to the person in their words."""

    UNREADABLE = "unreadable"
    ENCODING = "encoding"
    UNKNOWN_FIELD = "unknown_field"
    REPEATED_FIELD = "repeated_field"
    EMAIL_INVALID = "email_invalid"
    NO_COMPONENT = "no_component"
    UNKNOWN_COMPONENT = "unknown_component"
    UNKNOWN_LOCALE = "unknown_locale"
    NOT_OFFERED = "not_offered"
    """Valid fields, but the plan emails nobody in that locale: :func:`new_subscriber` refused it."""


class SubscribeRefusal(StrEnum):
    """Why a request was not acted on; each has one HTTP status."""

    BAD_FORM = "bad_form"
    CROSS_SITE = "cross_site"
    TOO_LARGE = "too_large"
    UNAVAILABLE = "unavailable"
    """The confirmation email could not be sent (SES refused or failed): the person should try again."""
    INVALID_LINK = "invalid_link"
    EXPIRED_LINK = "expired_link"
    """Expired, or the plan no longer offers what the link subscribes to."""


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


_TEXTS: dict[str, dict[str, Any]] = {
    "es": {
        "form_title": "Avisos de incidentes de {organisation}",
        "form_lead": "Reciba por correo los avisos de incidentes de los servicios que elija. Primero le enviaremos "
        "un correo para confirmar que la dirección es suya.",
        "email_label": "Correo electrónico",
        "components_label": "Servicios",
        "locale_label": "Idioma de los avisos",
        "subscribe_button": "Suscribirme",
        "sent_title": "Revise su correo",
        "sent_lead": "Si la dirección es correcta, recibirá un correo con un enlace para confirmar la suscripción. "
        "El enlace caduca en {hours} horas. Si no lo ve, mire en la carpeta de correo no deseado.",
        "confirm_title": "Confirme su suscripción",
        "confirm_lead": "Pulse el botón para recibir por correo los avisos de incidentes de {organisation} sobre:",
        "confirm_address": "Dirección: {email}",
        "confirm_button": "Confirmar la suscripción",
        "subscribed_title": "Suscripción confirmada",
        "subscribed_lead": "Recibirá por correo los avisos de incidentes de {organisation} sobre los servicios "
        "elegidos. Cada correo trae un enlace para darse de baja.",
        "refusals": {
            SubscribeRefusal.BAD_FORM: ("Revise el formulario", "No se ha enviado nada."),
            SubscribeRefusal.CROSS_SITE: (
                "Solicitud rechazada",
                "El formulario no se envió desde la página de estado.",
            ),
            SubscribeRefusal.TOO_LARGE: ("El formulario es demasiado grande", "No se ha enviado nada."),
            SubscribeRefusal.UNAVAILABLE: (
                "No se ha podido enviar el correo",
                "Inténtelo de nuevo dentro de unos minutos.",
            ),
            SubscribeRefusal.INVALID_LINK: (
                "Este enlace no es válido",
                "Compruebe que ha abierto el enlace completo del correo, o suscríbase de nuevo desde la página de "
                "estado.",
            ),
            SubscribeRefusal.EXPIRED_LINK: (
                "Este enlace ha caducado",
                "Suscríbase de nuevo desde la página de estado.",
            ),
        },
        "problems": {
            SubscribeProblem.UNREADABLE: "El formulario no se puede leer.",
            SubscribeProblem.ENCODING: "El formulario no llegó como un formulario web.",
            SubscribeProblem.UNKNOWN_FIELD: "El formulario trae un campo que no esperamos.",
            SubscribeProblem.REPEATED_FIELD: "El formulario repite un campo.",
            SubscribeProblem.EMAIL_INVALID: "Escriba una dirección de correo válida.",
            SubscribeProblem.NO_COMPONENT: "Elija al menos un servicio.",
            SubscribeProblem.UNKNOWN_COMPONENT: "Uno de los servicios elegidos no existe.",
            SubscribeProblem.UNKNOWN_LOCALE: "Elija uno de los idiomas de la lista.",
            SubscribeProblem.NOT_OFFERED: "No enviamos avisos por correo en ese idioma.",
        },
        "email_subject": "Confirme su suscripción a los avisos de {organisation}",
        "email_intro": "Alguien, esperamos que usted, ha pedido recibir en esta dirección los avisos de incidentes "
        "de {organisation} sobre:",
        "email_action": "Para confirmarlo, abra este enlace y pulse el botón «Confirmar la suscripción»:",
        "email_button": "Confirmar la suscripción",
        "email_expiry": "El enlace caduca en {hours} horas.",
        "email_ignore": "Si no lo ha pedido usted, ignore este correo: sin su confirmación no le enviaremos nada.",
    },
    "en": {
        "form_title": "{organisation} incident emails",
        "form_lead": "Get incident updates by email for the services you choose. We first send you an email to "
        "confirm the address is yours.",
        "email_label": "Email address",
        "components_label": "Services",
        "locale_label": "Language of the emails",
        "subscribe_button": "Subscribe",
        "sent_title": "Check your inbox",
        "sent_lead": "If the address is right, you will get an email with a link to confirm the subscription. "
        "The link expires in {hours} hours. If you do not see it, look in your spam folder.",
        "confirm_title": "Confirm your subscription",
        "confirm_lead": "Press the button to get {organisation}'s incident emails about:",
        "confirm_address": "Address: {email}",
        "confirm_button": "Confirm subscription",
        "subscribed_title": "Subscription confirmed",
        "subscribed_lead": "You will get {organisation}'s incident emails about the services you chose. Every "
        "email has a link to unsubscribe.",
        "refusals": {
            SubscribeRefusal.BAD_FORM: ("Please check the form", "Nothing was sent."),
            SubscribeRefusal.CROSS_SITE: ("Request refused", "The form was not sent from the status page."),
            SubscribeRefusal.TOO_LARGE: ("The form is too large", "Nothing was sent."),
            SubscribeRefusal.UNAVAILABLE: ("The email could not be sent", "Please try again in a few minutes."),
            SubscribeRefusal.INVALID_LINK: (
                "This link is not valid",
                "Check that you opened the whole link from the email, or subscribe again from the status page.",
            ),
            SubscribeRefusal.EXPIRED_LINK: ("This link has expired", "Subscribe again from the status page."),
        },
        "problems": {
            SubscribeProblem.UNREADABLE: "The form cannot be read.",
            SubscribeProblem.ENCODING: "The form did not arrive as a web form.",
            SubscribeProblem.UNKNOWN_FIELD: "The form has a field we do not expect.",
            SubscribeProblem.REPEATED_FIELD: "The form repeats a field.",
            SubscribeProblem.EMAIL_INVALID: "Enter a valid email address.",
            SubscribeProblem.NO_COMPONENT: "Choose at least one service.",
            SubscribeProblem.UNKNOWN_COMPONENT: "One of the chosen services does not exist.",
            SubscribeProblem.UNKNOWN_LOCALE: "Choose one of the listed languages.",
            SubscribeProblem.NOT_OFFERED: "We send no incident emails in that language.",
        },
        "email_subject": "Confirm your subscription to {organisation}'s incident emails",
        "email_intro": "Someone, hopefully you, asked to get {organisation}'s incident emails at this address about:",
        "email_action": "To confirm, open this link and press the “Confirm subscription” button:",
        "email_button": "Confirm subscription",
        "email_expiry": "The link expires in {hours} hours.",
        "email_ignore": "If it was not you, ignore this email: without your confirmation we send you nothing.",
    },
}


def subscribe_texts(plan: Plan, locale: str) -> dict[str, Any]:
    """The wording in ``locale``; a locale we have no words for falls back to the plan's main one, then English."""
    for candidate in (locale, locale.split("-")[0], plan.main_locale, plan.main_locale.split("-")[0]):
        if candidate in _TEXTS:
            return _TEXTS[candidate]
    return _TEXTS["en"]


def address_fingerprint(email: str) -> str:
    """What logs say instead of an address: the same person's requests correlate, the address is not written."""
    return hashlib.sha256(email.encode("utf-8")).hexdigest()[:FINGERPRINT_CHARS]


# --- what the use cases answer ---------------------------------------------------------------------------------


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


class _Refused(Exception):
    def __init__(self, refusal: SubscribeRefusal, problem: SubscribeProblem | None = None) -> None:
        self.refusal = refusal
        self.problem = problem
        super().__init__(refusal.value if problem is None else f"{refusal.value}: {problem.value}")


@dataclass(frozen=True)
class _Posted:
    """The posted fields as given (for showing the form again) and the locale to answer in."""

    email: str = ""
    components: tuple[str, ...] = ()
    locale: str = ""


# --- the use cases ---------------------------------------------------------------------------------------------


def show_form(plan: Plan, locale: str | None = None) -> SubscribePage:
    """``GET /subscribe``: the form, in ``locale`` when the plan has it (``?locale=en``), else the main locale."""
    chosen = locale if locale in plan.definition.locales else plan.main_locale
    return _form_page(plan, HTTPStatus.OK, _Posted(locale=chosen), None, SubscribeOutcome.FORM_SHOWN)


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
    inbox" either way. A send that fails answers 503 and gives the limiter its claim back."""
    if not base_url:
        raise RuntimeError("APPROVALS_BASE_URL is not set: the confirmation link would point nowhere")
    posted = _Posted(locale=plan.main_locale)
    try:
        if is_foreign_origin(request, plan):
            raise _Refused(SubscribeRefusal.CROSS_SITE)
        form = _read_form(request)
        posted = _posted(plan, form)
        _check_fields(plan, form, posted)
        subscriber = _subscriber(plan, posted)
    except _Refused as refused:
        if refused.refusal == SubscribeRefusal.BAD_FORM:
            return _form_page(plan, HTTPStatus.BAD_REQUEST, posted, refused.problem, SubscribeOutcome.REFUSED)
        return _refusal_page(plan, posted.locale, refused.refusal, refused.problem)
    fingerprint = address_fingerprint(subscriber.email)
    if not limiter.claim(subscriber.email, now):
        return _sent_page(plan, subscriber.locale, SubscribeOutcome.CONFIRMATION_LIMITED, fingerprint)
    try:
        sender.send(confirmation_email(plan, subscriber, confirmation_url(base_url, subscriber, key, now)))
    except Exception as error:  # noqa: BLE001 - any refusal is answered 503, logged and counted by the caller
        limiter.release(subscriber.email, now)
        page = _refusal_page(plan, subscriber.locale, SubscribeRefusal.UNAVAILABLE, None, fingerprint)
        return replace(page, error=error_text(error).replace(subscriber.email, "<address>"))
    return _sent_page(plan, subscriber.locale, SubscribeOutcome.CONFIRMATION_SENT, fingerprint)


def show_confirmation(plan: Plan, token: str, key: bytes, now: datetime) -> SubscribePage:
    """``GET``/``HEAD /subscribe/confirm/{token}``: a button for a genuine link (404 forged, 410 expired); reads
    nothing, changes nothing."""
    try:
        subscriber = _confirmed(plan, token, key, now)
    except _Refused as refused:
        return _refusal_page(plan, plan.main_locale, refused.refusal)
    texts = subscribe_texts(plan, subscriber.locale)
    context = _context(plan, subscriber.locale, texts["confirm_title"], texts["confirm_lead"])
    context["confirm"] = {
        "address": texts["confirm_address"].format(email=subscriber.email),
        "components": _component_names(plan, subscriber.components, subscriber.locale),
        "button": texts["confirm_button"],
    }
    return SubscribePage(
        int(HTTPStatus.OK),
        _render(context),
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
        return _refusal_page(plan, plan.main_locale, refused.refusal)
    added = directory.add(subscriber, resubscribe=True)
    texts = subscribe_texts(plan, subscriber.locale)
    context = _context(plan, subscriber.locale, texts["subscribed_title"], texts["subscribed_lead"])
    return SubscribePage(
        int(HTTPStatus.OK),
        _render(context),
        SubscribeOutcome.SUBSCRIBED,
        address_fingerprint=address_fingerprint(subscriber.email),
        added=added,
    )


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
        "components": _component_names(plan, subscriber.components, subscriber.locale),
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


def _read_form(request: HttpRequest) -> dict[str, list[str]]:
    raw = request.body or ""
    size = len(raw) * 3 // 4 if request.is_base64_encoded else len(raw.encode("utf-8", "surrogatepass"))
    if size > MAX_SUBSCRIBE_FORM_BYTES:
        raise _Refused(SubscribeRefusal.TOO_LARGE)
    try:
        return request.form()
    except BadForm as bad:
        problem = SubscribeProblem.ENCODING if bad.problem == ApprovalFormProblem.ENCODING else None
        raise _Refused(SubscribeRefusal.BAD_FORM, problem or SubscribeProblem.UNREADABLE) from None
    except LinkRefused:  # only TOO_LARGE is left, and the size check above came first
        raise _Refused(SubscribeRefusal.TOO_LARGE) from None


def _posted(plan: Plan, form: Mapping[str, Sequence[str]]) -> _Posted:
    """The fields as posted, to show the form again with them; the locale to answer in is the posted one when the
    plan has it, else the main one."""
    locales = form.get("locale", [])
    locale = locales[0].strip() if locales else ""
    emails = form.get("email", [])
    return _Posted(
        email=emails[0].strip()[:254] if emails else "",
        components=tuple(dict.fromkeys(value.strip() for value in form.get("component", []) if value.strip())),
        locale=locale if locale in plan.definition.locales else plan.main_locale,
    )


def _check_fields(plan: Plan, form: Mapping[str, Sequence[str]], posted: _Posted) -> None:
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


def _subscriber(plan: Plan, posted: _Posted) -> Subscriber:
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


# --- rendering -------------------------------------------------------------------------------------------------


def _component_names(plan: Plan, components: Sequence[str], locale: str) -> list[str]:
    names = {component.id: component.name for component in plan.definition.components}
    return [localized(names[c], locale, plan.main_locale) if c in names else c for c in components]


def _context(plan: Plan, locale: str, title: str, lead: str) -> dict[str, Any]:
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


def _render(context: Mapping[str, Any]) -> str:
    return email_environment().get_template("subscribe_page.html.j2").render(context)


def _form_page(
    plan: Plan, status: int, posted: _Posted, problem: SubscribeProblem | None, outcome: SubscribeOutcome
) -> SubscribePage:
    texts = subscribe_texts(plan, posted.locale)
    context = _context(plan, posted.locale, texts["form_title"], texts["form_lead"])
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
        int(status), _render(context), outcome, refusal=refusal, reason=problem.value if problem else None
    )


def _sent_page(plan: Plan, locale: str, outcome: SubscribeOutcome, fingerprint: str) -> SubscribePage:
    """ "Check your inbox": the one answer to every valid request, sent or limited, subscribed or not."""
    texts = subscribe_texts(plan, locale)
    context = _context(plan, locale, texts["sent_title"], texts["sent_lead"])
    return SubscribePage(int(HTTPStatus.OK), _render(context), outcome, address_fingerprint=fingerprint)


def _refusal_page(
    plan: Plan,
    locale: str,
    refusal: SubscribeRefusal,
    problem: SubscribeProblem | None = None,
    fingerprint: str | None = None,
) -> SubscribePage:
    texts = subscribe_texts(plan, locale)
    title, lead = texts["refusals"][refusal]
    context = _context(plan, locale, title, lead)
    if problem is not None:
        context["problem"] = texts["problems"][problem]
    return SubscribePage(
        int(REFUSAL_STATUS[refusal]),
        _render(context),
        SubscribeOutcome.REFUSED,
        refusal=refusal,
        reason=problem.value if problem else None,
        address_fingerprint=fingerprint,
    )


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
