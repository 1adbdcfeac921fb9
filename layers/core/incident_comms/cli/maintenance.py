"""``incident-comms maintenance schedule|list|cancel``: maintenance windows from a terminal, through the stack's
``/maintenances`` API.

The way to the stack is declare's (:func:`~incident_comms.cli.declare.ask_stack`): ``--local URL`` plain JSON,
``--api URL`` (or ``$INCIDENT_COMMS_API_URL``) signed with SigV4. ``schedule`` checks the window against the plan
first, without the clock (the stack checks that it starts in the future, on its own clock): bad flags, a time
without its UTC offset, an unknown component or a title missing in a plan locale exit 2 with one ``error:`` line,
and nothing is sent. Titles and details are flags per plan locale (``--title-es``, ``--details-en``...).

Exit codes: 0 done; 2 bad input, or a window the stack refused (400); 1 anything else the stack answered (an unknown
maintenance, one that can no longer be cancelled...) or a stack that cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from incident_comms.cli.common import load_plan_or_refuse
from incident_comms.cli.declare import Answer, add_stack_arguments, ask_stack, error_line, locale_texts
from incident_comms.errors import BadInput
from incident_comms.maintenance.logic import maintenance_problems
from incident_comms.maintenance.models import MaintenanceRequest

MAINTENANCE_TEXTS = ("title", "details")
_MAINTENANCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,99}")


def add_maintenance_command(commands: Any) -> None:
    maintenance = commands.add_parser("maintenance", help="schedule, list or cancel maintenance windows")
    subcommands = maintenance.add_subparsers(dest="maintenance_command", required=True, parser_class=type(maintenance))

    schedule = subcommands.add_parser(
        "schedule",
        help="schedule a maintenance window (POST /maintenances); it then awaits approval",
        description="Texts per plan locale: --title-<locale> TEXT (required in every locale), "
        "--details-<locale> TEXT (optional; every locale or none).",
    )
    schedule.add_argument(
        "--components", action="append", required=True, metavar="C,C", help="plan component ids, e.g. api,invoicing"
    )
    schedule.add_argument("--start", required=True, help="ISO 8601 with its UTC offset, e.g. 2026-12-10T03:00+01:00")
    schedule.add_argument("--end", required=True, help="ISO 8601 with its UTC offset, e.g. 2026-12-10T05:00+01:00")
    schedule.add_argument("--plan", help="plan folder the window is checked against (default: ./plan)")
    add_stack_arguments(schedule)
    schedule.set_defaults(run=_schedule, locale_flags=True)

    listing = subcommands.add_parser("list", help="the stack's maintenances, one a line (GET /maintenances)")
    listing.add_argument("--json", action="store_true", help="print the stack's JSON answer instead")
    listing.add_argument("--plan", help="plan folder: titles are shown in its first locale (default: ./plan)")
    add_stack_arguments(listing)
    listing.set_defaults(run=_list)

    cancel = subcommands.add_parser("cancel", help="cancel a maintenance before it completes")
    cancel.add_argument("maintenance_id", metavar="MNT-ID", help="the id schedule printed")
    add_stack_arguments(cancel)
    cancel.set_defaults(run=_cancel)


def _schedule(args: argparse.Namespace) -> int:
    texts = locale_texts(getattr(args, "extra", []), MAINTENANCE_TEXTS)
    components = list(dict.fromkeys(name.strip() for given in args.components for name in given.split(",")))
    components = [name for name in components if name]
    starts_at, ends_at = _instant("--start", args.start), _instant("--end", args.end)
    plan = load_plan_or_refuse(args)
    problems = maintenance_problems(plan, components, starts_at, ends_at, texts["title"], texts["details"], now=None)
    if problems:
        raise BadInput("; ".join(problems))
    try:
        request = MaintenanceRequest(
            components=components, starts_at=starts_at, ends_at=ends_at, title=texts["title"], details=texts["details"]
        )
    except ValidationError as error:
        raise BadInput(f"the maintenance cannot be sent: {error.errors()[0]['msg']}") from None
    body = json.dumps(request.model_dump(mode="json"), ensure_ascii=False).encode("utf-8")
    answer = ask_stack(args, "schedule it", "POST", "maintenances", body)
    if answer is None:
        return 1
    if answer.status == 201 and answer.body.get("maintenance_id"):
        print(answer.body["maintenance_id"])
        return 0
    if answer.status == 400:
        raise BadInput(f"the stack refused the maintenance: {_reason(answer)}")
    return _failed(answer)


def _instant(flag: str, text: str) -> datetime:
    """The time as typed; one without its offset goes on to :func:`maintenance_problems`, which names it."""
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"{flag}: {text!r} is not a time like 2026-12-10T03:00+01:00") from None


def _list(args: argparse.Namespace) -> int:
    locale = None if args.json else load_plan_or_refuse(args).definition.locales[0]
    answer = ask_stack(args, "look", "GET", "maintenances", None)
    if answer is None:
        return 1
    maintenances = answer.body.get("maintenances")
    if answer.status != 200 or not isinstance(maintenances, list):
        return _failed(answer)
    if locale is None:
        print(json.dumps(answer.body, ensure_ascii=False))
        return 0
    for maintenance in maintenances:
        if isinstance(maintenance, dict):
            print(maintenance_line(maintenance, locale))
    return 0


def maintenance_line(maintenance: dict[str, Any], locale: str) -> str:
    """One maintenance as a tab-separated line (id, status, window, components, title), the title in ``locale`` or
    else its first, each field on one line so the output stays one maintenance per line for ``cut`` and ``grep``."""
    titles = maintenance.get("title")
    titles = titles if isinstance(titles, dict) else {}
    title = titles.get(locale) or next(iter(titles.values()), "")
    components = maintenance.get("components")
    fields = [
        maintenance.get("id", "?"),
        maintenance.get("status", "?"),
        f"{maintenance.get('starts_at', '?')} → {maintenance.get('ends_at', '?')}",
        ",".join(map(str, components)) if isinstance(components, list) else "?",
        title,
    ]
    return "\t".join(" ".join(str(field).split()) for field in fields)


def _cancel(args: argparse.Namespace) -> int:
    maintenance_id = args.maintenance_id.strip()
    if not _MAINTENANCE_ID.fullmatch(maintenance_id):
        raise BadInput(f"{args.maintenance_id!r} is not a maintenance id (MNT-...)")
    answer = ask_stack(args, "cancel it", "POST", f"maintenances/{maintenance_id}/cancel", b"{}")
    if answer is None:
        return 1
    if answer.status == 200:
        print(f"cancelled {answer.body.get('maintenance_id') or maintenance_id}")
        return 0
    if answer.status in (404, 409):
        print(error_line(_reason(answer)), file=sys.stderr)
        return 1
    return _failed(answer)


def _reason(answer: Answer) -> str:
    return str(answer.body.get("error") or answer.body.get("message") or "no reason given")


def _failed(answer: Answer) -> int:
    print(error_line(f"the stack answered {answer.status}: {_reason(answer)}"), file=sys.stderr)
    return 1
