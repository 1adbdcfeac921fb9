"""The status page: the whole site built from plain incidents (no AWS), and the channel that writes it.

What matters to a customer reading it at 3 a.m.: each component says plainly whether it works; open incidents show
what was approved, newest first, in the audience's time; resolved ones stay 90 days; it works on a phone without
script, in every plan locale; alarm text cannot become markup; the feed parses and the JSON is machine-readable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import feedparser  # type: ignore[import-untyped]
import pytest

from incident_comms.delivery.publishing import ChannelJob
from incident_comms.delivery.status_page.build import build_site
from incident_comms.delivery.status_page.channel import StatusPageChannel
from incident_comms.delivery.status_page.logic import published_updates
from incident_comms.delivery.status_page.models import SiteIncident
from incident_comms.delivery.status_page.records import MemoryStatusView, ViewSnapshot
from incident_comms.delivery.status_page.serving import ATOM_TYPE, HTML_TYPE, JSON_TYPE, SHORT_CACHE
from incident_comms.drafting.render import draft_from_text
from incident_comms.incidents.models import (
    Incident,
    IncidentStatus,
    Message,
    MessageStatus,
    Publication,
    PublicationReason,
)
from incident_comms.plan.models import Phase, Plan
from tests.factories import OPENED, STATUS_API_ENDPOINTS, opened_incident, status_site_files

NOW = OPENED + timedelta(hours=2)
MAIN_FILES = status_site_files("INC-1")
ARCHIVE_FILES = {"history/2026-11.html", "history/index.html", "en/history/2026-11.html", "en/history/index.html"}
SITE_FILES = MAIN_FILES | ARCHIVE_FILES


# --- builders -------------------------------------------------------------------------------------------------------


def incident(
    plan: Plan,
    *,
    incident_id: str = "INC-1",
    component: str = "api",
    severity: str = "SEV1",
    at: datetime = OPENED,
    status: IncidentStatus = IncidentStatus.OPEN,
) -> Incident:
    base, _ = opened_incident(plan, at=at, incident_id=incident_id)
    return base.model_copy(update={"component_id": component, "severity_id": severity, "status": status})


def message(
    plan: Plan,
    owner: Incident,
    message_id: str,
    phase: Phase = Phase.INVESTIGATING,
    *,
    title: str | None = None,
    text: str | None = None,
    channels: list[str] | None = None,
    status: MessageStatus = MessageStatus.APPROVED,
    version: int = 1,
) -> Message:
    """An approved message with one draft per channel of the incident's severity (or of ``channels``), each saying
    ``title (locale)`` / ``text (locale)`` so a test can tell which locale's draft the page chose."""
    chosen = [c for c in plan.channels_for(owner.severity_id) if channels is None or c.id in channels]
    title = title or f"{phase.value} {message_id}"
    text = text or f"Text of {message_id}"
    drafts = [
        draft_from_text(plan, channel, f"{title} ({channel.locale})", f"{text} ({channel.locale}, {channel.id})")
        for channel in chosen
    ]
    return Message(
        id=message_id,
        incident_id=owner.id,
        phase=phase,
        version=version,
        status=status,
        created_at=owner.opened_at,
        approvers=["comms_lead"],
        drafts=drafts,
    )


def handed_off(item: Message, at: datetime) -> Publication:
    return Publication(
        incident_id=item.incident_id,
        message_id=item.id,
        version=item.version,
        requested_at=at,
        reason=PublicationReason.APPROVED,
    )


def published(owner: Incident, *updates: tuple[Message, datetime]) -> SiteIncident:
    """``owner`` with each message handed to publishing at its time."""
    return SiteIncident(owner, [m for m, _ in updates], [handed_off(m, at) for m, at in updates])


def resolved_incident(plan: Plan, incident_id: str, resolved_at: datetime, **kwargs: Any) -> SiteIncident:
    owner = incident(plan, incident_id=incident_id, at=resolved_at - timedelta(hours=1), **kwargs)
    first = message(plan, owner, f"{incident_id}-investigating")
    last = message(plan, owner, f"{incident_id}-resolved", Phase.RESOLVED)
    return published(owner, (first, resolved_at - timedelta(minutes=50)), (last, resolved_at))


def document(site: Mapping[str, tuple[bytes, str]], path: str = "index.json") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(site[path][0])
    return data


