"""Sends under faults (issue 14): a lost answer is never resent, a send that could not be made is retried by us,
and one that fails for good is on the timeline and told to the operators. Clients as composition builds them
(SDK retries off), on moto; faults from tests/faults.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config

from incident_comms.adapters.dynamodb import DynamoIncidentStore
from incident_comms.adapters.operators import SnsOperatorAlerts
from incident_comms.adapters.ses import SesEmailSender
from incident_comms.adapters.sns import SnsChannel
from incident_comms.composition import _sends_config
from incident_comms.delivery.manual import ManualChannel
from incident_comms.delivery.publishing import ChannelJob, PublishRequest, publish_message
from incident_comms.errors import OutcomeUnknown
from incident_comms.incidents.models import TimelineKind
from incident_comms.incidents.operators import NoOperators, OperatorAlert
from incident_comms.plan.models import ChannelKind, Plan
from incident_comms.team.emails import Email
from tests.factories import OPENED, approve_stored, make_alarm, opened_incident, stored_incident
from tests.faults import FOR_GOOD, Faults

pytestmark = pytest.mark.usefixtures("aws", "no_retry_waits")

NOW = OPENED + timedelta(minutes=5)
SENDER = "incidents@example.com"


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sns() -> Any:
    return boto3.client("sns", config=_sends_config())


@pytest.fixture
def topic_arn(sns: Any) -> str:
    return str(sns.create_topic(Name="incident-comms-customers")["TopicArn"])


def sns_job(plan: Plan) -> ChannelJob:
    incident, message = opened_incident(plan)
    draft = next(draft for draft in message.drafts if draft.channel_id == "sms-customers")
    channel = next(channel for channel in plan.channels.channels if channel.id == "sms-customers")
    return ChannelJob(plan, incident, message, draft, channel, NOW)


def test_the_sending_clients_have_no_sdk_retries() -> None:
    assert _sends_config().retries == {"total_max_attempts": 1}


def test_with_sdk_retries_a_lost_publish_answer_went_out_twice(plan: Plan, topic_arn: str) -> None:
    """The bug of issue 14, kept as a measure: the SDK's own retry resends the publish."""
    retrying = boto3.client("sns", config=Config(retries={"total_max_attempts": 3}))
    faults = Faults(retrying).lose_answer("Publish")

    SnsChannel(retrying, topic_arn, sleep=Sleeps()).publish(sns_job(plan))

    assert faults.committed["Publish"] == 2


def test_a_lost_publish_answer_is_sent_once_and_recorded_unknown(plan: Plan, sns: Any, topic_arn: str) -> None:
    faults = Faults(sns).lose_answer("Publish")
    sleeps = Sleeps()

    result = SnsChannel(sns, topic_arn, sleep=sleeps).publish(sns_job(plan))

    assert faults.committed["Publish"] == 1 and faults.tried["Publish"] == 1
    assert (result.attempted, result.delivered, result.failed, result.unknown) == (1, 0, 0, 1)
    assert "not resent" in (result.detail or "") and sleeps == []


@pytest.mark.parametrize("fault", ["fail", "throttle"])
def test_a_publish_that_did_not_go_out_once_is_delivered_once_after_our_retry(
    plan: Plan, sns: Any, topic_arn: str, fault: str
) -> None:
    faults = Faults(sns)
    faults.fail("Publish") if fault == "fail" else faults.refuse("Publish", code="Throttling")
    sleeps = Sleeps()

    result = SnsChannel(sns, topic_arn, sleep=sleeps).publish(sns_job(plan))

    assert (faults.tried["Publish"], faults.committed["Publish"]) == (2, 1)
    assert (result.delivered, result.failed, result.unknown) == (1, 0, 0)
    assert len(sleeps) == 1


def approved(store: DynamoIncidentStore, plan: Plan) -> Any:
    _, message = stored_incident(store, plan, make_alarm(), at=OPENED)
    return approve_stored(store, message, NOW, "f" * 16)


def test_a_publish_failing_for_good_is_on_the_timeline_and_told_to_operators(
    plan: Plan, store: DynamoIncidentStore, sns: Any, topic_arn: str
) -> None:
    message, publication = approved(store, plan)
    faults = Faults(sns).fail("Publish", FOR_GOOD)
    operators = NoOperators()
    publishers: dict[ChannelKind, Any] = {ChannelKind.SNS: SnsChannel(sns, topic_arn, sleep=Sleeps())}

    publish_message(PublishRequest.of(publication).model_dump(), plan, store, publishers, NOW, operators=operators)

    sns_channels = {draft.channel_id for draft in message.drafts if draft.kind == ChannelKind.SNS}
    assert faults.committed["Publish"] == 0 and faults.tried["Publish"] == 4 * len(sns_channels)
    failed = [e for e in store.timeline(message.incident_id) if e.kind == TimelineKind.DELIVERY_FAILED]
    assert {entry.data["channel_id"] for entry in failed} >= sns_channels
    told = [alert for alert in operators.told if any(channel in alert.text for channel in sns_channels)]
    assert len(told) == len(sns_channels)


