"""What a phase is called, per locale: the one source of the word customers and the team read for it.

The same label ends the customer email's subject (``[Nubeteca] Errores en la API pública — Resuelto``), heads the
update on the status page, names the phase in the approval email and console, and opens the SNS text, so a customer
who reads *En observación* in one place never reads *vigilando* in another. Plan templates see it as
``phase_label`` (:mod:`incident_comms.drafting.render`).
"""

from __future__ import annotations

from collections.abc import Mapping

from incident_comms.plan.models import Phase

PHASE_LABELS: Mapping[str, Mapping[Phase, str]] = {
    "es": {
        Phase.INVESTIGATING: "Investigando",
        Phase.IDENTIFIED: "Causa identificada",
        Phase.MONITORING: "En observación",
        Phase.UPDATE: "Actualización",
        Phase.RESOLVED: "Resuelto",
        Phase.POSTMORTEM: "Informe del incidente",
    },
    "en": {
        Phase.INVESTIGATING: "Investigating",
        Phase.IDENTIFIED: "Identified",
        Phase.MONITORING: "Monitoring",
        Phase.UPDATE: "Update",
        Phase.RESOLVED: "Resolved",
        Phase.POSTMORTEM: "Postmortem",
    },
}
"""Per language (``es``, ``en``), every phase's label; statuspage.io's English words, and their Spanish."""

FALLBACK_LOCALE = "en"


def phase_labels(locale: str) -> Mapping[Phase, str]:
    """Every phase's label in ``locale`` (``es-MX`` reads ``es``); English for a language we have no labels in."""
    return PHASE_LABELS.get(locale.split("-")[0], PHASE_LABELS[FALLBACK_LOCALE])


def phase_label(phase: Phase, locale: str) -> str:
    """``phase``'s label in ``locale`` (see :func:`phase_labels`)."""
    return phase_labels(locale)[phase]
