"""SesEmailSender on moto (SES v2 SendEmail), and the ingest function's permission to send, scoped to the sender.

The sender hands SES raw MIME, so what moto records (``ses_backends[account][region].sent_messages``) parses
back into exactly the from, to, subject, text, HTML and headers we sent.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from incident_comms.adapters.ses import SesEmailSender
from incident_comms.local.cfn import resources_of_type
from incident_comms.team.emails import Email

SENDER = "incidents@example.com"
REGION = "eu-west-1"


def sent_messages() -> list[dict[str, Any]]:
    from incident_comms.local.outbox import sent_emails

    return sent_emails(REGION)


@pytest.fixture
def sesv2(aws: None) -> Any:
    return boto3.client("sesv2", region_name=REGION)


def an_email(**changes: Any) -> Email:
    fields: dict[str, Any] = {
        "to": ["marta@example.org", "jorge@example.org"],
        "subject": "[SEV1][Investigando] API pública — aprobación necesaria",
        "text": "Texto <b>plano</b>",
        "html": "<p>Texto &lt;b&gt;plano&lt;/b&gt;</p>",
        "headers": {"X-Incident-Id": "INC-1"},
    }
    return Email(**{**fields, **changes})


def test_sends_from_a_verified_address_and_moto_records_it(sesv2: Any) -> None:
    sesv2.create_email_identity(EmailIdentity=SENDER)

    message_id = SesEmailSender(sesv2, SENDER).send(an_email())

    (recorded,) = sent_messages()
    assert recorded["id"] == message_id
    assert recorded["from"] == SENDER
    assert recorded["to"] == ["marta@example.org", "jorge@example.org"]
    assert recorded["subject"] == "[SEV1][Investigando] API pública — aprobación necesaria"
    assert recorded["text"].strip() == "Texto <b>plano</b>"
    assert recorded["html"].strip() == "<p>Texto &lt;b&gt;plano&lt;/b&gt;</p>"
    assert recorded["headers"]["X-Incident-Id"] == "INC-1"


def test_a_verified_domain_covers_its_addresses(sesv2: Any) -> None:
    sesv2.create_email_identity(EmailIdentity="example.com")

    SesEmailSender(sesv2, SENDER).send(an_email())

    assert len(sent_messages()) == 1


def test_the_emails_own_sender_wins_over_the_default(sesv2: Any) -> None:
    sesv2.create_email_identity(EmailIdentity="example.com")

    SesEmailSender(sesv2, SENDER).send(an_email(sender="Incidents <other@example.com>"))

    assert sent_messages()[0]["from"] == "Incidents <other@example.com>"


def test_an_unverified_sender_is_rejected_and_nothing_is_sent(sesv2: Any) -> None:
    with pytest.raises(ClientError) as raised:
        SesEmailSender(sesv2, SENDER).send(an_email())

    assert raised.value.response["Error"]["Code"] == "MessageRejected"
    assert sent_messages() == []


@pytest.mark.parametrize(
    "function",
    [
        "IngestAlarmFunction",
        "AlertWorkerFunction",
        "ApprovalsApiFunction",
        "ApprovalTimeoutFunction",
        "SubscribeFunction",
        "DeliveryReportFunction",
        "UpdatePrompterFunction",
        "LifecycleTimerFunction",
    ],
)
def test_functions_that_email_may_send_only_as_the_sender(template: dict[str, Any], function: str) -> None:
    ingest = resources_of_type(template, "AWS::Serverless::Function")[function]
    statements = [statement for policy in ingest["Policies"] for statement in policy["Statement"]]
    sending = [s for s in statements if any(action.startswith("ses:Send") for action in s["Action"])]

    (statement,) = sending
    assert statement["Action"] == ["ses:SendEmail"]
    resources = [resource["Fn::Sub"] for resource in statement["Resource"]]
    assert resources == [
        "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SenderAddress}",
        "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SenderDomain}",
    ]
    assert statement["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "SenderAddress"}}}
    variables = {**template["Globals"]["Function"]["Environment"]["Variables"], **ingest.get("Environment", {})}
    assert variables["SENDER_ADDRESS"] == {"Ref": "SenderAddress"}
