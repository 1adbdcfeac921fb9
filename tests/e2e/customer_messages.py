"""One full SEV1 on the local stack, driven as people do, and every message it sent read back as its reader got it:
shared by the closing-figures bench (:mod:`tests.bench.messages_per_incident`) and the e2e test that reads every
customer message (:mod:`tests.e2e.test_customer_messages`)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from incident_comms.plan.models import ChannelKind, Plan
from tests.conftest import REPO
from tests.e2e.conftest import RunningStack
from tests.e2e.steps import (
    advance,
    advance_keeping_promises,
    approve_newest,
    clock_now,
    console_path,
    incident,
    post_alarm,
    post_form,
    settled,
)
from tests.forms import FormReader

SAMPLE_SUBSCRIBERS = REPO / "layers/core/incident_comms/local/sample-subscribers.csv"
COMMS_LEAD = "marta.ibanez@nubeteca.example"
CAUSE = {
    "cause_es": "Un cambio de configuración dejó sin certificado a la API pública.",
    "cause_en": "A configuration change left the public API without its certificate.",
}
THREADING = ("in-reply-to", "references")


@dataclass
class Sent:
    """One message as its reader got it: an email to one recipient, an SMS, a social post, a status page update."""

    kind: str
    channel: str
    audience: str
    locale: str
    phase: str
    message: str
    published_at: str
    text: str
    to: str = ""
    subject: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Figures:
    incident: dict[str, Any]
    sent: list[Sent]
    """What customers (and the internal audiences, and the person posting to social media) got, in order."""
    team: list[dict[str, Any]]
    """The incident's other emails: approval requests, engagement, reminders, delivery reports."""

    def of(self, kind: str) -> list[Sent]:
        return [sent for sent in self.sent if sent.kind == kind]


def drive_one_sev1(stack: RunningStack, plan: Plan, first_approval_after: str | None = None) -> None:
    """The sample alarm's SEV1 through every phase of the plan, as the bench's docstring tells; with
    ``first_approval_after`` (``PT25M``) the first draft waits that long for its approval (its holding text goes out
    at the approval timeout, and the draft's own promise is nearly due when it is approved)."""
    stack.cli("subscribers", "import", str(SAMPLE_SUBSCRIBERS))
    opened = post_alarm(stack, "cloudwatch-eventbridge-alarm.json", clock_now(stack) - timedelta(minutes=1))
    incident_id = str(opened["incident_id"])
    if first_approval_after:
        advance(stack, first_approval_after)
    approve_newest(stack, incident_id, "investigating")
    promised = stack.wait_for(lambda: [p["due_at"] for p in incident(stack, incident_id)["promises"]])
    advance(stack, seconds_until(stack, datetime.fromisoformat(promised[-1])))
    timeout = plan.severity(incident(stack, incident_id)["severity_id"]).approval_timeout
    assert timeout is not None, "the severity has no approval timeout: no holding text would go out"
    advance(stack, f"PT{int(timeout.total_seconds())}S")
    assert [m for m in incident(stack, incident_id)["messages"] if m["holding"]], "no holding text was published"
    console = console_path(stack, COMMS_LEAD)
    forms = FormReader(stack.request("GET", console).body).form_fields
    (move,) = [form for form in forms if form.get("action") == "phase"]
    assert post_form(stack, console, {**move, "phase": "identified", **CAUSE}).status == 200
    approve_newest(stack, incident_id, "identified")
    post_alarm(stack, "cloudwatch-eventbridge-ok.json", clock_now(stack))
    for wait, phase in (("PT6M", "monitoring"), ("PT31M", "resolved"), ("P5D", "postmortem")):
        advance_keeping_promises(stack, incident_id, wait)
        approve_newest(stack, incident_id, phase)
    settled(stack, incident_id)


def seconds_until(stack: RunningStack, when: datetime) -> str:
    return f"PT{max(0, int((when - clock_now(stack)).total_seconds()))}S"


def header(headers: dict[str, str], name: str) -> str:
    """A header's value, its name in any case ("" when absent)."""
    return next((str(value) for key, value in headers.items() if key.lower() == name), "")


