"""Cold import time of each Lambda handler, as a ratio to ``import boto3`` alone, measured in the same run.

Run: ``.venv/bin/python -m tests.bench.import_time [runs]``. Each sample is a fresh interpreter, as in a cold start.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BASELINE = "import boto3"
HANDLER = (
    "import importlib.util, sys\n"
    "spec = importlib.util.spec_from_file_location('app', sys.argv[1])\n"
    "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
)
TIMED = "import time; t = time.perf_counter()\n{code}\nprint(time.perf_counter() - t)"


def sample(code: str, *args: str) -> float:
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "1", "AWS_DEFAULT_REGION": "eu-west-1"}
    result = subprocess.run(
        [sys.executable, "-c", TIMED.format(code=code), *args], capture_output=True, text=True, env=env, check=True
    )
    return float(result.stdout.strip().splitlines()[-1])


def main(runs: int = 7) -> None:
    sample(BASELINE)
    baseline = statistics.median(sample(BASELINE) for _ in range(runs))
    print(f"baseline  import boto3            {baseline * 1000:7.1f} ms   1.00x")
    for app in sorted(REPO.glob("functions/*/app.py")):
        seconds = statistics.median(sample(HANDLER, str(app)) for _ in range(runs))
        print(f"handler   {app.parent.name:24s} {seconds * 1000:7.1f} ms   {seconds / baseline:.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
