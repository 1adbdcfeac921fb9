"""Run one function of this package in a fresh interpreter and read back its JSON answer.

moto's backends and ``composition``'s services are process-wide, so each local stack gets a process of its own: no
part sees another's tables, clients or warm caches. The child's own output (the functions' logs and metrics) is
dropped; its answer comes back through a file. ``python -m tests.bench.independent.isolated module:function OUT
[JSON arguments]``."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.bench.independent.stack import REPO


def run(target: str, *arguments: Any, timeout: float = 900) -> Any:
    """``target`` (``module:function``) called with ``arguments`` in a child process; answers what it returned."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "answer.json"
        done = subprocess.run(
            [sys.executable, "-m", "tests.bench.independent.isolated", target, str(out), json.dumps(arguments)],
            cwd=REPO,
            env={**os.environ, "POWERTOOLS_LOG_LEVEL": "ERROR", "INCIDENT_COMMS_LOCAL_LOG_LEVEL": "ERROR"},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0 or not out.exists():
            tail = "\n".join(done.stderr.strip().splitlines()[-5:])
            raise RuntimeError(f"{target} failed (exit {done.returncode}): {tail}")
        return json.loads(out.read_text(encoding="utf-8"))


def main(argv: list[str]) -> int:
    target, out, arguments = argv[0], Path(argv[1]), json.loads(argv[2])
    module_name, _, function_name = target.partition(":")
    function = getattr(importlib.import_module(module_name), function_name)
    answer = function(*arguments)
    out.write_text(json.dumps(answer.as_dict() if hasattr(answer, "as_dict") else answer), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
