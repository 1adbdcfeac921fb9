"""Declaring an incident by hand, checked against the plan before anything is written (pure: no store)."""

from __future__ import annotations

from typing import Any

import pytest

from incident_comms.incidents.facts import MAX_FACT_CHARS
from incident_comms.intake.declare import Declaration, DeclaredFrom, declaration_problems, declared_facts
from incident_comms.plan.models import Plan

IMPACT = {"es": "Algunos clientes no pueden iniciar sesión.", "en": "Some customers cannot sign in."}


def declaration(**changes: Any) -> Declaration:
    fields: dict[str, Any] = {
        "component": "api",
        "severity": "SEV2",
        "impact": IMPACT,
        "customer_action": {},
        "by": "marta.ibanez@nubeteca.example",
        "source": DeclaredFrom.PAGE,
        **changes,
    }
    return Declaration(**fields)


def test_a_declaration_the_plan_allows_has_no_problem(plan: Plan) -> None:
    assert declaration_problems(plan, declaration()) == []


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"component": "coffee"}, "component: 'coffee' is not one of api, invoicing, storage, web"),
        ({"severity": "SEV9"}, "severity: 'SEV9' is not one of SEV1, SEV2, SEV3"),
        ({"impact": {"es": IMPACT["es"]}}, "impact: say it in every locale (missing: en)"),
        ({"impact": {"es": IMPACT["es"], "en": "   "}}, "impact: say it in every locale (missing: en)"),
        ({"impact": {**IMPACT, "fr": "Oh là là"}}, "impact: 'fr' is not a plan locale"),
        ({"impact": {**IMPACT, "en": "x" * (MAX_FACT_CHARS + 1)}}, f"impact (en) is longer than {MAX_FACT_CHARS}"),
        ({"customer_action": {"es": "Reintente."}}, "customer_action: say it in every locale or in none (missing: en)"),
        ({"by": " "}, "who declares is unknown"),
    ],
)
def test_each_problem_is_named(plan: Plan, changes: dict[str, Any], problem: str) -> None:
    problems = declaration_problems(plan, declaration(**changes))

    assert any(str(found).startswith(problem) for found in problems), problems


def test_every_problem_is_named_at_once(plan: Plan) -> None:
    problems = declaration_problems(plan, declaration(component="x", severity="y", impact={}))

    assert len(problems) == 3


def test_the_facts_are_the_declared_texts_trimmed(plan: Plan) -> None:
    action = {"es": " Reintente en unos minutos. ", "en": "Try again in a few minutes."}

    facts = declared_facts(plan, declaration(customer_action=action))

    assert facts.impact == IMPACT
    assert facts.customer_action == {"es": "Reintente en unos minutos.", "en": "Try again in a few minutes."}


@pytest.mark.parametrize(
    ("path", "configured", "expected"),
    [
        ("/declare/abc", "", "https://api.example"),
        ("/prod/declare/abc", "", "https://api.example/prod"),
        ("/incidents", "", "https://api.example"),
        ("/prod/declare/abc/maintenance", "", "https://api.example/prod"),
        ("/prod/maintenances/MNT-1/cancel", "", "https://api.example/prod"),
        ("/maintenance/abc", "", "https://api.example"),
        ("/declare/abc", "https://approvals.example", "https://approvals.example"),
    ],
)
def test_links_point_where_the_api_answers(path: str, configured: str, expected: str) -> None:
    from incident_comms.web import HttpRequest, base_url_of

    request = HttpRequest(headers={"host": "api.example"}, domain_name="api.example", raw_path=path)

    assert base_url_of(request, configured) == expected
