"""A checked plan, saved where it is built, so a cold start loads it instead of checking it again.

``incident-comms plan check --snapshot FILE`` (run by the plan layer's build, ``plan/Makefile``) writes the plan it
has just checked — structure, cross-references, every template rendered, every holding text linted — as JSON with
the digest of the files it came from. A function's cold start reads it back in about a millisecond where the whole
check takes a quarter of a second or more. A snapshot whose digest no longer matches the plan's files (a plan edited
after the build, a snapshot copied beside another plan) is ignored, and the plan is checked as before: a stale
snapshot costs time, never correctness.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import ValidationError

from incident_comms.plan.files import CHANNELS, DEFINITION, ROLES, TEMPLATES_DIR, VALUES
from incident_comms.plan.models import Plan

SNAPSHOT = "plan.snapshot.json"
"""Its name in the plan layer (``/opt/plan.snapshot.json`` beside the plan's files)."""
VERSION = 1


def plan_digest(plan_dir: Path) -> str:
    """SHA-256 over the name and bytes of every file the plan is loaded from, in a stable order."""
    files = [plan_dir / name for name in (DEFINITION, ROLES, CHANNELS, VALUES)]
    templates = plan_dir / TEMPLATES_DIR
    if templates.is_dir():
        files += sorted(path for path in templates.rglob("*") if path.is_file())
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(plan_dir).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"(missing)")
        digest.update(b"\0")
    return digest.hexdigest()


def write_snapshot(plan: Plan, plan_dir: Path, out: Path) -> None:
    """Save a plan that has passed every check, with the digest of ``plan_dir``'s files."""
    document = {"version": VERSION, "digest": plan_digest(plan_dir), "plan": plan.model_dump(mode="json")}
    out.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def read_snapshot(plan_dir: Path) -> Plan | None:
    """The plan saved beside ``plan_dir``'s files when it is theirs; None when there is none or it is stale."""
    try:
        document = json.loads((plan_dir / SNAPSHOT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("version") != VERSION:
        return None
    if document.get("digest") != plan_digest(plan_dir):
        return None
    try:
        return Plan.model_validate(document.get("plan"))
    except ValidationError:
        return None
