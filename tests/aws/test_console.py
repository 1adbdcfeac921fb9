"""The console's use cases over the real store (moto) with a fake lifecycle that records each call: which operation
each form reaches, with what audit, and that refusals and bad input reach none and change nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from incident_comms.console.use_cases import act_on_console, show_console
from incident_comms.incidents.facts import FactsError
from incident_comms.incidents.machine_models import Outcome
from incident_comms.incidents.store import IncidentStore
from incident_comms.lifecycle.models import Audit, Step
from incident_comms.plan.models import Phase, Plan
from incident_comms.team.console_links import console_token
from incident_comms.web import FORM_CONTENT_TYPE, HttpRequest
from tests.factories import OPENED, make_alarm, stored_incident

NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)
KEY = b"k" * 64
BASE = "https://approvals.example"
MARTA = "marta.ibanez@nubeteca.example"
DIEGO = "diego.ferrer@nubeteca.example"
AGENT = "Mozilla/5.0 (Phone)"


class FakeLifecycle:
    """Records every call; answers ``outcome`` (APPLIED unless told), or raises ``error``."""

    def __init__(self, outcome: Outcome | None = Outcome.APPLIED, error: Exception | None = None) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.outcome = outcome
        self.error = error

    def _step(self, name: str, *args: Any, **kwargs: Any) -> Step:
        self.calls.append((name, args, kwargs))
        if self.error is not None:
            raise self.error
        return Step(name, str(args[0]), self.outcome, "the machine's reason", drafted=["update-1"])

    def manual_move(self, *args: Any, **kwargs: Any) -> Step:
        return self._step("manual_move", *args, **kwargs)

    def change_severity(self, *args: Any, **kwargs: Any) -> Step:
        return self._step("change_severity", *args, **kwargs)

    def close(self, *args: Any, **kwargs: Any) -> Step:
        return self._step("close", *args, **kwargs)

    def change_facts(self, *args: Any, **kwargs: Any) -> Step:
        return self._step("change_facts", *args, **kwargs)


@pytest.fixture
def incident_id(store: IncidentStore, plan: Plan) -> str:
    incident, _ = stored_incident(store, plan, make_alarm(), at=OPENED)
    return incident.id


def post(fields: dict[str, str], **headers: str) -> HttpRequest:
    return HttpRequest(
        headers={
            "host": "approvals.example",
            "content-type": FORM_CONTENT_TYPE,
            **{name.replace("_", "-"): value for name, value in headers.items()},
        },
        body=urlencode(fields),
        domain_name="approvals.example",
        raw_path="/console/x",
        source_ip="203.0.113.7",
        user_agent=AGENT,
    )


def act(store: IncidentStore, plan: Plan, incident_id: str, fields: dict[str, str], lifecycle: FakeLifecycle,
        who: str = MARTA, **headers: str) -> Any:  # fmt: skip
    token = console_token(KEY, incident_id, who, OPENED)
    return act_on_console(token, post(fields, **headers), plan, store, KEY, NOW, lifecycle, BASE)


def snapshot(store: IncidentStore, incident_id: str) -> Any:
    return store.get_incident(incident_id), store.timeline(incident_id), store.messages(incident_id)


def test_the_page_shows_both_locales_facts_side_by_side_and_approval_links_only_to_approvers(
    store: IncidentStore, plan: Plan, incident_id: str
) -> None:
    lifecycle = FakeLifecycle()
    act(store, plan, incident_id, {"action": "facts", "impact_es": "x", "confirm": "yes"}, lifecycle)
    incident = store.get_incident(incident_id)
    assert incident is not None

    marta = show_console(console_token(KEY, incident_id, MARTA, OPENED), plan, store, KEY, NOW, BASE)
    diego = show_console(console_token(KEY, incident_id, DIEGO, OPENED), plan, store, KEY, NOW, BASE)

    assert marta.status == diego.status == 200
    assert f"{BASE}/approvals/" in marta.html and "/approvals/" not in diego.html
    assert '<th scope="col" lang="es">es</th><th scope="col" lang="en">en</th>' in marta.html


@pytest.mark.parametrize(
    ("fields", "call"),
    [
        ({"action": "resolve", "confirm": "yes"}, ("manual_move", Phase.RESOLVED)),
        ({"action": "severity", "severity": "SEV3", "reason": "Solo afecta a un cliente.", "confirm": "yes"},
         ("change_severity", "SEV3", "Solo afecta a un cliente.")),
        ({"action": "close", "confirm": "yes"}, ("close",)),
    ],
    ids=["resolve", "severity", "close"],
)  # fmt: skip
def test_each_form_reaches_its_one_operation_with_the_audit(
    store: IncidentStore, plan: Plan, incident_id: str, fields: dict[str, str], call: tuple[Any, ...]
) -> None:
    lifecycle = FakeLifecycle()

    page = act(store, plan, incident_id, fields, lifecycle)

    assert page.status == 200, page.html
    ((name, args, _),) = lifecycle.calls
    assert (name, *args[1:-2]) == call
    assert args[-2] == Audit(by=MARTA, source_ip="203.0.113.7", user_agent=AGENT) and args[-1] == NOW


def test_facts_and_components_reach_change_facts(store: IncidentStore, plan: Plan, incident_id: str) -> None:
    lifecycle = FakeLifecycle()
    fields = {"action": "facts", "impact_es": " Lento ", "impact_en": "", "data_loss": "none", "confirm": "yes"}

    act(store, plan, incident_id, fields, lifecycle)
    act(store, plan, incident_id, {"action": "component", "component": "web", "confirm": "yes"}, lifecycle)

    (_, facts, facts_options), (_, component, _) = lifecycle.calls
    assert facts[1] == {"impact": {"es": "Lento", "en": ""}, "data_loss": "none"}
    assert facts_options == {"tell_customers": False}
    assert component[1] == {"components": ["api", "web"]}


def test_a_level_form_sets_one_components_level_and_makes_it_affected(
    store: IncidentStore, plan: Plan, incident_id: str
) -> None:
    lifecycle = FakeLifecycle()
    page = show_console(console_token(KEY, incident_id, MARTA, OPENED), plan, store, KEY, NOW, BASE)
    assert 'id="level-form"' in page.html
    assert "<li>API pública: <strong>Interrupción grave</strong></li>" in page.html  # SEV1's level, by the plan
    assert "<li>Facturación: <strong>Operativo</strong></li>" in page.html

    act(store, plan, incident_id, {"action": "level", "component": "invoicing", "level": "partial_outage",
                                   "confirm": "yes"}, lifecycle)  # fmt: skip
    act(store, plan, incident_id, {"action": "level", "component": "api", "level": "operational", "confirm": "yes"},
        lifecycle)  # fmt: skip

    (_, invoicing, options), (_, api, _) = lifecycle.calls
    assert invoicing[1] == {"component_levels": {"invoicing": "partial_outage"}, "components": ["api", "invoicing"]}
    assert options == {}  # a level is published with the next approved update: nothing is drafted for it
    assert api[1] == {"component_levels": {"api": "operational"}}


@pytest.mark.parametrize(
    "fields",
    [
        {"action": "level", "component": "api", "level": "under_maintenance", "confirm": "yes"},
        {"action": "level", "component": "nope", "level": "major_outage", "confirm": "yes"},
        {"action": "level", "component": "api", "level": "down", "confirm": "yes"},
        {"action": "level", "component": "api", "level": "major_outage"},
    ],
    ids=["maintenance", "unknown-component", "unknown-level", "unconfirmed"],
)
def test_a_bad_level_form_is_400_and_reaches_nothing(
    store: IncidentStore, plan: Plan, incident_id: str, fields: dict[str, str]
) -> None:
    lifecycle = FakeLifecycle()
    before = snapshot(store, incident_id)

    page = act(store, plan, incident_id, fields, lifecycle)

    assert page.status == 400
    assert lifecycle.calls == []
    assert snapshot(store, incident_id) == before


def test_a_refused_step_is_409_and_bad_facts_400_with_the_problem(
    store: IncidentStore, plan: Plan, incident_id: str
) -> None:
    refused = act(store, plan, incident_id, {"action": "close", "confirm": "yes"}, FakeLifecycle(Outcome.REFUSED))
    bad = act(
        store,
        plan,
        incident_id,
        {"action": "facts", "impact_es": "x", "confirm": "yes"},
        FakeLifecycle(error=FactsError(["impact: en is missing"])),
    )

    assert refused.status == 409 and "the machine&#39;s reason" in refused.html
    assert bad.status == 400 and "impact: en is missing" in bad.html


def test_cross_site_and_bad_forms_reach_no_operation_and_change_nothing(
    store: IncidentStore, plan: Plan, incident_id: str
) -> None:
    lifecycle = FakeLifecycle()
    before = snapshot(store, incident_id)

    cross = act(store, plan, incident_id, {"action": "close", "confirm": "yes"}, lifecycle, sec_fetch_site="cross-site")
    no_reason = act(store, plan, incident_id, {"action": "severity", "severity": "SEV2", "confirm": "yes"}, lifecycle)
    stranger = act(store, plan, incident_id, {"action": "close", "confirm": "yes"}, lifecycle, who="x@else.example")

    assert (cross.status, no_reason.status, stranger.status) == (403, 400, 403)
    assert "motivo" in no_reason.html
    assert lifecycle.calls == []
    assert snapshot(store, incident_id) == before
