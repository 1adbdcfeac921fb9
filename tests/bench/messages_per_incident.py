"""Emails, SMS parts and social posts one full SEV1 produces (issue 19's closing figures), and every message of it that
a customer reads, written out for a person who has never seen the code.

Run: ``.venv/bin/python -m tests.bench.messages_per_incident [--out DIR]`` from the repository root (a minute or two).

It starts ``incident-comms local`` on the e2e suite's pinned clock (``SUITE_CLOCK``, or ``INCIDENT_COMMS_E2E_CLOCK``),
never the wall clock, subscribes the stack's sample customers, fires the sample alarm (``events/``) and walks the
incident through every phase the plan has, as people do (:mod:`tests.e2e.steps`): *investigating* approved from the
approvers' emails; the promised update drafted by the prompter and left waiting until its approval timeout publishes
the holding text; *identified* on a responder's console; the alarm back to OK (*monitoring*); the quiet period over
(*resolved*); the postmortem deadline (*postmortem*). Each draft is approved from every approver's email, and an update
falling due on the way is approved at once. Then it reads ``GET /local/outbox`` and ``GET /local/incidents`` and prints
per incident:

- customer emails (subscribers of audiences that are not internal): total, per recipient (min/max), per audience,
  distinct subjects, and whether every email carries threading headers (``Message-ID``, ``In-Reply-To``,
  ``References``) and each recipient's later emails refer to their first; emails to an internal audience apart;
- team emails (approval requests, engagement, delivery reports: everything else about the incident but social posts);
- SMS (publishes of the plan's ``sns`` channels): count, and GSM-7 / UCS-2 parts each
  (:func:`incident_comms.sms.sms_encoding`);
- social posts (a ``manual`` channel's emails to its ``notify`` addresses) and status page publications.

With ``--out DIR`` it writes each customer-facing message as a text file (every email per recipient, with its headers;
the SMS; the social post; the status page text) and ``DIR/index.md`` listing them in the order they went out.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from incident_comms.lint.plan_texts import load_checked_plan
from incident_comms.plan.models import ChannelKind, Plan
from incident_comms.sms import sms_encoding
from tests.conftest import REPO
from tests.e2e.conftest import RunningStack, start_stack, suite_clock
from tests.e2e.steps import (
    APPROVAL_NEEDED,
    advance,
    advance_keeping_promises,
    approve_newest,
    clock_now,
    console_path,
    incident,
    post_alarm,
    post_form,
    settled,
    state,
)
from tests.forms import FormReader

SAMPLE_SUBSCRIBERS = REPO / "layers/core/incident_comms/local/sample-subscribers.csv"
COMMS_LEAD = "marta.ibanez@nubeteca.example"
CAUSE = {
    "cause_es": "Un cambio de configuración dejó sin certificado a la API pública.",
    "cause_en": "A configuration change left the public API without its certificate.",
}
THREADING = ("message-id", "in-reply-to", "references")


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


def drive_one_sev1(stack: RunningStack, plan: Plan) -> None:
    """The sample alarm's SEV1 through every phase of the plan, as the module docstring tells."""
    stack.cli("subscribers", "import", str(SAMPLE_SUBSCRIBERS))
    opened = post_alarm(stack, "cloudwatch-eventbridge-alarm.json", clock_now(stack) - timedelta(minutes=1))
    incident_id = str(opened["incident_id"])
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
    """Whether each later email refers to the recipient's first (``References``) and replies to one before it."""
    ids = [header(emails[0].headers, "message-id")]
    for email in emails[1:]:
        references, reply = header(email.headers, "references").split(), header(email.headers, "in-reply-to")
        if not ids[0] or ids[0] not in references or reply not in ids:
            return False
        ids.append(header(email.headers, "message-id"))
    return bool(ids[0])


