"""``incident-comms local``: the whole system on this machine, on one HTTP port, with a clock you can move."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from incident_comms.clock import ManualClock
from incident_comms.durations import parse_duration
from incident_comms.errors import BadInput
from incident_comms.intake.payloads import parse_payload
from incident_comms.intake.webhooks import WEBHOOK_MAX_BYTES
from incident_comms.local.aws import REGION, EmbeddedAws
from incident_comms.local.cfn import load_template
from incident_comms.local.clock_requests import clock_move_of, forward_to, parse_instant
from incident_comms.local.faults import Faults, answer_request, faults_on_default_session
from incident_comms.local.functions import LocalFunction, functions_of
from incident_comms.local.outbox import Outbox
from incident_comms.local.routing import Delivery, Router, http_event
from incident_comms.local.scheduler import ClockMover
from incident_comms.local.status_site import StatusFile, status_file

SHUTDOWN_POLL = 0.05
"""How often the servers look for a stop request: Ctrl-C (and every e2e test's teardown) waits this long."""
BRIDGE_POLL = 0.05
"""How often the bridge looks for queued messages: an empty queue costs no request (:mod:`.outbox`), and a published
approval waits for this."""
DRAIN_PASSES = 50
"""At most this many polls of the queues after one scheduled firing: what it started is done at its instant."""

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "POWERTOOLS_TRACE_DISABLED": "1",
    "POWERTOOLS_METRICS_DISABLED": "1",
}


