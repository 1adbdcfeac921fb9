"""The publication sweeper on moto: approved updates whose hand-off never reached the publisher are asked for again."""

from __future__ import annotations

from datetime import timedelta
from types import ModuleType

import boto3
import pytest

from incident_comms.clock import ManualClock
from incident_comms.composition import Services
from incident_comms.delivery.publishing import PublishRequest
from incident_comms.incidents.models import Delivery, DeliveryState, MessageStatus, Publication, TimelineKind
from incident_comms.incidents.operators import NoOperators
from incident_comms.plan.models import Phase
from tests.conftest import FakeLambdaContext, load_handler_module
from tests.factories import approve_stored, emitted_metrics, make_alarm, stored_incident, stored_newer
from tests.faults import FOR_GOOD, Faults
from tests.handlers.conftest import STARTED, ComposeServices


@pytest.fixture
def deps(compose_services: ComposeServices) -> Services:
    queue = boto3.client("sqs").create_queue(QueueName="publish")["QueueUrl"]
    return compose_services(publish_queue_url=queue)


@pytest.fixture(scope="module")
def handler() -> ModuleType:
    return load_handler_module("publication_sweeper")


def approved_without_hand_off(deps: Services) -> Publication:
    """What an approval leaves behind when the publish queue refused: the publication, and nothing on the queue."""
    _, message = stored_incident(deps.store, deps.plan, make_alarm(), at=STARTED)
    return approve_stored(deps.store, message, STARTED)[1]


def move_clock(deps: Services, delta: timedelta) -> None:
    assert isinstance(deps.clock, ManualClock)
    deps.clock.advance(delta)


def queued(deps: Services) -> list[PublishRequest]:
    sqs = boto3.client("sqs")
    answer = sqs.receive_message(QueueUrl=deps.settings.publish_queue_url, MaxNumberOfMessages=10)
    return [PublishRequest.model_validate_json(message["Body"]) for message in answer.get("Messages", [])]


def resent_entries(deps: Services, incident_id: str) -> list[str]:
    return [
        entry.text
        for entry in deps.store.timeline(incident_id)
        if entry.kind == TimelineKind.PUBLISH_REQUESTED and entry.data.get("resent")
    ]


