"""The wording of the pages a subscriber reaches from their own emails (unsubscribe, undo, manage), in Spanish
(usted) and English, and the fixed words for why such a request was not acted on.

:class:`SubscriptionRefusal` is logged as it is and shown to the person in their words; each has one HTTP status
(:data:`REFUSAL_STATUS`). What is wrong with a posted manage form reuses the subscribe form's
:class:`~incident_comms.subscribers.subscribe_texts.SubscribeProblem` and its words. :func:`manage_texts` always
answers: a locale we have no words for falls back to the plan's main one, then English.
"""

from __future__ import annotations

from enum import StrEnum
from http import HTTPStatus
from typing import Any

from incident_comms.plan.models import Plan


class SubscriptionRefusal(StrEnum):
    """Why an unsubscribe, undo or manage request was not acted on."""

    BAD_FORM = "bad_form"
    CROSS_SITE = "cross_site"
    TOO_LARGE = "too_large"
    INVALID_LINK = "invalid_link"
    EXPIRED_LINK = "expired_link"
    USED = "used"
    """An undo link already used: one undo per unsubscribe."""
    NOT_SUBSCRIBED = "not_subscribed"
    """The list does not hold the address (an operator removed it), or it unsubscribed: nothing to change."""
    UNAVAILABLE = "unavailable"
    """SES (or the table) did not answer in time: nothing was changed, the person may try again."""


REFUSAL_STATUS: dict[SubscriptionRefusal, HTTPStatus] = {
    SubscriptionRefusal.BAD_FORM: HTTPStatus.BAD_REQUEST,
    SubscriptionRefusal.CROSS_SITE: HTTPStatus.FORBIDDEN,
    SubscriptionRefusal.TOO_LARGE: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    SubscriptionRefusal.INVALID_LINK: HTTPStatus.NOT_FOUND,
    SubscriptionRefusal.EXPIRED_LINK: HTTPStatus.GONE,
    SubscriptionRefusal.USED: HTTPStatus.CONFLICT,
    SubscriptionRefusal.NOT_SUBSCRIBED: HTTPStatus.CONFLICT,
    SubscriptionRefusal.UNAVAILABLE: HTTPStatus.SERVICE_UNAVAILABLE,
}


