"""What the draft checks (:mod:`incident_comms.lint`) found in each channel's draft, as the approval page and the
approval email show it.

Every channel's draft is checked as its approvers will see it; a language the checks do not know is said to be
unchecked rather than claimed to have no problems, and a check that cannot run never hides the draft. The findings
become plain values (:func:`checks_context`) that the templates escape: the text a finding is about is quoted on
one line, and the subject and text are cut into runs so the page can mark each span.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from incident_comms.drafting.models import ChannelDraft
from incident_comms.errors import BadInput
from incident_comms.incidents.models import Message
from incident_comms.lint.runner import Finding, facts_findings, lint_draft, segments, supports_locale
from incident_comms.plan.models import DEFAULT_MAX_PARTS, ChannelFormat, Plan, localized
from incident_comms.sms import sms_encoding
from incident_comms.text import one_line, truncate

FINDING_QUOTE_MAX = 80
"""The text a finding is about, quoted in the approval email: enough to find it in the draft, one line."""


@dataclass(frozen=True)
class DraftCheck:
    """What the draft checks (:mod:`incident_comms.lint`) found in one channel's draft; ``checked`` is False for
    a language the checks do not know, which the page and the email say rather than claim "no problems"."""

    draft: ChannelDraft
    findings: tuple[Finding, ...]
    checked: bool = True

    @property
    def errors(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.level == "error"]


def draft_checks(
    plan: Plan, message: Message, severity_id: str, missing: Mapping[str, Sequence[str]] | None = None
) -> list[DraftCheck]:
    """Check every channel's draft of ``message`` as its approvers will see it: the message's phase, the incident's
    current severity ``severity_id`` (one the plan dropped since: the checks that need one are skipped) and whether
    an editor vouched for the promised fix (``Message.certain``). ``missing`` (locale -> the incident's facts not
    told in it, :func:`incident_comms.incidents.facts.missing_facts`) adds the ``facts-complete`` finding to
    every draft of that locale, also one the text checks do not know."""
    missing = missing or {}
    severities = {severity.id for severity in plan.definition.severities}
    severity = severity_id if severity_id in severities else None
    checks: list[DraftCheck] = []
    for draft in message.drafts:
        incomplete = facts_findings(
            plan, draft, missing.get(draft.locale) or missing.get(draft.locale.split("-")[0], [])
        )
        if not supports_locale(draft.locale):
            checks.append(DraftCheck(draft, tuple(incomplete), checked=False))
            continue
        try:
            findings = lint_draft(plan, draft, message.phase, severity, certain=message.certain)
        except BadInput:  # only an unknown locale or severity, both excluded above; never hide the draft for it
            checks.append(DraftCheck(draft, tuple(incomplete), checked=False))
            continue
        checks.append(DraftCheck(draft, (*incomplete, *findings)))
    return checks


def error_checks(checks: list[DraftCheck]) -> list[str]:
    """The ids of the checks that found errors, each once, in the order they were found."""
    return list(dict.fromkeys(finding.check for check in checks for finding in check.errors))


def findings_summary(errors: int, warnings: int, texts: dict[str, Any]) -> str:
    """``2 errors, 1 warning`` in the team's language; the "no problems" line when both are zero."""
    words = texts["findings"]
    parts = [
        (words[kind][0] if count == 1 else words[kind][1].format(count=count))
        for kind, count in (("errors", errors), ("warnings", warnings))
        if count
    ]
    return ", ".join(parts) or words["none"]


