"""Facts customers are told, through the handlers on moto: the impact window of the resolved message, the cause
given per locale on the phase form staying in its locale, and the approval page's ``facts-complete`` finding."""

from __future__ import annotations

from datetime import timedelta
from types import ModuleType

from incident_comms.composition import Services
from incident_comms.lifecycle.facts import change_facts
from incident_comms.plan.models import Phase
from tests.handlers.conftest import STARTED
from tests.handlers.test_approvals_handler import call, http_event, links_of, post
from tests.handlers.test_lifecycle_handler import (
    MARTA,
    alarm_event,
    approvals_handler,
    cadence,
    console_post,
    deps,
    drafted,
    fire,
    incident,
    ingest,
    open_incident,
    timer_handler,
)

__all__ = ["approvals_handler", "cadence", "deps", "timer_handler"]  # the fixtures this module shares


def test_the_resolved_message_tells_the_impact_from_the_first_alarm_to_the_last_ok(
    deps: Services, timer_handler: ModuleType
) -> None:
    """The alarm went to ALARM four minutes before it reached us; the quiet period ran out 30 minutes after the
    OK: customers are told 11:01 to 11:35 CET (34 min), neither the intake's instant nor the quiet period's end."""
    incident_id = open_incident(deps, at=STARTED - timedelta(minutes=4))
    ingest(deps, alarm_event("OK", STARTED + timedelta(minutes=30)))
    fire(deps, timer_handler, "settle_check", incident_id)

    fire(deps, timer_handler, "quiet_check", incident_id)

    stored = incident(deps, incident_id)
    assert (stored.impact_start, stored.resolved_at) == (
        STARTED - timedelta(minutes=4),
        STARTED + timedelta(minutes=30),
    )
    (message,) = drafted(deps, incident_id, Phase.RESOLVED)
    texts = {draft.channel_id: draft.text for draft in message.drafts}
    assert "Impact started: 22 November, 11:01 CET (10:01 UTC)" in texts["email-customers-en"]
    assert "Impact ended: 22 November, 11:35 CET (10:35 UTC)" in texts["email-customers-en"]
    assert "Duration: 34 min" in texts["email-customers-en"]


def test_the_cause_of_each_locale_stays_in_its_locale_in_later_drafts(
    deps: Services, approvals_handler: ModuleType, timer_handler: ModuleType
) -> None:
    incident_id = open_incident(deps)
    cause = {"es": "Un certificado caducado en la API.", "en": "An expired certificate on the API."}
    fields = {"action": "phase", "phase": "identified", "cause_es": cause["es"], "cause_en": cause["en"]}
    console_post(deps, approvals_handler, incident_id, fields)
    console_post(deps, approvals_handler, incident_id, {"action": "phase", "phase": "monitoring"})

    (monitoring,) = drafted(deps, incident_id, Phase.MONITORING)

    english = [draft.text for draft in monitoring.drafts if draft.locale == "en"]
    spanish = [draft.text for draft in monitoring.drafts if draft.locale.startswith("es")]
    assert english and spanish
    assert not any(cause["es"] in text for text in english)
    assert not any(cause["en"] in text for text in spanish)


def test_a_fact_told_in_one_locale_only_is_an_error_on_the_approval_page(
    deps: Services, approvals_handler: ModuleType
) -> None:
    incident_id = open_incident(deps)
    change_facts(deps.store, deps.plan, incident_id, {"cause": {"es": "Un certificado caducado."}}, MARTA, STARTED)

    page = call(approvals_handler, http_event("GET", links_of(MARTA)["approve"]))

    assert page["statusCode"] == 200

    assert "facts-complete" in page["body"] and "Facts not told in en: cause" in page["body"]


def test_approving_with_an_incomplete_fact_takes_a_reason_and_without_one_changes_nothing(
    deps: Services, approvals_handler: ModuleType
) -> None:
    incident_id = open_incident(deps)
    change_facts(deps.store, deps.plan, incident_id, {"cause": {"es": "Un certificado caducado."}}, MARTA, STARTED)
    token = links_of(MARTA)["approve"]
    (message,) = drafted(deps, incident_id, Phase.INVESTIGATING)

    refused = post(approvals_handler, token, {"decision": "approve", "confirm": "yes"})

    assert refused["statusCode"] == 400 and "facts-complete" in refused["body"]
    stored = deps.store.get_message(incident_id, message.id)
    assert stored is not None and stored.status == message.status and stored.revision == message.revision
