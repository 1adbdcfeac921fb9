"""The plan loader: the repo's plan loads, and every kind of mistake is named as ``file: field: message``."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from incident_comms.errors import PlanError
from incident_comms.lint.plan_texts import GSM7_HINT, load_checked_plan, sms_template_problems
from incident_comms.plan.loader import loc_path
from incident_comms.plan.models import LINT_CHECK_IDS, Phase, Plan, template_key
from tests.unit.conftest import Edit

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "plans"


def problems_of(plan_dir: Path) -> list[str]:
    with pytest.raises(PlanError) as caught:
        load_checked_plan(plan_dir)
    assert caught.value.problems, "a PlanError always lists its problems"
    return caught.value.problems


def test_repo_plan_loads(plan: Plan) -> None:
    assert plan.main_locale == "es"
    assert plan.definition.locales == ["es", "en"]
    assert [s.id for s in plan.definition.severities] == ["SEV1", "SEV2", "SEV3"]
    assert len(plan.definition.components) >= 4
    assert plan.definition.rules[0].id == "ignore-staging"
    assert plan.definition.rules[0].not_an_incident


def test_repo_plan_covers_what_the_team_needs(plan: Plan) -> None:
    sev1 = plan.severity("SEV1")
    assert sev1.night_updates
    assert sev1.approval_timeout is not None
    assert plan.severity("SEV2").approval_timeout is not None
    assert {r.id for r in plan.roles.roles} >= {
        "incident_commander",
        "communications_lead",
        "technical_lead",
        "support_lead",
        "legal",
    }
    assert plan.approvers_for("SEV1", Phase.POSTMORTEM) == ["communications_lead", "legal"]
    assert plan.approvers_for("SEV2", Phase.INVESTIGATING) == ["communications_lead"]
    assert {c.kind.value for c in plan.channels.channels} >= {"email", "sns", "status_page", "webhook"}
    sources = {r.when.source for r in plan.definition.rules if r.when.source}
    assert {"cloudwatch", "alertmanager", "grafana"} <= {str(s) for s in sources}
    for component in plan.definition.components:
        assert isinstance(component.impact, dict)
        assert set(component.impact) == {"es", "en"}


def test_every_template_a_channel_needs_ships_in_both_locales(plan: Plan) -> None:
    formats = {c.template_format for c in plan.channels.channels}
    for locale in plan.definition.locales:
        for fmt in formats:
            for phase in Phase:
                assert template_key(locale, phase, fmt) in plan.templates


def test_values_name_only_known_checks(plan: Plan) -> None:
    named = {check for value in plan.values.values for check in value.checks}
    assert named <= LINT_CHECK_IDS
    assert named == LINT_CHECK_IDS, "every check stands for some value"


@pytest.mark.parametrize(
    ("loc", "path"),
    [
        (("rules", 2, "severity"), "rules[2].severity"),
        (("channels", 0, "access", "credentials"), "channels[0].access.credentials"),
        (("phases", "later", "[key]"), "phases.later (key)"),
        ((), "(file)"),
    ],
)
def test_loc_path(loc: tuple[Any, ...], path: str) -> None:
    assert loc_path(loc) == path


def test_unknown_severity_in_a_rule(edit_plan: Edit, plan_copy: Path) -> None:
    edit_plan("incident-definition.yaml", lambda d: d["rules"][2].update(severity="SEV9"))
    assert "incident-definition.yaml: rules[2].severity: unknown severity 'SEV9'" in problems_of(plan_copy)


def test_unknown_component_in_a_rule(edit_plan: Edit, plan_copy: Path) -> None:
    edit_plan("incident-definition.yaml", lambda d: d["rules"][1].update(component="billing-db"))
    assert "incident-definition.yaml: rules[1].component: unknown component 'billing-db'" in problems_of(plan_copy)


def test_missing_file(plan_copy: Path) -> None:
    (plan_copy / "roles.yaml").unlink()
    assert problems_of(plan_copy) == ["roles.yaml: (file): missing"]


def test_missing_plan_folder(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}: (file): no plan folder here"]


def test_bad_yaml_names_the_line(plan_copy: Path) -> None:
    shutil.copy(FIXTURES / "bad-yaml-roles.yaml", plan_copy / "roles.yaml")
    (problem,) = problems_of(plan_copy)
    assert problem.startswith("roles.yaml: line 5: invalid YAML: ")


def test_yaml_that_is_not_a_mapping(plan_copy: Path) -> None:
    (plan_copy / "values.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    assert problems_of(plan_copy) == ["values.yaml: (file): expected a mapping of sections, got a list"]


def test_bad_duration(edit_plan: Edit, plan_copy: Path) -> None:
    edit_plan("incident-definition.yaml", lambda d: d["severities"][0].update(update_every="half an hour"))
    assert (
        "incident-definition.yaml: severities[0].update_every: "
        "not a duration: 'half an hour' (use e.g. 30m, 1h30m, 2d or PT30M)"
    ) in problems_of(plan_copy)


def test_unknown_time_zone(edit_plan: Edit, plan_copy: Path) -> None:
    edit_plan("channels.yaml", lambda d: d["audiences"][1].update(timezone="Mars/Olympus_Mons"))
    assert "channels.yaml: audiences[1].timezone: unknown time zone 'Mars/Olympus_Mons'" in problems_of(plan_copy)


def test_duplicate_id(edit_plan: Edit, plan_copy: Path) -> None:
    edit_plan("incident-definition.yaml", lambda d: d["components"][2].update(id="api"))
    problems = problems_of(plan_copy)
    assert "incident-definition.yaml: components[2].id: duplicate id 'api'" in problems


def test_unknown_field_and_missing_field(edit_plan: Edit, plan_copy: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["channels"][0]["colour"] = "red"
        del data["channels"][1]["access"]

    edit_plan("channels.yaml", change)
    problems = problems_of(plan_copy)
    assert "channels.yaml: channels[0].colour: Extra inputs are not permitted" in problems
    assert "channels.yaml: channels[1].access: Field required" in problems


def test_localized_text_of_the_wrong_shape_is_one_problem(edit_plan: Edit, plan_copy: Path) -> None:
    edit_plan("incident-definition.yaml", lambda d: d["components"][0].update(impact=["a", "list"]))
    problems = problems_of(plan_copy)
    assert problems == [
        "incident-definition.yaml: components[0].impact: expected a text, or a mapping of locale to text"
    ]


def test_localized_text_with_a_bad_locale_key(edit_plan: Edit, plan_copy: Path) -> None:
    edit_plan("incident-definition.yaml", lambda d: d["components"][0].update(impact={"ES": "x", "en": "y"}))
    (problem,) = problems_of(plan_copy)
    assert problem.startswith("incident-definition.yaml: components[0].impact.ES (key): String should match pattern")


def test_impact_needs_every_locale(edit_plan: Edit, plan_copy: Path) -> None:
    edit_plan("incident-definition.yaml", lambda d: d["components"][3].update(impact={"es": "Solo en español."}))
    assert "incident-definition.yaml: components[3].impact: no text for locale 'en'" in problems_of(plan_copy)


def test_rule_model_error(edit_plan: Edit, plan_copy: Path) -> None:
    edit_plan("incident-definition.yaml", lambda d: d["rules"][0].update(severity="SEV1"))
    assert "incident-definition.yaml: rules[0]: a not_an_incident rule names no component or severity" in problems_of(
        plan_copy
    )


def test_unreachable_rule_after_a_catch_all(edit_plan: Edit, plan_copy: Path) -> None:
    edit_plan("incident-definition.yaml", lambda d: d["rules"][1].update(when={}))
    assert (
        "incident-definition.yaml: rules[2]: never reached: rule 'api-5xx' before it matches every alarm"
        in problems_of(plan_copy)
    )


def test_channel_cross_references(edit_plan: Edit, plan_copy: Path) -> None:
    edit_plan(
        "channels.yaml", lambda d: d["channels"][0].update(audience="x", severities=["SEV1", "SEV7"], locale="fr")
    )
    problems = problems_of(plan_copy)
    assert "channels.yaml: channels[0].audience: unknown audience 'x'" in problems
    assert "channels.yaml: channels[0].severities[1]: unknown severity 'SEV7'" in problems
    assert "channels.yaml: channels[0].locale: locale 'fr' is not in incident-definition.yaml locales" in problems


def test_channel_phases_are_checked(edit_plan: Edit, plan_copy: Path) -> None:
    edit_plan(
        "channels.yaml",
        lambda d: d["channels"][0].update(phases=["investigating", "resolved", "investigating"], news_only=["update"]),
    )
    problems = problems_of(plan_copy)
    assert "channels.yaml: channels[0].phases[2]: 'investigating' is listed twice" in problems
    assert (
        "channels.yaml: channels[0].news_only: 'update' is not one of the channel's phases (investigating, resolved, "
        "investigating)" in problems
    )


def test_an_unknown_phase_for_a_channel_is_named(edit_plan: Edit, plan_copy: Path) -> None:
    edit_plan("channels.yaml", lambda d: d["channels"][0].update(phases=["investigating", "solved"]))
    assert any(p.startswith("channels.yaml: channels[0].phases[1]:") for p in problems_of(plan_copy))


def test_short_channels_speak_at_milestones_unless_the_plan_says(plan: Plan) -> None:
    by_id = {channel.id: channel for channel in plan.channels.channels}
    sms = by_id["sms-customers"].model_copy(update={"phases": None, "news_only": None})
    assert sms.speaks_in == (Phase.INVESTIGATING, Phase.IDENTIFIED, Phase.RESOLVED)
    assert sms.quiet_without_news == (Phase.IDENTIFIED,)
    assert by_id["email-customers-es"].speaks_in == tuple(Phase)
    assert by_id["email-customers-es"].quiet_without_news == ()
    assert by_id["social-media"].speaks_in == (Phase.INVESTIGATING, Phase.RESOLVED)
    assert by_id["social-media"].quiet_without_news == ()
    assert "sms-customers" not in [c.id for c in plan.channels_for("SEV1", Phase.UPDATE)]
    assert "sms-customers" in [c.id for c in plan.channels_for("SEV1")]


def test_severity_without_a_channel(edit_plan: Edit, plan_copy: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        for channel in data["channels"]:
            channel["severities"] = [s for s in channel["severities"] if s != "SEV3"] or ["SEV1"]

    edit_plan("channels.yaml", change)
    assert "incident-definition.yaml: severities[2]: no channel in channels.yaml is used for SEV3" in problems_of(
        plan_copy
    )


def test_roles_cross_references(edit_plan: Edit, plan_copy: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["approvals"][0]["roles"].append("ceo")
        data["approvals"][0]["severities"] = ["SEV0"]
        data["engage"]["SEV4"] = ["incident_commander"]
        data["engage"]["SEV1"].append("intern")
        data["escalation"]["roles"] = ["cto"]
        data["customer_contact"] = {"role": "nobody"}

    edit_plan("roles.yaml", change)
    problems = problems_of(plan_copy)
    assert "roles.yaml: approvals[0].roles[2]: unknown role 'ceo'" in problems
    assert "roles.yaml: approvals[0].severities[0]: unknown severity 'SEV0'" in problems
    assert "roles.yaml: engage.SEV4: unknown severity 'SEV4'" in problems
    assert "roles.yaml: engage.SEV1[4]: unknown role 'intern'" in problems
    assert "roles.yaml: escalation.roles[0]: unknown role 'cto'" in problems
    assert "roles.yaml: customer_contact.role: unknown role 'nobody'" in problems
    assert "roles.yaml: customer_contact: give an email, url or phone customers can use" in problems


def test_declare_names_only_known_roles(edit_plan: Edit, plan_copy: Path) -> None:
    edit_plan("roles.yaml", lambda data: data["declare"].append("visitor"))

    assert problems_of(plan_copy) == ["roles.yaml: declare[2]: unknown role 'visitor'"]


def test_the_repo_plan_lets_the_commander_and_the_communications_lead_declare(plan: Plan) -> None:
    assert plan.roles.declare == ["incident_commander", "communications_lead"]


def test_unknown_check_ids(edit_plan: Edit, plan_copy: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["values"][0]["checks"].append("be-nice")
        data["checks"] = {"no-jargon": {"enabled": False}}

    edit_plan("values.yaml", change)
    problems = problems_of(plan_copy)
    assert "values.yaml: values[0].checks[6]: unknown check 'be-nice'" in problems
    assert "values.yaml: checks.no-jargon: unknown check 'no-jargon'" in problems


def test_phases_must_all_be_there(edit_plan: Edit, plan_copy: Path) -> None:
    edit_plan("templates/phases.yaml", lambda d: d["phases"].pop("monitoring"))
    assert problems_of(plan_copy) == ["templates/phases.yaml: phases: phases missing: monitoring"]


def test_holding_text_needed_when_approval_can_time_out(edit_plan: Edit, plan_copy: Path) -> None:
    edit_plan("templates/phases.yaml", lambda d: d["phases"]["update"].pop("holding"))
    assert problems_of(plan_copy) == [
        "templates/phases.yaml: phases.update.holding: needed, because SEV1, SEV2 publish it when approval times out"
    ]


def test_missing_template(plan_copy: Path) -> None:
    (plan_copy / "templates/en/monitoring.email.j2").unlink()
    assert problems_of(plan_copy) == [
        "templates/en/monitoring.email.j2: (file): missing, needed by channel 'email-customers-en' "
        "(channels.yaml channels[2])"
    ]


def test_template_with_an_undefined_variable(plan_copy: Path) -> None:
    shutil.copy(FIXTURES / "undefined-variable.email.j2", plan_copy / "templates/es/update.email.j2")
    assert problems_of(plan_copy) == ["templates/es/update.email.j2: line 4: 'next_updat' is undefined"]


def test_template_syntax_error(plan_copy: Path) -> None:
    shutil.copy(FIXTURES / "syntax-error.email.j2", plan_copy / "templates/es/identified.email.j2")
    (problem,) = problems_of(plan_copy)
    assert problem.startswith("templates/es/identified.email.j2: line 5: Encountered unknown tag 'endblock'")


def test_syntax_error_in_a_template_no_channel_uses_is_still_found(plan_copy: Path) -> None:
    shutil.copy(FIXTURES / "syntax-error.email.j2", plan_copy / "templates/en/_spare.j2")
    (problem,) = problems_of(plan_copy)
    assert problem.startswith("templates/en/_spare.j2: line 5: ")


def test_an_sms_template_whose_own_text_is_not_gsm7_is_refused_naming_the_line_and_characters(
    plan_copy: Path,
) -> None:
    """``corrección`` in the fixed text would make every SMS of the template UCS-2 (three parts at 137 characters);
    the component's name filled in at render time (``Facturación``) is not the template's text."""
    (plan_copy / "templates/es/update.sms.j2").write_text(
        "{#- update · Español · SMS -#}\n"
        "{% block body %}{{ organisation.name }}: seguimos\n"
        "con la corrección en {{ incident.component }}.{{ ' Próx. aviso: ' ~ next_update if next_update }}"
        "{% endblock %}\n",
        encoding="utf-8",
    )
    assert problems_of(plan_copy) == [
        f"templates/es/update.sms.j2: line 3: characters outside GSM-7 in an SMS template: 'ó'; {GSM7_HINT}"
    ]


def test_text_an_sms_template_pulls_in_is_checked_and_text_never_sent_is_not(plan_copy: Path) -> None:
    """A partial's text goes out in the SMS too; a mapping key or a compared string does not."""
    (plan_copy / "templates/es/_pie.j2").write_text("Más información: estado.nubeteca.example", encoding="utf-8")
    (plan_copy / "templates/es/resolved.sms.j2").write_text(
        "{% block body %}{{ organisation.name }}: resuelto. "
        '{{ {"sí": "Hay pérdida de datos"}["sí"] if data_loss != "sí" }}'
        '{% include "es/_pie.j2" %}{% endblock %}\n',
        encoding="utf-8",
    )
    assert problems_of(plan_copy) == [
        "templates/es/_pie.j2: line 1: characters outside GSM-7 in an SMS template (in SMS template "
        f"templates/es/resolved.sms.j2): 'á', 'ó'; {GSM7_HINT}"
    ]


