"""What a responder has at hand: their mailbox in the local outbox, the links in it, the pages those links open.

Everything goes over HTTP to the local stack, as a browser and a mail client would: links are read from the emails'
HTML, pages are opened with GET, forms are read from the page (``tests.outside.forms``) and posted back with the
headers a browser sends for a same-site form.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.e2e.conftest import Answer, RunningStack
from tests.outside.forms import Form, forms_of, links_of

URL = re.compile(r"https?://[^\s<>\"')\]]+")


def outbox(stack: RunningStack) -> list[dict[str, Any]]:
    answer = stack.request("GET", "/local/outbox")
    assert answer.status == 200, f"GET /local/outbox answered {answer.status}"
    items = answer.json()
    assert isinstance(items, list), "the outbox is a JSON list"
    return items


def incidents(stack: RunningStack) -> list[dict[str, Any]]:
    answer = stack.request("GET", "/local/incidents")
    assert answer.status == 200, f"GET /local/incidents answered {answer.status}"
    return list(answer.json())


def incident(stack: RunningStack, incident_id: str) -> dict[str, Any]:
    (found,) = [i for i in incidents(stack) if i["id"] == incident_id]
    return found


def messages_by_id(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["id"]: m for m in state["messages"]}


def snapshot(state: dict[str, Any]) -> tuple[Any, ...]:
    """What must not change when someone only looks: revision, phase, every message's status and version, the
    publications and the approvals."""
    return (
        state["revision"],
        state["phase"],
        state["status"],
        tuple(
            sorted((m["id"], m["status"], m["version"], m["revision"], len(m["approvals"])) for m in state["messages"])
        ),
        len(state["publications"]),
        json.dumps(state["facts"], sort_keys=True),
    )


def header(item: dict[str, Any], name: str) -> str | None:
    headers = item.get("headers") or {}
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value)
    return None


def token_claims(url: str) -> dict[str, Any]:
    """The readable part of a signed link (``<base64url JSON>.<signature>``): which incident, message, version,
    person and action it is for. Reading it is what anyone holding the link can do; nothing here forges one."""
    token = url.rstrip("/").rsplit("/", 1)[-1]
    body = token.split(".", 1)[0]
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


@dataclass
class Page:
    url: str
    answer: Answer

    @property
    def status(self) -> int:
        return self.answer.status

    @property
    def html(self) -> str:
        return self.answer.body.decode("utf-8", "replace")

    @property
    def forms(self) -> list[Form]:
        return forms_of(self.html)

    def form(self, *, has: str | None = None, action_endswith: str | None = None, value: str | None = None) -> Form:
        """The one form that has the field ``has`` (and offers ``value`` for it), or whose action ends so."""
        found = [
            f
            for f in self.forms
            if (has is None or has in f.names())
            and (value is None or value in f.choices(has or ""))
            and (action_endswith is None or f.action.rstrip("/").endswith(action_endswith))
        ]
        assert len(found) == 1, (
            f"{self.url}: expected one form with field {has!r}={value!r} action …{action_endswith!r}, found "
            f"{[(f.action, sorted(f.names())) for f in self.forms]}"
        )
        return found[0]


class Person:
    """One responder of the plan: their mail in the outbox and what they do with its links."""

    def __init__(self, stack: RunningStack, email: str, name: str) -> None:
        self.stack = stack
        self.email = email
        self.name = name

    def __repr__(self) -> str:
        return f"{self.name} <{self.email}>"

    def mail(self) -> list[dict[str, Any]]:
        return [m for m in outbox(self.stack) if m.get("kind") == "email" and self.email in (m.get("to") or [])]

    def links(self) -> list[str]:
        """Every link of every email of theirs, in the order they arrived."""
        found: list[str] = []
        for item in self.mail():
            hrefs = [href for href, _ in links_of(item.get("html") or "")] + URL.findall(item.get("text") or "")
            for href in hrefs:
                if href.startswith(self.stack.url) and href not in found:
                    found.append(href)
        return found

    def approval_link(self, message_id: str, action: str = "approve") -> str:
        """Their ``action`` link for the message, from the approval email (waits for it to arrive)."""

        def find() -> str | None:
            for link in self.links():
                if "/approvals/" not in link:
                    continue
                claims = token_claims(link)
                if claims.get("message_id") == message_id and claims.get("action") == action:
                    return link
            return None

        return str(self.stack.wait_for(find, seconds=15))

    def has_approval_request(self, message_id: str) -> bool:
        return any(
            "/approvals/" in link and token_claims(link).get("message_id") == message_id for link in self.links()
        )

    def console_link(self) -> str | None:
        """Their personal incident console link (spec 13), from any email that carries it; None if none does."""
        for link in self.links():
            if "/console/" in link:
                return link
        return None

    def open(self, url: str, method: str = "GET") -> Page:
        path = url.removeprefix(self.stack.url)
        return Page(url, self.stack.request(method, path, None, **{"User-Agent": f"outside-test ({self.email})"}))

    def post_fields(self, url: str, fields: dict[str, str]) -> Page:
        """Post ``fields`` to ``url`` from the page's own site (a tab whose page has changed since)."""
        return self._send(url, urlencode(fields).encode())

    def post(self, page_url: str, form: Form, button: str | None = None, **values: str) -> Page:
        """Press the form's button with ``values`` filled in, as a browser on the page's own site does."""
        url, body = form.submit(page_url, button, **values)
        return self._send(url, body)

    def _send(self, url: str, body: bytes) -> Page:
        answer = self.stack.request(
            "POST",
            url.removeprefix(self.stack.url),
            body,
            **{
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.stack.url,
                "Sec-Fetch-Site": "same-origin",
                "User-Agent": f"outside-test ({self.email})",
            },
        )
        return Page(url, answer)