def checks_context(plan: Plan, message: Message, checks: list[DraftCheck], texts: dict[str, Any]) -> dict[str, Any]:
    """What the approval page and email show of the findings, as plain values the templates escape.

    Per channel: every finding numbered (``id`` ``f<draft>-<n>``, unique on the page), its level, check id,
    message, the plan values it stands for and the text it is about (quoted, one line, at most
    :data:`FINDING_QUOTE_MAX` characters); the subject and text cut into segments so the page can mark each span
    (``segments``); findings about the whole text (something missing) listed apart (``whole``), above the text.
    """
    words = texts["findings"]
    locale = plan.main_locale
    value_names = {value.id: localized(value.name, locale, locale) for value in plan.values.values}
    channels: dict[str, dict[str, Any]] = {}
    for index, check in enumerate(checks, start=1):
        draft = check.draft
        parts = {"subject": draft.subject or "", "text": draft.text}
        listed: list[dict[str, Any]] = []
        spans: dict[str, list[tuple[Finding, dict[str, Any]]]] = {"subject": [], "text": []}
        for number, finding in enumerate(check.findings, start=1):
            source = parts[finding.part]
            whole = finding.part == "text" and finding.start <= 0 and finding.end >= len(source)
            quote = truncate(one_line(source[finding.start : finding.end]), FINDING_QUOTE_MAX)
            item = {
                "id": f"f{index}-{number}",
                "number": number,
                "level": finding.level,
                "level_name": words["levels"][finding.level],
                "check": finding.check,
                "message": finding.message,
                "value_names": [value_names.get(value, value) for value in finding.values],
                "part": finding.part,
                "whole": whole,
                "quote": None if whole or not quote or f"«{quote}»" in finding.message else quote,
            }
            listed.append(item)
            if not whole:
                spans[finding.part].append((finding, item))
        channels[draft.channel_id] = {
            "checked": check.checked,
            "not_checked": None if check.checked else words["not_checked"].format(locale=draft.locale),
            "findings": listed,
            "whole": [item for item in listed if item["whole"]],
            "spanned": [item for item in listed if not item["whole"]],
            "summary": findings_summary(len(check.errors), len(check.findings) - len(check.errors), texts),
            "errors": len(check.errors),
            "subject_segments": _marked(parts["subject"], spans["subject"]) if draft.subject else None,
            "segments": _marked(draft.text, spans["text"]),
            "sms": sms_line(plan, draft, words) if draft.format == ChannelFormat.SMS else None,
        }
    errors = sum(len(check.errors) for check in checks)
    warnings = sum(len(check.findings) for check in checks) - errors
    return {
        "summary": findings_summary(errors, warnings, texts),
        "errors": errors,
        "warnings": warnings,
        "error_checks": error_checks(checks),
        "certain": message.certain,
        "channels": channels,
        "f": words,
    }


def sms_line(plan: Plan, draft: ChannelDraft, words: Mapping[str, Any]) -> str:
    """What the SMS draft costs as sent: billed parts, encoding and length, and the price per recipient when the
    channel gives one (``part_price``), next to the draft where the approver decides."""
    encoding = sms_encoding(draft.text)
    channel = next((c for c in plan.channels.channels if c.id == draft.channel_id), None)
    max_parts = channel.max_parts if channel is not None else DEFAULT_MAX_PARTS
    line: str = words["sms"].format(
        parts=encoding.parts, encoding=encoding.encoding, length=encoding.length, max_parts=max_parts
    )
    if channel is not None and channel.part_price is not None:
        line += words["sms_cost"].format(cost=f"{channel.part_price * encoding.parts:.4f}", currency=channel.currency)
    return line


def _marked(text: str, spans: list[tuple[Finding, dict[str, Any]]]) -> list[dict[str, Any]]:
    """``text`` in runs, each with the ids of the findings covering it, its strongest level, their check ids, and
    the numbers of the findings that end with it (the page puts ``[n]`` there)."""
    by_finding = {id(finding): item for finding, item in spans}
    runs = []
    for segment in segments(text, [finding for finding, _ in spans]):
        end = segment.start + len(segment.text)
        covering = [by_finding[id(finding)] for finding in segment.findings]
        runs.append(
            {
                "text": segment.text,
                "ids": [item["id"] for item in covering],
                "checks": list(dict.fromkeys(item["check"] for item in covering)),
                "level": "error" if any(item["level"] == "error" for item in covering) else "warning",
                "ends": [by_finding[id(finding)]["number"] for finding in segment.findings if finding.end == end],
            }
        )
    return runs
