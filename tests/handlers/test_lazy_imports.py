"""What a handler's cold start must not load (issue 16, part 1): each module below costs tens of milliseconds on every
cold start of a function that does not use it, and the tracer patches botocore alone. The time is measured in
``tests/bench/cold_start.py``; here, in a fresh interpreter with tracing on as in Lambda, only what is loaded, so the
test cannot be flaky."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import REPO

APPS = sorted(REPO.glob("functions/*/app.py"))
HEAVY = {
    "jinja2": "the template engine: loaded by the first render (team.emails, drafting.render), not by an import",
    "incident_comms.lint.words": "both languages' word lists: loaded by the draft checks an approval shows",
    "incident_comms.lint.runner": "the draft checks: loaded by the approval pages and the approval request email",
    "yaml": "the plan's YAML: functions read the plan layer's checked snapshot (JSON)",
    "incident_comms.plan.loader": "the plan check: run at build (plan/Makefile), not at cold start",
    "incident_comms.intake.ingest": "applying alarms (store, lifecycle, drafts): not what accepting a webhook takes",
}
NEEDS: dict[str, set[str]] = {
    "approvals_api": {"jinja2", "incident_comms.lint.words", "incident_comms.lint.runner"},
    # Ingest, the alert worker and declarations import intake.ingest, which imports the draft renderer; the approval
    # timeout's holding text is a Jinja template. The alert webhook only checks, keeps and queues.
    "alert_worker": {"jinja2", "incident_comms.intake.ingest"},
    "approval_timeout": {"jinja2"},
    "declare": {"jinja2", "incident_comms.intake.ingest"},
    "ingest_alarm": {"jinja2", "incident_comms.intake.ingest"},
}
"""What each function may load at import; the others load none of :data:`HEAVY`."""
LOADED = (
    "import importlib.util, json, sys\n"
    "spec = importlib.util.spec_from_file_location('app', sys.argv[1])\n"
    "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
    "from pydantic import BaseModel\n"
    "def models(cls):\n"
    "    for sub in cls.__subclasses__():\n"
    "        yield sub\n"
    "        yield from models(sub)\n"
    "built = {f'{m.__module__}.{m.__qualname__}' for m in models(BaseModel)\n"
    "         if m.__module__.startswith('incident_comms.') and m.__pydantic_complete__}\n"
    "print(json.dumps({'modules': sorted(sys.modules), 'built': sorted(built)}))\n"
)


@cache
def imported(app: Path) -> dict[str, list[str]]:
    """Every module ``app`` leaves in ``sys.modules`` once imported, and our models whose validators that import
    built (one fresh interpreter per function, shared by the tests of this file)."""
    env = {
        **os.environ,
        "LAMBDA_TASK_ROOT": str(REPO),
        "AWS_LAMBDA_FUNCTION_NAME": app.parent.name,
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
    env.pop("POWERTOOLS_TRACE_DISABLED", None)
    done = subprocess.run(
        [sys.executable, "-c", LOADED, str(app)], capture_output=True, text=True, env=env, timeout=60, check=True
    )
    found: dict[str, list[str]] = json.loads(done.stdout)
    return found


def loaded_by(app: Path) -> frozenset[str]:
    return frozenset(imported(app)["modules"])


@pytest.mark.parametrize("app", APPS, ids=[app.parent.name for app in APPS])
def test_a_handler_imports_no_heavy_module_it_does_not_need(app: Path) -> None:
    unneeded = set(HEAVY) - NEEDS.get(app.parent.name, set())

    found = sorted(unneeded & loaded_by(app))

    assert not found, {name: HEAVY[name] for name in found}


@pytest.mark.parametrize("app", APPS, ids=[app.parent.name for app in APPS])
def test_the_tracer_patches_only_the_aws_calls(app: Path) -> None:
    """Patching every library the X-Ray SDK knows (requests, sqlite3, psycopg…) costs each cold start their import;
    the functions' only I/O is botocore."""
    extensions = {name.split(".")[2] for name in loaded_by(app) if name.startswith("aws_xray_sdk.ext.")}

    assert extensions - {"boto_utils", "util", "dbapi2"} == {"botocore"}


def test_every_function_named_in_the_table_exists() -> None:
    """A renamed function would otherwise keep an exemption nobody checks."""
    assert set(NEEDS) <= {app.parent.name for app in APPS}


@pytest.mark.parametrize("app", APPS, ids=[app.parent.name for app in APPS])
def test_importing_a_handler_builds_no_model_validator(app: Path) -> None:
    """Every model defers its validator (``defer_build``) to its first use: building them all at import cost each cold
    start about 100 ms, for dozens of models a function never validates."""
    assert imported(app)["built"] == []