def test_every_sample_sms_template_is_gsm7_in_its_own_text(plan: Plan) -> None:
    """The repo's SMS templates say in words GSM-7 has what ``á``, ``í``, ``ó``, ``ú`` would bill at UCS-2."""
    sms_templates = [key for key in plan.templates if key.endswith(".sms.j2")]
    assert len(sms_templates) == len(Phase) * len(plan.definition.locales)
    assert sms_template_problems(plan) == []


def test_template_missing_a_block(plan_copy: Path) -> None:
    (plan_copy / "templates/es/resolved.status_page.j2").write_text(
        "{% block body %}Resuelto.{% endblock %}\n", encoding="utf-8"
    )
    assert problems_of(plan_copy) == ["templates/es/resolved.status_page.j2: (file): missing block 'title'"]


def test_template_that_fails_without_optional_facts(plan_copy: Path) -> None:
    (plan_copy / "templates/es/identified.chat.j2").write_text(
        "{% block body %}\nCausa: {{ cause | upper }}\n{{ next_update.strip() }}\n{% endblock %}\n", encoding="utf-8"
    )
    (problem,) = problems_of(plan_copy)
    assert problem.startswith("templates/es/identified.chat.j2: line 3: ")


def test_template_sandbox_refuses_unsafe_access(plan_copy: Path) -> None:
    (plan_copy / "templates/es/update.chat.j2").write_text(
        "{% block body %}{{ organisation.__class__.__mro__ }}{% endblock %}\n", encoding="utf-8"
    )
    (problem,) = problems_of(plan_copy)
    assert problem.startswith("templates/es/update.chat.j2: line 1: ")


