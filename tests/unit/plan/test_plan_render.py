"""``plan render``: the whole plan as one Markdown page for the wiki."""

from __future__ import annotations

import re

import pytest

from incident_comms.plan.models import Plan, localized
from incident_comms.plan.render import cell, render_markdown


@pytest.fixture(scope="module")
def markdown(plan: Plan) -> str:
    return render_markdown(plan)


def tables(markdown: str) -> list[list[str]]:
    """Every Markdown table: runs of lines starting with a pipe."""
    found: list[list[str]] = []
    current: list[str] = []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            found.append(current)
            current = []
    return found


def columns(row: str) -> int:
    return len(re.findall(r"(?<!\\)\|", row)) - 1


def test_sections_in_plan_order(markdown: str) -> None:
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert len(headings) == 10
    assert markdown.startswith("# Nubeteca — Plan de comunicación de incidentes\n")


def test_everything_named_in_the_plan_is_on_the_page(plan: Plan, markdown: str) -> None:
    for severity in plan.definition.severities:
        assert f"| {severity.id} | {localized(severity.name, 'es')} |" in markdown
    for component in plan.definition.components:
        assert f"| {component.id} | {localized(component.name, 'es')} |" in markdown
    for role in plan.roles.roles:
        assert f"### {localized(role.name, 'es')} (`{role.id}`)" in markdown
        for person in role.people:
            assert person.email in markdown
    for channel in plan.channels.channels:
        assert f"| {channel.id} |" in markdown
    for audience in plan.channels.audiences:
        assert audience.timezone in markdown
    for rule in plan.definition.rules:
        assert f"| {rule.id} |" in markdown
    for value in plan.values.values:
        assert f"### {localized(value.name, 'es')}" in markdown


def test_tables_are_well_formed(markdown: str) -> None:
    found = tables(markdown)
    assert len(found) >= 10
    for table in found:
        assert len(table) >= 3, table
        assert re.fullmatch(r"(\|---)+\|", table[1]), table[1]
        width = columns(table[0])
        for row in table:
            assert columns(row) == width, row


def test_main_locale_texts(markdown: str) -> None:
    assert "Asesoría legal y protección de datos" in markdown
    assert "Legal and data protection" not in markdown


def test_pipes_in_cells_are_escaped(plan: Plan) -> None:
    component = plan.definition.components[0].model_copy(update={"name": {"es": "API | REST", "en": "API"}})
    definition = plan.definition.model_copy(update={"components": [component, *plan.definition.components[1:]]})
    markdown = render_markdown(plan.model_copy(update={"definition": definition}))
    assert "| api | API \\| REST |" in markdown
    for table in tables(markdown):
        width = columns(table[0])
        assert all(columns(row) == width for row in table)


def test_cell_is_one_line() -> None:
    assert cell("a|b\nc  d") == "a\\|b c d"


def test_cli_plan_render(capsys: pytest.CaptureFixture[str]) -> None:
    from incident_comms.cli.main import main
    from tests.unit.conftest import PLAN_DIR

    assert main(["plan", "render", "--plan", str(PLAN_DIR)]) == 0
    assert "## 8. Canales" in capsys.readouterr().out


def test_the_wiki_shows_each_audiences_own_impact_beside_the_plans(plan: Plan) -> None:
    page = render_markdown(plan)
    (row,) = [line for line in page.splitlines() if line.startswith("| invoicing |")]
    assert "su envío a Hacienda se retrase. · *Clientes en Latinoamérica*: " in row
    assert row.endswith("su envío a la autoridad fiscal se retrase. |")
