"""The checked plan saved at build time (issue 16, part 1): read back whole in a cold start, never when stale."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from incident_comms.composition import Services, Settings
from incident_comms.lint.plan_texts import load_checked_plan
from incident_comms.plan.snapshot import SNAPSHOT, plan_digest, read_snapshot, write_snapshot
from tests.conftest import REPO
from tests.unit.conftest import Edit


@pytest.fixture
def snapshotted(plan_copy: Path) -> Path:
    write_snapshot(load_checked_plan(plan_copy), plan_copy, plan_copy / SNAPSHOT)
    return plan_copy


def test_a_snapshot_reads_back_the_very_plan_that_was_checked(snapshotted: Path) -> None:
    assert read_snapshot(snapshotted) == load_checked_plan(snapshotted)


def test_a_snapshot_of_other_files_is_not_used(snapshotted: Path, edit_plan: Edit) -> None:
    """A plan edited after the build (a rule, or a template's text) makes the snapshot stale: it is ignored."""
    before = plan_digest(snapshotted)
    template = next((snapshotted / "templates").rglob("*.j2"))
    template.write_text(template.read_text(encoding="utf-8") + "\n", encoding="utf-8")

    assert plan_digest(snapshotted) != before
    assert read_snapshot(snapshotted) is None


def test_a_changed_rule_makes_the_snapshot_stale(snapshotted: Path, edit_plan: Edit) -> None:
    edit_plan("incident-definition.yaml", lambda data: data["rules"].pop())

    assert read_snapshot(snapshotted) is None


@pytest.mark.parametrize(
    "content",
    ["", "not json", json.dumps({"version": 99}), json.dumps([1]), "{}"],
    ids=["empty", "garbage", "other-version", "not-an-object", "no-digest"],
)
def test_a_damaged_snapshot_is_ignored_not_trusted(snapshotted: Path, content: str) -> None:
    (snapshotted / SNAPSHOT).write_text(content, encoding="utf-8")

    assert read_snapshot(snapshotted) is None


def test_a_snapshot_with_the_right_digest_but_an_invalid_plan_is_ignored(snapshotted: Path) -> None:
    document = json.loads((snapshotted / SNAPSHOT).read_text(encoding="utf-8"))
    document["plan"]["definition"]["severities"] = []
    (snapshotted / SNAPSHOT).write_text(json.dumps(document), encoding="utf-8")

    assert read_snapshot(snapshotted) is None


def test_the_functions_plan_comes_from_the_snapshot_when_it_matches(snapshotted: Path) -> None:
    document = json.loads((snapshotted / SNAPSHOT).read_text(encoding="utf-8"))
    document["plan"]["definition"]["organisation"]["name"] = "Read from the snapshot"
    (snapshotted / SNAPSHOT).write_text(json.dumps(document), encoding="utf-8")

    plan = Services(Settings(table_name="t", plan_dir=snapshotted)).plan

    assert plan.definition.organisation.name == "Read from the snapshot"


def test_without_a_snapshot_the_functions_check_the_plan_as_before(plan_copy: Path) -> None:
    assert Services(Settings(table_name="t", plan_dir=plan_copy)).plan == load_checked_plan(plan_copy)


def test_a_cold_start_with_a_snapshot_imports_neither_the_checks_nor_the_template_engine(snapshotted: Path) -> None:
    """What the snapshot saves is the import of the draft checks and Jinja as much as the check's own time."""
    code = (
        "import sys\n"
        "from incident_comms.composition import services\n"
        "services().plan\n"
        "print(sorted({m.split('.')[0] if m.startswith('jinja2') else '.'.join(m.split('.')[:2])"
        " for m in sys.modules if m.startswith(('jinja2', 'incident_comms.lint', 'yaml'))}))\n"
    )
    env = {**os.environ, "TABLE_NAME": "t", "INCIDENT_COMMS_PLAN_DIR": str(snapshotted)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO, timeout=60, check=True
    )

    assert done.stdout.strip() == "[]"


@pytest.mark.skipif(shutil.which("make") is None, reason="the plan layer's build needs make, as sam build does")
def test_the_plan_layers_build_saves_a_snapshot_that_matches_what_it_copied(tmp_path: Path) -> None:
    """What ``sam build`` runs for ``PlanLayer`` (``plan/Makefile``): the layer's folder holds the plan and its
    snapshot, and a function loading that folder gets the snapshot."""
    python = f"{sys.executable} -m incident_comms"
    subprocess.run(
        [
            "make",
            "-s",
            "-C",
            str(REPO / "plan"),
            "build-PlanLayer",
            f"ARTIFACTS_DIR={tmp_path}",
            f"INCIDENT_COMMS={python}",
        ],
        capture_output=True,
        cwd=REPO,
        timeout=120,
        check=True,
    )

    assert read_snapshot(tmp_path) == load_checked_plan(REPO / "plan")
