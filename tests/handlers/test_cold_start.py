"""What a handler's cold start loads (issue 16, part 1): the time is measured in ``tests/bench/cold_start.py``; here,
what must not be loaded at all, checked in a fresh interpreter with tracing on as in Lambda."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

APPS = sorted(REPO.glob("functions/*/app.py"))
LOADED = (
    "import importlib.util, json, sys\n"
    "spec = importlib.util.spec_from_file_location('app', sys.argv[1])\n"
    "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
    "print(json.dumps(sorted(name for name in sys.modules if name.startswith('aws_xray_sdk.ext.'))))\n"
)


@pytest.mark.parametrize("app", APPS, ids=[app.parent.name for app in APPS])
def test_the_tracer_patches_only_the_aws_calls(app: Path) -> None:
    """Patching every library the X-Ray SDK knows (requests, sqlite3, psycopg…) costs each cold start their import;
    the functions' only I/O is botocore."""
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

    patched = {name.split(".")[2] for name in json.loads(done.stdout)} - {"boto_utils", "util", "dbapi2"}
    assert patched == {"botocore"}
