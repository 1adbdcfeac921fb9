"""Alarm text before it is stored: controls and bidi formatting stripped, every field capped with its length noted."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from incident_comms.alarms import Alarm
from incident_comms.intake.payloads import alarms_from_payload
from incident_comms.intake.untrusted import NAME_LIMIT, TEXT_LIMIT, capped, multi_line, one_line
from tests.conftest import load_event

RECEIVED_AT = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def firing(**labels: str) -> Alarm:
    payload = load_event("alertmanager-firing.json")
    alert = payload["alerts"][0]
    alert["labels"].update(labels)
    payload["alerts"] = [alert]
    (alarm,) = alarms_from_payload(payload, RECEIVED_AT)
    return alarm


def texts(alarm: Alarm) -> list[str]:
    fields = [alarm.id, alarm.name, alarm.reason or "", alarm.description or "", alarm.url or ""]
    maps = [alarm.labels, alarm.annotations, alarm.links]
    return fields + [text for mapping in maps for pair in mapping.items() for text in pair]


def test_the_hostile_sample_reaches_nobody_with_its_controls_or_overrides() -> None:
    (alarm,) = alarms_from_payload(load_event("alertmanager-hostile-text.json"), RECEIVED_AT)

    assert alarm.name == "BillingetaRrorrEhgiH"
    assert alarm.labels["team"] == "billing"
    assert alarm.reason == "Billing API 5xx ratio is 7.3% (above 5%)"
    assert alarm.description == "More than 5% of billing API requests have failed for 5 minutes.\nSee the runbook.[31m"
    assert not any(FORBIDDEN.search(text) for text in texts(alarm))


def test_a_120_kb_alert_name_is_capped_with_its_full_length_noted() -> None:
    alarm = firing(alertname="A" * 122_880)

    assert len(alarm.name) == NAME_LIMIT
    assert alarm.name.endswith("A… (122,880 characters)")
    assert alarm.labels["alertname"] == alarm.name


def test_descriptions_and_annotations_are_capped_at_the_text_limit() -> None:
    payload = load_event("alertmanager-firing.json")
    payload["alerts"][0]["annotations"]["description"] = "line\n" * 1000
    payload["alerts"][0]["annotations"]["runbook_url"] = "https://runbooks.example.com/" + "x" * 5000

    alarm = alarms_from_payload(payload, RECEIVED_AT)[0]

    assert alarm.description is not None and len(alarm.description) == TEXT_LIMIT
    assert alarm.description.endswith("… (5,000 characters)") and alarm.description.startswith("line\nline\n")
    assert len(alarm.annotations["runbook_url"]) == TEXT_LIMIT


def test_label_keys_are_stripped_and_capped_too() -> None:
    alarm = firing(**{"tenant\u202e": "acme", "k" * 300: "v"})

    assert alarm.labels["tenant"] == "acme"
    (long_key,) = [key for key in alarm.labels if key.startswith("kkk")]
    assert len(long_key) == NAME_LIMIT and long_key.endswith("… (300 characters)")


def test_one_line_fields_turn_line_breaks_into_spaces() -> None:
    alarm = firing(alertname="Billing\r\nHigh\tError\u2028Rate")

    assert alarm.name == "Billing  High Error Rate"


def test_a_long_id_stays_distinct_and_stable_instead_of_being_cut() -> None:
    payload = load_event("alertmanager-firing.json")
    first, second = payload["alerts"]
    first["fingerprint"] = "f" * 5000 + "1"
    second["fingerprint"] = "f" * 5000 + "2"

    one, two = alarms_from_payload(payload, RECEIVED_AT)
    again = alarms_from_payload(payload, RECEIVED_AT)[0]

    assert len(one.id) <= NAME_LIMIT and len(two.id) <= NAME_LIMIT
    assert one.id != two.id
    assert again.id == one.id


def test_cloudwatch_text_is_cleaned_the_same_way() -> None:
    event = load_event("cloudwatch-eventbridge-alarm.json")
    event["detail"]["configuration"]["description"] = "Pager\u0000 duty\u202e" + "d" * 3000

    (alarm,) = alarms_from_payload(event, RECEIVED_AT)

    assert alarm.description is not None and alarm.description.startswith("Pager duty")
    assert len(alarm.description) == TEXT_LIMIT and alarm.description.endswith("… (3,010 characters)")


def test_a_limit_too_small_for_the_note_still_holds() -> None:
    assert capped("x" * 50, 10) == "xxxxxxxxx…"
    assert capped("x" * 50, 30) == "x" * 13 + "… (50 characters)"
    assert capped("short", 5) == "short"


@given(st.text(max_size=3000))
def test_cleaned_text_has_no_forbidden_character_fits_its_limit_and_is_stable(text: str) -> None:
    for clean, limit in ((one_line, NAME_LIMIT), (multi_line, TEXT_LIMIT)):
        once = clean(text)
        assert not FORBIDDEN.search(once)
        assert len(once) <= limit
        assert clean(once) == once
    assert "\n" not in one_line(text) and "\r" not in multi_line(text)
