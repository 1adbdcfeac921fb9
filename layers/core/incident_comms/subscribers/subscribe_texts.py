"""The subscribe form's wording, in Spanish and English, and the fixed words for what can go wrong with a request.

:class:`SubscribeProblem` (what is wrong with a posted form) and :class:`SubscribeRefusal` (why a request was not
acted on) are logged as they are and shown to the person in their words. :func:`subscribe_texts` always answers:
a locale we have no words for falls back to the plan's main one, then English.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from incident_comms.plan.models import Plan


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
