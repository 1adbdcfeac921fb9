"""Which message tells customers changed facts (``lifecycle.logic.facts_redraft``): the waiting draft's phase again,
else an update while open; a resolved incident redrafts only its waiting resolved or postmortem draft; a closed one
nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from incident_comms.incidents.models import Incident, IncidentStatus, Message, MessageStatus
from incident_comms.lifecycle.logic import facts_redraft, postmortem_published
from incident_comms.plan.models import Phase, Plan
from tests.factories import OPENED, opened_incident


def incident_in(plan: Plan, phase: Phase) -> Incident:
    incident, _ = opened_incident(plan)
    finished = phase in (Phase.RESOLVED, Phase.POSTMORTEM)
    return incident.model_copy(
        update={"phase": phase, "status": IncidentStatus.RESOLVED if finished else IncidentStatus.OPEN}
    )


def message(
    plan: Plan, phase: Phase, sequence: int, status: MessageStatus = MessageStatus.AWAITING_APPROVAL
) -> Message:
    _, first = opened_incident(plan, phase=phase)
    return first.model_copy(
        update={
            "id": f"{phase.value}-{sequence}",
            "sequence": sequence,
            "status": status,
            "created_at": OPENED + timedelta(minutes=sequence),
        }
    )


@pytest.mark.parametrize(
    ("phase", "messages", "expected"),
    [
        (
            Phase.IDENTIFIED,
            [(Phase.INVESTIGATING, 1, MessageStatus.APPROVED), (Phase.IDENTIFIED, 2, None)],
            "identified",
        ),
        (Phase.MONITORING, [(Phase.MONITORING, 3, MessageStatus.APPROVED)], "update"),
        (Phase.INVESTIGATING, [], "update"),
        (Phase.RESOLVED, [(Phase.RESOLVED, 4, None)], "resolved"),
        (Phase.RESOLVED, [(Phase.RESOLVED, 4, MessageStatus.APPROVED), (Phase.POSTMORTEM, 5, None)], "postmortem"),
        (Phase.RESOLVED, [(Phase.RESOLVED, 4, MessageStatus.APPROVED)], None),
        (Phase.POSTMORTEM, [(Phase.POSTMORTEM, 5, None)], None),
    ],
    ids=[
        "waiting-identified",
        "open-nothing-waiting",
        "open-nothing-at-all",
        "waiting-resolved",
        "waiting-postmortem",
        "resolved-nothing-waiting",
        "closed",
    ],
)
def test_the_message_that_tells_changed_facts(
    plan: Plan, phase: Phase, messages: list[tuple[Phase, int, MessageStatus | None]], expected: str | None
) -> None:
    stored = [message(plan, kind, seq, status or MessageStatus.AWAITING_APPROVAL) for kind, seq, status in messages]

    redraft = facts_redraft(incident_in(plan, phase), stored)

    assert (redraft.value if redraft else None) == expected


def test_a_postmortem_counts_as_published_once_handed_to_publishing(plan: Plan) -> None:
    waiting = message(plan, Phase.POSTMORTEM, 5)
    approved = message(plan, Phase.POSTMORTEM, 5, MessageStatus.APPROVED)
    resolved = message(plan, Phase.RESOLVED, 4, MessageStatus.APPROVED)

    assert not postmortem_published([resolved, waiting])
    assert postmortem_published([resolved, approved])