def test_a_stalled_publication_is_asked_for_again_once_and_shown_on_the_timeline(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    publication = approved_without_hand_off(deps)
    move_clock(deps, timedelta(minutes=6))

    answer = handler.lambda_handler({"detail-type": "Scheduled Event"}, lambda_context)

    assert answer["PublicationsResent"] == 1
    assert queued(deps) == [PublishRequest.of(publication)]
    (text,) = resent_entries(deps, publication.incident_id)
    assert "6 minutes" in text and publication.message_id in text
    assert emitted_metrics(capsys.readouterr().out)["PublicationsResent"] == 1


def test_a_stalled_publication_older_than_one_handed_over_after_it_is_left_alone(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    older = approved_without_hand_off(deps)
    first = deps.store.get_message(older.incident_id, older.message_id)
    assert first is not None
    newer = stored_newer(deps.store, first, Phase.IDENTIFIED, STARTED + timedelta(minutes=1))
    newer_publication = approve_stored(deps.store, newer, STARTED + timedelta(minutes=1), "b" * 16)[1]
    move_clock(deps, timedelta(minutes=7))

    answer = handler.lambda_handler({}, lambda_context)

    assert answer["PublicationsResent"] == 1
    assert queued(deps) == [PublishRequest.of(newer_publication)], "asking for the older one would only be refused"
    assert [older.message_id in text for text in resent_entries(deps, older.incident_id)] == [False]


def test_a_publication_still_within_its_queue_time_is_left_alone(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    publication = approved_without_hand_off(deps)
    move_clock(deps, timedelta(minutes=2))

    assert handler.lambda_handler({}, lambda_context)["PublicationsResent"] == 0
    assert queued(deps) == []
    assert resent_entries(deps, publication.incident_id) == []


def test_a_publication_the_publisher_started_is_not_asked_for_again(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    publication = approved_without_hand_off(deps)
    deps.store.claim_delivery(
        Delivery(
            incident_id=publication.incident_id,
            message_id=publication.message_id,
            version=1,
            channel_id="status-page",
            kind="status_page",
            claimed_at=STARTED,
        )
    )
    move_clock(deps, timedelta(minutes=30))

    assert handler.lambda_handler({}, lambda_context)["PublicationsResent"] == 0
    assert queued(deps) == []


def test_a_publication_a_day_old_is_left_alone(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    old = approved_without_hand_off(deps)
    move_clock(deps, timedelta(hours=25))

    assert handler.lambda_handler({}, lambda_context)["PublicationsResent"] == 0
    assert queued(deps) == []
    assert resent_entries(deps, old.incident_id) == []


def test_a_publication_of_a_message_edited_since_is_left_alone(
    deps: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    superseded = approved_without_hand_off(deps)
    message = deps.store.get_message(superseded.incident_id, superseded.message_id)
    assert message is not None
    moved = message.model_copy(
        update={"version": 2, "status": MessageStatus.AWAITING_APPROVAL, "revision": message.revision + 1}
    )
    deps.store.save_decision(message, moved, "b" * 16, STARTED + timedelta(days=2), [], None)
    move_clock(deps, timedelta(minutes=10))

    assert handler.lambda_handler({}, lambda_context)["PublicationsResent"] == 0
    assert queued(deps) == []


def test_a_queue_that_still_refuses_is_logged_and_counted_and_tried_again_by_the_next_sweep(
    deps: Services,
    handler: ModuleType,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    publication = approved_without_hand_off(deps)
    sqs = boto3.client("sqs")
    sqs.delete_queue(QueueUrl=deps.settings.publish_queue_url)
    move_clock(deps, timedelta(minutes=6))

    answer = handler.lambda_handler({}, lambda_context)

    assert answer["PublicationResendsFailed"] == 1
    assert emitted_metrics(capsys.readouterr().out)["PublicationResendsFailed"] == 1
    assert "publish request refused again" in [r.message for r in caplog.records if r.levelname == "WARNING"]
    assert resent_entries(deps, publication.incident_id) == []

    sqs.create_queue(QueueName="publish")
    move_clock(deps, timedelta(minutes=5))
    assert handler.lambda_handler({}, lambda_context)["PublicationsResent"] == 1
    assert queued(deps) == [PublishRequest.of(publication)]


@pytest.fixture
def publishing(publishing_services: ComposeServices) -> Services:
    queue = boto3.client("sqs").create_queue(QueueName="publish")["QueueUrl"]
    return publishing_services(publish_queue_url=queue)


def left_on_sms(deps: Services, state: DeliveryState) -> Delivery:
    """An approved message whose SMS channel a publisher claimed and left in ``state``."""
    publication = approved_without_hand_off(deps)
    claim = Delivery(
        incident_id=publication.incident_id,
        message_id=publication.message_id,
        version=publication.version,
        channel_id="sms-customers",
        kind="sns",
        claimed_at=STARTED,
        state=DeliveryState.CLAIMED,
    )
    assert deps.store.claim_delivery(claim) is None
    if state == DeliveryState.SENDING:
        assert deps.store.advance_delivery(claim.model_copy(update={"state": state}), claim)
    return claim


def test_a_claim_left_before_sending_is_sent_once_by_the_sweeper(
    publishing: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    claim = left_on_sms(publishing, DeliveryState.CLAIMED)
    faults = Faults(publishing.sns)
    move_clock(publishing, timedelta(minutes=6))

    answer = handler.lambda_handler({"detail-type": "Scheduled Event"}, lambda_context)
    again = handler.lambda_handler({"detail-type": "Scheduled Event"}, lambda_context)

    assert (answer["DeliveriesResumed"], again["DeliveriesResumed"]) == (1, 0)
    assert faults.committed["Publish"] == 1
    (record,) = publishing.store.deliveries(claim.incident_id)
    assert record.complete


def test_a_claim_left_while_sending_is_not_resent_but_reported_unknown(
    publishing: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    claim = left_on_sms(publishing, DeliveryState.SENDING)
    faults = Faults(publishing.sns)
    move_clock(publishing, timedelta(minutes=6))

    answer = handler.lambda_handler({"detail-type": "Scheduled Event"}, lambda_context)

    assert answer["DeliveriesUnknown"] == 1 and faults.tried["Publish"] == 0
    (record,) = publishing.store.deliveries(claim.incident_id)
    assert record.unknown == 1 and record.finished_at is not None
    operators = publishing.operators
    assert isinstance(operators, NoOperators)
    (alert,) = operators.told
    assert "sms-customers" in alert.text


# --- sweeps on demand --------------------------------------------------------------------------------------------

SWEEPER = "arn:aws:lambda:eu-west-1:123456789012:function:stack-sweeper"
SCHEDULER_ROLE = "arn:aws:iam::123456789012:role/scheduler"
GROUP = "incident-schedules"


@pytest.fixture
def on_demand(compose_services: ComposeServices) -> Services:
    """The sweeper as the template builds it: with the sweeper's own ARN and the scheduler role, so it arms sweeps."""
    queue = boto3.client("sqs").create_queue(QueueName="publish")["QueueUrl"]
    boto3.client("scheduler").create_schedule_group(Name=GROUP)
    return compose_services(
        publish_queue_url=queue,
        sweeper_function_arn=SWEEPER,
        scheduler_role_arn=SCHEDULER_ROLE,
        schedule_group=GROUP,
    )


def sweeps_armed(deps: Services) -> list[str]:
    scheduler = boto3.client("scheduler")
    names = [summary["Name"] for summary in scheduler.list_schedules(GroupName=GROUP)["Schedules"]]
    assert all(
        scheduler.get_schedule(GroupName=GROUP, Name=name)["Target"]["Arn"] == SWEEPER
        for name in names
        if "sweep" in name
    )
    return sorted(name for name in names if name.startswith("sweep-"))


def test_a_sweep_that_finds_nothing_open_arms_no_other_and_counts_nothing(
    on_demand: Services, handler: ModuleType, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.warns(UserWarning, match="No application metrics"):
        answer = handler.lambda_handler({"kind": "publication_sweep"}, lambda_context)

    assert answer["SweepItemsOpen"] == 0
    assert sweeps_armed(on_demand) == [], "idle, nothing runs until something is published"
    assert emitted_metrics(capsys.readouterr().out) == {}, "a custom metric is billed every hour it gets a point"


def test_a_sweep_that_sees_a_publication_too_young_to_take_over_arms_the_next(
    on_demand: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    approved_without_hand_off(on_demand)
    move_clock(on_demand, timedelta(minutes=2))

    answer = handler.lambda_handler({}, lambda_context)

    assert (answer["PublicationsResent"], answer["SweepItemsOpen"]) == (0, 1)
    assert sweeps_armed(on_demand) == ["sweep-20261122T101200Z"], "10:07 + 5 min"
    move_clock(on_demand, timedelta(minutes=5))
    assert handler.lambda_handler({}, lambda_context)["PublicationsResent"] == 1


def test_a_sweep_keeps_arming_the_next_while_the_queue_refuses_and_stops_once_it_took_it(
    on_demand: Services, handler: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    publication = approved_without_hand_off(on_demand)
    sqs = boto3.client("sqs")
    sqs.delete_queue(QueueUrl=on_demand.settings.publish_queue_url)
    move_clock(on_demand, timedelta(minutes=6))

    assert handler.lambda_handler({}, lambda_context)["PublicationResendsFailed"] == 1
    assert sweeps_armed(on_demand) == ["sweep-20261122T101600Z"], "10:11 + 5 min"

    sqs.create_queue(QueueName="publish")
    move_clock(on_demand, timedelta(minutes=5))
    assert handler.lambda_handler({}, lambda_context)["PublicationsResent"] == 1
    assert sweeps_armed(on_demand) == ["sweep-20261122T101600Z", "sweep-20261122T102100Z"], "until it starts"

    on_demand.store.claim_delivery(
        Delivery(
            incident_id=publication.incident_id,
            message_id=publication.message_id,
            version=publication.version,
            channel_id="status-page",
            kind="status_page",
            claimed_at=on_demand.clock.now(),
            state=DeliveryState.CLAIMED,
        )
    )
    move_clock(on_demand, timedelta(minutes=4, seconds=30))
    answer = handler.lambda_handler({}, lambda_context)
    assert answer["SweepItemsOpen"] == 1, "the claim's lease has not expired: the next sweep must see it"
    assert sweeps_armed(on_demand)[-1] == "sweep-20261122T102600Z", "10:20:30 + 5 min, the next minute"


def test_a_sweep_the_scheduler_will_not_arm_is_logged_and_counted_and_the_sweep_still_succeeds(
    on_demand: Services,
    handler: ModuleType,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    approved_without_hand_off(on_demand)
    Faults(on_demand.scheduler).refuse("CreateSchedule", times=FOR_GOOD, code="AccessDeniedException")

    answer = handler.lambda_handler({}, lambda_context)

    assert answer["SweepItemsOpen"] == 1
    assert emitted_metrics(capsys.readouterr().out)["SweepArmFailed"] == 1
    assert "sweep not armed; the hourly backstop will sweep" in [r.message for r in caplog.records]