def test_a_lost_publish_answer_in_publishing_is_recorded_unknown_and_counted_from_records(
    plan: Plan, store: DynamoIncidentStore, sns: Any, topic_arn: str
) -> None:
    message, publication = approved(store, plan)
    faults = Faults(sns).lose_answer("Publish", FOR_GOOD)
    operators = NoOperators()
    publishers: dict[ChannelKind, Any] = {ChannelKind.SNS: SnsChannel(sns, topic_arn, sleep=Sleeps())}

    publish_message(PublishRequest.of(publication).model_dump(), plan, store, publishers, NOW, operators=operators)

    sns_channels = {draft.channel_id for draft in message.drafts if draft.kind == ChannelKind.SNS}
    assert faults.committed["Publish"] == len(sns_channels)
    records = {d.channel_id: d for d in store.deliveries(message.incident_id)}
    assert all(records[channel].unknown == 1 and records[channel].finished_at for channel in sns_channels)
    (published,) = [e for e in store.timeline(message.incident_id) if e.kind == TimelineKind.PUBLISHED]
    assert "outcome unknown on" in published.text
    assert all(published.data["channels"][channel]["unknown"] == 1 for channel in sns_channels)
    assert len(operators.told) >= len(sns_channels)


@pytest.fixture
def sesv2() -> Any:
    client = boto3.client("sesv2", config=_sends_config())
    client.create_email_identity(EmailIdentity=SENDER)
    return client


def an_email() -> Email:
    return Email(to=["marta@example.org"], subject="Aviso", text="Texto", html="<p>Texto</p>", headers={})


def test_a_lost_send_email_answer_is_sent_once_and_raised_as_unknown(sesv2: Any) -> None:
    faults = Faults(sesv2).lose_answer("SendEmail")

    with pytest.raises(OutcomeUnknown):
        SesEmailSender(sesv2, SENDER, sleep=Sleeps()).send(an_email())

    assert faults.committed["SendEmail"] == 1


def test_a_send_email_that_could_not_connect_once_is_sent_once_after_our_retry(sesv2: Any) -> None:
    faults = Faults(sesv2).fail("SendEmail")

    SesEmailSender(sesv2, SENDER, sleep=Sleeps()).send(an_email())

    assert (faults.tried["SendEmail"], faults.committed["SendEmail"]) == (2, 1)


def manual_job(plan: Plan) -> ChannelJob | None:
    incident, message = opened_incident(plan)
    for draft in message.drafts:
        channel = next(channel for channel in plan.channels.channels if channel.id == draft.channel_id)
        if channel.kind == ChannelKind.MANUAL and channel.notify:
            return ChannelJob(plan, incident, message, draft, channel, NOW)
    return None


def test_a_manual_channel_records_a_lost_send_email_answer_as_unknown(plan: Plan, sesv2: Any) -> None:
    job = manual_job(plan)
    assert job is not None, "the plan has a manual channel with people to notify"
    faults = Faults(sesv2).lose_answer("SendEmail", FOR_GOOD)

    result = ManualChannel(SesEmailSender(sesv2, SENDER, sleep=Sleeps())).publish(job)

    assert faults.committed["SendEmail"] == result.attempted
    assert (result.delivered, result.failed, result.unknown) == (0, 0, result.attempted)


def test_a_send_email_refused_for_good_reaches_the_caller_after_our_tries(sesv2: Any) -> None:
    faults = Faults(sesv2).refuse("SendEmail", FOR_GOOD, code="Throttling")

    with pytest.raises(Exception, match="Throttling"):
        SesEmailSender(sesv2, SENDER, sleep=Sleeps()).send(an_email())

    assert (faults.tried["SendEmail"], faults.committed["SendEmail"]) == (4, 0)


@pytest.fixture
def operators_topic(sns: Any) -> str:
    return str(sns.create_topic(Name="incident-comms-operators")["TopicArn"])


@pytest.mark.parametrize("fault", ["fail", "lose_answer", "throttle"])
def test_an_operator_alert_that_did_not_surely_arrive_is_sent_again(sns: Any, operators_topic: str, fault: str) -> None:
    faults = Faults(sns)
    if fault == "throttle":
        faults.refuse("Publish", code="Throttling")
    else:
        getattr(faults, fault)("Publish")
    sleeps = Sleeps()

    SnsOperatorAlerts(sns, operators_topic, sleeps).tell(OperatorAlert(incident_id="INC-1", subject="s", text="t"))

    assert faults.tried["Publish"] == 2 and len(sleeps) == 1
    assert faults.committed["Publish"] == (2 if fault == "lose_answer" else 1)


def test_an_operator_alert_refused_for_good_is_tried_once(sns: Any, operators_topic: str) -> None:
    faults = Faults(sns).refuse("Publish", FOR_GOOD, code="AuthorizationError")

    with pytest.raises(Exception, match="AuthorizationError"):
        SnsOperatorAlerts(sns, operators_topic, Sleeps()).tell(
            OperatorAlert(incident_id="INC-1", subject="s", text="t")
        )

    assert faults.tried["Publish"] == 1
