"""The chat webhook channel against a real HTTP server on 127.0.0.1: retries with backoff on 5xx, 429 and network
errors, a permanent refusal reported at once, Slack and Teams payloads, and untrusted text that cannot become a
link or a mention. The webhook URL is a credential: no result may show it."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from incident_comms.adapters.webhooks import (
    WebhookChannel,
    escape_markdown,
    escape_mrkdwn,
    message_parts,
    retry_after_seconds,
    slack_payload,
    teams_payload,
    webhook_flavour,
)
from incident_comms.delivery.publishing import ChannelJob, ChannelResult
from incident_comms.plan.models import Plan
from tests.factories import OPENED, opened_incident

SECRET_PATH = "/services/T000/B000/s3cr3t-t0k3n"


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class ChatServer:
    """Answers each POST with the next scripted :class:`Answer` (200 ``ok`` once the script runs out)."""

    def __init__(self) -> None:
        self.script: list[Answer] = []
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with server._lock:
                    server.requests.append(Received(self.path, dict(self.headers), body))
                    answer = server.script.pop(0) if server.script else Answer()
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except ConnectionError:
                    pass  # a late answer: the client timed out and left, as the timeout test intends

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}{SECRET_PATH}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatServer]:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    chat = ChatServer()
    yield chat
    chat.close()


def chat_job(plan: Plan, text: str | None = None) -> ChannelJob:
    """The sample SEV1 API incident's first message on the plan's chat channel (``chat-incidents``)."""
    incident, message = opened_incident(plan)
    draft = next(draft for draft in message.drafts if draft.channel_id == "chat-incidents")
    if text is not None:
        draft = draft.model_copy(update={"text": text})
    channel = next(channel for channel in plan.channels.channels if channel.id == "chat-incidents")
    return ChannelJob(plan, incident, message, draft, channel, OPENED + timedelta(minutes=5))


def channel_for(
    urls: dict[str, str] | Callable[[], dict[str, str]], sleeps: list[float], **options: Any
) -> WebhookChannel:
    reader = urls if callable(urls) else (lambda: urls)
    return WebhookChannel(reader, sleep=sleeps.append, jitter=lambda: 0.0, **options)


def assert_failed(result: ChannelResult, *words: str) -> None:
    assert (result.attempted, result.delivered, result.failed) == (1, 0, 1)
    assert result.detail is not None
    for word in words:
        assert word in result.detail
    assert "s3cr3t" not in result.detail, "the webhook URL is a credential"


def test_a_post_is_delivered_as_slack_json(plan: Plan, server: ChatServer) -> None:
    sleeps: list[float] = []
    job = chat_job(plan)

    result = channel_for({"chat-incidents": server.url}, sleeps).publish(job)

    assert (result.attempted, result.delivered, result.failed) == (1, 1, 0)
    (request,) = server.requests
    assert request.path == SECRET_PATH
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    payload = request.json()
    header, section = payload["blocks"][0], payload["blocks"][1]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": job.draft.text.split("\n")[0]}}
    assert section["text"]["type"] == "mrkdwn"
    assert "Impacto: Las integraciones" in section["text"]["text"]
    assert payload["text"].startswith("[SEV1 · Crítica]")
    assert sleeps == []


def test_a_server_error_is_retried_with_backoff_and_then_delivered(plan: Plan, server: ChatServer) -> None:
    server.script = [Answer(500, b"oops"), Answer(200)]
    sleeps: list[float] = []

    result = channel_for({"chat-incidents": server.url}, sleeps).publish(chat_job(plan))

    assert result.delivered == 1
    assert len(server.requests) == 2
    assert server.requests[0].body == server.requests[1].body, "the retry posts the same message"
    assert sleeps == [0.5], "first backoff: half of 1 s with no jitter"


def test_backoff_doubles_with_jitter_and_a_lasting_outage_is_reported(plan: Plan, server: ChatServer) -> None:
    server.script = [Answer(503, b"down")] * 3
    sleeps: list[float] = []
    channel = WebhookChannel(lambda: {"chat-incidents": server.url}, sleep=sleeps.append, jitter=lambda: 0.999)

    result = channel.publish(chat_job(plan))

    assert_failed(result, "HTTP 503", "down", "3 attempts", "127.0.0.1")
    assert len(server.requests) == 3
    assert sleeps == [pytest.approx(1.0, abs=0.01), pytest.approx(2.0, abs=0.01)]


def test_a_client_error_is_permanent_and_not_retried(plan: Plan, server: ChatServer) -> None:
    server.script = [Answer(404, b"no_service")]
    sleeps: list[float] = []

    result = channel_for({"chat-incidents": server.url}, sleeps).publish(chat_job(plan))

    assert_failed(result, "HTTP 404", "no_service", "permanent")
    assert len(server.requests) == 1
    assert sleeps == []


def test_too_many_requests_waits_as_long_as_retry_after_says(plan: Plan, server: ChatServer) -> None:
    server.script = [Answer(429, b"rate_limited", {"Retry-After": "7"}), Answer(200)]
    sleeps: list[float] = []

    result = channel_for({"chat-incidents": server.url}, sleeps).publish(chat_job(plan))

    assert result.delivered == 1
    assert sleeps == [7.0]


def test_a_retry_after_longer_than_the_cap_is_cut_to_the_cap(plan: Plan, server: ChatServer) -> None:
    server.script = [Answer(429, b"", {"Retry-After": "3600"}), Answer(200)]
    sleeps: list[float] = []

    result = channel_for({"chat-incidents": server.url}, sleeps, retry_after_max=4.0).publish(chat_job(plan))

    assert result.delivered == 1
    assert sleeps == [4.0]


def test_a_redirect_is_not_followed(plan: Plan, server: ChatServer) -> None:
    server.script = [Answer(302, b"", {"Location": "/elsewhere"})]
    sleeps: list[float] = []

    result = channel_for({"chat-incidents": server.url}, sleeps).publish(chat_job(plan))

    assert_failed(result, "HTTP 302", "permanent")
    assert [request.path for request in server.requests] == [SECRET_PATH]


def test_a_post_whose_answer_timed_out_is_not_posted_again_but_recorded_unknown(plan: Plan, server: ChatServer) -> None:
    server.script = [Answer(200, delay=1.0), Answer(200)]
    sleeps: list[float] = []

    result = channel_for({"chat-incidents": server.url}, sleeps, timeout=0.2).publish(chat_job(plan))

    assert (result.attempted, result.delivered, result.failed, result.unknown) == (1, 0, 0, 1)
    assert "not resent" in (result.detail or "")
    assert len(server.requests) == 1
    assert sleeps == []


def test_an_unreachable_host_is_retried_then_reported(plan: Plan) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps: list[float] = []

    result = channel_for({"chat-incidents": f"http://127.0.0.1:{port}{SECRET_PATH}"}, sleeps).publish(chat_job(plan))

    assert_failed(result, "network error", "3 attempts")
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    ("urls", "words"),
    [
        ({}, ["no URL for channel chat-incidents"]),
        ({"chat-incidents": ""}, ["no URL for channel chat-incidents"]),
        ({"chat-incidents": "file:///etc/passwd"}, ["not an http(s) URL"]),
        ({"chat-incidents": "ftp://hooks.example/s3cr3t"}, ["not an http(s) URL"]),
        ({"chat-incidents": "https:///s3cr3t"}, ["not an http(s) URL"]),
    ],
)
def test_a_missing_or_unusable_url_is_a_failed_delivery_not_an_exception(
    plan: Plan, server: ChatServer, urls: dict[str, str], words: list[str]
) -> None:
    result = channel_for(urls, []).publish(chat_job(plan))

    assert_failed(result, *words)
    assert server.requests == []


def test_an_unreadable_parameter_is_a_failed_delivery_not_an_exception(plan: Plan) -> None:
    def unreadable() -> dict[str, str]:
        raise RuntimeError("CHAT_WEBHOOKS_PARAMETER is not set")

    result = channel_for(unreadable, []).publish(chat_job(plan))

    assert_failed(result, "parameter could not be read", "CHAT_WEBHOOKS_PARAMETER")


def test_untrusted_text_cannot_mention_everyone_or_form_a_link_on_slack(plan: Plan, server: ChatServer) -> None:
    hostile = "Alarma <!channel> & <https://evil.example|pulse aquí>\nVer https://estado.nubeteca.example"

    channel_for({"chat-incidents": server.url}, []).publish(chat_job(plan, hostile))

    payload = server.requests[0].json()
    assert payload["blocks"][0]["text"]["text"] == "Alarma <!channel> & <https://evil.example|pulse aquí>", (
        "plain_text headers are not read as markup"
    )
    section = payload["blocks"][1]["text"]
    assert section["verbatim"] is True
    assert section["text"] == "Ver <https://estado.nubeteca.example>", "only the plan's own status page is linked"
    assert payload["text"] == (
        "Alarma &lt;!channel&gt; &amp; &lt;https://evil.example|pulse aquí&gt;\nVer https://estado.nubeteca.example"
    )


def test_slack_sections_stay_within_slack_limits_without_splitting_an_entity() -> None:
    body = "\n".join(["&" * 900] * 10)

    payload = slack_payload("título " * 40, body)

    assert len(payload["blocks"][0]["text"]["text"]) <= 150
    sections = [block["text"]["text"] for block in payload["blocks"][1:]]
    assert sections and all(len(text) <= 3000 for text in sections)
    assert all(not text.rstrip("…\n").endswith(("&", "&a", "&am", "&amp")) for text in sections)
    assert len(payload["text"]) <= 3000


def test_teams_hosts_get_an_adaptive_card_with_markdown_escaped(plan: Plan) -> None:
    assert webhook_flavour("contoso.webhook.office.com") == "teams"
    assert webhook_flavour("prod-12.westeurope.logic.azure.com") == "teams"
    assert webhook_flavour("default1a2b.3c.environment.api.powerplatform.com") == "teams"
    assert webhook_flavour("hooks.slack.com") == "slack"
    assert webhook_flavour("chat.example.com") == "slack"
    assert webhook_flavour("webhook.office.com.evil.example") == "slack"

    header, body = message_parts(chat_job(plan, "[SEV1] caída *total*\nVer [aquí](https://evil.example)\n\nFin_"))
    payload = teams_payload(header, body)

    (attachment,) = payload["attachments"]
    assert payload["type"] == "message"
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    texts = [element["text"] for element in card["body"]]
    assert texts == [r"\[SEV1\] caída \*total\*", r"Ver \[aquí\]\(https://evil.example\)", r"Fin\_"]
    assert card["body"][0]["weight"] == "Bolder"
    assert "spacing" not in card["body"][2], "a blank line starts a new paragraph"


def test_a_teams_url_is_posted_an_adaptive_card(plan: Plan, monkeypatch: pytest.MonkeyPatch) -> None:
    posted: list[bytes] = []

    class Opener:
        def open(self, request: Any, timeout: float) -> Any:
            posted.append(request.data)
            raise urllib.error.URLError(OSError("no network in unit tests"))

    channel = WebhookChannel(
        lambda: {"chat-incidents": "https://contoso.webhook.office.com/webhookb2/s3cr3t"}, sleep=lambda _: None
    )
    monkeypatch.setattr(channel, "_opener", Opener())

    result = channel.publish(chat_job(plan))

    assert_failed(result, "teams webhook (contoso.webhook.office.com)", "network error")
    assert json.loads(posted[0])["attachments"][0]["content"]["type"] == "AdaptiveCard"


def test_escaping_helpers() -> None:
    assert escape_mrkdwn("a & <b> c") == "a &amp; &lt;b&gt; c"
    assert escape_markdown(r"a\b *c* _d_ `e` [f](g) ~h~ #i |j| <k>") == (
        r"a\\b \*c\* \_d\_ \`e\` \[f\]\(g\) \~h\~ \#i \|j\| \<k\>"
    )


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    assert retry_after_seconds("12", now) == 12.0
    assert retry_after_seconds("Sun, 22 Nov 2026 10:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Sun, 22 Nov 2026 09:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None
