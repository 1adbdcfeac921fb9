"""Use cases of the one-click unsubscribe link in every customer email (RFC 8058).

``GET`` and ``HEAD`` only show a page with a button: mail scanners fetch every link, and unsubscribing someone
because a scanner looked would be as wrong as approving a draft that way. ``POST`` unsubscribes: the page's
button, or the mail client's own one-click POST (``List-Unsubscribe=One-Click``), which comes from the mail
provider and carries no Origin, so unlike the approval forms it is not refused as cross-site: the signed token
naming the one address it may unsubscribe is the whole credential.

A page never says whether an address is on the list: a genuine link always answers "unsubscribed".
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from incident_comms.plan.models import Plan
from incident_comms.subscribers.directory import SubscriberDirectory
from incident_comms.subscribers.tokens import UnsubscribeRejected, unsubscribe, verify_unsubscribe_token
from incident_comms.team.emails import email_environment

_TEXTS: dict[str, dict[str, str]] = {
    "es": {
        "confirm_title": "Dejar de recibir avisos de incidentes",
        "confirm_lead": "Pulse el botón para dejar de recibir por correo los avisos de incidentes de {organisation}.",
        "button": "Darme de baja",
        "done_title": "Se ha dado de baja",
        "done_lead": "No recibirá más avisos de incidentes de {organisation} por correo. "
        "La página de estado sigue disponible cuando la necesite.",
        "invalid_title": "Este enlace no es válido",
        "invalid_lead": "Use el enlace del correo más reciente que haya recibido.",
    },
    "en": {
        "confirm_title": "Stop incident emails",
        "confirm_lead": "Press the button to stop receiving {organisation}'s incident emails.",
        "button": "Unsubscribe",
        "done_title": "You are unsubscribed",
        "done_lead": "You will get no more incident emails from {organisation}. "
        "The status page is still there whenever you need it.",
        "invalid_title": "This link is not valid",
        "invalid_lead": "Use the link in the most recent email you received.",
    },
}


@dataclass(frozen=True)
class UnsubscribePage:
    status: int
    html: str
    unsubscribed: bool = False
    refused: bool = False


def show_unsubscribe(plan: Plan, token: str, key: bytes) -> UnsubscribePage:
    """The page of a link (GET, HEAD): a button for a genuine link, a 404 for anything else; never acts."""
    try:
        verify_unsubscribe_token(token, key)
    except UnsubscribeRejected:
        return _page(plan, HTTPStatus.NOT_FOUND, "invalid", refused=True)
    return _page(plan, HTTPStatus.OK, "confirm", form=True)


def confirm_unsubscribe(plan: Plan, directory: SubscriberDirectory, token: str, key: bytes) -> UnsubscribePage:
    """The POST of a link: unsubscribe the address it names (if on the list; the answer is the same either way)."""
    try:
        unsubscribe(directory, token, key)
    except UnsubscribeRejected:
        return _page(plan, HTTPStatus.NOT_FOUND, "invalid", refused=True)
    return _page(plan, HTTPStatus.OK, "done", unsubscribed=True)


def _page(plan: Plan, status: int, kind: str, *, form: bool = False, **flags: bool) -> UnsubscribePage:
    locale = plan.main_locale
    texts = _TEXTS.get(locale.split("-")[0], _TEXTS["en"])
    organisation = plan.definition.organisation
    context: dict[str, Any] = {
        "locale": locale,
        "title": texts[f"{kind}_title"],
        "lead": texts[f"{kind}_lead"].format(organisation=organisation.name),
        "button": texts["button"] if form else None,
        "status_page_url": organisation.status_page_url,
    }
    html = email_environment().get_template("unsubscribe.html.j2").render(context)
    return UnsubscribePage(int(status), html, **flags)
