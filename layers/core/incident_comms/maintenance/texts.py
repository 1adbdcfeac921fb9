"""The words of maintenance messages, per language: what customers read (the emails of each step) and what the team
reads (the approval request and its page). Spanish in *usted*, as every customer text; English plain."""

from __future__ import annotations

from typing import Any

from incident_comms.text import join_words

TEXTS: dict[str, dict[str, Any]] = {
    "es": {
        "subject": {
            "announce": "Mantenimiento programado: {title}",
            "start": "Mantenimiento en curso: {title}",
            "complete": "Mantenimiento completado: {title}",
            "cancel": "Mantenimiento cancelado: {title}",
        },
        "lead": {
            "announce": "Le avisamos de un mantenimiento programado que afecta a {components}.",
            "start": "Hemos empezado el mantenimiento programado de {components}.",
            "complete": "Hemos terminado el mantenimiento de {components}. Todo funciona con normalidad.",
            "cancel": "Hemos cancelado el mantenimiento previsto de {components}: no habrá ningún cambio en el "
            "servicio.",
        },
        "window": "Ventana prevista",
        "expected_end": "Fin previsto",
        "ended": "Terminó",
        "what_changes": "Cómo le afecta",
        "no_action": "No tiene que hacer nada.",
        "follow": "Puede seguir el estado en",
        "from_to": "del {start} al {end}",
        "and": "y",
        "team_subject": "Aprobar mantenimiento: {title}",
        "team_lead": "{by} ha programado un mantenimiento. Nadie lo verá hasta que usted lo apruebe.",
        "team_notice": "Se avisará a los clientes por correo {notice} antes del inicio, en su horario de oficina.",
        "team_no_notice": "Ninguna audiencia recibe avisos por correo: solo lo mostrará la página de estado.",
        "approve": "Aprobar y programar",
        "open": "Revisar y aprobar",
        "page_title": "Mantenimiento programado",
        "components": "Componentes",
        "title": "Título",
        "details": "Detalles",
        "status": "Estado",
        "approved": "Aprobado. Se mostrará en la página de estado y se avisará a los clientes.",
        "already": "Este mantenimiento ya no espera aprobación (estado: {status}).",
        "refused": "Este enlace no es válido.",
        "expired": "Este enlace ha caducado.",
        "gone": "Este mantenimiento ya no existe.",
        "cross_site": "La petición no viene de esta página.",
        "confirm": "Confirme con el botón de la página.",
        "progress_subject": "Aprobar aviso a clientes: {subject}",
        "progress_lead": "{what} Los clientes recibirán este aviso cuando usted lo apruebe; la página de estado ya "
        "lo muestra.",
        "progress_what": {"start": "El mantenimiento ha empezado.", "complete": "El mantenimiento ha terminado."},
        "progress_button": "Enviar a los clientes",
        "progress_sent": "Aprobado: los clientes lo recibirán en unos minutos.",
        "progress_already": "Este aviso ya se aprobó y se envió.",
        "progress_stale": "Este aviso ya no corresponde: el mantenimiento está {status}.",
        "form_title": "Programar un mantenimiento",
        "form_lead": "Nadie lo verá hasta que un responsable de comunicación lo apruebe desde su correo.",
        "scheduling_as": "Programa: {recipient}",
        "form_components": "Componentes afectados",
        "form_start": "Inicio",
        "form_end": "Fin",
        "form_zone": "Horas de {zone}.",
        "form_title_label": "Título ({locale}): qué se hace, en una línea",
        "form_details_label": "Cómo afecta a los clientes ({locale}, opcional: en todos los idiomas o en ninguno)",
        "form_button": "Programar y pedir aprobación",
        "form_problems": "Corrija lo siguiente:",
        "form_done": "Programado: {maintenance_id}. Los aprobadores han recibido su enlace.",
        "form_bad_time": "la hora de {field} no es una fecha y hora",
        "not_allowed": "Su papel en el plan ya no le permite programar mantenimientos.",
    },
    "en": {
        "subject": {
            "announce": "Scheduled maintenance: {title}",
            "start": "Maintenance in progress: {title}",
            "complete": "Maintenance completed: {title}",
            "cancel": "Maintenance cancelled: {title}",
        },
        "lead": {
            "announce": "We are letting you know about scheduled maintenance on {components}.",
            "start": "We have started the scheduled maintenance on {components}.",
            "complete": "We have finished the maintenance on {components}. Everything is working normally.",
            "cancel": "We have cancelled the planned maintenance on {components}: nothing will change in the service.",
        },
        "window": "Planned window",
        "expected_end": "Expected end",
        "ended": "Ended",
        "what_changes": "How it affects you",
        "no_action": "You do not need to do anything.",
        "follow": "You can follow it on",
        "from_to": "from {start} to {end}",
        "and": "and",
        "team_subject": "Approve maintenance: {title}",
        "team_lead": "{by} has scheduled maintenance. Nobody will see it until you approve it.",
        "team_notice": "Customers will be emailed {notice} before it starts, within their office hours.",
        "team_no_notice": "No audience is emailed: only the status page will show it.",
        "approve": "Approve and schedule",
        "open": "Review and approve",
        "page_title": "Scheduled maintenance",
        "components": "Components",
        "title": "Title",
        "details": "Details",
        "status": "Status",
        "approved": "Approved. It will show on the status page and customers will be told.",
        "already": "This maintenance no longer awaits approval (status: {status}).",
        "refused": "This link is not valid.",
        "expired": "This link has expired.",
        "gone": "This maintenance no longer exists.",
        "cross_site": "The request does not come from this page.",
        "confirm": "Confirm with the page's button.",
        "progress_subject": "Approve customer notice: {subject}",
        "progress_lead": "{what} Customers will get this notice when you approve it; the status page already shows it.",
        "progress_what": {"start": "The maintenance has started.", "complete": "The maintenance has finished."},
        "progress_button": "Send to customers",
        "progress_sent": "Approved: customers will get it within minutes.",
        "progress_already": "This notice was already approved and sent.",
        "progress_stale": "This notice no longer applies: the maintenance is {status}.",
        "form_title": "Schedule maintenance",
        "form_lead": "Nobody will see it until a communications lead approves it from their email.",
        "scheduling_as": "Scheduling as {recipient}",
        "form_components": "Affected components",
        "form_start": "Start",
        "form_end": "End",
        "form_zone": "Times in {zone}.",
        "form_title_label": "Title ({locale}): what is done, in one line",
        "form_details_label": "How customers are affected ({locale}, optional: in every language or none)",
        "form_button": "Schedule and ask for approval",
        "form_problems": "Please correct:",
        "form_done": "Scheduled: {maintenance_id}. The approvers have their link.",
        "form_bad_time": "the {field} time is not a date and time",
        "not_allowed": "Your role in the plan no longer lets you schedule maintenance.",
    },
}


def texts_for(locale: str) -> dict[str, Any]:
    """The texts of ``locale`` (its language), English when we have none."""
    return TEXTS.get(locale.split("-")[0], TEXTS["en"])


def joined(items: list[str], locale: str) -> str:
    """``a, b y c`` / ``a, b and c``, in the locale's words."""
    return join_words(items, str(texts_for(locale)["and"]))
