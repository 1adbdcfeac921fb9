"""Entry of ``incident-comms local``: start the stack, fire the sample alarm, serve until Ctrl-C."""

from __future__ import annotations

import faulthandler
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from incident_comms.clock import ManualClock
from incident_comms.errors import BadInput

SAMPLE_EVENT = "events/cloudwatch-eventbridge-alarm.json"
SIGNAL_CHECK = 0.2
"""The main thread wakes this often. Blocked without a timeout, it never runs the Ctrl-C handler when the kernel
delivers SIGINT to one of the server threads instead (it may, under load): the stack then never stops."""


def run_local(root: Path, plan_dir: Path, port: int, sample: bool, clock: str | None = None) -> int:
    """Run until SIGINT/SIGTERM; every thread and moto stop with it, so no process is left behind.
    SIGUSR1 prints every thread's stack (``kill -USR1 PID``): what to look at when the stack seems stuck.
    ``clock``: the instant the stack's clock starts at (ISO 8601 with offset), instead of now."""
    try:
        from incident_comms.local.clock_requests import parse_instant
        from incident_comms.local.server import LocalStack
    except ImportError as error:
        raise BadInput(f"the local stack needs moto: pip install 'incident-comms[local]' ({error.name})") from error
    if not (root / "template.yaml").is_file():
        raise BadInput(f"no template.yaml in {root}: run from the repository or give --root")
    from incident_comms.lint.plan_texts import load_checked_plan

    load_checked_plan(plan_dir)
    try:
        start_clock = ManualClock(parse_instant(clock)) if clock is not None else None
    except ValueError as error:
        raise BadInput(f"--clock: {error}") from error
    started = time.perf_counter()
    try:
        stack = LocalStack(root, plan_dir, port, clock=start_clock)
    except OSError as error:
        raise BadInput(f"cannot listen on 127.0.0.1:{port}: {error.strerror or error}") from error
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    try:
        url = stack.start()
        if sample:
            stack.add_sample_subscribers()
        if sample and (root / SAMPLE_EVENT).is_file():
            status, answer = stack.handle_event((root / SAMPLE_EVENT).read_bytes())
            if status != 200:
                print(f"warning: the sample alarm did not go through: {answer}", file=sys.stderr)
        print(f"ready: {url}  (started in {time.perf_counter() - started:.2f} s)", flush=True)
        print(f"  people:     {url}/local/", flush=True)
        print(f"  aws:        AWS_ENDPOINT_URL={stack.aws.endpoint} (moto; resources at {url}/local/aws)", flush=True)
        print(f"  alarms in:  curl -X POST {url}/local/events --data @events/<file>.json", flush=True)
        print(f'  clock:      curl -X POST {url}/local/clock --data \'{{"advance": "PT30M"}}\'', flush=True)
        while not stopping.wait(SIGNAL_CHECK):
            pass
    finally:
        stack.stop()
    print("stopped", flush=True)
    return 0