def page(site: Mapping[str, tuple[bytes, str]], path: str = "index.html") -> str:
    return site[path][0].decode("utf-8")


def components(site: Mapping[str, tuple[bytes, str]], path: str = "index.json") -> dict[str, dict[str, Any]]:
    return {component["id"]: component for component in document(site, path)["components"]}


class Outline(HTMLParser):
    """What a reader's eye follows: which element ids sit in which top-level section, links, tags, meta."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids_in: dict[str, list[str]] = {}
        self.links: list[dict[str, str | None]] = []
        self.tags: list[str] = []
        self.meta: list[dict[str, str | None]] = []
        self.html_lang: str | None = None
        self._sections: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.html_lang = found.get("lang")
        elif tag == "meta":
            self.meta.append(found)
        elif tag in ("a", "link"):
            self.links.append({"tag": tag, **found})
        element_id = found.get("id")
        if element_id and self._sections:
            self.ids_in.setdefault(self._sections[0], []).append(element_id)
        if tag == "section":
            self._sections.append(element_id or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self._sections:
            self._sections.pop()


# --- what is published ----------------------------------------------------------------------------------------------


def test_only_approved_versions_handed_to_publishing_count_as_published(plan: Plan) -> None:
    owner = incident(plan)
    shown = message(plan, owner, "m-shown")
    awaiting = message(plan, owner, "m-awaiting", status=MessageStatus.AWAITING_APPROVAL)
    never_handed_off = message(plan, owner, "m-no-publication")
    edited_after = message(plan, owner, "m-v2", version=2)
    record = SiteIncident(
        owner,
        [shown, awaiting, never_handed_off, edited_after],
        [
            handed_off(shown, OPENED + timedelta(minutes=5)),
            handed_off(awaiting, OPENED + timedelta(minutes=6)),
            handed_off(edited_after.model_copy(update={"version": 1}), OPENED + timedelta(minutes=7)),
        ],
    )

    assert [update.message.id for update in published_updates(record)] == ["m-shown"]


def test_an_incident_nothing_was_published_about_is_not_on_the_page(plan: Plan) -> None:
    owner = incident(plan)
    waiting = message(plan, owner, "m-1", status=MessageStatus.AWAITING_APPROVAL)

    site = build_site(plan, [SiteIncident(owner, [waiting], [])], NOW)

    assert document(site)["incidents"] == []
    assert components(site)["api"]["status"] == "operational"
    assert "INC-1" not in page(site)


def test_with_nothing_published_every_component_is_operational_in_every_locale(plan: Plan) -> None:
    site = build_site(plan, [], NOW)

    assert set(site) == status_site_files()
    for path in ("index.json", "en/index.json"):
        assert document(site, path)["status"] == "operational"
        assert [c["id"] for c in document(site, path)["components"]] == [c.id for c in plan.definition.components]
        assert {c["status"] for c in document(site, path)["components"]} == {"operational"}
    assert "Todos los servicios funcionan con normalidad." in page(site)
    assert "All services are operating normally." in page(site, "en/index.html")


def test_content_types_per_file(plan: Plan) -> None:
    site = build_site(plan, [], NOW)

    assert {path: content_type for path, (_, content_type) in site.items()} == {
        "index.html": HTML_TYPE,
        "index.json": JSON_TYPE,
        "feed.atom": ATOM_TYPE,
        "en/index.html": HTML_TYPE,
        "en/index.json": JSON_TYPE,
        "en/feed.atom": ATOM_TYPE,
        "404.html": HTML_TYPE,
        "en/404.html": HTML_TYPE,
        **{f"{prefix}api/v2/{endpoint}": JSON_TYPE for prefix in ("", "en/") for endpoint in STATUS_API_ENDPOINTS},
    }
    assert HTML_TYPE == "text/html; charset=utf-8"
    assert ATOM_TYPE == "application/atom+xml"


# --- component status -----------------------------------------------------------------------------------------------


def test_a_component_with_an_open_incident_shows_its_severity_and_published_phase(plan: Plan) -> None:
    owner = incident(plan).model_copy(update={"phase": Phase.MONITORING})  # lifecycle ahead of what was approved
    first = message(plan, owner, "m-1")
    second = message(plan, owner, "m-2", Phase.IDENTIFIED)
    holding = message(plan, owner, "m-3", Phase.UPDATE)
    site = build_site(
        plan,
        [
            published(
                owner, (first, OPENED), (second, OPENED + timedelta(minutes=30)), (holding, OPENED + timedelta(hours=1))
            )
        ],
        NOW,
    )

    api = components(site)["api"]
    assert api == {
        "id": "api",
        "name": "API pública",
        "status": "incident",
        "severity": "SEV1",
        "phase": "identified",
        "incident_id": "INC-1",
        "level": "major_outage",
    }
    assert components(site)["invoicing"]["status"] == "operational"
    assert components(site)["invoicing"]["level"] == "operational"
    assert document(site)["status"] == "incident"
    # the outage level customers know, in words, never our internal severity and phase
    assert "Interrupción grave" in page(site)
    assert "Major outage" in page(site, "en/index.html")
    assert "Crítica · Causa identificada" not in page(site)


def test_the_worst_open_incident_decides_a_components_status(plan: Plan) -> None:
    minor = incident(plan, incident_id="INC-minor", severity="SEV3", at=OPENED + timedelta(minutes=30))
    critical = incident(plan, incident_id="INC-critical", severity="SEV1")
    elsewhere = incident(plan, incident_id="INC-storage", component="storage", severity="SEV2")
    site = build_site(
        plan,
        [
            published(minor, (message(plan, minor, "m-minor"), OPENED + timedelta(minutes=31))),
            published(critical, (message(plan, critical, "m-critical"), OPENED + timedelta(minutes=5))),
            published(elsewhere, (message(plan, elsewhere, "m-storage"), OPENED + timedelta(minutes=6))),
        ],
        NOW,
    )

    assert components(site)["api"]["severity"] == "SEV1"
    assert components(site)["api"]["incident_id"] == "INC-critical"
    assert components(site)["storage"]["severity"] == "SEV2"
    assert [item["id"] for item in document(site)["incidents"]] == ["INC-critical", "INC-storage", "INC-minor"]


# --- open incidents and their timeline ------------------------------------------------------------------------------


def test_an_open_incident_shows_its_updates_newest_first_in_the_audience_time_zone(plan: Plan) -> None:
    owner = incident(plan)
    first = message(plan, owner, "m-1", title="Looking into it")
    second = message(plan, owner, "m-2", Phase.IDENTIFIED, title="Found it")
    site = build_site(
        plan, [published(owner, (first, OPENED + timedelta(minutes=5)), (second, OPENED + timedelta(minutes=40)))], NOW
    )

    (shown,) = document(site)["incidents"]
    assert shown["status"] == "open"
    assert shown["started_at"] == "2026-11-22T10:15:00Z"
    assert shown["resolved_at"] is None
    assert [u["message_id"] for u in shown["updates"]] == ["m-2", "m-1"]
    assert [u["title"] for u in shown["updates"]] == ["Found it (es)", "Looking into it (es)"]
    assert [u["published_at"] for u in shown["updates"]] == ["2026-11-22T10:55:00Z", "2026-11-22T10:20:00Z"]
    html = page(site)
    # the status page audience (customers_es) reads Madrid time: 10:55 UTC is 11:55 CET
    assert "22 de noviembre, 11:55 CET" in html
    assert html.index("Text of m-2 (es, status-page)") < html.index("Text of m-1 (es, status-page)")
    assert "Text of m-2 (es, status-page)" in html
    outline = Outline(html)
    assert "incident-INC-1" in outline.ids_in["open"]
    assert "update-m-2-v1" in outline.ids_in["open"]
    assert "incident-INC-1" not in outline.ids_in.get("history", [])


def test_the_status_page_draft_is_preferred_then_a_customer_draft_never_an_internal_one(plan: Plan) -> None:
    owner = incident(plan)
    with_page = message(plan, owner, "m-page")
    email_only = message(plan, owner, "m-email", channels=["email-customers-es", "chat-incidents"])
    internal_only = message(plan, owner, "m-internal", channels=["chat-incidents", "email-staff"])
    site = build_site(
        plan,
        [
            published(
                owner,
                (with_page, OPENED + timedelta(minutes=1)),
                (email_only, OPENED + timedelta(minutes=2)),
                (internal_only, OPENED + timedelta(minutes=3)),
            )
        ],
        NOW,
    )

    texts = {u["message_id"]: u["text"] for u in document(site)["incidents"][0]["updates"]}
    assert texts == {
        "m-page": "Text of m-page (es, status-page)",
        "m-email": "Text of m-email (es, email-customers-es)",
    }
    english = {u["message_id"]: u["text"] for u in document(site, "en/index.json")["incidents"][0]["updates"]}
    assert english == {"m-page": "Text of m-page (en, email-customers-en)"}
    assert "email-staff" not in page(site) and "chat-incidents" not in page(site)


# --- history, cut-off, postmortems ----------------------------------------------------------------------------------


def test_a_resolved_incident_moves_to_the_history_with_start_and_end(plan: Plan) -> None:
    resolved_at = NOW - timedelta(days=3)
    site = build_site(plan, [resolved_incident(plan, "INC-old", resolved_at)], NOW)

    (shown,) = document(site)["incidents"]
    assert shown["status"] == "resolved"
    assert shown["phase"] == "resolved"
    assert shown["resolved_at"] == resolved_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert components(site)["api"]["status"] == "operational"
    assert document(site)["status"] == "operational"
    outline = Outline(page(site))
    assert "incident-INC-old" in outline.ids_in["history"]
    assert "incident-INC-old" not in outline.ids_in.get("open", [])
    assert "No hay incidencias en curso." in page(site)


def test_an_incident_the_store_resolved_is_history_even_without_a_resolved_update(plan: Plan) -> None:
    owner = incident(plan, status=IncidentStatus.RESOLVED).model_copy(
        update={"updated_at": OPENED + timedelta(hours=1)}
    )
    site = build_site(plan, [published(owner, (message(plan, owner, "m-1"), OPENED + timedelta(minutes=5)))], NOW)

    (shown,) = document(site)["incidents"]
    assert (shown["status"], shown["resolved_at"]) == ("resolved", "2026-11-22T11:15:00Z")
    assert components(site)["api"]["status"] == "operational"


def test_history_keeps_ninety_days(plan: Plan) -> None:
    kept = resolved_incident(plan, "INC-89d", NOW - timedelta(days=89))
    dropped = resolved_incident(plan, "INC-91d", NOW - timedelta(days=91))
    edge = resolved_incident(plan, "INC-90d", NOW - timedelta(days=90))

    site = build_site(plan, [kept, dropped, edge], NOW)

    assert [item["id"] for item in document(site)["incidents"]] == ["INC-89d", "INC-90d"]
    assert "INC-91d" not in page(site)
    assert len(feedparser.parse(site["feed.atom"][0]).entries) == 4


def test_an_open_incident_stays_however_old(plan: Plan) -> None:
    owner = incident(plan, at=NOW - timedelta(days=200))
    site = build_site(plan, [published(owner, (message(plan, owner, "m-1"), NOW - timedelta(days=200)))], NOW)

    assert [item["status"] for item in document(site)["incidents"]] == ["open"]


def test_a_postmortem_is_listed_and_shown_in_full(plan: Plan) -> None:
    owner = incident(plan, incident_id="INC-pm", at=NOW - timedelta(days=10))
    first = message(plan, owner, "m-1")
    resolved = message(plan, owner, "m-2", Phase.RESOLVED)
    postmortem = message(plan, owner, "m-3", Phase.POSTMORTEM, title="What happened", text="Root cause: a bad deploy")
    site = build_site(
        plan,
        [
            published(
                owner,
                (first, NOW - timedelta(days=10)),
                (resolved, NOW - timedelta(days=9)),
                (postmortem, NOW - timedelta(days=4)),
            )
        ],
        NOW,
    )

    (shown,) = document(site)["incidents"]
    assert shown["status"] == "resolved"
    assert shown["resolved_at"] == (NOW - timedelta(days=9)).strftime("%Y-%m-%dT%H:%M:%SZ")
    outline = Outline(page(site))
    assert "postmortem-INC-pm" in outline.ids_in["postmortems"]
    assert "update-m-3-v1" in outline.ids_in["postmortems"]
    assert "Root cause: a bad deploy (es, status-page)" in page(site)
    assert "Análisis posteriores (postmortem)" in page(site)


# --- locales and links ----------------------------------------------------------------------------------------------


def test_each_locale_has_its_pages_and_links_to_the_others_relatively(plan: Plan) -> None:
    site = build_site(plan, [], NOW)

    main, english = Outline(page(site)), Outline(page(site, "en/index.html"))
    assert (main.html_lang, english.html_lang) == ("es", "en")
    assert {"href": "en/index.html", "hreflang": "en", "lang": "en", "tag": "a"} in main.links
    assert {"href": "../index.html", "hreflang": "es", "lang": "es", "tag": "a"} in english.links
    main_hrefs = {link["href"] for link in main.links if link["tag"] == "a"}
    assert {"feed.atom", "index.json"} <= main_hrefs
    english_hrefs = {link["href"] for link in english.links if link["tag"] == "a"}
    assert {"feed.atom", "index.json"} <= english_hrefs  # en/feed.atom seen from en/
    assert document(site, "en/index.json")["locale"] == "en"
    assert "API pública" in page(site) and "Public API" in page(site, "en/index.html")


def test_absolute_links_use_the_plans_status_page_url(plan: Plan) -> None:
    site = build_site(plan, [], NOW)

    links = document(site, "en/index.json")["links"]
    assert links == {
        "html": "https://estado.nubeteca.example/en/index.html",
        "atom": "https://estado.nubeteca.example/en/feed.atom",
        "locales": {
            "es": "https://estado.nubeteca.example/index.html",
            "en": "https://estado.nubeteca.example/en/index.html",
        },
    }
    feed = feedparser.parse(site["en/feed.atom"][0]).feed
    assert {link["rel"]: link["href"] for link in feed.links} == {
        "self": "https://estado.nubeteca.example/en/feed.atom",
        "alternate": "https://estado.nubeteca.example/en/index.html",
    }


def test_without_a_status_page_url_every_link_is_relative(plan: Plan) -> None:
    organisation = plan.definition.organisation.model_copy(update={"status_page_url": None})
    bare = plan.model_copy(update={"definition": plan.definition.model_copy(update={"organisation": organisation})})

    site = build_site(bare, [], NOW)

    assert document(site, "en/index.json")["links"]["locales"] == {"es": "../index.html", "en": "index.html"}
    assert document(site)["organisation"]["status_page_url"] is None
    assert "https://estado" not in page(site) + page(site, "feed.atom")
    atom = site["en/feed.atom"][0].decode()
    assert 'rel="self" type="application/atom+xml" href="feed.atom"' in atom


# --- phones, no script, escaping ------------------------------------------------------------------------------------


def test_pages_are_phone_sized_and_have_no_script_at_all(plan: Plan) -> None:
    owner = incident(plan)
    site = build_site(plan, [published(owner, (message(plan, owner, "m-1"), OPENED))], NOW)

    for path in ("index.html", "en/index.html"):
        outline = Outline(page(site, path))
        assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in outline.meta
        assert "script" not in outline.tags
        assert not any(name.startswith("on") for link in outline.links for name in link)
        policy = next(m["content"] for m in outline.meta if m.get("http-equiv") == "Content-Security-Policy")
        assert policy is not None and "default-src 'none'" in policy and "script-src" not in policy
        assert "style" in outline.tags  # inline CSS, no stylesheet to fetch


HOSTILE = "<script>alert('x')</script> & <b>bold</b>"


def test_alarm_derived_text_is_escaped_everywhere(plan: Plan) -> None:
    owner = incident(plan)
    hostile = message(plan, owner, "m-1", title=f"Title {HOSTILE}", text=f"Body {HOSTILE}")
    site = build_site(plan, [published(owner, (hostile, OPENED + timedelta(minutes=5)))], NOW)

    for path in ("index.html", "en/index.html"):
        html = page(site, path)
        assert "<script" not in html and "<b>" not in html
        assert "Body &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
        assert "script" not in Outline(html).tags
    assert document(site)["incidents"][0]["updates"][0]["text"] == f"Body {HOSTILE} (es, status-page)"
    parsed = feedparser.parse(site["feed.atom"][0])
    assert parsed.bozo == 0
    assert parsed.entries[0].content[0].value == f"Body {HOSTILE} (es, status-page)"
    assert parsed.entries[0].title == f"Title {HOSTILE} (es)"


def test_control_characters_cannot_break_the_feed(plan: Plan) -> None:
    owner = incident(plan)
    noisy = message(plan, owner, "m-1", text="alarm\x00 text\x1b[31m red\x0b")
    site = build_site(plan, [published(owner, (noisy, OPENED))], NOW)

    parsed = feedparser.parse(site["feed.atom"][0])
    assert parsed.bozo == 0
    assert parsed.entries[0].content[0].value == "alarm text[31m red (es, status-page)"


# --- JSON and Atom --------------------------------------------------------------------------------------------------


def _is_utc_iso(value: str) -> bool:
    return value.endswith("Z") and datetime.fromisoformat(value).utcoffset() == timedelta(0)


def test_index_json_is_machine_readable_with_utc_times(plan: Plan) -> None:
    owner = incident(plan)
    site = build_site(
        plan,
        [
            published(owner, (message(plan, owner, "m-1"), OPENED + timedelta(minutes=5))),
            resolved_incident(plan, "INC-old", NOW - timedelta(days=2), component="web"),
        ],
        NOW,
    )

    data = document(site)
    assert set(data) == {
        "version",
        "organisation",
        "locale",
        "generated_at",
        "status",
        "components",
        "incidents",
        "links",
    }
    assert data["version"] == 1
    assert _is_utc_iso(data["generated_at"])
    assert all(
        set(c) == {"id", "name", "status", "level", "severity", "phase", "incident_id"} for c in data["components"]
    )
    for item in data["incidents"]:
        assert set(item) == {
            "id",
            "component_id",
            "component",
            "severity",
            "severity_name",
            "status",
            "phase",
            "started_at",
            "resolved_at",
            "level",
            "url",
            "updates",
        }
        assert item["url"] == f"https://estado.nubeteca.example/incidents/{item['id']}.html"
        assert item["status"] in ("open", "resolved")
        assert _is_utc_iso(item["started_at"])
        assert item["resolved_at"] is None or _is_utc_iso(item["resolved_at"])
        for update in item["updates"]:
            assert set(update) == {"id", "message_id", "version", "phase", "published_at", "title", "text"}
            assert _is_utc_iso(update["published_at"])
            assert update["id"].startswith("urn:uuid:")
    assert [item["status"] for item in data["incidents"]] == ["open", "resolved"]


def test_the_feed_is_valid_atom_with_one_entry_per_published_update(plan: Plan) -> None:
    owner = incident(plan)
    first = message(plan, owner, "m-1", title="First")
    second = message(plan, owner, "m-2", Phase.IDENTIFIED, title="Second")
    site = build_site(
        plan,
        [
            published(owner, (first, OPENED + timedelta(minutes=5)), (second, OPENED + timedelta(minutes=50))),
            resolved_incident(plan, "INC-old", NOW - timedelta(days=2), component="web"),
        ],
        NOW,
    )

    for path in ("feed.atom", "en/feed.atom"):
        parsed = feedparser.parse(site[path][0])
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        assert parsed.version == "atom10"
        assert len(parsed.entries) == 4
        assert parsed.feed.id.startswith("urn:uuid:")
        assert parsed.feed.title
        assert parsed.feed.updated == "2026-11-22T11:05:00Z"
        for entry in parsed.entries:
            assert entry.id.startswith("urn:uuid:")
            assert entry.title and entry.updated and entry.content[0].type == "text/plain"
            assert entry.link
    entries = feedparser.parse(site["feed.atom"][0]).entries
    assert [entry.title for entry in entries[:2]] == ["Second (es)", "First (es)"]
    assert entries[0].link == "https://estado.nubeteca.example/incidents/INC-1.html#update-m-2-v1"
    assert len({entry.id for entry in entries}) == 4


def test_entry_ids_are_stable_per_message_version(plan: Plan) -> None:
    owner = incident(plan)
    v1 = message(plan, owner, "m-1")
    v2 = message(plan, owner, "m-1", version=2)

    def ids(item: Message, now: datetime) -> list[str]:
        site = build_site(plan, [published(owner, (item, OPENED))], now)
        return [entry.id for entry in feedparser.parse(site["feed.atom"][0]).entries]

    assert ids(v1, NOW) == ids(v1, NOW + timedelta(hours=3))
    assert ids(v1, NOW) != ids(v2, NOW)
    es, en = (
        [e.id for e in feedparser.parse(build_site(plan, [published(owner, (v1, OPENED))], NOW)[p][0]).entries]
        for p in ("feed.atom", "en/feed.atom")
    )
    assert es == en  # one update, one id, whatever the language it is read in


def test_the_build_is_deterministic_and_needs_an_aware_now(plan: Plan) -> None:
    owner = incident(plan)
    inputs = [published(owner, (message(plan, owner, "m-1"), OPENED))]

    assert build_site(plan, inputs, NOW) == build_site(plan, inputs, NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        build_site(plan, inputs, NOW.replace(tzinfo=None))


# --- the channel, over fakes ----------------------------------------------------------------------------------------


class FakeStore:
    """The reads the channel makes of the job's incident."""

    def __init__(self, records: list[SiteIncident]) -> None:
        self.records = {record.incident.id: record for record in records}

    def messages(self, incident_id: str) -> list[Message]:
        return list(self.records[incident_id].messages) if incident_id in self.records else []

    def publications(self, incident_id: str) -> list[Publication]:
        return list(self.records[incident_id].publications) if incident_id in self.records else []


