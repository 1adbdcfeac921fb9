"""What an alarm costs (issue 16, part 4): a redelivered event is answered in one AWS call and renders nothing, and
only the alarm that opens an incident renders its first draft.

Calls are counted with a botocore hook on the store's DynamoDB client (over moto); renders by counting
:func:`incident_comms.drafting.render.render_drafts` as ingest calls it. Before this change a redelivered ALARM was one
refused transaction that had first rendered every draft, a redelivered OK two calls (the lock, then the refused
transaction), a join four (the refused opening, its read-back, the lock, the join) and an opening one. Now the read
of the event's record and the component's lock (one ``TransactGetItems``) decides first: a redelivery is that read,
a join and an opening that read and their one transaction (an opening costs one call more than before).

The read is a new call on the path, so it is faulted here too: cancelled by a concurrent transaction, its answer
lost, throttled (retried by the SDK) and refused outright (raised: the event is delivered again).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from moto.core.botocore_stubber import MockRawResponse

from incident_comms.adapters.dynamodb import DynamoIncidentStore
from incident_comms.approvals.requests import ApprovalRequests
from incident_comms.clock import ManualClock
from incident_comms.incidents.models import TimelineEntry, TimelineKind
from incident_comms.incidents.store import Applied, Opening
from incident_comms.intake import ingest
from incident_comms.intake.ingest import AlarmOutcome, ingest_event
from incident_comms.plan.models import Plan
from tests.factories import OPENED, RecordingSender, make_alarm, opened_incident, stored_incident
from tests.faults import Faults
from tests.handlers.test_lifecycle_handler import alarm_event

pytestmark = pytest.mark.usefixtures("no_retry_waits")

READ, WRITE = "TransactGetItems", "TransactWriteItems"
KEY = b"k" * 32
SECOND = "prod-api-5xx-b"
"""Another alarm of the API's 5XX rule: it joins the API's incident."""


class Intake:
    """Ingest over the store, counting the DynamoDB calls and the draft renders of each delivery."""

    def __init__(self, store: DynamoIncidentStore, plan: Plan, monkeypatch: pytest.MonkeyPatch) -> None:
        self.store, self.plan = store, plan
        self.sender = RecordingSender()
        self.approvals = ApprovalRequests(self.sender, lambda: KEY)
        self.clock = ManualClock(OPENED)
        self.calls: list[str] = []
        self.renders = 0
        store._client.meta.events.register("before-call.dynamodb", lambda model, **_: self.calls.append(model.name))
        rendered = ingest.render_drafts

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.renders += 1
            return rendered(*args, **kwargs)

        monkeypatch.setattr(ingest, "render_drafts", counted)

    def deliver(self, event: dict[str, Any]) -> tuple[AlarmOutcome, list[str], int]:
        """The outcome of one delivery, the DynamoDB calls it made and how many drafts it rendered."""
        calls, renders = len(self.calls), self.renders
        (outcome,) = ingest_event(event, self.plan, self.store, self.clock, self.approvals).outcomes
        return outcome, self.calls[calls:], self.renders - renders


@pytest.fixture
def intake(store: DynamoIncidentStore, plan: Plan, monkeypatch: pytest.MonkeyPatch) -> Intake:
    return Intake(store, plan, monkeypatch)


def at(minutes: int) -> datetime:
    return OPENED + timedelta(minutes=minutes)


def stored_timeline(store: DynamoIncidentStore, incident_id: str | None) -> list[TimelineKind]:
    return [entry.kind for entry in store.timeline(incident_id or "")]


# --- the cost of each kind of delivery ----------------------------------------------------------------------------


def test_a_redelivered_alarm_costs_one_call_and_renders_nothing(intake: Intake) -> None:
    event = alarm_event("ALARM", at(0))
    opened, _, first_renders = intake.deliver(event)
    emails = len(intake.sender.sent)

    again, calls, renders = intake.deliver(event)

    assert first_renders == 1, "the opening renders its first draft once"
    assert (again.applied, again.incident_id) == (Applied.DUPLICATE, opened.incident_id)
    assert calls == [READ]
    assert renders == 0
    assert emails > 0 and len(intake.sender.sent) == emails, "no second approval request, no second engagement"
    assert [incident.id for incident in intake.store.list_incidents()] == [opened.incident_id]


def test_a_redelivered_ok_costs_one_call(intake: Intake) -> None:
    opened, _, _ = intake.deliver(alarm_event("ALARM", at(0)))
    ok = alarm_event("OK", at(5))
    recorded, _, _ = intake.deliver(ok)

    again, calls, renders = intake.deliver(ok)

    assert recorded.applied == Applied.RECORDED
    assert (again.applied, again.incident_id) == (Applied.DUPLICATE, opened.incident_id)
    assert (calls, renders) == ([READ], 0)
    assert stored_timeline(intake.store, opened.incident_id).count(TimelineKind.ALARM_STATE) == 1


def test_a_join_costs_the_read_and_its_transaction_and_renders_nothing(intake: Intake) -> None:
    opened, _, _ = intake.deliver(alarm_event("ALARM", at(0)))

    joined, calls, renders = intake.deliver(alarm_event("ALARM", at(1), name=SECOND))
    again, recalls, rerenders = intake.deliver(alarm_event("ALARM", at(1), name=SECOND))

    assert (joined.applied, joined.incident_id) == (Applied.JOINED, opened.incident_id)
    assert (calls, renders) == ([READ, WRITE], 0), "no refused opening, no read-back, no lock read"
    assert (again.applied, recalls, rerenders) == (Applied.DUPLICATE, [READ], 0)
    assert stored_timeline(intake.store, opened.incident_id).count(TimelineKind.ALARM_JOINED) == 1


def test_a_new_opening_costs_the_read_and_its_transaction(store: DynamoIncidentStore, plan: Plan) -> None:
    """The trade-off: one call more than when the opening was tried first (it was the transaction alone)."""
    alarm = make_alarm(changed_at=at(0))
    incident, message = opened_incident(plan, alarm, at=at(0))
    opened = TimelineEntry(incident_id=incident.id, at=at(0), kind=TimelineKind.OPENED, text="opened")
    joining = TimelineEntry(incident_id="", at=at(0), kind=TimelineKind.ALARM_JOINED, text="joined")
    drafted: list[Opening] = []
    calls: list[str] = []
    store._client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))

    def draft() -> Opening:
        drafted.append(Opening([opened], message))
        return drafted[-1]

    result = store.open_or_join(incident, alarm, draft, joining)

    assert (result.applied, result.incident_id) == (Applied.OPENED, incident.id)
    assert calls == [READ, WRITE]
    assert len(drafted) == 1
    assert [found.id for found in store.messages(incident.id)] == [message.id]


def never_drafted() -> Opening:
    raise AssertionError("the opening was built for an alarm that does not open an incident")


@pytest.mark.parametrize("redelivered", [False, True], ids=["join", "redelivery"])
def test_the_store_never_builds_the_opening_of_an_alarm_that_does_not_open(
    store: DynamoIncidentStore, plan: Plan, redelivered: bool
) -> None:
    first, _ = stored_incident(store, plan, make_alarm(changed_at=at(0)), at=at(0))
    alarm = make_alarm(changed_at=at(0)) if redelivered else make_alarm(SECOND, changed_at=at(1))
    candidate, _ = opened_incident(plan, alarm, at=at(1), incident_id="INC-candidate")
    joining = TimelineEntry(incident_id="", at=at(1), kind=TimelineKind.ALARM_JOINED, text="joined")

    result = store.open_or_join(candidate, alarm, never_drafted, joining)

    assert result.applied == (Applied.DUPLICATE if redelivered else Applied.JOINED)
    assert result.incident_id == first.id


# --- the read under faults ----------------------------------------------------------------------------------------


def throttled(client: Any, operation: str, times: int) -> Callable[[], int]:
    """The next ``times`` calls of ``operation`` are answered by DynamoDB's throttling error, as AWS answers it (so
    the SDK retries it); answers how many were."""
    throttles: list[int] = []

    def answer(request: Any, **kwargs: Any) -> AWSResponse | None:
        if not kwargs.get("event_name", "").endswith(f".{operation}") or len(throttles) >= times:
            return None
        throttles.append(1)
        body = {"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException", "message": "Rate exceeded"}
        headers = {"x-amzn-RequestId": "throttled", "Content-Type": "application/x-amz-json-1.0"}
        return AWSResponse(request.url, 400, headers, MockRawResponse(json.dumps(body)))  # type: ignore[arg-type]

    client.meta.events.register_first("before-send.dynamodb", answer)
    return lambda: len(throttles)


def test_a_read_cancelled_by_a_concurrent_transaction_reads_each_item_alone(intake: Intake) -> None:
    event = alarm_event("ALARM", at(0))
    opened, _, _ = intake.deliver(event)
    faults = Faults(intake.store._client).refuse(READ, 1, "TransactionCanceledException")

    again, calls, renders = intake.deliver(event)

    assert faults.injected[READ] == 1
    assert calls == [READ, "GetItem", "GetItem"]
    assert (again.applied, again.incident_id, renders) == (Applied.DUPLICATE, opened.incident_id, 0)


@pytest.mark.parametrize("fault", ["lose_answer", "fail", "throttle"])
def test_a_read_whose_answer_was_lost_or_throttled_is_sent_again_and_the_alarm_opens_once(
    intake: Intake, fault: str
) -> None:
    client = intake.store._client
    faults = Faults(client)
    throttles = throttled(client, READ, 2) if fault == "throttle" else lambda: 0
    if fault != "throttle":
        getattr(faults, fault)(READ)

    opened, calls, renders = intake.deliver(alarm_event("ALARM", at(0)))
    again, _, _ = intake.deliver(alarm_event("ALARM", at(0)))

    assert faults.injected[READ] + throttles() == (2 if fault == "throttle" else 1)
    assert calls.count(WRITE) == 1 and renders == 1
    assert opened.applied == Applied.OPENED and again.applied == Applied.DUPLICATE
    assert [incident.id for incident in intake.store.list_incidents()] == [opened.incident_id]


def test_a_read_refused_outright_writes_nothing_and_the_event_delivered_again_opens_once(intake: Intake) -> None:
    """A refusal the SDK does not retry reaches ingest, which raises: the invocation fails and the platform delivers
    the event again; nothing was written or sent in between."""
    event = alarm_event("ALARM", at(0))
    faults = Faults(intake.store._client).refuse(READ, 1, "ProvisionedThroughputExceededException")

    with pytest.raises(ClientError, match="ProvisionedThroughputExceeded"):
        intake.deliver(event)
    assert intake.store.list_incidents() == [] and intake.sender.sent == [] and intake.renders == 0

    opened, _, renders = intake.deliver(event)

    assert faults.injected[READ] == 1
    assert opened.applied == Applied.OPENED and renders == 1
    assert [incident.id for incident in intake.store.list_incidents()] == [opened.incident_id]
