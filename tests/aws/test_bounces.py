"""Bounces and complaints on moto: the DynamoDB bounce ledger, suppression in the SES contact list, the tags the
bulk sender puts on every email, and the local mailbox simulator that turns them into SES events on SNS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from incident_comms.adapters.contacts import SesContactDirectory
from incident_comms.adapters.email_ledgers import DynamoBounceLedger
from incident_comms.adapters.ses_bulk import SesBulkEmailSender
from incident_comms.cli.main import main
from incident_comms.delivery.email.batches.models import BulkEmail, BulkEntry
from incident_comms.delivery.email.bounces import BounceRecord, FeedbackKind
from incident_comms.delivery.email.feedback import attribution, parse_ses_event
from incident_comms.delivery.email.tags import mail_tags
from incident_comms.errors import BadInput
from incident_comms.local.ses_bulk import SesBulkEmail, moto_server_with_bulk_email, simulated_event
from incident_comms.plan.models import Plan
from incident_comms.subscribers.directory import Added
from incident_comms.subscribers.models import new_subscriber, plan_topics
from tests.conftest import REPO

AT = datetime(2026, 11, 22, 10, 31, tzinfo=UTC)
LIST = "subscribers-test"
SENDER = "avisos@nubeteca.example"
CONFIGURATION_SET = "feedback-test"


def bounce(address: str = "ana@cliente.example", **changes: Any) -> BounceRecord:
    values: dict[str, Any] = {
        "incident_id": "INC-1",
        "message_id": "investigating-ab",
        "version": 1,
        "channel_id": "email-customers-es",
        "address": address,
        "kind": FeedbackKind.BOUNCE,
        "at": AT,
        "detail": "Permanent/General",
    }
    return BounceRecord(**{**values, **changes})


# --- the ledger --------------------------------------------------------------------------------------------------


@pytest.fixture
def ledger(table_name: str) -> DynamoBounceLedger:
    return DynamoBounceLedger(boto3.client("dynamodb"), table_name)


def test_a_recipient_is_recorded_once_per_message_version_and_channel(ledger: DynamoBounceLedger) -> None:
    assert ledger.record_bounce(bounce()) is True
    assert ledger.record_bounce(bounce()) is False  # the redelivered notification
    assert ledger.record_bounce(bounce(kind=FeedbackKind.COMPLAINT, detail="abuse")) is False  # same recipient
    assert ledger.record_bounce(bounce(version=2)) is True
    assert ledger.record_bounce(bounce(channel_id="email-customers-latam")) is True
    assert ledger.record_bounce(bounce("bo@cliente.example")) is True
    assert ledger.record_bounce(bounce(incident_id="INC-2")) is True

    found = ledger.bounces("INC-1")

    assert sorted((r.address, r.version, r.channel_id) for r in found) == [
        ("ana@cliente.example", 1, "email-customers-es"),
        ("ana@cliente.example", 1, "email-customers-latam"),
        ("ana@cliente.example", 2, "email-customers-es"),
        ("bo@cliente.example", 1, "email-customers-es"),
    ]
    assert bounce() in found  # every field back as recorded (the first one: a bounce, not the complaint)


def test_the_notice_is_claimed_once_per_channel_and_is_no_bounce(ledger: DynamoBounceLedger, table_name: str) -> None:
    assert ledger.claim_notice("INC-1", "investigating-ab", 1, "email-customers-es") is True
    assert ledger.claim_notice("INC-1", "investigating-ab", 1, "email-customers-es") is False
    assert ledger.claim_notice("INC-1", "investigating-ab", 2, "email-customers-es") is True

    assert ledger.bounces("INC-1") == []
    item = boto3.client("dynamodb").scan(TableName=table_name)["Items"][0]
    assert item["pk"] == {"S": "INCIDENT#INC-1"}


def test_the_key_holds_a_hash_of_the_address_never_the_address(ledger: DynamoBounceLedger, table_name: str) -> None:
    ledger.record_bounce(bounce("a.very.long.address+with-a-label@cliente.example"))

    (item,) = boto3.client("dynamodb").scan(TableName=table_name)["Items"]
    sort = item["sk"]["S"]
    assert sort.startswith("BOUNCE#investigating-ab#v0001#email-customers-es#") and len(sort.rsplit("#", 1)[1]) == 32
    assert "cliente" not in sort


# --- suppression in the contact list -----------------------------------------------------------------------------


@pytest.fixture
def directory(aws: None, plan: Plan) -> SesContactDirectory:
    client = boto3.client("sesv2")
    client.create_contact_list(ContactListName=LIST)
    directory = SesContactDirectory(client, LIST, plan_topics(plan))
    directory.add(new_subscriber(plan, "ana@cliente.example", ["api"]))
    directory.add(new_subscriber(plan, "bo@cliente.example", ["api"]))
    return directory


def test_a_suppressed_address_is_no_recipient_and_an_import_does_not_add_it_back(
    directory: SesContactDirectory, plan: Plan
) -> None:
    assert directory.suppress("Ana@cliente.example", "bounce (Permanent/General) on email-customers-es") is True

    assert list(directory.recipients("api", "customers_es", "es")) == ["bo@cliente.example"]
    assert directory.suppression("ana@cliente.example") == "bounce (Permanent/General) on email-customers-es"
    assert directory.suppression("bo@cliente.example") is None
    (ana,) = [s for s in directory.list() if s.email == "ana@cliente.example"]
    assert ana.unsubscribed and (ana.locale, ana.audience) == ("es", "customers_es")
    report = directory.import_csv([new_subscriber(plan, "ana@cliente.example", ["web"])])
    assert report.kept_unsubscribed == ["ana@cliente.example"]
    assert directory.add(new_subscriber(plan, "ana@cliente.example", ["api"])) == Added.KEPT_UNSUBSCRIBED
    assert list(directory.recipients("api", "customers_es", "es")) == ["bo@cliente.example"]


def test_suppressing_twice_keeps_the_latest_reason_and_an_unknown_address_is_false(
    directory: SesContactDirectory,
) -> None:
    directory.suppress("ana@cliente.example", "bounce")
    assert directory.suppress("ana@cliente.example", "complaint (abuse)") is True
    assert directory.suppression("ana@cliente.example") == "complaint (abuse)"
    assert directory.suppress("nobody@cliente.example", "bounce") is False


def test_suppressing_in_a_missing_list_is_bad_input(aws: None) -> None:
    directory = SesContactDirectory(boto3.client("sesv2"), "no-such-list")

    with pytest.raises(BadInput, match="does not exist"):
        directory.suppress("ana@cliente.example", "bounce")


def test_the_listing_command_says_why_an_address_was_suppressed(
    directory: SesContactDirectory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    directory.suppress("ana@cliente.example", "complaint (abuse) on email-customers-es")
    directory.unsubscribe("bo@cliente.example")
    monkeypatch.setenv("CONTACT_LIST_NAME", LIST)
    monkeypatch.setenv("INCIDENT_COMMS_PLAN_DIR", str(REPO / "plan"))

    code = main(["subscribers", "list"])

    lines = {line["email"]: line for line in map(json.loads, capsys.readouterr().out.splitlines())}
    assert code == 0
    assert lines["ana@cliente.example"]["unsubscribed"] is True
    assert lines["ana@cliente.example"]["suppressed"] == "complaint (abuse) on email-customers-es"
    assert lines["bo@cliente.example"]["unsubscribed"] is True and "suppressed" not in lines["bo@cliente.example"]


# --- tags and the local mailbox simulator ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("bounce@simulator.amazonses.com", "bounce"),
        ("Bounce+sample@Simulator.AmazonSES.com", "bounce"),
        ("complaint+x@simulator.amazonses.com", "complaint"),
        ("success@simulator.amazonses.com", None),
        ("bounce@cliente.example", None),
    ],
)
def test_mailbox_simulator_addresses(address: str, kind: str | None) -> None:
    assert simulated_event(address) == kind


@pytest.fixture
def feedback_rig(aws: None) -> Iterator[tuple[SesBulkEmail, Any, str]]:
    """SendBulkEmail on a moto server (sharing mock_aws's backends), a verified sender, and an SQS queue
    subscribed to the configuration set's event destination topic."""
    with moto_server_with_bulk_email() as (bulk, endpoint):
        sesv2 = boto3.client("sesv2", endpoint_url=endpoint)
        sesv2.create_email_identity(EmailIdentity=SENDER)
        sns, sqs = boto3.client("sns"), boto3.client("sqs")
        topic = sns.create_topic(Name="email-feedback")["TopicArn"]
        queue = sqs.create_queue(QueueName="feedback")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        bulk.add_event_destination(CONFIGURATION_SET, topic, ["bounce", "complaint"])
        yield bulk, sesv2, queue


def bulk_email(*addresses: str) -> BulkEmail:
    entries = tuple(BulkEntry(address, {}, ()) for address in addresses)
    tags = mail_tags("INC-20261122-1015-abc123", "investigating-ab", 2, "email-customers-es")
    return BulkEmail("Incidencia", "Texto", None, {}, entries, tags=tags)


def received(queue: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(json.loads(message["Body"])["Message"]) for message in messages]


def test_simulator_addresses_come_back_as_ses_events_naming_the_message(
    feedback_rig: tuple[SesBulkEmail, Any, str],
) -> None:
    _, sesv2, queue = feedback_rig
    sender = SesBulkEmailSender(sesv2, SENDER, CONFIGURATION_SET)

    results = sender.send_bulk(
        bulk_email("bounce@simulator.amazonses.com", "ana@cliente.example", "complaint+1@simulator.amazonses.com")
    )

    assert [result.status for result in results] == ["SUCCESS"] * 3
    events = sorted((parse_ses_event(event) for event in received(queue)), key=lambda event: event.event_type)
    assert [event.event_type for event in events] == ["Bounce", "Complaint"]
    bounced, complained = events
    assert bounced.bounce is not None and bounced.bounce.bounce_type == "Permanent"
    assert [r.email_address for r in bounced.bounce.bounced_recipients] == ["bounce@simulator.amazonses.com"]
    assert bounced.mail.message_id == results[0].message_id
    assert complained.complaint is not None and complained.mail.message_id == results[2].message_id
    for event in events:
        found = attribution(event.mail.tags)
        assert found is not None
        assert (found.incident_id, found.message_id, found.version, found.channel_id) == (
            "INC-20261122-1015-abc123",
            "investigating-ab",
            2,
            "email-customers-es",
        )
        assert event.mail.tags["ses:configuration-set"] == [CONFIGURATION_SET]


def test_without_the_configuration_set_no_event_is_published(feedback_rig: tuple[SesBulkEmail, Any, str]) -> None:
    bulk, sesv2, queue = feedback_rig

    SesBulkEmailSender(sesv2, SENDER).send_bulk(bulk_email("bounce@simulator.amazonses.com"))

    assert received(queue) == [] and bulk.published == []
