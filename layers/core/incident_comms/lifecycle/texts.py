"""The wording the lifecycle adds to customers' drafts, in the plan's languages (English for any other).

Every language has every key: :func:`incident_comms.lifecycle.logic.actions_taken` picks one dict whole.
"""

ACTIONS_TAKEN: dict[str, dict[str, str]] = {
    "es": {
        "identified": "identificamos la causa: {cause}",
        "identified_plain": "identificamos la causa",
        "relapse": "volvimos a trabajar en ello cuando el problema reapareció",
        "monitoring": "vigilamos el servicio hasta comprobar que funcionaba con normalidad",
        "published": "le mantuvimos informado con {count} avisos",
        "published_one": "le mantuvimos informado con 1 aviso",
    },
    "en": {
        "identified": "we identified the cause: {cause}",
        "identified_plain": "we identified the cause",
        "relapse": "we went back to work on it when the problem came back",
        "monitoring": "we watched the service until it was working normally",
        "published": "we kept you informed with {count} updates",
        "published_one": "we kept you informed with 1 update",
    },
}
"""The steps of "what we did", in the plan's languages (English for any other), from the incident's timeline."""

ACTIONS_PLANNED = {
    "es": "Publicaremos un informe del incidente con la causa raíz y lo que cambiaremos para que no se repita.",
    "en": "We will publish an incident report with the root cause and what we will change so it does not happen again.",
}
