"""What every command of the command line shares: the plan folder it reads (``--plan``, then
``$INCIDENT_COMMS_PLAN_DIR``, then ``./plan``), and its input from a file or standard input, within the size an
inbound payload may have.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from incident_comms.errors import BadInput, PlanError
from incident_comms.lint.plan_texts import load_checked_plan
from incident_comms.plan.models import Plan

MAX_INPUT_BYTES = 256 * 1024
DEFAULT_PLAN_DIR = "plan"


def plan_dir(args: argparse.Namespace) -> Path:
    """The plan folder a command reads: ``--plan``, else ``$INCIDENT_COMMS_PLAN_DIR``, else ``./plan``."""
    given = getattr(args, "plan_dir", None) or getattr(args, "plan", None)
    return Path(given or os.environ.get("INCIDENT_COMMS_PLAN_DIR") or DEFAULT_PLAN_DIR)


def load_plan_or_refuse(args: argparse.Namespace) -> Plan:
    """The checked plan, or :class:`BadInput` naming how many problems it has and the first (``plan check`` lists
    them all)."""
    try:
        return load_checked_plan(plan_dir(args))
    except PlanError as error:
        raise BadInput(f"the plan is invalid ({len(error.problems)} problems): {error.problems[0]}") from error


def read_input(source: str) -> bytes:
    """Read FILE or ``-`` (stdin), refusing anything above the 256 KB SNS/EventBridge limit."""
    try:
        if source == "-":
            data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        else:
            with open(source, "rb") as handle:
                data = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as error:
        raise BadInput(f"cannot read {source}: {error.strerror or error}") from error
    if len(data) > MAX_INPUT_BYTES:
        raise BadInput(f"input is larger than {MAX_INPUT_BYTES // 1024} KB")
    return data
