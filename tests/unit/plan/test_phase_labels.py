"""One word per phase and language, the same wherever a customer or the team reads it."""

from __future__ import annotations

import pytest

from incident_comms.adapters.sns import sns_subject
from incident_comms.delivery.status_page.texts import site_texts
from incident_comms.plan.models import Phase, Plan
from incident_comms.plan.phase_labels import PHASE_LABELS, phase_label
from incident_comms.team.emails import team_texts


def test_every_language_names_every_phase_once() -> None:
    for labels in PHASE_LABELS.values():
        assert set(labels) == set(Phase)
        assert len(set(labels.values())) == len(Phase)


@pytest.mark.parametrize("phase", list(Phase))
def test_status_page_approval_email_and_sns_say_the_same_word(plan: Plan, phase: Phase) -> None:
    spanish = phase_label(phase, "es")

    assert site_texts("es")["phases"][phase] == spanish
    assert team_texts(plan)["phases"][phase] == spanish  # the team reads the plan's main locale, Spanish
    assert sns_subject(None, plan, "api", phase, "es").endswith(f": {spanish}")
    assert site_texts("en")["phases"][phase] == phase_label(phase, "en")


def test_spanish_labels_read_as_spanish_and_regional_locales_use_their_language() -> None:
    assert [phase_label(phase, "es") for phase in Phase] == [
        "Investigando",
        "Causa identificada",
        "En observación",
        "Actualización",
        "Resuelto",
        "Informe del incidente",
    ]
    assert phase_label(Phase.MONITORING, "es-MX") == "En observación"
    assert phase_label(Phase.MONITORING, "fr") == "Monitoring"