class LocalStack:
    """moto + the template's functions + one HTTP port. Start it, use it, stop it; two stacks share nothing
    but this process's environment, so run two stacks as two processes."""

    def __init__(
        self,
        root: Path,
        plan_dir: Path,
        port: int = 0,
        clock: ManualClock | None = None,
        sleep: Callable[[float], None] = time.sleep,
        parameters: Mapping[str, str] | None = None,
    ) -> None:
        self.root = root
        self.parameters = dict(parameters or {})
        """Template parameters, as ``sam deploy --parameter-overrides`` gives them (``ExistingContactListName``)."""
        self.plan_dir = plan_dir
        self.clock = clock or ManualClock(datetime.now(UTC).replace(microsecond=0))
        self.sleep = sleep
        """How the functions' own retries wait between tries (a fault-injection run passes one that does not)."""
        self.aws = EmbeddedAws()
        self.http = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self.http.daemon_threads = True
        self.functions: dict[str, LocalFunction] = {}
        self.router: Router | None = None
        self.outbox: Outbox | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self.bucket_for_status: str | None = None
        self.resources: dict[str, str] = {}
        self.mover: ClockMover | None = None
        self.faults = Faults(qualified=True)
        """What ``/local/faults`` injects into the functions' AWS calls (not the stack's own)."""
        self._turn = threading.Lock()
        """Held by a clock move and by each poll of the queues: the bridge never delivers while the clock moves."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http.server_port}"

    def start(self) -> str:
        """Start moto, create the template's resources, wire the routes, serve HTTP; answers the base URL."""
        from incident_comms.composition import Services, Settings, use_services

        endpoint = self.aws.start()
        self.faults = faults_on_default_session()
        os.environ.update({**FAKE_CREDENTIALS, "AWS_ENDPOINT_URL": endpoint})
        template = load_template(self.root / "template.yaml")
        intrinsics = self.aws.provision(
            template, {**self.parameters, "ApprovalsBaseUrl": self.url, "SesSendRate": "100000"}
        )
        self.functions = functions_of(template, self.root, intrinsics)
        for function in self.functions.values():
            os.environ.update(function.environment)
        os.environ.update(
            {
                "INCIDENT_COMMS_PLAN_DIR": str(self.plan_dir),
                "APPROVALS_BASE_URL": self.url,
                "STATUS_PAGE_URL": "",
                "POWERTOOLS_LOG_LEVEL": os.environ.get("INCIDENT_COMMS_LOCAL_LOG_LEVEL", "WARNING"),
            }
        )
        self.resources = dict(intrinsics.refs)
        sender = os.environ.get("SENDER_ADDRESS")
        if sender:
            self.aws.verify_sender(sender)
        use_services(Services(Settings.from_env(), self.clock, self.sleep))
        self._point_chat_webhooks_here()
        self.router = Router(template, self.functions, intrinsics)
        self.bucket_for_status = next(
            (name for logical, name in intrinsics.refs.items() if "status" in logical.lower() and "Bucket" in logical),
            None,
        )
        self.outbox = Outbox(self.aws)
        self.outbox.listen(self.router, self._deliver_quietly)
        self.mover = ClockMover(
            self.clock, self.aws.client("scheduler"), self.functions.values(), self.router.periodic, self._drain
        )
        self._spawn(lambda: self.http.serve_forever(poll_interval=SHUTDOWN_POLL), "http")
        self._spawn(self._poll, "bridge")
        return self.url

    def add_sample_subscribers(self) -> int:
        """Subscribe the fictional customers of ``sample-subscribers.csv`` so a sample alarm's emails have readers
        (the first run shows every channel at work); answers how many."""
        from importlib.resources import files

        from incident_comms.composition import services
        from incident_comms.subscribers.csv_import import parse_csv

        deps = services()
        rows = parse_csv(files("incident_comms.local").joinpath("sample-subscribers.csv").read_text("utf-8"), deps.plan)
        deps.subscribers.import_csv(rows)
        return len(rows)

    def _point_chat_webhooks_here(self) -> None:
        """Every webhook channel of the plan posts to ``/local/webhooks/<channel>``, recorded in the outbox."""
        from incident_comms.composition import services
        from incident_comms.plan.models import ChannelKind

        name = os.environ.get("CHAT_WEBHOOKS_PARAMETER")
        if not name:
            return
        channels = [c.id for c in services().plan.channels.channels if c.kind == ChannelKind.WEBHOOK]
        urls = {channel: f"{self.url}/local/webhooks/{channel}" for channel in channels}
        self.aws.client("ssm").put_parameter(Name=name, Value=json.dumps(urls), Type="SecureString", Overwrite=True)

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _poll(self) -> None:
        while not self._stopping.wait(BRIDGE_POLL):
            try:
                if self.outbox is not None:
                    with self._turn:
                        self.outbox.poll()
            except Exception as error:  # noqa: BLE001 - the bridge must outlive one bad poll
                print(f"warning: bridge poll failed: {type(error).__name__}: {error}", file=sys.stderr, flush=True)

    def stop(self) -> None:
        from incident_comms.composition import use_services

        self._stopping.set()
        self.http.shutdown()
        self.http.server_close()
        self.aws.stop()
        use_services(None)

    def deliver(self, deliveries: list[Delivery]) -> tuple[int, list[dict[str, Any]]]:
        """Invoke each function; a function that raises makes the answer a 500 that says which and why."""
        ran: list[dict[str, Any]] = []
        status = HTTPStatus.OK
        for delivery in deliveries:
            answer: dict[str, Any] = {"function": delivery.function.logical_id, "via": delivery.via}
            try:
                answer["result"] = delivery.function.invoke(delivery.event)
            except Exception as error:  # noqa: BLE001 - a failed invocation is reported, the stack keeps serving
                answer["error"] = f"{type(error).__name__}: {error}"
                status = HTTPStatus.INTERNAL_SERVER_ERROR
            ran.append(answer)
        return status, ran

    def _deliver_quietly(self, deliveries: list[Delivery]) -> None:
        self.deliver(deliveries)

    def handle_event(self, raw: bytes) -> tuple[int, dict[str, Any]]:
        assert self.router is not None
        try:
            deliveries = self.router.route(parse_payload(raw), self.webhook_headers())
        except BadInput as error:
            return HTTPStatus.BAD_REQUEST, {"error": str(error)}
        status, ran = self.deliver(deliveries)
        return status, {"ran": ran}

    def webhook_headers(self) -> dict[str, str]:
        """What a configured Alertmanager or Grafana sends: the bearer token from the template's parameter."""
        from incident_comms.adapters.secure_parameters import read_secure_parameter

        name = os.environ.get("WEBHOOK_TOKEN_PARAMETER")
        if not name:
            return {}
        return {"authorization": f"Bearer {read_secure_parameter(self.aws.client('ssm'), name)}"}

    def advance(self, duration: str) -> dict[str, Any]:
        return self.move(parse_duration(duration))

    def set_clock(self, instant: str) -> dict[str, Any]:
        """Move the clock forward to ``instant`` exactly as :meth:`advance` would move it there (schedules due on the
        way fire); ValueError, clock untouched, for text that is not an instant or an instant before the clock."""
        return self.move_to(parse_instant(instant))

    def move(self, delta: timedelta) -> dict[str, Any]:
        return self.move_to(self.clock.now() + delta)

    def move_to(self, target: datetime) -> dict[str, Any]:
        """Move the clock to ``target`` schedule by schedule (:class:`ClockMover`): each due schedule fires at its
        own instant and what it started settles there. ValueError, clock untouched, for ``target`` in the past."""
        assert self.mover is not None, "start() first"
        with self._turn:
            forward_to(target, self.clock.now())
            return self.mover.move_to(target)

    def _drain(self) -> None:
        if self.outbox is not None:
            for _ in range(DRAIN_PASSES):
                if not self.outbox.poll():
                    return

    def incidents(self) -> list[dict[str, Any]]:
        from incident_comms.cadence.conformance import conformance_of
        from incident_comms.composition import services
        from incident_comms.delivery.report.logic import reports_now

        deps = services()
        store: Any = _ReadOnce(deps.store)
        return [
            {
                **incident.model_dump(mode="json"),
                "timeline": [entry.model_dump(mode="json") for entry in store.timeline(incident.id)],
                "messages": [message.model_dump(mode="json") for message in store.messages(incident.id)],
                "publications": [item.model_dump(mode="json") for item in store.publications(incident.id)],
                "deliveries": [item.model_dump(mode="json") for item in store.deliveries(incident.id)],
                "delivery_reports": reports_now(deps.plan, store, deps.batch_ledger, deps.bounce_ledger, incident.id),
                "promises": [item.model_dump(mode="json") for item in store.promise_ledger(incident.id).promises],
                "conformance": conformance_of(deps.plan, store, incident, deps.clock.now()).model_dump(mode="json"),
            }
            for listed in store.list_incidents()
            if (incident := store.get_incident(listed.id)) is not None
        ]

    def status_object(self, path: str) -> StatusFile | None:
        if self.bucket_for_status is None:
            return None
        return status_file(self.aws.client("s3"), self.bucket_for_status, path)


