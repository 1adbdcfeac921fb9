"""``facts-complete``: a fact told in one plan locale but not another is an error on the drafts of that locale,
never filled in with the other language's text."""

from __future__ import annotations

from incident_comms.approvals.checks import draft_checks, error_checks
from incident_comms.incidents.facts import IncidentFacts, missing_facts
from incident_comms.plan.models import CheckSetting, Plan
from tests.factories import make_alarm, opened_incident

CAUSE_ES = {"es": "Un certificado caducado en la API."}


def test_the_drafts_of_the_locale_missing_a_fact_carry_the_error_and_the_others_do_not(plan: Plan) -> None:
    incident, message = opened_incident(plan, make_alarm())
    missing = missing_facts(IncidentFacts(cause=CAUSE_ES), plan)

    checks = draft_checks(plan, message, incident.severity_id, missing)

    flagged = {check.draft.channel_id for check in checks for f in check.findings if f.check == "facts-complete"}
    english = {draft.channel_id for draft in message.drafts if draft.locale == "en"}
    assert flagged == english and english
    finding = next(f for check in checks for f in check.findings if f.check == "facts-complete")
    assert (finding.level, finding.values) == ("error", ("transparency",))
    assert "cause" in finding.message and "en" in finding.message
    assert "facts-complete" in error_checks(checks)


def test_complete_facts_and_no_facts_find_nothing(plan: Plan) -> None:
    incident, message = opened_incident(plan, make_alarm())
    both = missing_facts(IncidentFacts(cause={**CAUSE_ES, "en": "An expired certificate on the API."}), plan)

    for missing in (both, missing_facts(IncidentFacts(), plan), None):
        checks = draft_checks(plan, message, incident.severity_id, missing)
        assert not [f for check in checks for f in check.findings if f.check == "facts-complete"]


def test_the_plan_may_soften_the_check(plan: Plan) -> None:
    incident, message = opened_incident(plan, make_alarm())
    values = plan.values.model_copy(update={"checks": {"facts-complete": CheckSetting(level="warning")}})
    softened = plan.model_copy(update={"values": values})

    checks = draft_checks(softened, message, incident.severity_id, missing_facts(IncidentFacts(cause=CAUSE_ES), plan))

    levels = {f.level for check in checks for f in check.findings if f.check == "facts-complete"}
    assert levels == {"warning"}
