"""draft_and_request on moto: the shared way every later draft is made, stored and sent for approval."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from incident_comms.approvals.requests import ApprovalRequests, draft_and_request
from incident_comms.incidents.models import TimelineKind
from incident_comms.plan.models import Phase
from tests.factories import OPENED, RecordingSender, make_alarm, stored_incident

KEY = b"k" * 32


def test_update_draft_is_stored_promises_the_next_update_and_asks_the_comms_lead(plan: Any, store: Any) -> None:
    incident, _ = stored_incident(store, plan, make_alarm(), at=OPENED)
    sender = RecordingSender()
    now = OPENED + timedelta(minutes=30)

    message = draft_and_request(
        plan,
        store,
        ApprovalRequests(sender, lambda: KEY),
        incident,
        Phase.UPDATE,
        now,
        facts_update={"cause": {"en": "A faulty deploy", "es": "Un despliegue defectuoso"}},
    )

    assert message is not None
    assert store.get_message(incident.id, message.id) == message
    assert message.promise is not None and message.promise.due_at == now + timedelta(minutes=30)  # SEV1: 30m, nights
    assert any("A faulty deploy" in draft.text for draft in message.drafts if draft.locale == "en")
    kinds = [entry.kind for entry in store.timeline(incident.id)]
    assert TimelineKind.DRAFT_CREATED in kinds and TimelineKind.APPROVAL_REQUESTED in kinds
    assert [email.to for email in sender.sent] == [["marta.ibanez@nubeteca.example"], ["jorge.salas@nubeteca.example"]]


def test_resolved_draft_promises_nothing(plan: Any, store: Any) -> None:
    incident, _ = stored_incident(store, plan, make_alarm(), at=OPENED)
    message = draft_and_request(
        plan, store, ApprovalRequests(RecordingSender(), lambda: KEY), incident, Phase.RESOLVED, OPENED
    )
    assert message is not None and message.promise is None


def test_unknown_fact_is_refused_before_anything_is_stored(plan: Any, store: Any) -> None:
    incident, _ = stored_incident(store, plan, make_alarm(), at=OPENED)
    before = store.timeline(incident.id)
    with pytest.raises(ValueError, match="not message facts: causes"):
        draft_and_request(
            plan,
            store,
            ApprovalRequests(RecordingSender(), lambda: KEY),
            incident,
            Phase.UPDATE,
            OPENED,
            facts_update={"causes": "typo"},
        )
    assert store.timeline(incident.id) == before and len(store.messages(incident.id)) == 1
