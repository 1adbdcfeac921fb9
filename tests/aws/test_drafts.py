"""draft_and_request on moto: the shared way every later draft is made, stored and sent for approval."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from incident_comms.approvals.requests import ApprovalRequests, draft_and_request
from incident_comms.incidents.models import MessageStatus, TimelineKind
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


class RecordingTimeouts:
    """Approval timeouts kept in a dict (``refuse``: every cancel raises, as a scheduler without the permission)."""

    def __init__(self, refuse: bool = False) -> None:
        self.armed: dict[str, datetime] = {}
        self.refuse = refuse

    def schedule(self, incident_id: str, message_id: str, due_at: datetime) -> str:
        self.armed[message_id] = due_at
        return f"approval-{message_id}"

    def cancel(self, incident_id: str, message_id: str) -> bool:
        if self.refuse:
            raise RuntimeError("AccessDeniedException: not authorized to perform scheduler:DeleteSchedule")
        return self.armed.pop(message_id, None) is not None


def test_a_new_draft_supersedes_the_waiting_one_and_deletes_its_approval_timeout(plan: Any, store: Any) -> None:
    incident, first = stored_incident(store, plan, make_alarm(), at=OPENED)
    timeouts = RecordingTimeouts()
    timeouts.schedule(incident.id, first.id, OPENED + timedelta(minutes=10))
    approvals = ApprovalRequests(RecordingSender(), lambda: KEY, timeouts=timeouts)

    message = draft_and_request(plan, store, approvals, incident, Phase.UPDATE, OPENED + timedelta(minutes=5))

    assert message is not None and message.sequence == 2
    assert list(timeouts.armed) == [message.id], "the old timeout deleted, the new draft's armed"
    superseded = store.get_message(incident.id, first.id)
    assert superseded.status == MessageStatus.SUPERSEDED and superseded.superseded_by == message.id
    assert not [entry for entry in store.timeline(incident.id) if entry.kind == TimelineKind.NOTIFICATION_FAILED]


def test_a_timeout_the_scheduler_would_not_delete_is_on_the_timeline(plan: Any, store: Any) -> None:
    incident, first = stored_incident(store, plan, make_alarm(), at=OPENED)
    approvals = ApprovalRequests(RecordingSender(), lambda: KEY, timeouts=RecordingTimeouts(refuse=True))

    message = draft_and_request(plan, store, approvals, incident, Phase.UPDATE, OPENED + timedelta(minutes=5))

    assert message is not None
    (failed,) = [entry for entry in store.timeline(incident.id) if entry.kind == TimelineKind.NOTIFICATION_FAILED]
    assert failed.data["notification"] == "approval_timeout_cancel" and failed.data["message_id"] == first.id
    assert "AccessDeniedException" in failed.text and "publishes nothing" in failed.text
