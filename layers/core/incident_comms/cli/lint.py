"""``incident-comms lint``: check one draft against the plan's values before anyone approves it.

Registered by :mod:`incident_comms.cli` (:func:`add_lint_command`). The draft is a file or ``-`` (stdin), UTF-8
text; an email draft may start with a ``Subject:`` line (a status page draft with ``Title:``), checked as the
subject. Prints one JSON object, ``{"ok": bool, "findings": [{"check", "level", "message", "start", "end",
"values"}]}``, with ``start``/``end`` as character offsets into the whole input (after a byte-order mark, if
any). Exit 0 without errors, 1 with errors (warnings alone still exit 0), 2 on bad input: an unknown phase,
severity, locale or channel, an unreadable or empty file, text that is not UTF-8, or an invalid plan.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from incident_comms.errors import BadInput
from incident_comms.plan.models import ChannelFormat, Phase

if TYPE_CHECKING:
    pass

LINT_CHANNELS = (ChannelFormat.EMAIL.value, ChannelFormat.SMS.value, ChannelFormat.STATUS_PAGE.value)


def add_lint_command(commands: Any) -> None:
    """Add ``lint`` to the CLI's subparsers ``commands``."""
    lint = commands.add_parser("lint", help="check a draft against good incident communication and the plan's values")
    lint.add_argument("--plan", help="plan folder (default: $INCIDENT_COMMS_PLAN_DIR or ./plan)")
    lint.add_argument("--phase", required=True, choices=[phase.value for phase in Phase], help="the message's phase")
    lint.add_argument("--severity", help="a plan severity id (data-loss-stated runs only when given)")
    lint.add_argument("--channel", default=ChannelFormat.EMAIL.value, choices=LINT_CHANNELS, help="default: email")
    lint.add_argument("--locale", help="es or en, a locale of the plan (default: the plan's main locale)")
    lint.add_argument("--certain", action="store_true", help="the fix time or outcome the draft promises is certain")
    lint.add_argument("file", metavar="FILE|-", help="the draft, or - for stdin")
    lint.set_defaults(run=run_lint)


def run_lint(args: argparse.Namespace) -> int:
    from incident_comms.cli.common import load_plan_or_refuse, read_input
    from incident_comms.lint.runner import DraftText, has_errors, lint, split_subject, supports_locale

    plan = load_plan_or_refuse(args)
    locale = args.locale or plan.main_locale
    if locale not in plan.definition.locales or not supports_locale(locale):
        known = [loc for loc in plan.definition.locales if supports_locale(loc)]
        raise BadInput(f"unknown locale {locale!r}: use one of {', '.join(known)}")
    severities = [severity.id for severity in plan.definition.severities]
    if args.severity is not None and args.severity not in severities:
        raise BadInput(f"unknown severity {args.severity!r}: the plan has {', '.join(severities)}")
    source = _decode(read_input(args.file), args.file)
    fmt = ChannelFormat(args.channel)
    split = split_subject(source, fmt)
    if not split.text.strip():
        raise BadInput(f"{_name(args.file)} has no text to check")
    draft = DraftText(text=split.text, format=fmt, locale=locale, subject=split.subject)
    findings = lint(plan, draft, phase=Phase(args.phase), severity=args.severity, certain=args.certain)
    report = {
        "ok": not has_errors(findings),
        "findings": [
            finding.as_json(split.subject_start if finding.part == "subject" else split.text_start)
            for finding in findings
        ],
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 1 if has_errors(findings) else 0


def _decode(data: bytes, source: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadInput(f"{_name(source)} is not UTF-8 text (byte {error.start})") from error
    return text.removeprefix("\ufeff")


def _name(source: str) -> str:
    return "stdin" if source == "-" else source