def table(figures: Figures) -> list[str]:
    found, emails = figures.incident, figures.of("email")
    per_recipient: dict[str, list[Sent]] = {}
    for email in emails:
        per_recipient.setdefault(email.to, []).append(email)
    counts = {to: len(sent) for to, sent in per_recipient.items()}
    with_headers = sum(all(header(email.headers, name) for name in THREADING) for email in emails)
    threaded = sum(thread_holds(sent) for sent in per_recipient.values())
    subjects = {to: len({email.subject for email in sent}) for to, sent in per_recipient.items()}
    approvals = sum(APPROVAL_NEEDED in email["subject"] for email in figures.team)
    sms, social, internal = figures.of("SMS"), figures.of("social post"), figures.of("internal email")
    parts = [sms_encoding(sent.text) for sent in sms]
    phases = ", ".join(dict.fromkeys(sent.phase for sent in figures.sent))

    def row(label: str, value: object, detail: str = "") -> str:
        return f"  {label:30} {value!s:>5}  {detail}".rstrip()

    return [
        f"{found['id']} · {found['severity_id']} · {found['component_id']} · phases published: {phases}",
        row("customer emails", len(emails)),
        row(
            "  per recipient (min/max)",
            f"{min(counts.values(), default=0)}/{max(counts.values(), default=0)}",
            ", ".join(f"{to} {n}" for to, n in counts.items()),
        ),
        *[row(f"  audience {audience}", n) for audience, n in Counter(e.audience for e in emails).items()],
        row(
            "  distinct subjects",
            len({email.subject for email in emails}),
            f"most to one recipient: {max(subjects.values(), default=0)}",
        ),
        row("  with threading headers", with_headers, f"of {len(emails)} ({', '.join(h.title() for h in THREADING)})"),
        row("  recipients threaded", threaded, f"of {len(per_recipient)} (later emails refer to their first)"),
        row("internal-audience emails", len(internal), ", ".join(sorted({e.channel for e in internal}))),
        row("team emails", len(figures.team), f"approval requests {approvals}, others {len(figures.team) - approvals}"),
        row("SMS", len(sms), ", ".join(sorted({s.channel for s in sms}))),
        row(
            "  SMS parts",
            sum(p.parts for p in parts),
            "; ".join(f"{s.phase}: {p.encoding} {p.length} → {p.parts}" for s, p in zip(sms, parts, strict=True)),
        ),
        row("social posts", len(social), ", ".join(sorted({s.to for s in social}))),
        row("status page publications", len(figures.of("status page"))),
    ]


def write_out(out: Path, figures: list[Figures], lines: list[str], clock: datetime) -> int:
    """Each customer-facing message as a text file (a previous run's files go), and ``index.md`` listing them in the
    order they went out; answers how many files."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("[0-9][0-9][0-9]-*.txt"):
        old.unlink()
    index = [
        "# Every message customers read in one SEV1",
        "",
        f"Written by `python -m tests.bench.messages_per_incident --out DIR` (its docstring tells the flow) on the "
        f"local stack, clock pinned at {clock.isoformat()}. One file per message as its reader got it, in the order "
        "they went out: each email per recipient with its headers (the internal audience's too), each SMS, each "
        "social post (the text its poster is emailed), each status page update.",
        "",
        "```text",
        *lines,
        "```",
    ]
    number = 0
    for found in figures:
        index += ["", f"## {found.incident['id']}"]
        last = ""
        for sent in found.sent:
            if sent.message != last:
                last = sent.message
                index += ["", f"### {sent.phase}: message {sent.message}, published {sent.published_at}", ""]
            number += 1
            who = sent.to.split("@")[0] if sent.kind.endswith("email") else ""
            name = "-".join(part for part in (f"{number:03d}", sent.phase.split(" ")[0], sent.channel, who) if part)
            (out / f"{name}.txt").write_text(readable(sent), encoding="utf-8")
            title = (sent.subject or sent.text.split("\n")[0][:70]).replace("[", "\\[").replace("]", "\\]")
            reader = f" → {sent.to}" if sent.to else ""
            index.append(
                f"- [{sent.kind} · {sent.channel} · {sent.audience} · {sent.locale}{reader}: {title}]({name}.txt)"
            )
    (out / "index.md").write_text("\n".join(index) + "\n", encoding="utf-8")
    return number


def readable(sent: Sent) -> str:
    fields = [
        ("Kind", sent.kind),
        ("Channel", sent.channel),
        ("Audience", sent.audience),
        ("Locale", sent.locale),
        ("Phase", sent.phase),
        ("Message", f"{sent.message}, published {sent.published_at}"),
        ("To", sent.to),
        ("Subject", sent.subject),
    ]
    if sent.kind == "SMS":
        encoding = sms_encoding(sent.text)
        fields.append(("Encoding", f"{encoding.encoding}, {encoding.length} characters, {encoding.parts} part(s)"))
    lines = [f"{label + ':':10}{value}" for label, value in fields if value]
    if sent.headers:
        lines += ["", "Headers:", *(f"  {key}: {value}" for key, value in sent.headers.items())]
    return "\n".join([*lines, "", "-" * 72, sent.text.replace("\r\n", "\n").rstrip(), ""])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.messages_per_incident", description=__doc__)
    parser.add_argument("--out", type=Path, help="write every customer-facing message and an index.md here")
    args = parser.parse_args(argv)
    plan = load_checked_plan(REPO / "plan")
    clock = suite_clock()
    stack = start_stack("--no-sample", clock=clock)
    try:
        drive_one_sev1(stack, plan)
        outbox, incidents = stack.request("GET", "/local/outbox").json(), state(stack)
    finally:
        stack.stop()
    with SAMPLE_SUBSCRIBERS.open(encoding="utf-8") as rows:
        audiences = {row["email"]: row["audience"] for row in csv.DictReader(rows)}
    figures = [collect(plan, found, outbox, audiences) for found in incidents]
    lines = [line for found in figures for line in table(found)]
    print("\n".join(lines))
    if args.out:
        print(f"wrote {write_out(args.out, figures, lines, clock)} messages and {args.out / 'index.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
