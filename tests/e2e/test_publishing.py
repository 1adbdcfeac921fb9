"""Publishing through the local stack, over HTTP only: approve the sample alarm's draft, see every channel."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest

from incident_comms.lint.plan_texts import load_checked_plan
from tests.conftest import REPO
from tests.e2e.conftest import RunningStack
from tests.e2e.steps import approval_links, post_form
from tests.e2e.test_approvals import approvers, open_incident, published
from tests.forms import FormReader

pytestmark = pytest.mark.e2e


def approve(stack: RunningStack, incident: dict[str, Any]) -> None:
    path = approval_links(stack, approvers(incident, stack)[0])["approve"]
    form = FormReader(stack.request("GET", path).body).fields
    assert post_form(stack, path, form).status == 200


def test_approving_a_sev1_draft_reaches_every_planned_channel_once(fresh_stack: RunningStack) -> None:
    incident = open_incident(fresh_stack)
    approve(fresh_stack, incident)

    after = published(fresh_stack, incident["id"])

    (message,) = after["messages"]
    deliveries = {delivery["channel_id"]: delivery for delivery in after["deliveries"]}
    assert set(deliveries) == {draft["channel_id"] for draft in message["drafts"]}
    sns_drafts = [d for d in message["drafts"] if d["kind"] == "sns"]

    def customer_publishes() -> list[dict[str, Any]]:
        outbox = fresh_stack.request("GET", "/local/outbox").json()
        return [item for item in outbox if item["kind"] == "sns" and "CustomerTopic" in (item.get("topic") or "")]

    sns = fresh_stack.wait_for(lambda: len(found := customer_publishes()) >= len(sns_drafts) and found)
    assert len(sns) == len(sns_drafts)
    assert {item["attributes"]["severity"]["Value"] for item in sns} == {"SEV1"}
    outbox = fresh_stack.request("GET", "/local/outbox").json()
    webhooks = [item for item in outbox if item["kind"] == "webhook"]
    assert sorted(item["channel"] for item in webhooks) == sorted(
        d["channel_id"] for d in message["drafts"] if d["kind"] == "webhook"
    )
    status = fresh_stack.request("GET", "/status/")
    assert status.status == 200
    status_draft = next(d for d in message["drafts"] if d["kind"] == "status_page")
    assert status_draft["text"].split("\n")[0].encode() in status.body
    assert fresh_stack.request("GET", "/status/feed.atom").status == 200
    assert fresh_stack.request("GET", "/status/index.json").json()


def subscribe(stack: RunningStack, *rows: tuple[str, str, str, str]) -> str:
    """Subscribe people with the real command against the stack's embedded AWS; answers the contact list name."""
    for email, component, locale, audience in rows:
        stack.cli("subscribers", "add", email, "--component", component, "--locale", locale, "--audience", audience)
    return str(stack.request("GET", "/local/aws").json()["resources"]["SubscriberContactList"])


def test_subscribers_get_one_email_each_with_a_one_click_unsubscribe_that_only_posts_act(
    fresh_stack: RunningStack,
) -> None:
    subscribe(
        fresh_stack,
        ("ana@cliente.example", "api", "es", "customers_es"),
        ("bob@client.example", "api", "en", "customers_intl"),
        ("eve@cliente.example", "web", "es", "customers_es"),
    )
    incident = open_incident(fresh_stack)
    approve(fresh_stack, incident)
    published(fresh_stack, incident["id"])

    def customer_emails() -> list[dict[str, Any]]:
        outbox = fresh_stack.request("GET", "/local/outbox").json()
        customers = {"ana@cliente.example", "bob@client.example", "eve@cliente.example"}
        return [item for item in outbox if item["kind"] == "email" and set(item["to"]) & customers]

    emails = fresh_stack.wait_for(lambda: len(found := customer_emails()) >= 2 and found)
    assert sorted(address for email in emails for address in email["to"]) == [
        "ana@cliente.example",
        "bob@client.example",
    ]
    ana = next(email for email in emails if email["to"] == ["ana@cliente.example"])
    headers = {name.lower(): value for name, value in ana["headers"].items()}
    assert headers["list-unsubscribe-post"] == "List-Unsubscribe=One-Click"
    link = urlsplit(headers["list-unsubscribe"].strip("<>")).path

    looked = [fresh_stack.request(method, link) for method in ("GET", "HEAD", "GET")]
    assert [answer.status for answer in looked] == [200, 200, 200]
    assert still_subscribed(fresh_stack, "ana@cliente.example")

    clicked = fresh_stack.request(
        "POST", link, b"List-Unsubscribe=One-Click", **{"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert clicked.status == 200
    assert not still_subscribed(fresh_stack, "ana@cliente.example")


def still_subscribed(stack: RunningStack, address: str) -> bool:
    """Whether ``address`` is still a recipient (asked of the stack's contact list itself)."""
    aws = stack.request("GET", "/local/aws").json()
    sesv2 = boto3.client(
        "sesv2",
        endpoint_url=aws["endpoint"],
        region_name=aws["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    contact = sesv2.get_contact(ContactListName=aws["resources"]["SubscriberContactList"], EmailAddress=address)
    return not contact.get("UnsubscribeAll", False)


def test_a_sev3_reaches_only_the_channels_the_plan_names_for_sev3(fresh_stack: RunningStack) -> None:
    sev3 = {channel.id for channel in load_checked_plan(REPO / "plan").channels_for("SEV3")}
    incident = open_incident(fresh_stack, "cloudwatch-anomaly-detection.json")
    assert incident["severity_id"] == "SEV3"
    approve(fresh_stack, incident)

    after = published(fresh_stack, incident["id"])

    assert {delivery["channel_id"] for delivery in after["deliveries"]} == sev3
    outbox = fresh_stack.request("GET", "/local/outbox").json()
    assert not [item for item in outbox if item["kind"] == "sns" and "CustomerTopic" in (item.get("topic") or "")]
