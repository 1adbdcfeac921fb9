"""The approval pages' wording, in Spanish and English: the page, its forms, every refusal and every outcome.

One entry per refusal, form problem and outcome the use cases can answer, in each language, so no page ever shows
a key instead of a sentence; a team whose language is neither reads English. A refusal's wording is generic on
purpose: it says what happened to the link, never anything about the incident behind it.
"""

from __future__ import annotations

from typing import Any

from incident_comms.approvals.forms import (
    MAX_REASON_CHARS,
    MAX_SUBJECT_CHARS,
    MAX_TEXT_CHARS,
    MIN_OVERRIDE_REASON_CHARS,
)
from incident_comms.approvals.tokens import ApprovalAction
from incident_comms.plan.models import Plan
from incident_comms.web import FormProblem, Refusal

_FALLBACK_LOCALE = "en"


_TEXTS: dict[str, dict[str, Any]] = {
    "es": {
        "page_title": "Aprobación del mensaje",
        "deciding_as": "Decide como {recipient}, con el rol: {roles}.",
        "version": "Versión del borrador",
        "pending": "Falta la aprobación de",
        "approved_by": "Ya han aprobado",
        "nobody": "nadie todavía",
        "expires": "Este enlace es personal, sirve una sola vez y caduca el {expires}.",
        "approve_heading": "Aprobar",
        "approve_lead": "El borrador se publicará tal como se ve abajo, en todos sus canales, en cuanto hayan "
        "aprobado todos los roles que deben hacerlo.",
        "approve_button": "Aprobar y publicar",
        "edit_heading": "Corregir y aprobar",
        "edit_lead": "Corrija el texto de cada canal. Al guardar, la nueva versión queda aprobada en su nombre; "
        "si faltan otros roles, recibirán enlaces nuevos y los anteriores dejarán de servir.",
        "edit_button": "Guardar y aprobar",
        "reject_heading": "Rechazar",
        "reject_lead": "El borrador no se publicará. Explique por qué: quedará en el historial del incidente.",
        "reason": "Motivo",
        "reject_button": "Rechazar",
        "next_update": "Próxima actualización prometida",
        "promise_rule": "{due}. Si al publicarse ya ha pasado o faltan menos de {lead}, se promete de nuevo desde la "
        "publicación ({cadence} después, según el horario de cada audiencia) y el texto sale con la nueva hora.",
        "override_lead": "Este borrador tiene errores ({checks}). Si debe publicarse tal cual, explique por qué: el "
        "motivo y los errores quedarán en el historial del incidente.",
        "override_label": f"Motivo para aprobarlo con errores (al menos {MIN_OVERRIDE_REASON_CHARS} caracteres)",
        "edit_reason_label": "Motivo, si el texto sigue teniendo errores al guardarlo (entonces obligatorio, al menos "
        f"{MIN_OVERRIDE_REASON_CHARS} caracteres)",
        "certain_label": "Confirmo que la hora o el resultado de la solución que promete el texto son seguros",
        "other_actions": "Otras opciones con este mismo borrador",
        "actions": {
            ApprovalAction.APPROVE: "Aprobar sin cambios",
            ApprovalAction.EDIT: "Corregir el texto",
            ApprovalAction.REJECT: "Rechazar el borrador",
        },
        "refused": "No se ha hecho nada",
        "console": "Abrir la consola del incidente",
        "refusals": {
            Refusal.INVALID: ("Este enlace no es válido", "Compruebe que ha abierto el enlace completo del correo."),
            Refusal.EXPIRED: (
                "Este enlace ha caducado",
                "Los enlaces de aprobación caducan. Si el borrador sigue pendiente, use un correo más reciente.",
            ),
            Refusal.USED: ("Este enlace ya se ha usado", "Cada enlace sirve una sola vez; su decisión ya consta."),
            Refusal.SUPERSEDED: (
                "El borrador ha cambiado, use el enlace del correo más reciente",
                "Alguien ha corregido el texto después de que se enviara este enlace.",
            ),
            Refusal.REPLACED: (
                "Un mensaje más reciente ha sustituido a este",
                "Este borrador ya no se publicará. Ningún enlace suyo sirve ya; el mensaje nuevo tiene los suyos.",
            ),
            Refusal.OUTDATED: (
                "Ya se ha publicado un mensaje más reciente",
                "Este borrador es anterior a lo que ya se ha contado a los clientes, así que no se publicará. "
                "No se ha guardado nada.",
            ),
            Refusal.DECIDED: (
                "Este mensaje ya está decidido",
                "Ya se aprobó; no hace falta hacer nada más.",
            ),
            Refusal.REJECTED: (
                "Este borrador se rechazó",
                "No se ha enviado nada a los clientes. El siguiente mensaje se redacta desde la consola del incidente.",
            ),
            Refusal.ROLE_APPROVED: (
                "Su rol ya ha aprobado este borrador",
                "Falta la aprobación de otros roles; usted no tiene que hacer nada más.",
            ),
            Refusal.NOT_APPROVER: (
                "No puede decidir sobre este mensaje",
                "Su dirección no tiene ninguno de los roles que deben aprobarlo.",
            ),
            Refusal.BAD_FORM: ("No se ha podido leer el formulario", "Vuelva a abrir el enlace e inténtelo de nuevo."),
            Refusal.CROSS_SITE: ("Solicitud rechazada", "El formulario no se envió desde la página de aprobación."),
            Refusal.TOO_LARGE: ("El formulario es demasiado grande", "Acorte los textos e inténtelo de nuevo."),
            Refusal.BUSY: (
                "Demasiados cambios a la vez",
                "Otras personas están decidiendo sobre este mensaje. Vuelva a abrir el enlace.",
            ),
        },
        "problems": {
            FormProblem.UNREADABLE: "El formulario no se puede leer.",
            FormProblem.ENCODING: "El formulario no llegó como un formulario web.",
            FormProblem.UNKNOWN_FIELD: "El formulario trae un campo que esta acción no admite.",
            FormProblem.REPEATED_FIELD: "El formulario trae un campo repetido.",
            FormProblem.DECISION_MISMATCH: "La decisión del formulario no es la de este enlace.",
            FormProblem.NOT_CONFIRMED: "Confirme la decisión con el botón de la página.",
            FormProblem.REASON_MISSING: "Para rechazar hay que indicar el motivo.",
            FormProblem.REASON_TOO_LONG: f"El motivo no puede pasar de {MAX_REASON_CHARS} caracteres.",
            FormProblem.ERRORS_NEED_REASON: "El borrador tiene errores ({checks}). Para aprobarlo así hay que "
            f"escribir el motivo (al menos {MIN_OVERRIDE_REASON_CHARS} caracteres); si no, corríjalo. No se ha "
            "guardado nada y el enlace sigue sirviendo.",
            FormProblem.UNKNOWN_CHANNEL: "El formulario nombra un canal que este mensaje no tiene.",
            FormProblem.NO_SUBJECT_HERE: "El formulario trae un asunto para un canal que no lleva asunto.",
            FormProblem.SUBJECT_INVALID: f"Cada asunto es una sola línea de 1 a {MAX_SUBJECT_CHARS} caracteres.",
            FormProblem.TEXT_INVALID: f"Cada texto debe tener entre 1 y {MAX_TEXT_CHARS} caracteres.",
        },
        "recorded": "Decisión registrada",
        "incident": "Incidente",
        "done": {
            "published": "Aprobado: se ha pedido la publicación de la versión {version} en todos sus canales.",
            "waiting": "Su aprobación como {roles} consta. Falta la aprobación de: {pending}.",
            "edited_published": "Corregido y aprobado: se ha pedido la publicación de la versión {version}.",
            "edited_waiting": "Corrección guardada como versión {version} y aprobada como {roles}. Falta la "
            "aprobación de: {pending}; se les ha enviado un enlace nuevo.",
            "edited_waiting_unsent": "Corrección guardada como versión {version} y aprobada como {roles}. Falta la "
            "aprobación de: {pending}, pero no se les ha podido enviar el enlace nuevo: avíseles.",
            "rejected": "Rechazado: este borrador no se publicará. El motivo consta en el historial del incidente.",
        },
    },
    "en": {
        "page_title": "Message approval",
        "deciding_as": "You decide as {recipient}, in the role: {roles}.",
        "version": "Draft version",
        "pending": "Still to approve",
        "approved_by": "Already approved by",
        "nobody": "nobody yet",
        "expires": "This link is yours alone, works once and expires on {expires}.",
        "approve_heading": "Approve",
        "approve_lead": "The draft is published exactly as shown below, on every channel, as soon as every role "
        "that must approve it has.",
        "approve_button": "Approve and publish",
        "edit_heading": "Edit and approve",
        "edit_lead": "Correct each channel's text. Saving approves the new version in your name; roles still to "
        "approve get new links, and the earlier ones stop working.",
        "edit_button": "Save and approve",
        "reject_heading": "Reject",
        "reject_lead": "The draft will not be published. Say why: it goes on the incident's timeline.",
        "reason": "Reason",
        "reject_button": "Reject",
        "next_update": "Next update promised",
        "promise_rule": "{due}. If that time has passed, or is less than {lead} away, when the message is published, "
        "it is promised anew from the publication ({cadence} later, by each audience's office hours) and the text "
        "goes out with the new time.",
        "override_lead": "This draft has errors ({checks}). If it must go out as it is, say why: the reason and the "
        "errors go on the incident's timeline.",
        "override_label": f"Why approve it with errors (at least {MIN_OVERRIDE_REASON_CHARS} characters)",
        "edit_reason_label": "Reason, if the text still has errors when you save it (then required, at least "
        f"{MIN_OVERRIDE_REASON_CHARS} characters)",
        "certain_label": "I confirm the fix time or outcome the text promises is certain",
        "other_actions": "Other choices for this same draft",
        "actions": {
            ApprovalAction.APPROVE: "Approve as it is",
            ApprovalAction.EDIT: "Edit the text",
            ApprovalAction.REJECT: "Reject the draft",
        },
        "refused": "Nothing was done",
        "console": "Open the incident console",
        "refusals": {
            Refusal.INVALID: ("This link is not valid", "Check that you opened the whole link from the email."),
            Refusal.EXPIRED: (
                "This link has expired",
                "Approval links expire. If the draft still awaits approval, use a more recent email.",
            ),
            Refusal.USED: ("This link was already used", "Each link works once; your decision is on record."),
            Refusal.SUPERSEDED: (
                "The draft has changed, use the link in the most recent email",
                "Someone edited the text after this link was sent.",
            ),
            Refusal.REPLACED: (
                "A newer message replaced this one",
                "This draft will never be published. None of its links work any more; the newer message has its own.",
            ),
            Refusal.OUTDATED: (
                "A newer message was already published",
                "This draft is older than what customers were already told, so it will not be published. "
                "Nothing was saved.",
            ),
            Refusal.DECIDED: ("This message was already approved", "It was approved; there is nothing else to do."),
            Refusal.REJECTED: (
                "This draft was rejected",
                "Nothing was sent to customers. The next message is drafted from the incident console.",
            ),
            Refusal.ROLE_APPROVED: (
                "Your role already approved this draft",
                "Other roles still have to approve; there is nothing more for you to do.",
            ),
            Refusal.NOT_APPROVER: (
                "You cannot decide on this message",
                "Your address holds none of the roles that must approve it.",
            ),
            Refusal.BAD_FORM: ("The form could not be read", "Open the link again and try once more."),
            Refusal.CROSS_SITE: ("Request refused", "The form was not sent from the approval page."),
            Refusal.TOO_LARGE: ("The form is too large", "Shorten the texts and try again."),
            Refusal.BUSY: (
                "Too many changes at once",
                "Other people are deciding on this message. Open the link again.",
            ),
        },
        "problems": {
            FormProblem.UNREADABLE: "The form cannot be read.",
            FormProblem.ENCODING: "The form did not arrive as a web form.",
            FormProblem.UNKNOWN_FIELD: "The form has a field this action does not take.",
            FormProblem.REPEATED_FIELD: "The form repeats a field.",
            FormProblem.DECISION_MISMATCH: "The form's decision is not this link's.",
            FormProblem.NOT_CONFIRMED: "Confirm the decision with the button on the page.",
            FormProblem.REASON_MISSING: "A rejection needs a reason.",
            FormProblem.REASON_TOO_LONG: f"The reason cannot be longer than {MAX_REASON_CHARS} characters.",
            FormProblem.ERRORS_NEED_REASON: "The draft has errors ({checks}). Approving it like this takes a written "
            f"reason (at least {MIN_OVERRIDE_REASON_CHARS} characters); otherwise correct it. Nothing was saved and "
            "the link still works.",
            FormProblem.UNKNOWN_CHANNEL: "The form names a channel this message does not have.",
            FormProblem.NO_SUBJECT_HERE: "The form has a subject for a channel that has none.",
            FormProblem.SUBJECT_INVALID: f"Each subject is one line of 1 to {MAX_SUBJECT_CHARS} characters.",
            FormProblem.TEXT_INVALID: f"Each text must have 1 to {MAX_TEXT_CHARS} characters.",
        },
        "recorded": "Decision recorded",
        "incident": "Incident",
        "done": {
            "published": "Approved: publication of version {version} on every channel has been requested.",
            "waiting": "Your approval as {roles} is recorded. Still to approve: {pending}.",
            "edited_published": "Edited and approved: publication of version {version} has been requested.",
            "edited_waiting": "Edit saved as version {version} and approved as {roles}. Still to approve: "
            "{pending}; they were sent a new link.",
            "edited_waiting_unsent": "Edit saved as version {version} and approved as {roles}. Still to approve: "
            "{pending}, but the new link could not be sent to them: tell them.",
            "rejected": "Rejected: this draft will not be published. The reason is on the incident's timeline.",
        },
    },
}


def page_texts(plan: Plan) -> dict[str, Any]:
    """The approval pages' wording in the team's language (the plan's main locale), English when we lack it."""
    return _TEXTS.get(plan.main_locale.split("-")[0], _TEXTS[_FALLBACK_LOCALE])
