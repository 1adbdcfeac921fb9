"""The status page's own words, in Spanish and English, and the names of the languages it links to.

:func:`site_texts` answers a locale's words (the locale itself, else its language part: ``es-MX`` reads Spanish); a
plan locale without its own words falls back to English, so every page gets a complete set.
"""

from __future__ import annotations

from typing import Any

from incident_comms.plan.models import Phase

_TEXTS: dict[str, dict[str, Any]] = {
    "es": {
        "title": "Estado de {organisation}",
        "heading": "Estado del servicio",
        "all_ok": "Todos los servicios funcionan con normalidad.",
        "some_open": "Incidencias en curso: {count}.",
        "components": "Componentes",
        "operational": "Operativo",
        "open_incidents": "Incidencias en curso",
        "no_open": "No hay incidencias en curso.",
        "postmortems": "Análisis posteriores (postmortem)",
        "history": "Historial de los últimos {days} días",
        "no_history": "No ha habido incidencias en los últimos {days} días.",
        "component": "Componente",
        "severity": "Severidad",
        "started": "Inicio",
        "ended": "Fin",
        "duration": "Duración",
        "phase": "Fase",
        "updates": "Actualizaciones",
        "no_updates": "Aún no hay actualizaciones publicadas en este idioma.",
        "read_postmortem": "Leer el postmortem",
        "times_in": "Horas en {zone}.",
        "generated": "Página actualizada el {when}.",
        "feed": "Suscribirse (Atom)",
        "json": "Datos (JSON)",
        "support": "Ayuda",
        "languages": "Idioma",
        "subscribe_heading": "Recibir avisos por correo",
        "subscribe_lead": "Elija los servicios que le interesan. "
        "Le enviaremos un correo para confirmar la suscripción.",
        "subscribe_email": "Correo electrónico",
        "subscribe_components": "Servicios",
        "subscribe_button": "Suscribirme",
        "feed_title": "Estado de {organisation}: incidencias",
        "not_found_title": "Página no encontrada · Estado de {organisation}",
        "not_found_heading": "No encontramos esta página",
        "not_found_lead": "La dirección no corresponde a ninguna página del estado del servicio.",
        "not_found_home": "Ver el estado actual del servicio",
        "phases": {
            Phase.INVESTIGATING: "Investigando",
            Phase.IDENTIFIED: "Causa identificada",
            Phase.MONITORING: "En observación",
            Phase.UPDATE: "Actualización",
            Phase.RESOLVED: "Resuelto",
            Phase.POSTMORTEM: "Postmortem",
        },
    },
    "en": {
        "title": "{organisation} status",
        "heading": "Service status",
        "all_ok": "All services are operating normally.",
        "some_open": "Incidents in progress: {count}.",
        "components": "Components",
        "operational": "Operational",
        "open_incidents": "Incidents in progress",
        "no_open": "No incidents in progress.",
        "postmortems": "Postmortems",
        "history": "History of the last {days} days",
        "no_history": "No incidents in the last {days} days.",
        "component": "Component",
        "severity": "Severity",
        "started": "Started",
        "ended": "Ended",
        "duration": "Duration",
        "phase": "Phase",
        "updates": "Updates",
        "no_updates": "No updates published in this language yet.",
        "read_postmortem": "Read the postmortem",
        "times_in": "Times in {zone}.",
        "generated": "Page updated {when}.",
        "feed": "Subscribe (Atom)",
        "json": "Data (JSON)",
        "support": "Help",
        "languages": "Language",
        "subscribe_heading": "Get incident emails",
        "subscribe_lead": "Choose the services you care about. We will send you an email to confirm the subscription.",
        "subscribe_email": "Email address",
        "subscribe_components": "Services",
        "subscribe_button": "Subscribe",
        "feed_title": "{organisation} status: incidents",
        "not_found_title": "Page not found · {organisation} status",
        "not_found_heading": "We could not find this page",
        "not_found_lead": "This address is not a page of the service status site.",
        "not_found_home": "See the current service status",
        "phases": {
            Phase.INVESTIGATING: "Investigating",
            Phase.IDENTIFIED: "Identified",
            Phase.MONITORING: "Monitoring",
            Phase.UPDATE: "Update",
            Phase.RESOLVED: "Resolved",
            Phase.POSTMORTEM: "Postmortem",
        },
    },
}
"""The page's own words; a plan locale without its own falls back to English."""

LANGUAGE_NAMES = {"es": "Español", "en": "English", "pt": "Português", "fr": "Français", "de": "Deutsch"}


def site_texts(locale: str) -> dict[str, Any]:
    return _TEXTS.get(locale) or _TEXTS.get(locale.split("-")[0]) or _TEXTS["en"]
