"""The incident console through the approvals API handler on moto: GET and HEAD show and change nothing, a POST of
the page's own form moves the incident with an audit, and every refusal changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import pytest

from incident_comms.composition import Services
from incident_comms.console.links import closed
from incident_comms.incidents.models import IncidentStatus, TimelineKind
from incident_comms.plan.models import Phase
from incident_comms.team.console_links import CONSOLE_LINK_LIFETIME, console_token
from tests.factories import sent_emails
from tests.forms import FormReader
from tests.handlers.conftest import ComposeServices
from tests.handlers.test_approvals_handler import (
    API_HOST,
    BROWSER,
    EXPECTED_HEADERS,
    call,
    http_event,
    links_of,
    open_incident,
    table_items,
)

CONFIGURED_BASE_URL = "https://approvals.nubeteca.example"
MARTA = "marta.ibanez@nubeteca.example"  # communications_lead: approves every SEV1 message
DIEGO = "diego.ferrer@nubeteca.example"  # technical_lead: engaged for SEV1, approves nothing
RAMON = "ramon.lozano@nubeteca.example"  # legal: approves SEV1 postmortems only, engaged for nothing
STRANGER = "someone@elsewhere.example"
CAUSE = {"cause_es": "Un certificado <b>caducado</b> en la API.", "cause_en": "An <b>expired</b> API certificate."}


@pytest.fixture
def deps(compose_services: ComposeServices) -> Services:
    return compose_services(approvals_base_url=CONFIGURED_BASE_URL)


@pytest.fixture(scope="module")
def handler() -> ModuleType:
    from tests.conftest import load_handler_module

    return load_handler_module("approvals_api")


def token_of(deps: Services, incident_id: str, recipient: str) -> str:
    incident = deps.store.get_incident(incident_id)
    assert incident is not None
    return console_token(deps.approval_key, incident_id, recipient, incident.opened_at)


def console_event(method: str, token: str, fields: dict[str, str] | None = None, **headers: str) -> dict[str, Any]:
    event = http_event(method, token, urlencode(fields) if fields is not None else None, **headers)
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/console/{token}"
    event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} /console/{{token}}"
    return event


def test_looking_at_the_console_changes_nothing_and_shows_both_locales_and_the_forms(
    deps: Services, handler: ModuleType
) -> None:
    message = open_incident(deps)
    token = token_of(deps, message.incident_id, MARTA)
    before = table_items(deps)

    for _ in range(3):
        page = call(handler, console_event("GET", token))
        head = call(handler, console_event("HEAD", token))
        assert page["statusCode"] == head["statusCode"] == 200
        assert page["headers"] == head["headers"] == EXPECTED_HEADERS and head["body"] == ""

    assert table_items(deps) == before
    body = page["body"]
    reader = FormReader(body)
    assert reader.scripts == 0 and "<script" not in body.lower()
    assert all(form["method"] == "post" and form["action"] == token for form in reader.forms)
    actions = [fields["action"] for fields in reader.form_fields]
    assert actions == ["facts", "phase", "severity", "component", "level", "resolve"]
    assert 'name="impact_es"' in body and 'name="impact_en"' in body
    assert 'name="cause_es"' in body and 'name="cause_en"' in body
    assert f"https://{API_HOST}/approvals/" in body, "Marta approves the waiting draft: her links are on it"


def test_a_person_who_approves_nothing_sees_no_approval_links(deps: Services, handler: ModuleType) -> None:
    message = open_incident(deps)

    page = call(handler, console_event("GET", token_of(deps, message.incident_id, DIEGO)))

    assert page["statusCode"] == 200
    assert "/approvals/" not in page["body"]


def test_a_post_of_the_phase_form_moves_the_incident_with_an_audit(deps: Services, handler: ModuleType) -> None:
    message = open_incident(deps)
    token = token_of(deps, message.incident_id, DIEGO)
    form = FormReader(call(handler, console_event("GET", token))["body"]).form_fields[1]

    answer = call(handler, console_event("POST", token, {**form, "phase": "identified", **CAUSE}))

    assert answer["statusCode"] == 200, answer["body"]
    incident = deps.store.get_incident(message.incident_id)
    assert incident is not None and incident.phase == Phase.IDENTIFIED
    assert incident.facts.cause == {"es": CAUSE["cause_es"], "en": CAUSE["cause_en"]}
    (change,) = [e for e in deps.store.timeline(message.incident_id) if e.kind == TimelineKind.PHASE_CHANGED]
    assert (change.data["by"], change.data["source_ip"], change.data["user_agent"]) == (DIEGO, "203.0.113.7", BROWSER)
    assert "<b>" not in answer["body"]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"action": "phase", "phase": "identified", "cause_es": "Solo.", "confirm": "yes"}, "en cada idioma"),
        ({"action": "phase", "phase": "postmortem", "confirm": "yes"}, "Elija una de las fases"),
        ({"action": "severity", "severity": "SEV2", "reason": "  ", "confirm": "yes"}, "escribir el motivo"),
        ({"action": "facts", "data_loss": "some", "data_lost_es": "x", "confirm": "yes"}, "falta: en"),
        ({"action": "facts", "impact_started_at": "ayer", "confirm": "yes"}, "impact_started_at"),
        ({"action": "resolve"}, "Confirme con el botón"),
        ({"action": "resolve", "confirm": "yes", "step": "resolved"}, "step"),
    ],
    ids=["one-cause", "not-a-phase", "no-reason", "data-lost-missing", "bad-time", "unconfirmed", "extra"],
)
def test_a_bad_form_is_a_400_naming_the_problem_and_changes_nothing(
    deps: Services, handler: ModuleType, fields: dict[str, str], problem: str
) -> None:
    message = open_incident(deps)
    token = token_of(deps, message.incident_id, MARTA)
    before = table_items(deps)

    answer = call(handler, console_event("POST", token, fields))

    assert answer["statusCode"] == 400 and problem in answer["body"], answer["body"]
    assert table_items(deps) == before


def test_a_cross_site_post_changes_nothing(deps: Services, handler: ModuleType) -> None:
    message = open_incident(deps)
    token = token_of(deps, message.incident_id, MARTA)
    before = table_items(deps)

    answer = call(
        handler, console_event("POST", token, {"action": "resolve", "confirm": "yes"}, sec_fetch_site="cross-site")
    )

    assert answer["statusCode"] == 403
    assert table_items(deps) == before


def test_refusals_say_nothing_about_the_incident(deps: Services, handler: ModuleType) -> None:
    message = open_incident(deps)
    genuine = token_of(deps, message.incident_id, MARTA)
    forged = genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB")
    before = table_items(deps)

    answers = {
        404: call(handler, console_event("GET", forged)),
        403: call(handler, console_event("GET", token_of(deps, message.incident_id, STRANGER))),
    }
    deps.clock.advance(CONSOLE_LINK_LIFETIME + timedelta(minutes=1))  # type: ignore[attr-defined]
    answers[410] = call(handler, console_event("GET", genuine))

    for status, answer in answers.items():
        assert answer["statusCode"] == status
        assert message.incident_id not in answer["body"] and "<form" not in answer["body"]
    assert table_items(deps) == before


def test_an_approver_of_any_message_may_use_it_and_a_closed_incident_is_gone(
    deps: Services, handler: ModuleType
) -> None:
    message = open_incident(deps)
    assert call(handler, console_event("GET", token_of(deps, message.incident_id, RAMON)))["statusCode"] == 200
    incident = deps.store.get_incident(message.incident_id)
    assert incident is not None
    after = incident.model_copy(
        update={"phase": Phase.POSTMORTEM, "status": IncidentStatus.RESOLVED, "revision": incident.revision + 1}
    )
    assert deps.store.save_lifecycle(incident, after, []) and closed(after)

    page = call(handler, console_event("GET", token_of(deps, message.incident_id, MARTA)))
    post = call(handler, console_event("POST", token_of(deps, message.incident_id, MARTA), {"action": "close"}))

    assert page["statusCode"] == post["statusCode"] == 410


def test_engagement_and_approval_emails_carry_each_persons_own_console_link(
    deps: Services, handler: ModuleType
) -> None:
    message = open_incident(deps)

    links = {}
    for email in sent_emails():
        (found,) = re.findall(r"https://\S+/console/([A-Za-z0-9_.%-]+)", email["text"])
        links.setdefault(email["to"][0], set()).add(found)

    assert {DIEGO, MARTA} <= set(links)
    assert links[MARTA] == {token_of(deps, message.incident_id, MARTA)}, "one link per person, in every email"
    assert links[DIEGO] == {token_of(deps, message.incident_id, DIEGO)}
    assert call(handler, console_event("GET", links[DIEGO].pop()))["statusCode"] == 200


def test_the_approval_page_and_a_replaced_drafts_refusal_link_to_the_persons_console(
    deps: Services, handler: ModuleType
) -> None:
    message = open_incident(deps)
    approve = links_of(MARTA)["approve"]
    console = f"https://{API_HOST}/console/{token_of(deps, message.incident_id, MARTA)}"
    page = call(handler, http_event("GET", approve))
    moved = call(
        handler,
        console_event("POST", token_of(deps, message.incident_id, DIEGO), {"action": "resolve", "confirm": "yes"}),
    )

    replaced = call(handler, http_event("GET", approve))

    assert page["statusCode"] == 200 and console in page["body"]
    assert moved["statusCode"] == 200, moved["body"]
    assert replaced["statusCode"] == 409 and console in replaced["body"]