_TEXTS: dict[str, dict[str, Any]] = {
    "es": {
        "unsubscribe_title": "Dejar de recibir avisos de incidentes",
        "unsubscribe_lead": "Pulse el botón para que la dirección {email} deje de recibir por correo los "
        "avisos de incidentes de {organisation}.",
        "unsubscribe_button": "Darme de baja",
        "unsubscribed_title": "Se ha dado de baja",
        "unsubscribed_lead": "La dirección {email} no recibirá más avisos de incidentes de {organisation} por "
        "correo. La página de estado sigue disponible cuando la necesite.",
        "undo_offer": "¿Ha sido un error? Puede deshacerlo durante las próximas {hours} horas.",
        "undo_button": "Volver a suscribirme",
        "undo_title": "Volver a suscribirse",
        "undo_lead": "Pulse el botón para que la dirección {email} vuelva a recibir los avisos de incidentes "
        "de {organisation} sobre:",
        "resubscribed_title": "Ha vuelto a suscribirse",
        "resubscribed_lead": "La dirección {email} volverá a recibir los avisos de incidentes de {organisation} sobre:",
        "manage_title": "Su suscripción",
        "manage_lead": "Avisos de incidentes de {organisation} para la dirección {email}. Elija los servicios y el "
        "idioma.",
        "components_label": "Servicios",
        "locale_label": "Idioma de los avisos",
        "save_button": "Guardar los cambios",
        "saved_title": "Cambios guardados",
        "saved_lead": "La dirección {email} recibirá los avisos de incidentes de {organisation}, en {language}, sobre:",
        "languages": {"es": "español", "en": "inglés", "pt": "portugués", "fr": "francés", "de": "alemán"},
        "refusals": {
            SubscriptionRefusal.BAD_FORM: ("Revise el formulario", "No se ha cambiado nada."),
            SubscriptionRefusal.CROSS_SITE: ("Solicitud rechazada", "El formulario no se envió desde esta página."),
            SubscriptionRefusal.TOO_LARGE: ("El formulario es demasiado grande", "No se ha cambiado nada."),
            SubscriptionRefusal.INVALID_LINK: (
                "Este enlace no es válido",
                "Use el enlace del correo más reciente que haya recibido.",
            ),
            SubscriptionRefusal.EXPIRED_LINK: (
                "Este enlace ha caducado",
                "Use el enlace de un correo más reciente, o suscríbase de nuevo desde la página de estado.",
            ),
            SubscriptionRefusal.USED: ("La baja ya se deshizo", "No hay nada más que hacer."),
            SubscriptionRefusal.NOT_SUBSCRIBED: (
                "Esta dirección no está suscrita",
                "No se ha cambiado nada. Puede suscribirse desde la página de estado.",
            ),
            SubscriptionRefusal.UNAVAILABLE: (
                "No se ha podido completar",
                "No se ha cambiado nada. Inténtelo de nuevo dentro de unos minutos.",
            ),
        },
    },
    "en": {
        "unsubscribe_title": "Stop incident emails",
        "unsubscribe_lead": "Press the button to stop {organisation}'s incident emails to {email}.",
        "unsubscribe_button": "Unsubscribe",
        "unsubscribed_title": "You are unsubscribed",
        "unsubscribed_lead": "{email} will get no more incident emails from {organisation}. The status page is still "
        "there whenever you need it.",
        "undo_offer": "Was it a mistake? You can undo it within the next {hours} hours.",
        "undo_button": "Subscribe me again",
        "undo_title": "Subscribe again",
        "undo_lead": "Press the button to get {organisation}'s incident emails at {email} again, about:",
        "resubscribed_title": "You are subscribed again",
        "resubscribed_lead": "{email} will get {organisation}'s incident emails again, about:",
        "manage_title": "Your subscription",
        "manage_lead": "{organisation}'s incident emails for {email}. Choose the services and the language.",
        "components_label": "Services",
        "locale_label": "Language of the emails",
        "save_button": "Save changes",
        "saved_title": "Changes saved",
        "saved_lead": "{email} will get {organisation}'s incident emails, in {language}, about:",
        "languages": {"es": "Spanish", "en": "English", "pt": "Portuguese", "fr": "French", "de": "German"},
        "refusals": {
            SubscriptionRefusal.BAD_FORM: ("Please check the form", "Nothing was changed."),
            SubscriptionRefusal.CROSS_SITE: ("Request refused", "The form was not sent from this page."),
            SubscriptionRefusal.TOO_LARGE: ("The form is too large", "Nothing was changed."),
            SubscriptionRefusal.INVALID_LINK: (
                "This link is not valid",
                "Use the link in the most recent email you received.",
            ),
            SubscriptionRefusal.EXPIRED_LINK: (
                "This link has expired",
                "Use the link in a more recent email, or subscribe again from the status page.",
            ),
            SubscriptionRefusal.USED: ("Already undone", "There is nothing left to do."),
            SubscriptionRefusal.NOT_SUBSCRIBED: (
                "This address is not subscribed",
                "Nothing was changed. You can subscribe from the status page.",
            ),
            SubscriptionRefusal.UNAVAILABLE: (
                "This could not be done right now",
                "Nothing was changed. Please try again in a few minutes.",
            ),
        },
    },
}


def manage_texts(plan: Plan, locale: str) -> dict[str, Any]:
    """The wording in ``locale``; a locale we have no words for falls back to the plan's main one, then English."""
    for candidate in (locale, locale.split("-")[0], plan.main_locale, plan.main_locale.split("-")[0]):
        if candidate in _TEXTS:
            return _TEXTS[candidate]
    return _TEXTS["en"]