class RacedView(MemoryStatusView):
    """A view another publisher writes ``late`` into right after our first read (a concurrent publish)."""

    def __init__(self, late: SiteIncident) -> None:
        super().__init__()
        self.late = late

    def read(self, since: datetime) -> ViewSnapshot:
        snapshot = super().read(since)
        if self.reads == 1:
            self.records[self.late.incident.id] = self.late
        return snapshot


class FakeBucket:
    def __init__(self, refuse: set[str] | None = None) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.puts: list[str] = []
        self.refuse = refuse or set()

    def put_object(self, *, Bucket: str, Key: str, Body: bytes, ContentType: str, CacheControl: str) -> Any:
        self.puts.append(Key)
        if Key in self.refuse:
            raise PermissionError("AccessDenied: not allowed")
        self.objects[Key] = {"Bucket": Bucket, "Body": Body, "ContentType": ContentType, "CacheControl": CacheControl}
        return {}


def job_for(plan: Plan, owner: Incident, item: Message, now: datetime = NOW) -> ChannelJob:
    draft = next(d for d in item.drafts if d.channel_id == "status-page")
    channel = next(c for c in plan.channels.channels if c.id == "status-page")
    return ChannelJob(plan, owner, item, draft, channel, now)


def test_the_channel_writes_every_file_with_its_type_and_cache_header(plan: Plan) -> None:
    owner = incident(plan)
    item = message(plan, owner, "m-1")
    bucket = FakeBucket()

    result = StatusPageChannel(FakeStore([published(owner, (item, OPENED))]), bucket, "status-bucket").publish(
        job_for(plan, owner, item)
    )

    assert (result.attempted, result.delivered, result.failed, result.detail) == (
        len(SITE_FILES),
        len(SITE_FILES),
        0,
        None,
    )
    assert set(bucket.objects) == SITE_FILES
    assert {o["CacheControl"] for o in bucket.objects.values()} == {SHORT_CACHE}
    assert SHORT_CACHE == "public, max-age=60, stale-while-revalidate=30"
    assert {o["Bucket"] for o in bucket.objects.values()} == {"status-bucket"}
    assert bucket.objects["feed.atom"]["ContentType"] == ATOM_TYPE
    assert bucket.puts[-2:] == ["en/index.html", "index.html"]  # pages last, after what they link to
    assert bucket.puts.index("incidents/INC-1.html") < bucket.puts.index("en/index.html")


