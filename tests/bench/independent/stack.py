"""The local stack run in this process, as the parts drive it: events in, queues drained by hand, approvals clicked.

The stack's bridge thread is stopped once started, so nothing runs behind a measurement's back: each part moves the
queues itself (:meth:`BenchStack.drain`), as Lambda's event source mappings would, and every function runs on the
calling thread, where the call hook can attribute its AWS calls.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

REPO = Path(__file__).resolve().parents[3]
START = datetime(2026, 11, 22, 10, 16, tzinfo=UTC)
"""The stack's clock at start: just after the sample events of ``events/`` happened."""
APPROVAL_LINK = re.compile(r"https?://\S+/approvals/[A-Za-z0-9_.%-]+")
MAX_POLLS = 500
WHY = "Approved as drafted for the benchmark run."


def _no_wait(seconds: float) -> None:
    return None


class BenchStack:
    def __init__(self) -> None:
        from incident_comms.clock import ManualClock
        from incident_comms.local.server import LocalStack

        self.stack = LocalStack(REPO, REPO / "plan", clock=ManualClock(START), sleep=_no_wait)

    def __enter__(self) -> BenchStack:
        self.stack.start()
        self.stack._stopping.set()  # no bridge thread: the parts drain the queues themselves
        return self

    def __exit__(self, *exc: object) -> None:
        self.stack.stop()

    @property
    def table(self) -> str:
        return self.stack.resources["IncidentsTable"]

    def client(self, service: str) -> Any:
        return self.stack.aws.client(service)

    def event(self, payload: bytes | dict[str, Any]) -> dict[str, Any]:
        """One inbound payload routed as AWS routes it; the answer of every function it reached."""
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        status, answer = self.stack.handle_event(raw)
        if status != 200:
            raise RuntimeError(f"the stack answered {status}: {answer}")
        return answer

    def drain(self) -> int:
        """Move what the queues hold to their functions until they are empty; answers how many messages moved."""
        assert self.stack.outbox is not None
        moved = 0
        for _ in range(MAX_POLLS):
            step = self.stack.outbox.poll()
            if not step:
                return moved
            moved += step
        raise RuntimeError(f"the queues were still busy after {MAX_POLLS} polls")

    def emails(self) -> list[dict[str, Any]]:
        assert self.stack.outbox is not None
        return list(self.stack.outbox.emails())

    def http(self, method: str, path: str, body: bytes | None = None, **headers: str) -> tuple[int, bytes]:
        request = Request(self.stack.url + path, data=body, method=method, headers=headers)
        try:
            with urlopen(request, timeout=120) as response:
                return int(response.status), response.read()
        except HTTPError as error:
            return error.code, error.read()

    def approve_all(self, since: int = 0) -> int:
        """Every approver approves from each approval email received after the first ``since`` emails, newest first,
        as a person does from the link (GET the page, POST its form); answers how many approvals went through."""
        from tests.forms import FormReader

        approved = 0
        for email in reversed(self.emails()[since:]):
            links = APPROVAL_LINK.findall(email.get("text") or "")
            if not links:
                continue
            path = urlsplit(links[0]).path
            status, page = self.http("GET", path)
            if status != 200:
                continue
            fields = FormReader(page).fields
            if "reason" in fields:
                fields["reason"] = WHY
            status, _ = self.http(
                "POST",
                path,
                urlencode(fields).encode(),
                **{"Content-Type": "application/x-www-form-urlencoded", "Origin": self.stack.url},
            )
            approved += int(status == 200)
            self.drain()
        return approved

    def incidents(self) -> list[dict[str, Any]]:
        from incident_comms.composition import services

        store = services().store
        return [incident.model_dump(mode="json") for incident in store.list_incidents()]


@contextmanager
def running() -> Iterator[BenchStack]:
    with BenchStack() as bench:
        yield bench


def sample(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((REPO / "events" / name).read_text(encoding="utf-8"))
    return loaded


def encoded(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def form(fields: dict[str, str]) -> bytes:
    return urlencode(fields).encode()
