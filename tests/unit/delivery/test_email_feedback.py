"""SES bounce and complaint notifications: parsing the real shapes, the tags that attribute them, the use case.

The samples are ``events/ses/*.json`` (SNS ``Message`` bodies in SES's event publishing format); the use case runs
on in-memory fakes of the store, the ledger and the contact list.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incident_comms.delivery.email.bounces import BounceRecord, FeedbackKind
from incident_comms.delivery.email.feedback import (
    EmailFeedback,
    FeedbackResult,
    NotAnSesEvent,
    attribution,
    parse_ses_event,
)
from incident_comms.delivery.email.tags import TAG_CHANNEL, TAG_VALUE_MAX, decode_tag_value, encode_tag_value, mail_tags
from incident_comms.incidents.models import Message, TimelineEntry, TimelineKind
from incident_comms.plan.models import Plan
from tests.conftest import load_event
from tests.factories import opened_incident

NOW = datetime(2026, 11, 22, 10, 40, tzinfo=UTC)
CHANNEL = "email-customers-es"


# --- tags --------------------------------------------------------------------------------------------------------


@given(st.text(min_size=1, max_size=21))  # 21 four-byte characters are 252 once encoded: within SES's limit
def test_any_value_encodes_to_ses_tag_characters_and_decodes_back(value: str) -> None:
    encoded = encode_tag_value(value)

    assert all(char.isascii() and (char.isalnum() or char in "_-") for char in encoded)
    assert decode_tag_value(encoded) == value


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("INC-20261122-1015-3fa9c2", "INC-20261122-1015-3fa9c2"),
        ("email.customers_es", "email_2Ecustomers_5Fes"),
        ("é #", "_C3_A9_20_23"),
    ],
)
def test_ids_stay_readable_and_the_rest_is_escaped(value: str, encoded: str) -> None:
    assert encode_tag_value(value) == encoded


@pytest.mark.parametrize(
    "forged",
    ["", "a_2", "a_2e", "a_41", "_FF", "a b", "a.b", "x" * (TAG_VALUE_MAX + 1), "_C3"],
    ids=["empty", "cut-escape", "lower-hex", "escaped-letter", "not-utf8", "space", "dot", "too-long", "half-char"],
)
def test_a_value_the_encoder_could_not_have_written_is_refused(forged: str) -> None:
    with pytest.raises(ValueError):
        decode_tag_value(forged)


def test_the_tags_of_an_email_name_its_message_and_an_id_too_long_to_tag_leaves_it_untagged() -> None:
    tags = dict(mail_tags("INC-1", "investigating-ab", 3, "email.es"))

    assert tags == {
        "ic-incident": "INC-1",
        "ic-message": "investigating-ab",
        "ic-version": "3",
        "ic-channel": "email_2Ees",
    }
    assert mail_tags("é" * 50, "m", 1, "c") == ()  # 300 characters once encoded: SES would refuse the call


def test_attribution_reads_our_tags_and_nothing_else() -> None:
    ours = {name: [value] for name, value in mail_tags("INC-1", "m-1", 2, "email.es")}

    found = attribution({**ours, "ses:operation": ["SendBulkEmail"]})

    assert found is not None
    assert (found.incident_id, found.message_id, found.version, found.channel_id) == ("INC-1", "m-1", 2, "email.es")
    assert attribution({"ses:operation": ["SendBulkEmail"]}) is None
    assert attribution({**ours, TAG_CHANNEL: ["email.es"]}) is None  # not our encoding
    assert attribution({**ours, "ic-version": ["0"]}) is None
    assert attribution({**ours, "ic-version": []}) is None


# --- parsing the samples -----------------------------------------------------------------------------------------


def test_the_permanent_bounce_sample_parses_as_published() -> None:
    event = parse_ses_event(json.dumps(load_event("ses/bounce-permanent.json")))

    assert event.event_type == "Bounce" and event.bounce is not None
    assert (event.bounce.bounce_type, event.bounce.bounce_sub_type) == ("Permanent", "General")
    assert [r.email_address for r in event.bounce.bounced_recipients] == ["antiguo.cliente@cliente-uno.example"]
    found = attribution(event.mail.tags)
    assert found is not None and (found.incident_id, found.version, found.channel_id) == (
        "INC-20261122-1015-3fa9c2",
        1,
        CHANNEL,
    )


def test_the_complaint_and_transient_samples_parse_as_published() -> None:
    complaint = parse_ses_event(load_event("ses/complaint.json"))
    transient = parse_ses_event(load_event("ses/bounce-transient.json"))

    assert complaint.complaint is not None and complaint.complaint.complaint_feedback_type == "abuse"
    assert [r.email_address for r in complaint.complaint.complained_recipients] == ["ana.garcia@cliente-uno.example"]
    assert transient.bounce is not None and transient.bounce.bounce_type == "Transient"


def test_identity_notifications_name_the_type_notification_type() -> None:
    sample = load_event("ses/complaint.json")
    sample["notificationType"] = sample.pop("eventType")

    assert parse_ses_event(sample).event_type == "Complaint"


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({"eventType": "Bounce"}), "mail"),
        (json.dumps({"eventType": "Bounce", "mail": {"messageId": "x"}}), "(event)"),
        (json.dumps({"eventType": "Complaint", "mail": {"messageId": "x"}, "complaint": {}}), "complainedRecipients"),
        ("x" * (300 * 1024), "larger than"),
    ],
    ids=["bad-json", "array", "no-mail", "bounce-without-bounce", "no-recipients", "huge"],
)
def test_what_is_not_an_ses_event_is_refused_with_the_reason(message: str, problem: str) -> None:
    with pytest.raises(NotAnSesEvent, match=problem.replace("(", r"\(").replace(")", r"\)")):
        parse_ses_event(message)


# --- the use case on fakes ---------------------------------------------------------------------------------------


@dataclass
class FakeStore:
    messages: dict[tuple[str, str], Message] = field(default_factory=dict)
    timeline: list[TimelineEntry] = field(default_factory=list)
    reads: int = 0

    def get_message(self, incident_id: str, message_id: str) -> Message | None:
        self.reads += 1
        return self.messages.get((incident_id, message_id))

    def add_timeline_entry(self, entry: TimelineEntry) -> None:
        self.timeline.append(entry)


@dataclass
class FakeLedger:
    records: dict[tuple[str, str, int, str, str], BounceRecord] = field(default_factory=dict)
    notices: set[tuple[str, str, int, str]] = field(default_factory=set)

    def record_bounce(self, record: BounceRecord) -> bool:
        key = (record.incident_id, record.message_id, record.version, record.channel_id, record.address)
        if key in self.records:
            return False
        self.records[key] = record
        return True

    def bounces(self, incident_id: str) -> list[BounceRecord]:
        return [record for record in self.records.values() if record.incident_id == incident_id]

    def claim_notice(self, incident_id: str, message_id: str, version: int, channel_id: str) -> bool:
        key = (incident_id, message_id, version, channel_id)
        if key in self.notices:
            return False
        self.notices.add(key)
        return True


@dataclass
class FakeDirectory:
    subscribed: set[str] = field(default_factory=set)
    suppressed: dict[str, str] = field(default_factory=dict)

    def suppress(self, email: str, reason: str) -> bool:
        if email not in self.subscribed:
            return False
        self.suppressed[email] = reason
        return True


@dataclass
class Rig:
    feedback: EmailFeedback
    store: FakeStore
    ledger: FakeLedger
    directory: FakeDirectory
    message: Message


@pytest.fixture
def rig(plan: Plan) -> Rig:
    _, message = opened_incident(plan)
    store = FakeStore({(message.incident_id, message.id): message})
    ledger = FakeLedger()
    directory = FakeDirectory({"antiguo.cliente@cliente-uno.example", "ana.garcia@cliente-uno.example"})
    feedback = EmailFeedback(store, ledger, directory)  # type: ignore[arg-type]
    return Rig(feedback, store, ledger, directory, message)


def about(message: Message, sample: str, *, channel: str = CHANNEL, version: int | None = None) -> dict[str, Any]:
    """The sample event, tagged as the email sender tags the emails of ``message`` on ``channel``."""
    event = copy.deepcopy(load_event(sample))
    tags = mail_tags(message.incident_id, message.id, version or message.version, channel)
    event["mail"]["tags"] = {**event["mail"]["tags"], **{name: [value] for name, value in tags}}
    return event


def test_a_permanent_bounce_is_recorded_suppressed_and_noted_once(rig: Rig) -> None:
    event = about(rig.message, "ses/bounce-permanent.json")

    outcome = rig.feedback.handle(json.dumps(event), NOW)

    assert outcome.result == FeedbackResult.RECORDED
    assert (outcome.recorded, outcome.suppressed, outcome.noticed) == (1, 1, True)
    (record,) = rig.ledger.records.values()
    assert (record.address, record.kind, record.detail, record.channel_id) == (
        "antiguo.cliente@cliente-uno.example",
        FeedbackKind.BOUNCE,
        "Permanent/General",
        CHANNEL,
    )
    assert record.at == datetime(2026, 11, 22, 10, 31, 42, 117000, tzinfo=UTC)  # when SES says, not when we heard
    reason = rig.directory.suppressed["antiguo.cliente@cliente-uno.example"]
    assert reason.startswith("bounce (Permanent/General)") and rig.message.incident_id in reason
    (entry,) = rig.store.timeline
    assert entry.kind == TimelineKind.DELIVERY_FAILED
    assert entry.text == f"{CHANNEL}: recipients bounced; see the delivery report"
    assert "antiguo" not in json.dumps(outcome.as_dict())  # logs carry counts, never addresses
    assert outcome.counts()["EmailBouncesRecorded"] == 1 and outcome.counts()["AddressesSuppressed"] == 1


def test_a_redelivered_notification_counts_once_and_notes_nothing_more(rig: Rig) -> None:
    event = json.dumps(about(rig.message, "ses/bounce-permanent.json"))
    rig.feedback.handle(event, NOW)

    again = rig.feedback.handle(event, NOW)

    assert (again.result, again.recorded, again.duplicates, again.noticed) == (FeedbackResult.RECORDED, 0, 1, False)
    assert len(rig.ledger.records) == 1 and len(rig.store.timeline) == 1
    assert again.counts()["EmailBouncesRecorded"] == 0 and again.counts()["EmailFeedbackDuplicates"] == 1


def test_more_recipients_of_one_channel_add_records_not_timeline_entries(rig: Rig) -> None:
    other = next(d.channel_id for d in rig.message.drafts if d.kind == "email" and d.channel_id != CHANNEL)
    bounce = about(rig.message, "ses/bounce-permanent.json")
    complaint = about(rig.message, "ses/complaint.json")
    other_channel = about(rig.message, "ses/complaint.json", channel=other)

    rig.feedback.handle(bounce, NOW)
    later = rig.feedback.handle(complaint, NOW)

    assert (later.kind, later.recorded, later.noticed) == (FeedbackKind.COMPLAINT, 1, False)
    assert len(rig.ledger.records) == 2 and len(rig.store.timeline) == 1
    assert later.counts()["EmailComplaintsRecorded"] == 1
    assert rig.store.reads == 1  # a warm container looks a message channel up once
    elsewhere = rig.feedback.handle(other_channel, NOW)
    assert elsewhere.noticed and [entry.text.split(":")[0] for entry in rig.store.timeline] == [CHANNEL, other]


def test_a_complaint_is_noted_as_such(rig: Rig) -> None:
    outcome = rig.feedback.handle(about(rig.message, "ses/complaint.json"), NOW)

    assert outcome.result == FeedbackResult.RECORDED and rig.directory.suppressed
    (record,) = rig.ledger.records.values()
    assert (record.kind, record.detail) == (FeedbackKind.COMPLAINT, "abuse")
    assert rig.store.timeline[0].text == f"{CHANNEL}: recipients marked the email as spam; see the delivery report"


def test_an_address_no_longer_in_the_list_is_still_recorded(rig: Rig) -> None:
    rig.directory.subscribed.clear()

    outcome = rig.feedback.handle(about(rig.message, "ses/bounce-permanent.json"), NOW)

    assert (outcome.recorded, outcome.suppressed, outcome.not_subscribed) == (1, 0, 1)


def test_a_transient_bounce_is_counted_and_changes_nothing(rig: Rig) -> None:
    outcome = rig.feedback.handle(about(rig.message, "ses/bounce-transient.json"), NOW)

    assert outcome.result == FeedbackResult.TRANSIENT
    assert outcome.counts()["EmailBouncesTransient"] == 1
    assert not rig.ledger.records and not rig.directory.suppressed and not rig.store.timeline


@pytest.mark.parametrize(
    "case", ["untagged", "unknown-message", "later-version", "unknown-channel"], ids=lambda case: case
)
def test_feedback_about_no_message_of_ours_is_counted_and_changes_nothing(rig: Rig, case: str) -> None:
    if case == "untagged":
        event = load_event("ses/bounce-permanent.json")
        for name in ("ic-incident", "ic-message", "ic-version", "ic-channel"):
            event["mail"]["tags"].pop(name)
    elif case == "unknown-message":
        event = load_event("ses/bounce-permanent.json")  # its incident is not in the store
    elif case == "later-version":
        event = about(rig.message, "ses/bounce-permanent.json", version=rig.message.version + 1)
    else:
        event = about(rig.message, "ses/bounce-permanent.json", channel="no-such-channel")

    outcome = rig.feedback.handle(event, NOW)

    assert outcome.result == FeedbackResult.UNATTRIBUTED and outcome.reason
    assert outcome.counts()["EmailFeedbackUnattributed"] == 1
    assert not rig.ledger.records and not rig.directory.suppressed and not rig.store.timeline


def test_other_event_types_are_ignored(rig: Rig) -> None:
    event = about(rig.message, "ses/bounce-permanent.json")
    event["eventType"] = "Delivery"

    outcome = rig.feedback.handle(event, NOW)

    assert outcome.result == FeedbackResult.IGNORED and outcome.counts()["EmailFeedbackIgnored"] == 1
    assert not rig.ledger.records


def test_a_malformed_notification_is_a_counted_rejection_that_changes_nothing(rig: Rig) -> None:
    outcomes = rig.feedback.handle_sns_event(
        {"Records": [{"Sns": {"Message": "{broken"}}, {"Sns": {}}, "not a record"]}, NOW
    )
    no_records = rig.feedback.handle_sns_event({"hello": "world"}, NOW)

    assert [o.result for o in [*outcomes, *no_records]] == [FeedbackResult.REJECTED] * 4
    assert all(o.counts()["EmailFeedbackRejected"] == 1 for o in outcomes)
    assert not rig.ledger.records and not rig.store.timeline


def test_an_address_ses_could_not_have_sent_to_is_skipped(rig: Rig) -> None:
    event = about(rig.message, "ses/bounce-permanent.json")
    event["bounce"]["bouncedRecipients"].append({"emailAddress": "not an address"})

    outcome = rig.feedback.handle(event, NOW)

    assert (outcome.recorded, outcome.unusable) == (1, 1)
