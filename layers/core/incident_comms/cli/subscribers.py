"""``incident-comms subscribers add|remove|list|import``: customer subscriptions in the SES contact list.

Registered by :mod:`incident_comms.cli` (:func:`add_subscribers_command`). Every subcommand checks its input
against the plan (components, locales, audiences that an email channel reaches) before touching SES, and answers
bad input (including a contact list that does not exist, or SES refusing) with exit 2 and one ``error:`` line.
``--list`` defaults to ``$CONTACT_LIST_NAME``; boto3 finds the account and region as usual (``AWS_PROFILE``,
``AWS_ENDPOINT_URL`` for the local stack's embedded AWS).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from incident_comms.cli.common import load_plan_or_refuse
from incident_comms.errors import BadInput

if TYPE_CHECKING:
    from incident_comms.adapters.contacts import SesContactDirectory
    from incident_comms.plan.models import Plan

MAX_CSV_BYTES = 20 * 1024 * 1024


def add_subscribers_command(commands: Any) -> None:
    """Add ``subscribers`` and its subcommands to the CLI's subparsers ``commands``."""
    subscribers = commands.add_parser("subscribers", help="manage customer subscriptions (SES contact list)")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--plan", help="plan folder (default: $INCIDENT_COMMS_PLAN_DIR or ./plan)")
    common.add_argument("--list", dest="contact_list", help="SES contact list (default: $CONTACT_LIST_NAME)")
    actions = subscribers.add_subparsers(dest="subscribers_command", required=True, parser_class=type(subscribers))

    add = actions.add_parser("add", parents=[common], help="subscribe an address to components")
    add.add_argument("email")
    add.add_argument("--component", action="append", required=True, help="a plan component id (repeat for several)")
    add.add_argument("--locale", help="a plan locale (default: the plan's main locale)")
    add.add_argument("--audience", help="a plan audience (default: the locale's customer email channel's)")
    add.add_argument(
        "--resubscribe", action="store_true", help="subscribe again someone who unsubscribed (only at their request)"
    )
    add.set_defaults(run=_add)

    remove = actions.add_parser("remove", parents=[common], help="delete an address from the contact list")
    remove.add_argument("email")
    remove.set_defaults(run=_remove)

    listing = actions.add_parser("list", parents=[common], help="print subscribers as JSON lines")
    listing.add_argument("--component", help="only those subscribed to this component")
    listing.set_defaults(run=_list)

    importing = actions.add_parser("import", parents=[common], help="subscribe every row of a CSV file")
    importing.add_argument(
        "csv", metavar="CSV", help="columns email,components,locale,audience (components ;-separated)"
    )
    importing.set_defaults(run=_import)


def _directory(args: argparse.Namespace, plan: Plan) -> SesContactDirectory:
    import boto3
    from botocore.exceptions import BotoCoreError

    from incident_comms.adapters.contacts import SesContactDirectory
    from incident_comms.subscribers.models import plan_topics

    name = (args.contact_list or os.environ.get("CONTACT_LIST_NAME") or "").strip()
    if not name:
        raise BadInput("no contact list: give --list NAME or set CONTACT_LIST_NAME")
    try:
        return SesContactDirectory(boto3.client("sesv2"), name, plan_topics(plan))
    except BotoCoreError as error:
        raise BadInput(f"cannot reach SES: {error}") from error


def _ses(action: Callable[[], int]) -> int:
    """Run ``action``; SES's refusals and unreachable endpoints become one ``error:`` line, not a traceback."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return action()
    except ClientError as error:
        detail = error.response.get("Error", {})
        raise BadInput(f"SES refused: {detail.get('Code', 'error')}: {detail.get('Message', '')}") from None
    except BotoCoreError as error:
        raise BadInput(f"cannot reach SES: {error}") from None


def _print(document: dict[str, Any]) -> None:
    print(json.dumps(document, ensure_ascii=False), flush=True)


def _add(args: argparse.Namespace) -> int:
    from incident_comms.subscribers.directory import Added
    from incident_comms.subscribers.models import new_subscriber

    plan = load_plan_or_refuse(args)
    subscriber = new_subscriber(plan, args.email, args.component, args.locale, args.audience)
    directory = _directory(args, plan)

    def run() -> int:
        added = directory.add(subscriber, resubscribe=args.resubscribe)
        if added == Added.KEPT_UNSUBSCRIBED:
            raise BadInput(f"{subscriber.email} unsubscribed; give --resubscribe only if they asked to subscribe again")
        _print({"email": subscriber.email, "result": added.value})
        return 0

    return _ses(run)


def _remove(args: argparse.Namespace) -> int:
    from incident_comms.subscribers.models import normalise_address

    try:
        address = normalise_address(args.email)
    except ValueError as error:
        raise BadInput(f"{args.email.strip()[:80]!r}: {error}") from None
    directory = _directory(args, load_plan_or_refuse(args))

    def run() -> int:
        removed = directory.remove(address)
        _print({"email": address, "result": "removed" if removed else "not_subscribed"})
        return 0

    return _ses(run)


def _list(args: argparse.Namespace) -> int:
    plan = load_plan_or_refuse(args)
    components = [c.id for c in plan.definition.components]
    if args.component is not None and args.component not in components:
        raise BadInput(f"unknown component {args.component!r} (the plan has: {', '.join(components)})")
    directory = _directory(args, plan)

    def run() -> int:
        for subscriber in directory.list(args.component):
            document = subscriber.model_dump(mode="json")
            reason = directory.suppression(subscriber.email) if subscriber.unsubscribed else None
            if reason:
                document["suppressed"] = reason  # a bounce or complaint, not the person's own unsubscribe
            _print(document)
        return 0

    return _ses(run)


def _import(args: argparse.Namespace) -> int:
    from incident_comms.subscribers.csv_import import parse_csv

    plan = load_plan_or_refuse(args)
    try:
        with open(args.csv, "rb") as handle:
            data = handle.read(MAX_CSV_BYTES + 1)
    except OSError as error:
        raise BadInput(f"cannot read {args.csv}: {error.strerror or error}") from error
    if len(data) > MAX_CSV_BYTES:
        raise BadInput(f"{args.csv} is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadInput(f"{args.csv} is not UTF-8 (byte {error.start})") from None
    subscribers = parse_csv(text, plan)
    directory = _directory(args, plan)

    def run() -> int:
        report = directory.import_csv(subscribers)
        _print({"rows": len(subscribers), **report.as_dict()})
        return 0

    return _ses(run)
