"""Handler fixtures: the services a handler builds on a cold start, over moto, installed for one test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from incident_comms.clock import ManualClock
from incident_comms.composition import Services, Settings, use_services
from tests.conftest import REPO

SENDER = "incidents@example.com"
"""The SES identity the handlers send from (verified in moto unless a test deletes it)."""

STARTED = datetime(2026, 11, 22, 10, 5, tzinfo=UTC)
"""Where the handlers' manual clock starts."""

ComposeServices = Callable[..., Services]


@pytest.fixture
def compose_services(table_name: str, approval_key_parameter: str) -> Iterator[ComposeServices]:
    """Install the Services a handler uses: the repo's plan, the template's table, a verified sender, the approval
    key parameter and a manual clock, plus the ``Settings`` fields a test module passes. Uninstalled after the test,
    so no other test sees them."""
    boto3.client("sesv2").create_email_identity(EmailIdentity=SENDER)

    def compose(**settings: Any) -> Services:
        services = Services(
            Settings(
                table_name=table_name,
                plan_dir=REPO / "plan",
                sender_address=SENDER,
                approval_key_parameter=approval_key_parameter,
                **settings,
            ),
            ManualClock(STARTED),
        )
        use_services(services)
        return services

    yield compose
    use_services(None)


@pytest.fixture
def publishing_services(compose_services: ComposeServices) -> ComposeServices:
    """``compose_services`` with what every publishing channel needs made first: the customer SNS topic, the status
    page bucket, the email batch queue, the contact list and an empty chat-webhooks parameter."""

    def compose(**settings: Any) -> Services:
        topic = boto3.client("sns").create_topic(Name="customers")["TopicArn"]
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="status", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        queue = boto3.client("sqs").create_queue(QueueName="email-batches")["QueueUrl"]
        boto3.client("sesv2").create_contact_list(ContactListName="subscribers")
        webhooks = "/incident-comms/test/chat-webhooks"
        boto3.client("ssm").put_parameter(Name=webhooks, Value="{}", Type="SecureString")
        return compose_services(
            customer_topic_arn=topic,
            status_page_bucket="status",
            email_batch_queue_url=queue,
            contact_list="subscribers",
            chat_webhooks_parameter=webhooks,
            **settings,
        )

    return compose
