"""The lint corpus: real-looking drafts, one file each, with the checks each should make fire.

Each ``*.txt`` file is a YAML front matter between ``---`` lines, then the draft exactly as
``incident-comms lint`` reads it (an email may start with ``Subject:``, a status page with ``Title:``)::

    ---
    phase: update            # a plan phase
    severity: SEV2           # optional: without it data-loss-stated does not run
    channel: email           # email | sms | status_page
    locale: en               # es | en
    certain: false           # optional: the responder marked the promised fix as certain
    expect: [no-blame]       # the check ids that must fire; [] for a good draft
    known_misses: []         # optional: expected ids the checks miss today (counted as misses, not failures)
    known_false_alarms: []   # optional: ids that fire although they should not (counted, not failures)
    ---
    Subject: ...

A *good* draft expects nothing. Add a draft here whenever a check misses a phrase or fires on a good one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from incident_comms.lint.runner import DraftText, Finding, lint, split_subject
from incident_comms.plan.models import ChannelFormat, Phase, Plan

CORPUS = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Entry:
    name: str
    phase: Phase
    severity: str | None
    channel: ChannelFormat
    locale: str
    certain: bool
    expect: frozenset[str]
    known_misses: frozenset[str]
    known_false_alarms: frozenset[str]
    source: str

    @property
    def good(self) -> bool:
        return not self.expect

    @property
    def should_fire(self) -> frozenset[str]:
        """What the checks give today if nothing changed: expected, minus known misses, plus known false alarms."""
        return (self.expect - self.known_misses) | self.known_false_alarms

    def draft(self) -> DraftText:
        split = split_subject(self.source, self.channel)
        return DraftText(text=split.text, format=self.channel, locale=self.locale, subject=split.subject)

    def lint(self, plan: Plan) -> list[Finding]:
        return lint(plan, self.draft(), phase=self.phase, severity=self.severity, certain=self.certain)


def load_entry(path: Path) -> Entry:
    raw = path.read_text(encoding="utf-8")
    if not raw.startswith("---\n"):
        raise ValueError(f"{path.name}: no front matter")
    header, _, source = raw[4:].partition("\n---\n")
    meta: dict[str, Any] = yaml.safe_load(header)
    known = {"phase", "severity", "channel", "locale", "certain", "expect", "known_misses", "known_false_alarms"}
    if unknown := set(meta) - known:
        raise ValueError(f"{path.name}: unknown front matter keys {sorted(unknown)}")
    return Entry(
        name=path.name,
        phase=Phase(meta["phase"]),
        severity=meta.get("severity"),
        channel=ChannelFormat(meta["channel"]),
        locale=meta["locale"],
        certain=bool(meta.get("certain", False)),
        expect=frozenset(meta["expect"]),
        known_misses=frozenset(meta.get("known_misses", [])),
        known_false_alarms=frozenset(meta.get("known_false_alarms", [])),
        source=source,
    )


BLIND = CORPUS / "blind"
"""Drafts written and labelled by people who never saw the checks (issue 17): measured, never tuned on. When the
blind set shows a miss, a new draft of that kind goes into the tuning set (this directory), not a fix of the blind
one."""


HELDOUT = CORPUS / "heldout"
"""A second held-out set (issue 17), written and labelled by one more person who never saw the checks: measured,
never tuned on, never read to fix a check."""


def load_corpus(directory: Path = CORPUS) -> list[Entry]:
    """The drafts of ``directory`` (the tuning set by default; :data:`BLIND` for the blind set)."""
    return [load_entry(path) for path in sorted(directory.glob("*.txt"))]
