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
  ``References``) and each recipient's every email names one thread root; emails to an internal audience apart;
- team emails (approval requests, engagement, delivery reports: everything else about the incident but social posts);
- SMS (publishes of the plan's ``sns`` channels): count, and GSM-7 / UCS-2 parts each
  (:func:`incident_comms.sms.sms_encoding`);
- social posts (a ``manual`` channel's emails to its ``notify`` addresses) and status page publications.

With ``--out DIR`` it writes each customer-facing message as a text file (every email per recipient, with its headers;
the SMS; the social post; the status page text) and ``DIR/index.md`` listing them in the order they went out.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

from incident_comms.lint.plan_texts import load_checked_plan
from incident_comms.sms import sms_encoding
from tests.conftest import REPO
from tests.e2e.conftest import start_stack, suite_clock
from tests.e2e.customer_messages import (
    THREADING,
    Figures,
    Sent,
    collect,
    drive_one_sev1,
    header,
    subscriber_audiences,
    thread_holds,
)
from tests.e2e.steps import (
    APPROVAL_NEEDED,
    state,
)


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
        row("  recipients threaded", threaded, f"of {len(per_recipient)} (every email names one thread root)"),
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
    audiences = subscriber_audiences()
    figures = [collect(plan, found, outbox, audiences) for found in incidents]
    lines = [line for found in figures for line in table(found)]
    print("\n".join(lines))
    if args.out:
        print(f"wrote {write_out(args.out, figures, lines, clock)} messages and {args.out / 'index.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