class _ReadOnce:
    """A store whose reads each run once: ``GET /local/incidents`` reads an incident's timeline, messages and
    deliveries for several of its views, and in moto each read is a query over every item of the incident."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self._answers: dict[tuple[Any, ...], Any] = {}

    def __getattr__(self, name: str) -> Callable[..., Any]:
        read = getattr(self._store, name)

        def once(*args: Any, **kwargs: Any) -> Any:
            key = (name, args, tuple(sorted(kwargs.items())))
            if key not in self._answers:
                self._answers[key] = read(*args, **kwargs)
            return self._answers[key]

        return once


def _handler_for(stack: LocalStack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "incident-comms-local"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            sent = {"Content-Type": content_type, "Content-Length": str(len(body)), "Cache-Control": "no-store"}
            for key, value in {**sent, **(headers or {})}.items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, status: int, data: Any) -> None:
            self._send(status, json.dumps(data, ensure_ascii=False, indent=2).encode(), "application/json")

        def _body(self) -> bytes | None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > WEBHOOK_MAX_BYTES:
                self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "payload larger than 6 MB"})
                return None
            return self.rfile.read(length)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/local/faults":
                self._json(*answer_request(stack.faults, "GET", b""))
            elif path == "/local/outbox":
                self._json(HTTPStatus.OK, stack.outbox.messages() if stack.outbox else [])
            elif path == "/local/aws":
                self._json(
                    HTTPStatus.OK, {"endpoint": stack.aws.endpoint, "region": REGION, "resources": stack.resources}
                )
            elif path == "/local/incidents":
                self._json(HTTPStatus.OK, stack.incidents())
            elif path in ("/local", "/local/"):
                from incident_comms.local.page import render_page

                page = render_page(
                    stack.clock.now(), stack.incidents(), stack.outbox.messages() if stack.outbox else []
                )
                self._send(HTTPStatus.OK, page.encode(), "text/html; charset=utf-8")
            elif path.startswith("/status"):
                found = stack.status_object(path)
                if found is None:
                    self._json(HTTPStatus.NOT_FOUND, {"error": f"nothing published at {path}"})
                else:
                    self._send(found.status, found.body, found.content_type, found.headers)
            else:
                self._api(b"")

        do_HEAD = do_GET

        def do_DELETE(self) -> None:
            if urlsplit(self.path).path == "/local/faults":
                self._json(*answer_request(stack.faults, "DELETE", b""))
            else:
                self._api(self._body() or b"")

        def do_POST(self) -> None:
            body = self._body()
            if body is None:
                return
            path = urlsplit(self.path).path
            if path == "/local/events":
                self._json(*stack.handle_event(body))
            elif path == "/local/faults":
                self._json(*answer_request(stack.faults, "POST", body))
            elif path == "/local/clock":
                self._clock(body)
            elif path.startswith("/local/webhooks/") and stack.outbox is not None:
                stack.outbox.record_webhook(path.removeprefix("/local/webhooks/"), dict(self.headers.items()), body)
                self._json(HTTPStatus.OK, {"ok": True})
            else:
                self._api(body)

        def _clock(self, body: bytes) -> None:
            """JSON ``{"advance": "PT30M"}`` or ``{"set": "2026-11-23T15:00:00Z"}`` from scripts, or the page's form
            (answered with a redirect back). Bad input is a 400 with one reason, and the clock stays where it was."""
            form = not body.lstrip().startswith(b"{")
            try:
                how, value = clock_move_of(body)
                answer = stack.set_clock(value) if how == "set" else stack.advance(value)
            except ValueError as error:
                self._json(HTTPStatus.BAD_REQUEST, {"error": str(error)})
                return
            if "capped" in answer:
                self._json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": answer["capped"], **answer})
            elif form:
                self._send(HTTPStatus.SEE_OTHER, b"", "text/plain", {"Location": "/local/"})
            else:
                self._json(HTTPStatus.OK, answer)

        def _api(self, body: bytes) -> None:
            parts = urlsplit(self.path)
            found = stack.router.http_route(self.command, parts.path) if stack.router else None
            if found is None:
                self._json(HTTPStatus.NOT_FOUND, {"error": f"no route for {self.command} {parts.path}"})
                return
            route, parameters = found
            headers = dict(self.headers.items())
            event = http_event(
                route,
                self.command,
                parts.path,
                body,
                query=parts.query,
                headers=headers,
                parameters=parameters,
                source_ip=self.client_address[0],
            )
            status, ran = stack.deliver([Delivery(route.function, f"HTTP API {route.route_key}", event)])
            if status != HTTPStatus.OK:
                self._json(
                    HTTPStatus.BAD_GATEWAY, {"error": ran[0].get("error"), "function": route.function.logical_id}
                )
                return
            self._lambda_response(ran[0]["result"])

        def _lambda_response(self, result: Any) -> None:
            if not (isinstance(result, dict) and "statusCode" in result):
                self._json(HTTPStatus.OK, result)
                return
            import base64

            body = result.get("body") or ""
            raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
            headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
            content_type = headers.pop("Content-Type", headers.pop("content-type", "application/json"))
            self._send(int(result["statusCode"]), raw, content_type, headers)

    return Handler
