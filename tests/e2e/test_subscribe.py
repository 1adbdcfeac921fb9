"""Subscribing from the status page through the local stack, over HTTP only: the form emails a confirmation link,
looking at the link adds nobody, posting it subscribes (seen with ``incident-comms subscribers list``)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from tests.e2e.conftest import RunningStack
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