def test_the_message_being_published_shows_even_when_the_store_read_missed_it(plan: Plan) -> None:
    owner = incident(plan)
    item = message(plan, owner, "m-1")
    bucket = FakeBucket()

    StatusPageChannel(FakeStore([]), bucket, "status-bucket").publish(job_for(plan, owner, item))

    (shown,) = json.loads(bucket.objects["index.json"]["Body"])["incidents"]
    assert [u["message_id"] for u in shown["updates"]] == ["m-1"]
    assert shown["updates"][0]["published_at"] == "2026-11-22T12:15:00Z"


def test_something_published_while_writing_is_written_too(plan: Plan) -> None:
    owner = incident(plan)
    item = message(plan, owner, "m-1")
    other = incident(plan, incident_id="INC-2", component="storage", severity="SEV2")
    late = message(plan, other, "m-late")
    store = FakeStore([published(owner, (item, OPENED))])
    view = RacedView(published(other, (late, NOW)))
    bucket = FakeBucket()

    result = StatusPageChannel(store, bucket, "status-bucket", view=view).publish(job_for(plan, owner, item))

    ids = [i["id"] for i in json.loads(bucket.objects["index.json"]["Body"])["incidents"]]
    assert ids == ["INC-1", "INC-2"]
    # every file, then what the new publication changes (the main pages, the JSON and feeds, its incident's pages)
    rewritten = status_site_files("INC-2") - status_site_files() | {"index.html", "en/index.html"}
    rewritten |= {"index.json", "en/index.json", "feed.atom", "en/feed.atom"}
    # every endpoint carries the page and its updated_at, the newest activity: the new publication changes them all
    rewritten |= {f"{prefix}api/v2/{name}" for prefix in ("", "en/") for name in STATUS_API_ENDPOINTS}
    assert bucket.puts[: len(SITE_FILES)] and set(bucket.puts[: len(SITE_FILES)]) == SITE_FILES
    assert set(bucket.puts[len(SITE_FILES) :]) == rewritten
    assert view.reads == 3  # and the third read found nothing newer
    assert (result.attempted, result.delivered) == (len(SITE_FILES) + 2, len(SITE_FILES) + 2)


