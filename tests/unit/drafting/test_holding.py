"""Holding texts in the plan: templates over certain facts, an SMS variant, and checked when the plan loads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from incident_comms.errors import PlanError
from incident_comms.lint.plan_texts import load_checked_plan
from incident_comms.plan.models import HoldingText, Phase, PhaseSpec
from tests.unit.conftest import Edit


def problems_of(plan_dir: Path) -> list[str]:
    with pytest.raises(PlanError) as failed:
        load_checked_plan(plan_dir)
    return failed.value.problems


def set_holding(phase: str, holding: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        data["phases"][phase]["holding"] = holding

    return change


GOOD_ES = (
    "Investigamos un problema con {{ incident.component }}. Qué le está pasando: {{ incident.impact }} "
    "¿Se han perdido datos? Aún no lo sabemos. Escriba a {{ contact.email }}. "
    "Próxima actualización: {{ next_update }}."
)
GOOD_EN = (
    "We are investigating a problem with {{ incident.component }}. What is happening to you: {{ incident.impact }} "
    "Was any data lost? We do not know yet. Write to {{ contact.email }}. Next update: {{ next_update }}."
)
SMS_ES = (
    "{{ organisation.name }}: algunos clientes pueden tener errores. Datos perdidos: aun no se sabe. "
    "Prox. aviso: {{ next_update }}"
)

SMS_BOTH = {"es": SMS_ES, "en": SMS_ES}


def test_a_plain_text_or_a_locale_mapping_is_still_a_holding_text_without_sms() -> None:
    plain = PhaseSpec.model_validate({"answers": ["impact"], "holding": "Texto"})
    mapping = PhaseSpec.model_validate({"answers": ["impact"], "holding": {"es": "Texto", "en": "Text"}})
    both = PhaseSpec.model_validate({"answers": ["impact"], "holding": {"text": "Texto", "sms": {"es": "SMS"}}})

    assert plain.holding == HoldingText(text="Texto")
    assert mapping.holding == HoldingText(text={"es": "Texto", "en": "Text"})
    assert both.holding == HoldingText(text="Texto", sms={"es": "SMS"})


def test_a_v1_plan_whose_holding_texts_are_plain_mappings_still_loads(edit_plan: Edit, plan_copy: Path) -> None:
    """Without ``sms`` the SMS channels publish the long text: the old-style texts must be short and complete."""
    short = {"es": SMS_ES + " (Info: {{ status_page_url }})", "en": "unused"}
    full = {"es": GOOD_ES, "en": GOOD_EN}
    edit_plan("templates/phases.yaml", set_holding("investigating", {"text": full, "sms": short}))
    edit_plan("templates/phases.yaml", set_holding("update", full))
    edit_plan("channels.yaml", every_phase_on_short_channels)

    problems = problems_of(plan_copy)

    # the update text, old style, goes to the SMS channels whole: too long there, and nowhere else a problem
    assert problems, "the long text on SMS channels must be refused"
    assert all(
        line.startswith("templates/phases.yaml: phases.update.holding.text.es: fits-channel on ") for line in problems
    )
    # 282 GSM-7 characters are two billed parts: over sms-customers' max_parts (1), within social-media's default (3)
    assert "sms-customers" in problems[0] and "social-media" not in problems[0] and "2 partes" in problems[0]


def test_a_holding_text_is_checked_only_on_the_channels_that_speak_in_its_phase(
    edit_plan: Edit, plan_copy: Path
) -> None:
    """The sample plan's SMS and social channels carry no `update` messages, so a long old-style update text is
    no problem there; it goes on the channels of the message it stands in for."""
    edit_plan("templates/phases.yaml", set_holding("update", {"es": GOOD_ES, "en": GOOD_EN}))

    load_checked_plan(plan_copy)


def every_phase_on_short_channels(data: dict[str, Any]) -> None:
    for channel in data["channels"]:
        if channel["id"] in ("sms-customers", "social-media"):
            channel["phases"] = [phase.value for phase in Phase]
            channel.pop("news_only", None)


def test_a_holding_text_naming_a_cause_is_a_plan_error(edit_plan: Edit, plan_copy: Path) -> None:
    edit_plan(
        "templates/phases.yaml",
        set_holding("investigating", {"text": {"es": "Causa: {{ cause }}", "en": GOOD_EN}, "sms": SMS_BOTH}),
    )

    problems = problems_of(plan_copy)

    assert problems[0].startswith("templates/phases.yaml: phases.investigating.holding.text.es: 'cause' is undefined")
    assert "certain facts" in problems[0]


def test_a_holding_text_with_a_syntax_error_names_its_line(edit_plan: Edit, plan_copy: Path) -> None:
    edit_plan("templates/phases.yaml", set_holding("update", {"text": {"es": "Hola\n{% if %}", "en": GOOD_EN}}))

    assert any(
        line.startswith("templates/phases.yaml: phases.update.holding.text.es: line 2: ")
        for line in problems_of(plan_copy)
    )


def test_a_holding_text_that_fails_the_checks_is_a_plan_error(edit_plan: Edit, plan_copy: Path) -> None:
    blaming = "Nuestro proveedor tiene la culpa. " + GOOD_ES
    edit_plan(
        "templates/phases.yaml",
        set_holding("investigating", {"text": {"es": blaming, "en": GOOD_EN}, "sms": SMS_BOTH}),
    )

    problems = problems_of(plan_copy)

    (line,) = problems
    assert line.startswith("templates/phases.yaml: phases.investigating.holding.text.es: no-blame on ")
    assert "email-customers-es" in line and "status-page" in line and "(SEV1, SEV2)" in line
    assert "sms-customers" not in line  # the SMS channels publish the sms variant


def test_a_missing_locale_of_the_sms_variant_is_named(edit_plan: Edit, plan_copy: Path) -> None:
    edit_plan(
        "templates/phases.yaml",
        set_holding("investigating", {"text": {"es": GOOD_ES, "en": GOOD_EN}, "sms": {"es": SMS_ES}}),
    )

    assert "templates/phases.yaml: phases.investigating.holding.sms: no text for locale 'en'" in problems_of(plan_copy)


def test_the_example_plans_holding_texts_are_templates_with_an_sms_variant(plan_copy: Path) -> None:
    plan = load_checked_plan(plan_copy)

    for phase in (Phase.INVESTIGATING, Phase.UPDATE):
        holding = plan.phases.phases[phase].holding
        assert holding is not None and holding.sms is not None
        assert isinstance(holding.text, dict) and set(holding.text) == {"es", "en"}
        assert all("{{ next_update }}" in text and "contact.email" in text for text in holding.text.values())


def test_plan_check_reports_a_failing_holding_text(edit_plan: Edit, plan_copy: Path) -> None:
    edit_plan(
        "templates/phases.yaml",
        set_holding("update", {"text": {"es": "Volveremos pronto.", "en": GOOD_EN}, "sms": SMS_BOTH}),
    )

    ran = subprocess.run(
        [sys.executable, "-m", "incident_comms", "plan", "check", "--plan", str(plan_copy)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert ran.returncode != 0
    assert "phases.update.holding.text.es: " in ran.stdout + ran.stderr
