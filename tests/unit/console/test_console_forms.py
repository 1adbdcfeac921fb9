"""The console's forms, pure: what each action takes, and every problem named before anything is done."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from incident_comms.console.forms import (
    BadConsoleForm,
    ConsoleProblem,
    FactsChange,
    PhaseChange,
    SeverityChange,
    parse_console_form,
)
from incident_comms.plan.models import Phase, Plan

MADRID = ZoneInfo("Europe/Madrid")


def parse(plan: Plan, **fields: str) -> object:
    return parse_console_form({name: [value] for name, value in fields.items()}, plan, MADRID)


def test_a_local_minute_is_read_in_the_team_zone_and_an_offset_is_kept(plan: Plan) -> None:
    parsed = parse(
        plan,
        action="facts",
        confirm="yes",
        impact_started_at="2026-11-22T11:01",
        impact_ended_at="2026-11-22T10:35:00+00:00",
        impact_en="",
    )

    assert isinstance(parsed, FactsChange) and parsed.tell_customers is False
    assert parsed.changes["impact_started_at"] == datetime(2026, 11, 22, 10, 1, tzinfo=UTC)
    assert parsed.changes["impact_ended_at"] == datetime(2026, 11, 22, 10, 35, tzinfo=UTC)
    assert parsed.changes["impact"] == {"en": ""}, "an empty box sent clears that locale; a box not sent is left"


def test_phase_resolve_and_severity_forms(plan: Plan) -> None:
    identified = parse(plan, action="phase", phase="identified", cause_es=" Causa. ", cause_en="Cause.", confirm="yes")
    resolve = parse(plan, action="resolve", confirm="yes")
    severity = parse(plan, action="severity", severity="SEV2", reason=" Menos clientes. ", confirm="yes")

    assert identified == PhaseChange(action="phase", phase=Phase.IDENTIFIED, cause={"es": "Causa.", "en": "Cause."})
    assert isinstance(resolve, PhaseChange) and resolve.phase == Phase.RESOLVED
    assert severity == SeverityChange(severity_id="SEV2", reason="Menos clientes.")


@pytest.mark.parametrize(
    ("fields", "problem", "detail"),
    [
        (
            {"action": "facts", "data_loss": "some", "data_lost_es": "Fotos.", "confirm": "yes"},
            "data_lost_missing",
            "en",
        ),
        ({"action": "facts", "data_loss": "maybe", "confirm": "yes"}, "data_loss", ""),
        ({"action": "facts", "confirm": "yes"}, "nothing", ""),
        ({"action": "facts", "impact_ended_at": "22/11/2026", "confirm": "yes"}, "time", "impact_ended_at"),
        ({"action": "facts", "tell_customers": "on", "impact_es": "x", "confirm": "yes"}, "tell_customers", ""),
        ({"action": "severity", "severity": "SEV9", "reason": "x", "confirm": "yes"}, "severity", ""),
        ({"action": "severity", "severity": "SEV2", "reason": "x" * 501, "confirm": "yes"}, "reason_too_long", "500"),
        ({"action": "component", "component": "moon", "confirm": "yes"}, "component", ""),
        ({"action": "phase", "phase": "monitoring", "cause_en": "x", "confirm": "yes"}, "cause_not_here", ""),
        ({"action": "close", "confirm": "yes", "reason": "x"}, "unknown_field", "reason"),
        ({"action": "delete", "confirm": "yes"}, "unknown_action", ""),
        ({"action": "close", "confirm": "no"}, "not_confirmed", ""),
    ],
)
def test_every_problem_is_named(plan: Plan, fields: dict[str, str], problem: str, detail: str) -> None:
    with pytest.raises(BadConsoleForm) as raised:
        parse(plan, **fields)

    assert (raised.value.problem, raised.value.detail) == (ConsoleProblem(problem), detail)


def test_a_repeated_field_is_refused(plan: Plan) -> None:
    with pytest.raises(BadConsoleForm) as raised:
        parse_console_form({"action": ["close"], "confirm": ["yes", "yes"]}, plan, MADRID)

    assert raised.value.problem == ConsoleProblem.REPEATED_FIELD
