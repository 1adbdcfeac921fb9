"""Customer email subjects: organisation, the incident's impact title and the phase label, from the plan alone, so
every email of one incident reads as one conversation ("[Nubeteca] Errores en la API pública — Resuelto")."""

from __future__ import annotations

from pathlib import Path

import pytest

from incident_comms.drafting.render import render_drafts
from incident_comms.errors import PlanError
from incident_comms.lint.plan_texts import load_checked_plan
from incident_comms.plan.models import ChannelFormat, Phase, Plan
from incident_comms.plan.phase_labels import phase_label
from tests.unit.conftest import Edit
from tests.unit.drafting.test_drafting import facts

TITLES = {"es": "Problemas con la facturación", "en": "Problems with invoicing"}
"""The sample plan's title of the invoicing component, the one :func:`facts` is about."""


def email_subjects(plan: Plan, phase: Phase) -> dict[str, str]:
    """Subject per email channel for an incident on invoicing in ``phase``."""
    return {
        draft.channel_id: draft.subject or ""
        for draft in render_drafts(plan, phase, facts(phase))
        if draft.format == ChannelFormat.EMAIL
    }


@pytest.mark.parametrize("phase", list(Phase))
def test_every_phase_and_locale_says_organisation_title_and_phase_label(plan: Plan, phase: Phase) -> None:
    subjects = email_subjects(plan, phase)

    assert subjects["email-customers-es"] == f"[Nubeteca] {TITLES['es']} — {phase_label(phase, 'es')}"
    assert subjects["email-customers-latam"] == subjects["email-customers-es"]
    assert subjects["email-customers-en"] == f"[Nubeteca] {TITLES['en']} — {phase_label(phase, 'en')}"
    assert subjects["email-staff"] == f"[SEV1] {subjects['email-customers-es']}", "internal readers keep the severity"


def test_only_the_phase_label_changes_from_the_first_email_to_the_postmortem(plan: Plan) -> None:
    stems = {email_subjects(plan, phase)["email-customers-es"].rsplit(" — ", 1)[0] for phase in Phase}

    assert stems == {f"[Nubeteca] {TITLES['es']}"}


def test_a_component_without_a_title_is_named_by_its_name(plan: Plan) -> None:
    invoicing = plan.component("invoicing").model_copy(update={"title": None})
    definition = plan.definition.model_copy(
        update={"components": [invoicing if c.id == "invoicing" else c for c in plan.definition.components]}
    )
    untitled = plan.model_copy(update={"definition": definition})

    subjects = email_subjects(untitled, Phase.RESOLVED)

    assert subjects["email-customers-es"] == "[Nubeteca] Facturación — Resuelto"
    assert subjects["email-customers-en"] == "[Nubeteca] Invoicing — Resolved"


def test_a_locale_the_title_lacks_reads_the_components_name_there_never_another_locales_title(plan: Plan) -> None:
    invoicing = plan.component("invoicing").model_copy(update={"title": {"es": TITLES["es"]}})

    assert invoicing.title_for("es-MX", plan.main_locale) == TITLES["es"]
    assert invoicing.title_for("en", plan.main_locale) == "Invoicing"


def test_a_title_is_one_short_line(edit_plan: Edit, plan_copy: Path) -> None:
    def titles(definition: dict[str, object]) -> None:
        components = definition["components"]
        assert isinstance(components, list)
        components[0]["title"] = {"es": "Errores\nen la API", "en": "Errors " * 20}
        components[1]["title"] = "   "

    edit_plan("incident-definition.yaml", titles)

    with pytest.raises(PlanError) as caught:
        load_checked_plan(plan_copy)
    assert caught.value.problems == [
        "incident-definition.yaml: components[0].title.es: a title is one line of text",
        "incident-definition.yaml: components[0].title.en: 140 characters; at most 60",
        "incident-definition.yaml: components[1].title: a title is one line of text",
    ]
