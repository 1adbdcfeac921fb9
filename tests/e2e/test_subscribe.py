"""Subscribing from the status page through the local stack, over HTTP only: the form emails a confirmation link,
looking at the link adds nobody, posting it subscribes (seen with ``incident-comms subscribers list``); and a
subscriber's own links from a customer email: unsubscribe in their language, undo, manage."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from tests.e2e.conftest import RunningStack
from tests.e2e.test_approvals import open_incident, published
from tests.e2e.test_publishing import approve
from tests.forms import FormReader

pytestmark = pytest.mark.e2e

CARLA = "carla@cliente.example"


def listed_subscribers(stack: RunningStack) -> list[dict[str, Any]]:
    """``incident-comms subscribers list`` against the stack's embedded AWS: one JSON document per subscriber."""
    done = stack.cli("subscribers", "list")
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_the_status_page_form_subscribes_only_once_the_emailed_link_is_posted(
    approved_sample_stack: RunningStack,
) -> None:
    stack = approved_sample_stack  # the status page exists once something is published
    page = stack.request("GET", "/status/")
    assert page.status == 200
    reader = FormReader(page.body)
    (form,) = reader.posting_forms
    assert form["action"] == f"{stack.url}/subscribe"
    assert reader.fields["locale"] == "es"

    fields = {"email": CARLA.upper(), "component": ["api", "storage"], "locale": reader.fields["locale"]}
    asked = stack.request(
        "POST",
        urlsplit(form["action"]).path,
        urlencode(fields, doseq=True).encode(),
        **{"Content-Type": "application/x-www-form-urlencoded", "Origin": stack.url},
    )
    assert asked.status == 200 and "Revise su correo" in asked.body.decode()

    def confirmation() -> list[dict[str, Any]]:
        outbox = stack.request("GET", "/local/outbox").json()
        return [item for item in outbox if item["kind"] == "email" and item["to"] == [CARLA]]

    (email,) = stack.wait_for(confirmation)
    (link,) = re.findall(r"https?://\S+/subscribe/confirm/\S+", email["text"])
    assert link.startswith(f"{stack.url}/subscribe/confirm/")
    path = urlsplit(link).path

    looked = [stack.request(method, path).status for method in ("GET", "HEAD", "GET")]
    assert looked == [200, 200, 200]
    assert all(subscriber["email"] != CARLA for subscriber in listed_subscribers(stack))

    confirmed = stack.request("POST", path, b"confirm=yes", **{"Content-Type": "application/x-www-form-urlencoded"})
    assert confirmed.status == 200 and "Suscripción confirmada" in confirmed.body.decode()
    (carla,) = [subscriber for subscriber in listed_subscribers(stack) if subscriber["email"] == CARLA]
    assert carla["components"] == ["api", "storage"]
    assert (carla["locale"], carla["audience"], carla["unsubscribed"]) == ("es", "customers_es", False)


BOB = "bob@client.example"


def test_an_english_subscriber_unsubscribes_undoes_and_changes_language_from_their_email(
    fresh_stack: RunningStack,
) -> None:
    stack = fresh_stack  # on the suite's pinned clock
    stack.cli("subscribers", "add", BOB, "--component", "api", "--locale", "en", "--audience", "customers_intl")
    incident = open_incident(stack)
    approve(stack, incident)
    published(stack, incident["id"])

    def bobs_email() -> list[dict[str, Any]]:
        outbox = stack.request("GET", "/local/outbox").json()
        return [item for item in outbox if item["kind"] == "email" and item["to"] == [BOB]]

    (email,) = stack.wait_for(bobs_email)
    (unsubscribe,) = re.findall(r"To unsubscribe: (\S+)", email["text"])
    (manage,) = re.findall(r"To change the services or the language: (\S+)", email["text"])
    assert {name.lower(): value for name, value in email["headers"].items()}["list-unsubscribe"] == f"<{unsubscribe}>"
    same_site = {"Content-Type": "application/x-www-form-urlencoded", "Origin": stack.url}

    def bob() -> dict[str, Any]:
        (found,) = [subscriber for subscriber in listed_subscribers(stack) if subscriber["email"] == BOB]
        return found

    page = stack.request("GET", urlsplit(unsubscribe).path)
    assert page.status == 200 and 'lang="en"' in page.body.decode() and BOB in page.body.decode()
    assert not bob()["unsubscribed"]

    done = stack.request("POST", urlsplit(unsubscribe).path, b"List-Unsubscribe=One-Click", **same_site)
    assert done.status == 200 and "You are unsubscribed" in done.body.decode() and bob()["unsubscribed"]
    (undo,) = FormReader(done.body).posting_forms
    undone = stack.request("POST", urlsplit(undo["action"]).path, b"undo=yes", **same_site)
    assert undone.status == 200 and "You are subscribed again" in undone.body.decode()
    assert (bob()["unsubscribed"], bob()["locale"], bob()["components"]) == (False, "en", ["api"])

    shown = stack.request("GET", urlsplit(manage).path)
    assert shown.status == 200 and "Your subscription" in shown.body.decode()
    form = urlencode({"component": ["api", "web"], "locale": "es"}, doseq=True).encode()
    changed = stack.request("POST", urlsplit(manage).path, form, **same_site)
    assert changed.status == 200 and "Cambios guardados" in changed.body.decode()
    found = bob()
    assert (found["locale"], found["audience"], found["components"]) == ("es", "customers_es", ["api", "web"])
