"""The delivery report's own words, in Spanish and English: the one-line summary, the email's table, its notes.

:func:`report_texts` answers the words of a locale's language, English when we lack it: every locale gets a
complete set, so a summary or an email can never miss a word.
"""

from __future__ import annotations

_FALLBACK_LOCALE = "en"

_TEXTS: dict[str, dict[str, str]] = {
    "es": {
        "delivered": "{delivered} de {attempted} entregados",
        "bounced": "{count} rebotados",
        "bounced_one": "1 rebotado",
        "failed": "{count} fallidos",
        "failed_one": "1 fallido",
        "pending": "{count} aún enviándose",
        "other_failed_one": "1 canal más con fallos",
        "other_failed_many": "{count} canales más con fallos",
        "nothing": "nada publicado",
        "intro": "Resultado de la entrega del mensaje {message} (versión {version}), publicado el {published}; "
        "datos a {now}.",
        "units": "En los correos se cuentan destinatarios; en los demás canales, publicaciones.",
        "channel": "Canal",
        "attempted": "Intentados",
        "delivered_col": "Entregados",
        "bounced_col": "Rebotados",
        "complaints_col": "Quejas",
        "failed_col": "Fallidos",
        "pending_col": "Pendientes",
        "total": "Total",
        "problems": "Fallos, rebotes y quejas",
        "no_problems": "Ningún fallo, rebote ni queja.",
        "more": "y {count} más",
        "kind_failed": "fallo",
        "kind_bounce": "rebote",
        "kind_complaint": "queja",
        "kind_channel": "canal",
        "pending_note": "Hay envíos en curso: los que fallen quedarán en la cronología del incidente.",
        "message": "Mensaje",
        "why": "Recibe este informe porque es responsable de comunicación en el plan de comunicación de incidentes",
    },
    "en": {
        "delivered": "{delivered} of {attempted} delivered",
        "bounced": "{count} bounced",
        "bounced_one": "1 bounced",
        "failed": "{count} failed",
        "failed_one": "1 failed",
        "pending": "{count} still sending",
        "other_failed_one": "1 more channel failed",
        "other_failed_many": "{count} more channels failed",
        "nothing": "nothing published",
        "intro": "How message {message} (version {version}), published on {published}, was delivered; "
        "figures as of {now}.",
        "units": "Email channels count recipients; the other channels count posts.",
        "channel": "Channel",
        "attempted": "Attempted",
        "delivered_col": "Delivered",
        "bounced_col": "Bounced",
        "complaints_col": "Complaints",
        "failed_col": "Failed",
        "pending_col": "Pending",
        "total": "Total",
        "problems": "Failures, bounces and complaints",
        "no_problems": "No failure, bounce or complaint.",
        "more": "and {count} more",
        "kind_failed": "failed",
        "kind_bounce": "bounce",
        "kind_complaint": "complaint",
        "kind_channel": "channel",
        "pending_note": "Some emails are still being sent: any that fail will be on the incident's timeline.",
        "message": "Message",
        "why": "You get this report because you are the communications lead in the incident communication plan",
    },
}


def report_texts(locale: str) -> dict[str, str]:
    """The report's wording in ``locale`` (its language part), English when we lack it."""
    return _TEXTS.get(locale.split("-")[0], _TEXTS[_FALLBACK_LOCALE])