def test_a_refused_file_is_counted_and_named_and_the_others_are_still_written(plan: Plan) -> None:
    owner = incident(plan)
    item = message(plan, owner, "m-1")
    bucket = FakeBucket(refuse={"en/feed.atom"})

    result = StatusPageChannel(FakeStore([published(owner, (item, OPENED))]), bucket, "status-bucket").publish(
        job_for(plan, owner, item)
    )

    assert (result.attempted, result.delivered, result.failed) == (len(SITE_FILES), len(SITE_FILES) - 1, 1)
    assert result.detail == "en/feed.atom: PermissionError: AccessDenied: not allowed"
    assert set(bucket.objects) == SITE_FILES - {"en/feed.atom"}


def test_no_bucket_configured_is_one_failed_delivery_and_writes_nothing(plan: Plan) -> None:
    owner = incident(plan)
    item = message(plan, owner, "m-1")
    bucket = FakeBucket()

    result = StatusPageChannel(FakeStore([]), bucket, "").publish(job_for(plan, owner, item))

    assert (result.attempted, result.delivered, result.failed) == (1, 0, 1)
    assert result.detail is not None and "STATUS_PAGE_BUCKET" in result.detail
    assert bucket.puts == []


def test_a_holding_text_gives_way_to_its_draft_once_the_draft_is_published(plan: Plan) -> None:
    owner = incident(plan)
    first = message(plan, owner, "m-1")
    draft = message(plan, owner, "m-2", Phase.IDENTIFIED, text="The approved update")
    holding = message(plan, owner, "m-2-holding", Phase.IDENTIFIED, text="We are still working on it").model_copy(
        update={"holding": True, "replaces": "m-2"}
    )
    other_holding = message(plan, owner, "m-3-holding", Phase.UPDATE, text="Holding of a draft never approved")
    other_holding = other_holding.model_copy(update={"holding": True, "replaces": "m-3"})
    record = published(
        owner,
        (first, OPENED + timedelta(minutes=5)),
        (holding, OPENED + timedelta(minutes=20)),
        (draft, OPENED + timedelta(minutes=25)),
        (other_holding, OPENED + timedelta(minutes=50)),
    )

    assert [update.message.id for update in published_updates(record)] == ["m-1", "m-2", "m-3-holding"]
    shown = page(build_site(plan, [record], NOW), "en/index.html")
    assert "The approved update" in shown
    assert "We are still working on it" not in shown


def test_the_resolution_time_shown_is_when_the_impact_ended_not_when_the_message_went_out(plan: Plan) -> None:
    ended = NOW - timedelta(days=3)
    record = resolved_incident(plan, "INC-old", ended + timedelta(minutes=37))
    record = SiteIncident(
        record.incident.model_copy(update={"resolved_at": ended, "status": IncidentStatus.RESOLVED}),
        record.messages,
        record.publications,
    )

    (shown,) = document(build_site(plan, [record], NOW))["incidents"]

    assert shown["resolved_at"] == ended.strftime("%Y-%m-%dT%H:%M:%SZ")
