"""The status page's subscribe form: posts to the approvals API, in the page's locale, allowed by the page's CSP."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from incident_comms.delivery.publishing import ChannelJob
from incident_comms.delivery.status_page.build import build_site
from incident_comms.delivery.status_page.channel import StatusPageChannel
from incident_comms.incidents.models import Incident, Message, Publication
from incident_comms.plan.models import Plan
from tests.factories import opened_incident
from tests.forms import FormReader

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
SUBSCRIBE = "https://api.nubeteca.example/prod/subscribe"


def csp(html: str) -> str:
    (policy,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    return str(policy)


def test_every_locales_page_posts_the_form_to_the_api_with_its_own_locale(plan: Plan) -> None:
    site = build_site(plan, [], NOW, SUBSCRIBE)

    for path, locale in (("index.html", "es"), ("en/index.html", "en")):
        html = site[path][0].decode()
        form = FormReader(html)
        (posting,) = form.posting_forms
        assert posting["action"] == SUBSCRIBE
        assert form.fields["locale"] == locale and "email" in form.fields
        checkboxes = re.findall(r'<input type="checkbox" name="component" value="([^"]+)"', html)
        assert checkboxes == [component.id for component in plan.definition.components]
        assert csp(html).endswith("; form-action https://api.nubeteca.example")
        assert "<script" not in html
        assert '<meta name="referrer" content="strict-origin">' in html  # so the POST carries the page's origin


def test_the_component_names_are_in_the_pages_locale(plan: Plan) -> None:
    site = build_site(plan, [], NOW, SUBSCRIBE)

    assert "> API pública</label>" in site["index.html"][0].decode()
    assert "> Public API</label>" in site["en/index.html"][0].decode()


def test_without_an_http_api_url_there_is_no_form_and_no_form_may_post(plan: Plan) -> None:
    for url in (None, "javascript:alert(1)", 'https://x.example/"><b>'):
        html = build_site(plan, [], NOW, url)["index.html"][0].decode()
        assert FormReader(html).forms == []
        assert "form-action 'none'" in csp(html)


def test_a_locale_without_a_customer_email_channel_gets_no_form(plan: Plan) -> None:
    channels = [c for c in plan.channels.channels if not (c.kind == "email" and c.locale == "en")]
    no_english = plan.model_copy(update={"channels": plan.channels.model_copy(update={"channels": channels})})

    site = build_site(no_english, [], NOW, SUBSCRIBE)

    assert len(FormReader(site["index.html"][0]).posting_forms) == 1
    assert FormReader(site["en/index.html"][0]).forms == []


class Store:
    def list_incidents(self, limit: int = 100) -> list[Incident]:
        return []

    def messages(self, incident_id: str) -> list[Message]:
        return []

    def publications(self, incident_id: str) -> list[Publication]:
        return []


class Bucket:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put_object(self, *, Bucket: str, Key: str, Body: bytes, ContentType: str, CacheControl: str) -> Any:
        self.objects[Key] = Body


def test_the_channel_puts_the_api_base_urls_subscribe_on_the_page(plan: Plan) -> None:
    incident, message = opened_incident(plan)
    bucket = Bucket()
    channel = StatusPageChannel(Store(), bucket, "status", subscribe_base_url="https://api.nubeteca.example/prod/")
    draft = next(draft for draft in message.drafts if draft.kind == "status_page")
    channel_spec = next(c for c in plan.channels.channels if c.id == draft.channel_id)
    job = ChannelJob(plan, incident, message, draft, channel_spec, NOW)

    channel.publish(job)

    (posting,) = FormReader(bucket.objects["index.html"]).posting_forms
    assert posting["action"] == SUBSCRIBE