def test_all_problems_at_once(edit_plan: Edit, plan_copy: Path) -> None:
    edit_plan("incident-definition.yaml", lambda d: d["rules"][3].update(severity="SEV9"))
    edit_plan("channels.yaml", lambda d: d["audiences"][0].update(timezone="Nowhere/City"))
    (plan_copy / "values.yaml").unlink()
    problems = problems_of(plan_copy)
    assert "incident-definition.yaml: rules[3].severity: unknown severity 'SEV9'" in problems
    assert "channels.yaml: audiences[0].timezone: unknown time zone 'Nowhere/City'" in problems
    assert "values.yaml: (file): missing" in problems
    assert all(problem.count(": ") >= 2 for problem in problems)


def test_cli_plan_check(plan_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from incident_comms.cli.main import main

    assert main(["plan", "check", "--plan", str(plan_copy)]) == 0
    assert capsys.readouterr().out.startswith("ok: 3 severities")
    (plan_copy / "channels.yaml").write_text("channels: [\n", encoding="utf-8")
    assert main(["plan", "check", "--plan", str(plan_copy)]) == 1
    assert capsys.readouterr().err.startswith("channels.yaml: line ")


def test_duplicate_yaml_key(plan_copy: Path) -> None:
    path = plan_copy / "incident-definition.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "quiet_period: 1h\n", encoding="utf-8")
    (problem,) = problems_of(plan_copy)
    assert problem.startswith("incident-definition.yaml: line ")
    assert problem.endswith(": invalid YAML: duplicate key 'quiet_period'")


def test_the_deployed_status_page_address_replaces_the_plans_and_nothing_else(plan: Plan) -> None:
    served = plan.served_at("https://d111111abcdef8.cloudfront.net/")

    assert served.definition.organisation.status_page_url == "https://d111111abcdef8.cloudfront.net/"
    assert plan.definition.organisation.status_page_url == "https://estado.nubeteca.example"
    assert served.definition.organisation.model_copy(update={"status_page_url": None}) == (
        plan.definition.organisation.model_copy(update={"status_page_url": None})
    )
    assert served.model_copy(update={"definition": plan.definition}) == plan
    assert plan.served_at("") is plan
