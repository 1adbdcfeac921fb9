"""The facts customers are told: set per locale, validated whole, never another locale's text in a draft."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from incident_comms.cadence.facts import draft_facts
from incident_comms.drafting.render import render_drafts
from incident_comms.incidents.facts import DataLoss, FactsError, IncidentFacts, missing_facts, set_facts
from incident_comms.plan.models import Phase, Plan
from tests.factories import make_alarm, opened_incident

T0 = datetime(2026, 11, 22, 15, 37, tzinfo=UTC)
CAUSE = {
    "es": "Un cambio de configuración dejó sin conexiones al servicio.",
    "en": "A configuration change left the service without connections.",
}


def test_texts_are_set_per_locale_and_an_empty_text_removes_that_locale(plan: Plan) -> None:
    facts = set_facts(IncidentFacts(), {"cause": CAUSE}, plan)
    corrected = set_facts(facts, {"cause": {"en": "  A faulty configuration change.  ", "es": ""}}, plan)

    assert facts.cause == CAUSE
    assert corrected.cause == {"en": "A faulty configuration change."}


def test_some_data_loss_needs_what_was_lost_in_every_locale_and_none_forgets_it(plan: Plan) -> None:
    with pytest.raises(FactsError) as refused:
        set_facts(IncidentFacts(), {"data_loss": "some", "data_lost": {"es": "Facturas de 16:40 a 16:50"}}, plan)
    some = set_facts(
        IncidentFacts(),
        {"data_loss": "some", "data_lost": {"es": "Facturas de 16:40 a 16:50", "en": "Invoices from 16:40 to 16:50"}},
        plan,
    )
    none = set_facts(some, {"data_loss": "none"}, plan)

    assert refused.value.problems == ["data loss is some: say what was lost (en)"]
    assert (some.data_loss, none.data_loss, none.data_lost) == (DataLoss.SOME, DataLoss.NONE, {})


def test_every_problem_is_answered_at_once_and_nothing_changes(plan: Plan) -> None:
    facts = IncidentFacts(cause=CAUSE)
    changes = {"cause": {"fr": "Une panne"}, "mood": "calm", "lessons": "one text for all"}

    with pytest.raises(FactsError) as refused:
        set_facts(facts, changes, plan)

    assert refused.value.problems == [
        "cause: fr is not a plan locale",
        "mood is not a fact",
        "lessons is one text per locale (en, es)",
    ]
    assert facts.cause == CAUSE


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"components": ["api", "moon"]}, "moon is not a component of the plan"),
        ({"data_loss": "perhaps"}, "data_loss: Input should be 'unknown', 'none' or 'some'"),
        (
            {"impact_started_at": T0, "impact_ended_at": T0 - timedelta(minutes=1)},
            "the impact cannot end before it started",
        ),
        ({"cause": {"en": "x" * 2001}}, "cause (en) is longer than 2000 characters"),
    ],
)
def test_bad_facts_are_refused_with_a_reason(plan: Plan, changes: dict[str, object], problem: str) -> None:
    with pytest.raises(FactsError) as refused:
        set_facts(IncidentFacts(), changes, plan)

    assert refused.value.problems == [problem]


def test_a_fact_told_in_one_locale_only_is_missing_in_the_other(plan: Plan) -> None:
    facts = IncidentFacts(cause={"es": CAUSE["es"]}, customer_action=dict(CAUSE))

    assert missing_facts(facts, plan) == {"en": ["cause"]}
    assert missing_facts(IncidentFacts(cause=CAUSE), plan) == {}


def drafts_of(plan: Plan, facts: IncidentFacts, phase: Phase) -> dict[str, str]:
    incident, _ = opened_incident(plan, make_alarm(), at=T0)
    incident = incident.model_copy(update={"facts": facts, "phase": Phase.IDENTIFIED})
    rendered = render_drafts(plan, phase, draft_facts(incident, T0 + timedelta(minutes=30), None))
    return {draft.channel_id: draft.text for draft in rendered}


def test_each_locale_draft_reads_its_own_cause_and_never_the_other_locale(plan: Plan) -> None:
    both = drafts_of(plan, IncidentFacts(cause=CAUSE), Phase.IDENTIFIED)
    spanish_only = drafts_of(plan, IncidentFacts(cause={"es": CAUSE["es"]}), Phase.IDENTIFIED)

    assert CAUSE["en"] in both["email-customers-en"] and CAUSE["es"] not in both["email-customers-en"]
    assert CAUSE["es"] in both["email-customers-es"] and CAUSE["en"] not in both["email-customers-es"]
    assert CAUSE["es"] not in spanish_only["email-customers-en"]


@pytest.mark.parametrize("phase", [Phase.UPDATE, Phase.MONITORING, Phase.RESOLVED, Phase.POSTMORTEM])
def test_no_data_loss_is_said_in_every_later_message_and_locale(plan: Plan, phase: Phase) -> None:
    texts = drafts_of(plan, IncidentFacts(data_loss=DataLoss.NONE), phase)

    assert "no data was lost" in texts["email-customers-en"]
    for channel, text in texts.items():
        folded = text.lower()
        assert "not know yet" not in folded and "not known yet" not in folded, channel
        assert "aún no se sabe" not in folded and "aún no lo sabemos" not in folded, channel


def test_a_responders_correction_of_the_impact_window_is_what_the_resolved_message_tells(plan: Plan) -> None:
    incident, _ = opened_incident(plan, make_alarm(), at=T0)
    corrected = IncidentFacts(impact_started_at=T0 - timedelta(minutes=7), impact_ended_at=T0 + timedelta(minutes=21))
    resolved = incident.model_copy(
        update={
            "facts": corrected,
            "phase": Phase.RESOLVED,
            "status": "resolved",
            "resolved_at": T0 + timedelta(minutes=40),
        }
    )
    still_open = incident.model_copy(update={"facts": corrected})

    told = draft_facts(resolved, T0 + timedelta(hours=1), None)
    not_yet = draft_facts(still_open, T0 + timedelta(hours=1), None)

    assert (told.started_at, told.resolved_at) == (T0 - timedelta(minutes=7), T0 + timedelta(minutes=21))
    assert (not_yet.started_at, not_yet.resolved_at) == (T0 - timedelta(minutes=7), None)
