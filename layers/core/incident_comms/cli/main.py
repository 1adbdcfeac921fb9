"""The ``incident-comms`` command line.

Every command answers bad input with exit 2 and one ``error:`` line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from incident_comms.cli.common import load_plan_or_refuse, plan_dir, read_input
from incident_comms.cli.declare import add_declare_command
from incident_comms.cli.deploy_check import add_deploy_command
from incident_comms.cli.lint import add_lint_command
from incident_comms.cli.maintenance import add_maintenance_command
from incident_comms.cli.subscribers import add_subscribers_command
from incident_comms.errors import BadInput, PlanError
from incident_comms.lint.plan_texts import load_checked_plan

if TYPE_CHECKING:
    from incident_comms.plan.models import Plan
    from incident_comms.team.emails import EmailSender

_EMAIL_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise BadInput(message)


def _plan_check(args: argparse.Namespace) -> int:
    """A valid plan must also fit SES's one contact list: one topic per component, audience and locale, added only
    when a customer first subscribes, so a plan over the limit would fail then, not here, without this check."""
    from incident_comms.subscribers.models import plan_topics

    try:
        plan = load_checked_plan(plan_dir(args))
    except PlanError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 1
    plan_topics(plan)
    if args.snapshot:
        from incident_comms.plan.snapshot import write_snapshot

        write_snapshot(plan, plan_dir(args), Path(args.snapshot))
    definition = plan.definition
    print(
        f"ok: {len(definition.severities)} severities, {len(definition.components)} components, "
        f"{len(definition.rules)} rules, {len(plan.roles.roles)} roles, {len(plan.channels.channels)} channels, "
        f"{len(plan.templates)} templates"
    )
    return 0


def _plan_render(args: argparse.Namespace) -> int:
    from incident_comms.plan.render import render_markdown

    sys.stdout.write(render_markdown(load_plan_or_refuse(args)))
    return 0


def _plan_announce(args: argparse.Namespace) -> int:
    from incident_comms.team.engage import announcement_emails

    plan = load_plan_or_refuse(args)
    if args.dry_run:
        for email in announcement_emails(plan, _declare_links(args, plan, dry_run=True)):
            print(json.dumps({"to": email.to, "subject": email.subject, "text": email.text}, ensure_ascii=False))
        return 0
    sender = _sender_address(args)
    emails = announcement_emails(plan, _declare_links(args, plan, dry_run=False))
    email_sender = _ses_sender(sender)
    failed = 0
    for email in emails:
        outcome: dict[str, object] = {"to": email.to, "subject": email.subject}
        try:
            outcome["message_id"] = email_sender.send(email)
        except Exception as error:  # noqa: BLE001 - reported per email; the others are still sent
            failed += 1
            outcome["error"] = _one_line(f"{type(error).__name__}: {error}")
        print(json.dumps(outcome, ensure_ascii=False), flush=True)
    return 1 if failed else 0


DECLARE_LINK_PLACEHOLDER = "<personal declare link: made when sent>"


def _declare_links(args: argparse.Namespace, plan: Plan, *, dry_run: bool) -> Callable[[str], str] | None:
    """How each declarer's personal link is made: signed with the approval key (read from its SecureString
    parameter, the one the stack's functions use) for the approvals API's base URL. A dry run without the parameter
    shows a placeholder, so it runs with no AWS at all; a real send without them is bad input (the links would not
    work)."""
    if not plan.roles.declare:
        return None
    base = (args.approvals_url or os.environ.get("APPROVALS_BASE_URL") or "").strip()
    parameter = (args.approval_key_parameter or os.environ.get("APPROVAL_KEY_PARAMETER") or "").strip()
    if dry_run and not parameter:
        return lambda _address: f"{base.rstrip('/') or '<approvals API URL>'}/declare/{DECLARE_LINK_PLACEHOLDER}"
    if not base or not parameter:
        raise BadInput(
            "the declare links need --approvals-url URL and --approval-key-parameter NAME "
            "(or APPROVALS_BASE_URL and APPROVAL_KEY_PARAMETER); use --dry-run to preview"
        )
    from incident_comms.clock import SystemClock
    from incident_comms.composition import Services, Settings
    from incident_comms.team.console_links import declare_url

    services = Services(Settings(table_name="", plan_dir=plan_dir(args), approval_key_parameter=parameter))
    try:
        key = services.approval_key
    except Exception as error:
        raise BadInput(f"cannot read the approval key from {parameter}: {_one_line(str(error))}") from error
    issued_at = SystemClock().now()
    return lambda address: declare_url(base, key, address, issued_at)


def _sender_address(args: argparse.Namespace) -> str:
    sender = (args.sender or os.environ.get("SENDER_ADDRESS") or "").strip()
    if not sender:
        raise BadInput("no sender address: give --sender ADDRESS or set SENDER_ADDRESS (or use --dry-run)")
    if not _EMAIL_ADDRESS.fullmatch(sender):
        raise BadInput(f"the sender {sender!r} is not an email address")
    return sender


def _ses_sender(sender: str) -> EmailSender:
    import boto3
    from botocore.exceptions import BotoCoreError

    from incident_comms.adapters.ses import SesEmailSender

    try:
        return SesEmailSender(boto3.client("sesv2"), sender)
    except BotoCoreError as error:
        raise BadInput(f"cannot reach SES: {error}") from error


def _classify(args: argparse.Namespace) -> int:
    from incident_comms.clock import SystemClock
    from incident_comms.intake.classify import classify_payload
    from incident_comms.intake.payloads import parse_payload

    payload = parse_payload(read_input(args.file))
    plan = load_plan_or_refuse(args)
    print(json.dumps(classify_payload(payload, plan, SystemClock().now()), ensure_ascii=False, indent=2))
    return 0


def _local(args: argparse.Namespace) -> int:
    from incident_comms.local.main import run_local

    root, folder = Path(args.root).resolve(), plan_dir(args).resolve()
    return run_local(root, folder, args.port, sample=not args.no_sample, clock=args.clock)


def _status_page_backfill(args: argparse.Namespace) -> int:
    """Fill the status page's view, then write the history page of every month it found: a publication writes only
    its own incident's month, so older months would otherwise never get theirs."""
    import boto3

    from incident_comms.adapters.dynamodb import DynamoIncidentStore
    from incident_comms.adapters.dynamodb_status_view import DynamoStatusView, backfill
    from incident_comms.delivery.status_page.channel import StatusPageChannel

    table = (args.table or os.environ.get("TABLE_NAME") or "").strip()
    if not table:
        raise BadInput("no table: give --table NAME or set TABLE_NAME")
    bucket = (args.bucket or os.environ.get("STATUS_PAGE_BUCKET") or "").strip()
    now = None
    if args.clock:
        from incident_comms.local.clock_requests import parse_instant

        try:
            now = parse_instant(args.clock)
        except ValueError as error:
            raise BadInput(f"--clock: {error}") from None
    plan = load_plan_or_refuse(args) if bucket else None
    client = boto3.client("dynamodb")
    store = DynamoIncidentStore(client, table)
    kept = backfill(client, table, store)
    print(f"status page view: {len(kept)} incidents kept")
    if plan is None:
        print("history by month: not written (give --bucket NAME or set STATUS_PAGE_BUCKET)")
        return 0
    from datetime import UTC, datetime

    channel = StatusPageChannel(store, boto3.client("s3"), bucket, view=DynamoStatusView(client, table))
    result = channel.write_history(plan, set(kept.values()), now or datetime.now(UTC))
    print(f"history by month: {result.delivered} of {result.attempted} files written or already current")
    if result.failed:
        raise BadInput(f"history by month: {result.failed} files not written: {result.detail}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="incident-comms", description="Incident communication, from the plan to the customer.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    plan = commands.add_parser("plan", help="check, render or announce the plan")
    plan_commands = plan.add_subparsers(dest="plan_command", required=True, parser_class=_Parser)
    check = plan_commands.add_parser("check", help="validate the plan; exit 1 with file: field: message lines")
    check.add_argument("plan_dir", nargs="?", help="plan folder (same as --plan)")
    check.add_argument("--plan", help="plan folder (default: $INCIDENT_COMMS_PLAN_DIR or ./plan)")
    check.add_argument("--snapshot", metavar="FILE", help="save the checked plan there for the functions' cold start")
    check.set_defaults(run=_plan_check)
    render = plan_commands.add_parser("render", help="print the plan as Markdown for the team wiki")
    render.add_argument("plan_dir", nargs="?", help="plan folder (same as --plan)")
    render.add_argument("--plan", help="plan folder")
    render.set_defaults(run=_plan_render)
    announce = plan_commands.add_parser("announce", help="email each person in the roles table their part in the plan")
    announce.add_argument("--plan", help="plan folder (default: $INCIDENT_COMMS_PLAN_DIR or ./plan)")
    announce.add_argument("--dry-run", action="store_true", help="print the emails as JSON lines; send nothing")
    announce.add_argument("--sender", help="From address, verified in SES (default: $SENDER_ADDRESS)")
    announce.add_argument("--approvals-url", help="approvals API base URL for declare links ($APPROVALS_BASE_URL)")
    announce.add_argument(
        "--approval-key-parameter",
        help="the stack's ApprovalKeyParameter output, the key that signs declare links ($APPROVAL_KEY_PARAMETER)",
    )
    announce.set_defaults(run=_plan_announce)

    classify = commands.add_parser("classify", help="classify an inbound alarm payload against the plan")
    classify.add_argument("--plan", help="plan folder")
    classify.add_argument("file", metavar="FILE|-", help="the payload, or - for stdin")
    classify.set_defaults(run=_classify)

    add_subscribers_command(commands)
    add_lint_command(commands)
    add_declare_command(commands)
    add_maintenance_command(commands)
    add_deploy_command(commands)

    status_page = commands.add_parser("status-page", help="the status page's materialised view")
    status_commands = status_page.add_subparsers(dest="status_page_command", required=True, parser_class=_Parser)
    fill = status_commands.add_parser(
        "backfill", help="once, after upgrading: put the incidents published before the view into it (safe to rerun)"
    )
    fill.add_argument("--table", help="the stack's DynamoDB table (default: $TABLE_NAME)")
    fill.add_argument("--bucket", help="the status page bucket, to write the history by month ($STATUS_PAGE_BUCKET)")
    fill.add_argument("--plan", help="plan folder (default: $INCIDENT_COMMS_PLAN_DIR or ./plan)")
    fill.add_argument("--clock", metavar="INSTANT", help="the time the pages are written at (default: now)")
    fill.set_defaults(run=_status_page_backfill)

    local = commands.add_parser("local", help="run the whole system on this machine over an embedded AWS")
    local.add_argument("--port", type=int, default=8377, help="HTTP port on 127.0.0.1 (0: any free port)")
    local.add_argument("--plan", help="plan folder")
    local.add_argument("--root", default=".", help="the repository: template.yaml, functions/, events/")
    local.add_argument("--no-sample", action="store_true", help="do not fire the sample alarm at start")
    local.add_argument("--clock", metavar="INSTANT", help="start the clock at this instant, e.g. 2026-11-23T15:00:00Z")
    local.set_defaults(run=_local)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (0 ok, 1 findings/invalid plan, 2 bad input)."""
    try:
        parser = build_parser()
        args, extra = parser.parse_known_args(argv)
        if extra and not getattr(args, "locale_flags", False):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.extra = extra
        run: Callable[[argparse.Namespace], int] = args.run
        return run(args)
    except BadInput as error:
        print(f"error: {_one_line(str(error))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]