def collect(plan: Plan, found: dict[str, Any], outbox: list[dict[str, Any]], audiences: dict[str, str]) -> Figures:
    """What each message the incident published became in the outbox, in the order it was published."""
    channels = {channel.id: channel for channel in plan.channels.channels}
    internal = {audience.id for audience in plan.channels.audiences if audience.internal}
    messages = {message["id"]: message for message in found["messages"]}
    emails = [
        item for item in outbox if item["kind"] == "email" and header(item["headers"], "x-incident-id") == found["id"]
    ]
    publishes = [item for item in outbox if item["kind"] == "sns"]
    delivered = {(d["message_id"], d["channel_id"]) for d in found["deliveries"] if d["delivered"]}
    sent: list[Sent] = []
    for entry in [entry for entry in found["timeline"] if entry["kind"] == "published"]:
        message = messages[entry["data"]["message_id"]]
        for draft in message["drafts"]:
            channel = channels[draft["channel_id"]]
            base = Sent(
                kind="",
                channel=channel.id,
                audience=channel.audience,
                locale=draft["locale"],
                phase=f"{message['phase']} (holding text)" if message["holding"] else message["phase"],
                message=f"{message['id']} v{message['version']}",
                published_at=entry["at"],
                text=draft["text"],
                subject=draft.get("subject") or "",
            )
            if channel.kind == ChannelKind.EMAIL:
                kind = "internal email" if channel.audience in internal else "email"
                sent += [
                    replace(
                        base,
                        kind=kind,
                        to=email["to"][0],
                        subject=email["subject"],
                        headers=email["headers"],
                        text=email["text"],
                    )
                    for email in emails
                    if header(email["headers"], "x-incident-message").split(" ")[0] == message["id"]
                    and audiences.get(email["to"][0]) == channel.audience
                ]
            elif channel.kind == ChannelKind.SNS:
                matching = [
                    item
                    for item in publishes
                    if (attribute(item, "channel"), attribute(item, "phase"), attribute(item, "component"))
                    == (channel.id, message["phase"], found["component_id"])
                ]
                assert matching, f"no SMS publish of {message['id']} on {channel.id}"
                publishes.remove(matching[0])
                sent.append(replace(base, kind="SMS", text=matching[0]["message"], subject=""))
            elif channel.kind == ChannelKind.MANUAL:
                sent += [
                    replace(base, kind="social post", to=email["to"][0])
                    for email in emails
                    if header(email["headers"], "x-incident-channel") == channel.id
                    and header(email["headers"], "x-incident-message-id") == message["id"]
                ]
            elif channel.kind == ChannelKind.STATUS_PAGE and (message["id"], channel.id) in delivered:
                sent.append(replace(base, kind="status page"))
    to_subscribers = [email for email in emails if header(email["headers"], "list-unsubscribe")]
    assert len(to_subscribers) == len([s for s in sent if s.kind.endswith("email")]), "an email matched no message"
    team = [e for e in emails if e not in to_subscribers and not header(e["headers"], "x-incident-channel")]
    return Figures(found, sent, team)


def attribute(publish: dict[str, Any], name: str) -> str:
    return str(publish.get("attributes", {}).get(name, {}).get("Value", ""))


def thread_holds(emails: list[Sent]) -> bool:
    """Whether a recipient's emails are one thread: each names the same root in ``In-Reply-To`` and ``References``
    (the incident's thread id; SES gives every email its own ``Message-ID``, so the root is what mail clients join
    on)."""
    roots = {(header(e.headers, "in-reply-to"), tuple(header(e.headers, "references").split())) for e in emails}
    return len(roots) == 1 and all(reply and reply in references for reply, references in roots)


def subscriber_audiences() -> dict[str, str]:
    """The sample subscribers' address -> audience."""
    with SAMPLE_SUBSCRIBERS.open(encoding="utf-8") as rows:
        return {row["email"]: row["audience"] for row in csv.DictReader(rows)}
