"""The SNS channel on moto: one publish per update reaches the customer topic's subscribers, and filter policies
on the message attributes decide which subscription gets it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest

from incident_comms.adapters.sns import SMS_TEXT_MAX, SnsChannel, publish_request
from incident_comms.delivery.publishing import ChannelJob
from incident_comms.plan.models import Plan
from tests.factories import OPENED, opened_incident

pytestmark = pytest.mark.usefixtures("aws")


def sns_job(plan: Plan, **draft_changes: Any) -> ChannelJob:
    """The sample SEV1 API incident's first message, on the plan's SNS channel (``sms-customers``)."""
    incident, message = opened_incident(plan)
    draft = next(draft for draft in message.drafts if draft.channel_id == "sms-customers")
    channel = next(channel for channel in plan.channels.channels if channel.id == "sms-customers")
    return ChannelJob(
        plan, incident, message, draft.model_copy(update=draft_changes), channel, OPENED + timedelta(minutes=5)
    )


def subscribed_queue(topic_arn: str, name: str, policy: dict[str, Any] | None) -> str:
    """An SQS queue subscribed to the topic (with ``policy`` as its filter policy); answers the queue URL."""
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    attributes = {"FilterPolicy": json.dumps(policy)} if policy else {}
    boto3.client("sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes=attributes)
    return url


def received(url: str) -> list[dict[str, Any]]:
    """The SNS notifications waiting in a queue, parsed."""
    messages = boto3.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


@pytest.fixture
def topic_arn() -> str:
    return str(boto3.client("sns").create_topic(Name="incident-comms-customers")["TopicArn"])


def test_one_publish_reaches_the_subscriptions_whose_filter_matches(plan: Plan, topic_arn: str) -> None:
    api_sev1 = subscribed_queue(topic_arn, "api-sev1", {"component": ["api"], "severity": ["SEV1"]})
    spanish = subscribed_queue(topic_arn, "spanish", {"locale": ["es"], "phase": ["investigating"]})
    invoicing = subscribed_queue(topic_arn, "invoicing-only", {"component": ["invoicing"]})
    job = sns_job(plan)

    result = SnsChannel(boto3.client("sns"), topic_arn).publish(job)

    assert (result.attempted, result.delivered, result.failed) == (1, 1, 0)
    assert result.detail is not None and "SMS" in result.detail and "1 GSM-7 segment(s)" in result.detail  # no accent
    (notification,) = received(api_sev1)
    assert notification["Message"] == job.draft.text
    assert notification["Subject"] == "Nubeteca · API pública: Investigando"
    assert {name: value["Value"] for name, value in notification["MessageAttributes"].items()} == {
        "component": "api",
        "severity": "SEV1",
        "phase": "investigating",
        "locale": "es",
        "channel": "sms-customers",
    }
    assert len(received(spanish)) == 1
    assert received(invoicing) == [], "a subscription filtered to another component hears nothing"


def test_a_hostile_long_multi_line_draft_is_published_within_sns_and_sms_limits(plan: Plan, topic_arn: str) -> None:
    queue = subscribed_queue(topic_arn, "everything", None)
    hostile_text = "Caída total\r\n<b>prod</b>\x00\n\n" + "texto muy largo con acentos: información " * 60
    job = sns_job(plan, subject="Asunto\r\nBcc: x@evil.example " + "largo " * 40, text=hostile_text)

    request = publish_request(job, topic_arn)
    result = SnsChannel(boto3.client("sns"), topic_arn).publish(job)

    assert result.delivered == 1
    per_protocol = json.loads(request["Message"])
    assert len(per_protocol["sms"]) <= SMS_TEXT_MAX
    assert "\n" not in per_protocol["sms"] and "\x00" not in per_protocol["sms"]
    assert per_protocol["default"] == per_protocol["email"]
    assert per_protocol["default"].startswith("Caída total\r\n<b>prod</b>\n\n"), "the full text keeps its lines"
    assert len(request["Subject"]) < 100
    assert "\n" not in request["Subject"] and "\r" not in request["Subject"]
    (notification,) = received(queue)
    assert notification["Subject"] == request["Subject"]
    assert notification["Message"] == per_protocol["default"]


def test_a_refusal_by_sns_is_one_failed_delivery_with_the_reason(plan: Plan) -> None:
    missing = "arn:aws:sns:eu-west-1:123456789012:no-such-topic"

    result = SnsChannel(boto3.client("sns"), missing).publish(sns_job(plan))

    assert (result.attempted, result.delivered, result.failed) == (1, 0, 1)
    assert result.detail is not None and result.detail.startswith("SNS refused the publish: NotFound")


def test_no_configured_topic_is_a_failed_delivery_that_says_so(plan: Plan) -> None:
    result = SnsChannel(boto3.client("sns"), "").publish(sns_job(plan))

    assert (result.attempted, result.failed) == (1, 1)
    assert result.detail is not None and "CUSTOMER_TOPIC_ARN" in result.detail


def test_a_draft_without_text_is_not_published(plan: Plan, topic_arn: str) -> None:
    queue = subscribed_queue(topic_arn, "everything", None)

    result = SnsChannel(boto3.client("sns"), topic_arn).publish(sns_job(plan, text=" \n\x00 "))

    assert (result.attempted, result.failed) == (1, 1)
    assert received(queue) == []
