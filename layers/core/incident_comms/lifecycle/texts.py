"""The wording the lifecycle adds to customers' drafts, in the plan's languages (English for any other).

Every language has every key: :func:`incident_comms.lifecycle.actions.actions_taken` picks one dict whole. Each
step is a verb phrase that continues the sentence (no subject, no capital, no final stop); ``sentence`` puts the
joined steps in a sentence (its first letter is made a capital) and ``and`` joins the last two.
"""

ACTIONS_TAKEN: dict[str, dict[str, str]] = {
    "es": {
        "sentence": "{steps}.",
        "and": "y",
        "investigated": "investigamos el problema",
        "identified": "encontramos la causa",
        "relapse": "volvimos a trabajar en ello cuando el problema reapareció",
        "watched": "supervisamos el servicio hasta comprobar que funcionaba con normalidad",
    },
    "en": {
        "sentence": "We {steps}.",
        "and": "and",
        "investigated": "investigated the problem",
        "identified": "found the cause",
        "relapse": "went back to work on it when the problem came back",
        "watched": "monitored the service until it was working normally",
    },
}
"""The steps of "what we did", in the plan's languages (English for any other), from the incident's timeline."""

ACTIONS_PLANNED = {
    "es": "Publicaremos un informe del incidente con la causa raíz y las medidas que tomaremos para evitar "
    "que se repita.",
    "en": "We will publish an incident report explaining the root cause and the changes we will make to prevent it "
    "from happening again.",
}
