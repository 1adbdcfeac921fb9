"""The incident console on the local stack: a responder sets the facts and moves the phase from their own link, and
every later message, in every locale and channel, tells those facts in its own language.

One SEV1 from alarm to resolution on a pinned clock: data loss set to *none* right after the first message, the
cause given per locale when the incident moves to *cause identified*. Every message published after the change
says no data was lost and never "not known yet"; no English draft carries a Spanish sentence and no Spanish draft
an English one (told by a language detector, :mod:`tests.language`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import RunningStack, start_stack
from tests.e2e.steps import advance, approve_newest, awaiting, clock_now, incident, post_alarm, post_form
from tests.forms import FormReader
from tests.language import foreign_sentences

pytestmark = pytest.mark.e2e

MARTA = "marta.ibanez@nubeteca.example"  # communications lead, engaged for a SEV1
MONDAY_16_MADRID = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
CONSOLE_LINK = re.compile(r"/console/[A-Za-z0-9_.%-]+")
CAUSE = {
    "es": "Un cambio de configuración dejó sin certificado a la API pública durante la tarde.",
    "en": "A configuration change left the public API without its certificate for the afternoon.",
}
NOT_KNOWN = {
    "es": ("aún no lo sabemos", "aún no se sabe", "todavía no lo sabemos", "pérdida de datos: por confirmar"),
    "en": ("we do not know yet", "not yet known", "not known yet"),
}
NO_DATA_LOST = {
    "es": ("no se ha perdido ningún dato", "datos perdidos? no", "sin pérdida de datos"),
    "en": ("no data was lost", "lost? no"),
}


@pytest.fixture
def pinned_stack() -> Any:
    running = start_stack("--no-sample", clock=MONDAY_16_MADRID)
    yield running
    running.stop()


def console_path(stack: RunningStack, recipient: str) -> str:
    """The person's own console link, from the emails the stack sent them (the same in every one)."""
    outbox = stack.request("GET", "/local/outbox").json()
    found = {
        match
        for item in outbox
        if item["kind"] == "email" and recipient in item["to"]
        for match in CONSOLE_LINK.findall(item.get("text", "") + item.get("html", ""))
    }
    assert len(found) == 1, f"{recipient} got {len(found)} different console links"
    return found.pop()


def console_form(stack: RunningStack, path: str, action: str) -> dict[str, str]:
    """What the console page's ``action`` form submits as the page stands (the person then fills it in)."""
    page = stack.request("GET", path)
    assert page.status == 200, page.body
    forms = [fields for fields in FormReader(page.body).form_fields if fields.get("action") == action]
    assert len(forms) == 1, f"the console has {len(forms)} {action} forms"
    return forms[0]


def published_messages(stack: RunningStack, incident_id: str) -> list[dict[str, Any]]:
    final = incident(stack, incident_id)
    messages = {message["id"]: message for message in final["messages"]}
    order = [entry["data"]["message_id"] for entry in final["timeline"] if entry["kind"] == "published"]
    return [messages[message_id] for message_id in order]


def test_facts_set_on_the_console_are_told_in_every_later_message_in_its_own_language(
    pinned_stack: RunningStack,
) -> None:
    stack = pinned_stack
    opened = post_alarm(stack, "cloudwatch-eventbridge-alarm.json", clock_now(stack) - timedelta(minutes=1))
    incident_id = opened["incident_id"]
    approve_newest(stack, incident_id, "investigating")
    console = console_path(stack, MARTA)
    before = incident(stack, incident_id)

    answer = post_form(
        stack, console, {**console_form(stack, console, "facts"), "data_loss": "none", "tell_customers": "yes"}
    )
    assert answer.status == 200, answer.body
    update = awaiting(stack, incident_id, "update")
    assert update["sequence"] > max(message["sequence"] for message in before["messages"])
    approve_newest(stack, incident_id, "update")

    fields = console_form(stack, console, "phase")
    causes = {f"cause_{locale}": text for locale, text in CAUSE.items()}
    assert post_form(stack, console, {**fields, "phase": "identified", **causes}).status == 200
    approve_newest(stack, incident_id, "identified")

    post_alarm(stack, "cloudwatch-eventbridge-ok.json", clock_now(stack))
    advance(stack, "PT6M")
    approve_newest(stack, incident_id, "monitoring")
    advance(stack, "PT31M")
    assert incident(stack, incident_id)["status"] == "resolved"
    approve_newest(stack, incident_id, "resolved")

    published = published_messages(stack, incident_id)
    assert [message["phase"] for message in published] == [
        "investigating",
        "update",
        "identified",
        "monitoring",
        "resolved",
    ]
    told = dict.fromkeys(CAUSE, 0)
    for message in published[1:]:
        for draft in message["drafts"]:
            locale, text = draft["locale"].split("-")[0], draft["text"].lower()
            where = f"{message['phase']} on {draft['channel_id']} ({locale})"
            assert not [phrase for phrase in NOT_KNOWN[locale] if phrase in text], f"{where} says not known yet"
            told[locale] += any(phrase in text for phrase in NO_DATA_LOST[locale])
    assert all(told.values()), f"messages saying no data was lost, per locale: {told}"
    for message in published:
        for draft in message["drafts"]:
            locale = draft["locale"].split("-")[0]
            text = "\n".join(part for part in (draft.get("subject"), draft["text"]) if part)
            assert foreign_sentences(text, locale) == [], f"{message['phase']} on {draft['channel_id']}"
            other = "en" if locale == "es" else "es"
            assert CAUSE[other] not in text, f"{message['phase']} on {draft['channel_id']} tells the {other} cause"
