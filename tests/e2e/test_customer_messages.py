"""Issue 19's "done when": every customer message of one full SEV1, in both locales and every audience, read as its
reader got it (:mod:`tests.e2e.customer_messages` drives the incident through every phase on the local stack, pinned
clock, and reads the outbox back):

- one thread per recipient: every email names the same root (``In-Reply-To`` / ``References``) and the subject keeps
  its organisation and impact title, only the phase label after the dash changes;
- a status link in each: the incident's own page in every email, the status page in every SMS and social post;
- no past promise: a next update a message tells is at least the severity's ``promise_lead`` after the moment it went
  out, also for the first draft, approved 25 minutes after it was written (its own promise then 5 minutes away);
- SMS and social posts only at the phases their channel speaks in, each SMS one GSM-7 part;
- no ISO date in prose;
- no text for one audience in another's message: no sentence in the other language, and an audience's own words (a
  help page of its own) never in another audience's message.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from incident_comms.lint.plan_texts import load_checked_plan
from incident_comms.plan.models import Phase, Plan
from incident_comms.sms import sms_encoding
from tests.conftest import REPO
from tests.e2e.conftest import RunningStack, start_stack, suite_clock
from tests.e2e.customer_messages import Figures, Sent, collect, drive_one_sev1, subscriber_audiences, thread_holds
from tests.e2e.steps import state
from tests.language import foreign_sentences

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
URL = re.compile(r"\S+://\S+")
NEXT_UPDATE = {
    "es": re.compile(r"(?:[Pp]róxima actualización|[Nn]uevo aviso)\D{0,40}?(\d{1,2}):(\d{2})"),
    "en": re.compile(r"[Nn]ext update\D{0,40}?(\d{1,2}):(\d{2})"),
}
DATE_BEFORE_TIME = re.compile(r"\d{1,2}(?: de)? \w+, $")


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_checked_plan(REPO / "plan")


@pytest.fixture(scope="module")
def full_sev1(plan: Plan) -> Figures:
    stack: RunningStack = start_stack("--no-sample", clock=suite_clock())
    try:
        drive_one_sev1(stack, plan, first_approval_after="PT25M")
        outbox, incidents = stack.request("GET", "/local/outbox").json(), state(stack)
    finally:
        stack.stop()
    (found,) = incidents
    return collect(plan, found, outbox, subscriber_audiences())


def customer(figures: Figures) -> list[Sent]:
    return [sent for sent in figures.sent if sent.kind != "internal email"]


def prose(sent: Sent) -> str:
    return URL.sub(" ", f"{sent.subject}\n{sent.text}")


def test_every_customer_message_of_a_full_sev1_reads_right(plan: Plan, full_sev1: Figures) -> None:
    sent = customer(full_sev1)
    emails = full_sev1.of("email")
    phases = {s.phase for s in sent}
    assert {"investigating", "identified", "monitoring", "resolved", "postmortem"} <= phases, phases
    assert {s.audience for s in emails} == {"customers_es", "customers_latam", "customers_intl"}
    assert {s.locale for s in emails} == {"es", "en"}

    # one thread per recipient
    by_recipient: dict[str, list[Sent]] = {}
    for email in emails:
        by_recipient.setdefault(email.to, []).append(email)
    for to, theirs in by_recipient.items():
        assert thread_holds(theirs), f"{to}: {[(e.headers.get('References'), e.subject) for e in theirs]}"
        stems = {email.subject.rsplit(" — ", 1)[0] for email in theirs}
        assert len(stems) == 1 and next(iter(stems)).startswith("[Nubeteca] "), (to, stems)
    assert len({email.headers.get("References") for email in emails}) == 1, "customers' emails: one incident thread"

    # a status link in each
    incident_id = full_sev1.incident["id"]
    for email in emails:
        page = plan.incident_page_url(email.locale, incident_id, full_sev1.incident["severity_id"])
        assert page and page in email.text, (email.to, email.phase)
    for short in full_sev1.of("SMS") + full_sev1.of("social post"):
        assert "estado.nubeteca.example" in short.text, (short.channel, short.phase, short.text)

    # no past promise
    zones = {audience.id: ZoneInfo(audience.timezone) for audience in plan.channels.audiences}
    told = 0
    lead = plan.severity(full_sev1.incident["severity_id"]).promise_lead
    for s in sent:
        match = NEXT_UPDATE[s.locale].search(s.text)
        if match is None:
            continue
        told += 1
        went_out = datetime.fromisoformat(s.published_at).astimezone(zones[s.audience])
        if DATE_BEFORE_TIME.search(s.text[: match.start(1)]):
            continue  # a later day, written with its date
        promised = went_out.replace(hour=int(match.group(1)), minute=int(match.group(2)), second=0, microsecond=0)
        assert promised - went_out >= lead, (
            f"{s.kind} {s.channel} {s.phase} went out {went_out:%H:%M} promising {promised:%H:%M}"
        )
    assert told >= 10, "the next-update phrase was not found: the check read nothing"

    # SMS and social posts at their channel's phases only, each SMS one GSM-7 part
    channels = {channel.id: channel for channel in plan.channels.channels}
    for short in full_sev1.of("SMS") + full_sev1.of("social post"):
        phase = Phase(short.phase.split(" ")[0])
        assert phase in channels[short.channel].speaks_in, (short.channel, short.phase)
    for sms in full_sev1.of("SMS"):
        encoding = sms_encoding(sms.text)
        assert (encoding.encoding, encoding.parts) == ("GSM-7", 1), (sms.phase, encoding, sms.text)
    assert {s.phase.split(" ")[0] for s in full_sev1.of("SMS")} == {"investigating", "resolved"}

    # no ISO date in prose
    assert [f"{s.kind} {s.channel} {s.phase}" for s in full_sev1.sent if ISO_DATE.search(prose(s))] == []

    # no text for one audience in another's message
    foreign = [(s.kind, s.channel, s.phase, found) for s in sent for found in foreign_sentences(s.text, s.locale)]
    assert foreign == []
    own_words = {
        audience: {url for url in (words.support_url,) if url}
        for audience, words in plan.definition.organisation.by_audience.items()
    }
    assert own_words, "the sample plan gives some audience its own words"
    for audience, words in own_words.items():
        for s in sent:
            for url in words:
                assert (url in s.text) == (s.audience == audience and s.kind == "email"), (audience, url, s.to)
