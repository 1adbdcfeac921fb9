"""Start ``incident-comms local`` as a real process on a free port and drive it over HTTP only.

Every stack starts on a fixed clock, never the wall clock: :data:`SUITE_CLOCK` unless ``INCIDENT_COMMS_E2E_CLOCK``
names another instant (``scripts/clock-matrix.sh`` runs the suite at a dozen), or a module or test pins its own
with ``pytest.mark.stack_clock("2026-11-30T16:00:00+01:00")``. Tests read the stack's clock for what they expect.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from incident_comms.local.clock_requests import parse_instant
from tests.conftest import REPO

CLOCK_VARIABLE = "INCIDENT_COMMS_E2E_CLOCK"
SUITE_CLOCK = "2026-11-25T10:00:00+00:00"
"""A Wednesday: 11:00 in Madrid (its offices open), 04:00 in Mexico City (its offices not yet)."""


SHARED_STACKS = {"sample_stack", "approved_sample_stack"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup`` the tests on the shared sample stacks run on one worker, which starts each once.
    pytest-xdist 3.8 under pytest 9.2 ignores the groups (it writes them into a node id pytest no longer reads:
    pytest-dev/pytest-xdist#1386), and each worker that runs one of them starts its own until that is fixed."""
    for item in items:
        if SHARED_STACKS & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("sample-stacks"))


def suite_clock() -> datetime:
    """The instant the suite's stacks start at: ``INCIDENT_COMMS_E2E_CLOCK`` if set, else :data:`SUITE_CLOCK`."""
    text = os.environ.get(CLOCK_VARIABLE) or SUITE_CLOCK
    try:
        return parse_instant(text)
    except ValueError as error:
        raise pytest.UsageError(f"{CLOCK_VARIABLE}: {error}") from None


def chosen_clock(request: pytest.FixtureRequest) -> datetime:
    """The ``stack_clock`` the test (or its module) pins, else the suite's."""
    marker = request.node.get_closest_marker("stack_clock")
    return parse_instant(marker.args[0]) if marker is not None else suite_clock()


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class RunningStack:
    process: subprocess.Popen[str]
    url: str
    output: list[str]
    drain: threading.Thread | None = None

    def request(self, method: str, path: str, body: bytes | dict[str, Any] | None = None, **headers: str) -> Answer:
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Answer(response.status, response.read(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read(), dict(error.headers))

    def post_event(self, name: str) -> Answer:
        return self.request("POST", "/local/events", (REPO / "events" / name).read_bytes())

    def cli(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        """``incident-comms ARGUMENTS`` as a person would run it against this stack's embedded AWS (the endpoint,
        region and resource names ``GET /local/aws`` gives); asserts it exited 0."""
        aws = self.request("GET", "/local/aws").json()
        environment = {
            **os.environ,
            "AWS_ENDPOINT_URL": aws["endpoint"],
            "AWS_DEFAULT_REGION": aws["region"],
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "CONTACT_LIST_NAME": aws["resources"]["SubscriberContactList"],
        }
        done = subprocess.run(
            [sys.executable, "-m", "incident_comms", *arguments],
            cwd=REPO,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done

    def wait_for(self, check: Callable[[], Any], seconds: float = 10) -> Any:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = check()
            if found:
                return found
            time.sleep(0.1)
        raise AssertionError(f"not seen within {seconds} s")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGUSR1)
                time.sleep(2)
                self.process.kill()
                raise AssertionError("the stack did not stop:\n" + "".join(self.output[-200:])) from None
        if self.drain is not None:
            self.drain.join(timeout=5)
        return self.process.returncode

    @property
    def text(self) -> str:
        """Everything the stack printed so far."""
        return "".join(self.output)


def start_stack(*extra: str, clock: datetime | None = None) -> RunningStack:
    """``incident-comms local`` with ``extra`` options, its clock at ``clock`` (else the suite's)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("AWS_ENDPOINT_URL", None)
    at = clock or suite_clock()
    process = subprocess.Popen(
        [sys.executable, "-m", "incident_comms", "local", "--port", "0", "--clock", at.isoformat(), *extra],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    output: list[str] = []
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    for line in process.stdout:
        output.append(line)
        if line.startswith("ready: "):
            url = line.split()[1]
            break
        if time.monotonic() > deadline:
            break
    else:
        process.kill()
        raise AssertionError("the stack did not start:\n" + "".join(output))
    stdout = process.stdout

    def keep_reading() -> None:
        # A pipe nobody reads fills up (64 KB of logs) and then blocks the stack's next print, stop included.
        for line in stdout:
            output.append(line)

    drain = threading.Thread(target=keep_reading, name="stack-output", daemon=True)
    drain.start()
    return RunningStack(process, url, output, drain)


@pytest.fixture(scope="module")
def stack(request: pytest.FixtureRequest) -> Iterator[RunningStack]:
    """One stack per test module; tests in a module must not depend on each other's state."""
    running = start_stack("--no-sample", clock=chosen_clock(request))
    yield running
    running.stop()


@pytest.fixture
def fresh_stack(request: pytest.FixtureRequest) -> Iterator[RunningStack]:
    running = start_stack("--no-sample", clock=chosen_clock(request))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def sample_stack() -> Iterator[RunningStack]:
    """The stack as ``bash scripts/local.sh`` starts it: the sample subscribers, and the sample alarm's incident with
    its draft awaiting approval. Shared by the tests that only look at that: none decides the draft or moves the
    clock."""
    running = start_stack()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def approved_sample_stack() -> Iterator[RunningStack]:
    """The stack as ``bash scripts/local.sh`` starts it, with the sample draft approved from the communications
    lead's email and published. Shared by the tests of what follows from that one publication, each looking at its
    own part of it; one of them moves the clock, so they find the sample's messages by id or status."""
    from tests.e2e.steps import state
    from tests.e2e.test_approvals import published
    from tests.e2e.test_publishing import approve

    running = start_stack()
    (incident,) = state(running)
    approve(running, incident)
    published(running, incident["id"])
    yield running
    running.stop()


@pytest.fixture(scope="session")
def iam_recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What :mod:`tests.e2e.iam_calls` recorded in the sample flow (a process of its own, the suite's clock).

    Recorded once per test run, not once per xdist worker: the flow takes about a minute, and pytest-xdist does not
    keep a session fixture's tests on one worker. The first worker to need it records it under a lock in the run's
    shared temporary directory; the others wait for the lock and read the file."""
    import fcntl

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    out = shared / "iam-calls.json"
    with (shared / "iam-calls.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not out.exists():
            _record_iam_calls(out)
    found: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return found


def _record_iam_calls(out: Path) -> None:
    written = out.with_suffix(".partial")
    environment = {**os.environ, "POWERTOOLS_LOG_LEVEL": "ERROR", "INCIDENT_COMMS_LOCAL_LOG_LEVEL": "ERROR"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.e2e.iam_calls", str(written)],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    written.rename(out)


@pytest.fixture(scope="session")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("INCIDENT_COMMS_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is required here (INCIDENT_COMMS_REQUIRE_BROWSER=1) but not installed")
        pytest.skip("chromium not installed (scripts/test.sh installs it where it can: apt-get install chromium)")
    return found
