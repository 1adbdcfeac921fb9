"""One locale's view of the status page: everything its three files show, as plain dicts for the templates and
the JSON.

Links: the page's own navigation (other locales, the feed, the JSON) is relative, so the site works wherever it is
served (``/status/`` on the local stack, a bucket website, a CDN). Links that must stand on their own (the Atom
feed's ``self`` and ``alternate``, the JSON's ``links``, ``canonical`` and ``hreflang`` in the HTML head) are
absolute under ``organisation.status_page_url`` when the plan sets one, relative otherwise.

Every text that came from an incident has the control characters XML 1.0 forbids dropped (a stray one from an
alarm would break the feed), and an update is shown from the status page's draft or another customer channel's,
never from an internal audience's (those may carry alarm names and internal details customers must not see).
Feed entry ids are stable per message version, whatever the site's URL.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from incident_comms.delivery.status_page.logic import HISTORY_DAYS, severity_rank
from incident_comms.delivery.status_page.models import PublishedUpdate, ShownIncident
from incident_comms.delivery.status_page.texts import LANGUAGE_NAMES, site_texts
from incident_comms.drafting.models import ChannelDraft
from incident_comms.errors import BadInput
from incident_comms.incidents.models import Incident, IncidentStatus, Message
from incident_comms.plan.models import ChannelKind, Phase, Plan, localized
from incident_comms.subscribers.models import default_audience
from incident_comms.text import format_datetime, format_elapsed, one_line, truncate

ARCHIVE_INDEX = "history/index.html"
"""The history by month (:mod:`.archive`), under each locale's folder."""

_FEED_NAMESPACE = uuid.UUID("5b0f2f4e-6f1d-4b57-9a55-3c1f4a8e2d10")
"""Fixed namespace for the feed's ``urn:uuid`` ids: the same message version always gets the same id."""

_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def locale_prefix(plan: Plan, locale: str) -> str:
    return "" if locale == plan.main_locale else f"{locale}/"


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (a stray control character from an alarm would break the feed)."""
    return _XML_FORBIDDEN.sub("", text)


def _utc(when: datetime) -> str:
    """ISO 8601 / RFC 3339 in UTC to the second: ``2026-11-22T10:15:00Z``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _web_url(url: str | None) -> str | None:
    """A plan URL fit for an href: http(s) only, without a trailing slash."""
    if url and re.match(r"^https?://[^\s\"'<>]+$", url):
        return url.rstrip("/")
    return None


def _entry_id(incident_id: str, message: Message) -> str:
    """Stable per message version, whatever the site's URL: a re-generated feed never repeats an entry as new."""
    return "urn:uuid:" + str(uuid.uuid5(_FEED_NAMESPACE, f"{incident_id}/{message.id}/v{message.version}"))


def _draft_for(plan: Plan, message: Message, locale: str) -> ChannelDraft | None:
    """The text the page shows for ``message`` in ``locale``.

    The status page channel's draft in that locale; else another customer channel's draft in that locale (one
    with a title first). Drafts for internal audiences are never used: they may carry alarm names and internal
    details customers must not see. None: the update is not shown in this locale.
    """
    in_locale = [draft for draft in message.drafts if draft.locale == locale]
    for draft in in_locale:
        if draft.kind == ChannelKind.STATUS_PAGE:
            return draft
    channels = {channel.id: channel for channel in plan.channels.channels}
    audiences = {audience.id: audience for audience in plan.channels.audiences}
    public = []
    for draft in in_locale:
        channel = channels.get(draft.channel_id)
        audience = audiences.get(channel.audience) if channel else None
        if audience is not None and not audience.internal:
            public.append(draft)
    ranked = [draft for draft in public if draft.subject] + [draft for draft in public if not draft.subject]
    return ranked[0] if ranked else None


def _zone(plan: Plan, locale: str) -> ZoneInfo:
    """The status page audience's time zone: of the status page channel in ``locale``, else of the first one."""
    pages = [channel for channel in plan.channels.channels if channel.kind == ChannelKind.STATUS_PAGE]
    chosen = next((channel for channel in pages if channel.locale == locale), pages[0] if pages else None)
    if chosen is None:
        return ZoneInfo("UTC")
    return ZoneInfo(plan.audience(chosen.audience).timezone)


class LocaleView:
    """Everything one locale's three files show, as plain dicts for the templates and the JSON."""

    def __init__(
        self,
        plan: Plan,
        locale: str,
        now: datetime,
        open_incidents: list[ShownIncident],
        history: list[ShownIncident],
        subscribe_url: str | None = None,
        archived: bool = False,
    ) -> None:
        self.subscribe_url = _web_url(subscribe_url)
        self.archived = archived
        self.plan = plan
        self.locale = locale
        self.now = now
        self.texts = site_texts(locale)
        self.zone = _zone(plan, locale)
        self.organisation = plan.definition.organisation
        self.base_url = _web_url(self.organisation.status_page_url)
        self.prefix = locale_prefix(plan, locale)
        self.open = [self._incident(item) for item in open_incidents]
        self.history = [self._incident(item) for item in history]
        self.components = self._components(open_incidents)

    # links ---------------------------------------------------------------------------------------------------------

    def relative(self, path: str) -> str:
        """A site path (``en/index.html``) as seen from this locale's folder: works wherever the site is served."""
        if self.prefix and path.startswith(self.prefix):
            return path.removeprefix(self.prefix)
        return "../" * self.prefix.count("/") + path

    def absolute(self, path: str) -> str:
        """A site path under the plan's status page URL, or relative when the plan has none."""
        return f"{self.base_url}/{path}" if self.base_url else self.relative(path)

    # words -----------------------------------------------------------------------------------------------------------

    def text(self, value: Any) -> str:
        return _clean(localized(value, self.locale, self.plan.main_locale))

    def when(self, moment: datetime) -> str:
        return format_datetime(moment, self.zone, self.locale)

    def phase_name(self, phase: Phase) -> str:
        names: dict[Phase, str] = self.texts["phases"]
        return names[phase]

    def component_name(self, component_id: str) -> str:
        known = {component.id: component for component in self.plan.definition.components}
        return self.text(known[component_id].name) if component_id in known else _clean(component_id)

    def severity_name(self, severity_id: str) -> str:
        known = {severity.id: severity for severity in self.plan.definition.severities}
        return self.text(known[severity_id].name) if severity_id in known else _clean(severity_id)

    # content ---------------------------------------------------------------------------------------------------------

    def _update(self, incident: Incident, update: PublishedUpdate) -> dict[str, Any] | None:
        draft = _draft_for(self.plan, update.message, self.locale)
        if draft is None:
            return None
        message = update.message
        text = _clean(draft.text)
        title = _clean(one_line(draft.subject or "")) or truncate(one_line(text), 120)
        return {
            "id": _entry_id(incident.id, message),
            "anchor": f"update-{message.id}-v{message.version}",
            "message_id": message.id,
            "version": message.version,
            "phase": message.phase.value,
            "phase_name": self.phase_name(message.phase),
            "published_at": _utc(update.published_at),
            "published_local": self.when(update.published_at),
            "title": title,
            "text": text,
            "paragraphs": [paragraph.split("\n") for paragraph in text.split("\n\n") if paragraph.strip()],
        }

    def _incident(self, item: ShownIncident) -> dict[str, Any]:
        incident = item.incident
        updates = [u for u in (self._update(incident, update) for update in reversed(item.updates)) if u]
        component = self.component_name(incident.component_id)
        end = (incident.resolved_at if item.resolved_at else None) or item.resolved_at or self.now
        postmortems = [update for update in updates if update["phase"] == Phase.POSTMORTEM.value]
        return {
            "id": incident.id,
            "anchor": f"incident-{incident.id}",
            "component_id": incident.component_id,
            "component": component,
            "severity": incident.severity_id,
            "severity_name": self.severity_name(incident.severity_id),
            "severity_rank": min(severity_rank(self.plan, incident.severity_id), 3),
            "status": IncidentStatus.RESOLVED.value if item.resolved_at else IncidentStatus.OPEN.value,
            "phase": item.phase.value,
            "phase_name": self.phase_name(item.phase),
            "title": updates[0]["title"] if updates else component,
            "started_at": _utc(incident.impact_start),
            "started_local": self.when(incident.impact_start),
            "resolved_at": _utc(item.resolved_at) if item.resolved_at else None,
            "resolved_local": self.when(item.resolved_at) if item.resolved_at else None,
            "duration": format_elapsed(end - incident.impact_start),
            "updates": updates,
            "postmortem": postmortems[0] if postmortems else None,
        }

    def _components(self, open_incidents: list[ShownIncident]) -> list[dict[str, Any]]:
        """Each plan component: operational, or the worst open incident's severity and phase (first = worst)."""
        worst: dict[str, ShownIncident] = {}
        for candidate in open_incidents:
            worst.setdefault(candidate.incident.component_id, candidate)
        components = []
        for component in self.plan.definition.components:
            item = worst.get(component.id)
            entry: dict[str, Any] = {
                "id": component.id,
                "name": self.text(component.name),
                "status": "operational" if item is None else "incident",
                "status_text": self.texts["operational"],
                "severity": None,
                "severity_name": None,
                "severity_rank": None,
                "phase": None,
                "phase_name": None,
                "incident_id": None,
            }
            if item is not None:
                incident = item.incident
                entry.update(
                    severity=incident.severity_id,
                    severity_name=self.severity_name(incident.severity_id),
                    severity_rank=min(severity_rank(self.plan, incident.severity_id), 3),
                    phase=item.phase.value,
                    phase_name=self.phase_name(item.phase),
                    incident_id=incident.id,
                    status_text=f"{self.severity_name(incident.severity_id)} · {self.phase_name(item.phase)}",
                )
            components.append(entry)
        return components

    @property
    def organisation_name(self) -> str:
        return _clean(self.organisation.name)

    def locales(self) -> list[dict[str, Any]]:
        """Every plan locale with links to its main page and feed (``current``: this one)."""
        return [
            {
                "code": locale,
                "name": LANGUAGE_NAMES.get(locale.split("-")[0], locale),
                "current": locale == self.locale,
                "href": self.relative(f"{locale_prefix(self.plan, locale)}index.html"),
                "absolute": self.absolute(f"{locale_prefix(self.plan, locale)}index.html"),
                "feed": self.absolute(f"{locale_prefix(self.plan, locale)}feed.atom"),
            }
            for locale in self.plan.definition.locales
        ]

    def _common(self) -> dict[str, Any]:
        organisation = self.organisation_name
        texts = self.texts
        return {
            "locale": self.locale,
            "organisation": organisation,
            "title": texts["title"].format(organisation=organisation),
            "texts": texts,
            "history_heading": texts["history"].format(days=HISTORY_DAYS),
            "no_history": texts["no_history"].format(days=HISTORY_DAYS),
            "summary": texts["some_open"].format(count=len(self.open)) if self.open else texts["all_ok"],
            "times_in": texts["times_in"].format(zone=self.zone.key),
            "generated": texts["generated"].format(when=self.when(self.now)),
            "generated_at": _utc(self.now),
            "support_url": _web_url(self.organisation.support_url),
            "components": self.components,
            "open_incidents": self.open,
            "history": self.history,
            "postmortems": [incident for incident in self.history if incident["postmortem"]],
            "worst_rank": min((incident["severity_rank"] for incident in self.open), default=None),
            "locales": self.locales(),
        }

    def _subscribe_form(self) -> dict[str, Any] | None:
        """The double opt-in form (incident_comms.subscribers.subscribe): email, components, this page's locale. Only
        where someone can be emailed in this locale, and only with an http(s) URL to post to."""
        if self.subscribe_url is None:
            return None
        try:
            default_audience(self.plan, self.locale)
        except BadInput:
            return None
        target = urlsplit(self.subscribe_url)
        return {
            "action": self.subscribe_url,
            "origin": f"{target.scheme}://{target.netloc}",
            "components": [{"id": c.id, "name": self.text(c.name)} for c in self.plan.definition.components],
        }

    def html_context(self) -> dict[str, Any]:
        context = self._common()
        context["subscribe"] = self._subscribe_form()
        context["links"] = {
            "canonical": self.absolute(f"{self.prefix}index.html"),
            "feed": self.relative(f"{self.prefix}feed.atom"),
            "json": self.relative(f"{self.prefix}index.json"),
            "archive": self.relative(f"{self.prefix}{ARCHIVE_INDEX}") if self.archived else None,
        }
        return context

    def not_found_context(self) -> dict[str, Any]:
        """The not-found page: answered at whatever path was missing, so its links are absolute under the plan's
        status page URL, else from the site's root (where CloudFront serves it), never relative to that path."""
        organisation = self.organisation_name

        def home(locale: str) -> str:
            return f"{self.base_url or ''}/{locale_prefix(self.plan, locale)}"

        return {
            "locale": self.locale,
            "organisation": organisation,
            "title": self.texts["not_found_title"].format(organisation=organisation),
            "heading": self.texts["not_found_heading"],
            "texts": self.texts,
            "home": home(self.locale),
            "others": [
                {"code": other["code"], "name": other["name"], "home": home(other["code"])}
                for other in self.locales()
                if not other["current"]
            ],
        }

    def atom_context(self) -> dict[str, Any]:
        context = self._common()
        entries = [
            {**update, "incident": incident, "link": self.absolute(f"{self.prefix}index.html") + "#" + update["anchor"]}
            for incident in [*self.open, *self.history]
            for update in incident["updates"]
        ]
        entries.sort(key=lambda entry: (entry["published_at"], entry["id"]), reverse=True)
        context.update(
            feed_id="urn:uuid:" + str(uuid.uuid5(_FEED_NAMESPACE, f"feed/{self.organisation.name}/{self.locale}")),
            feed_title=self.texts["feed_title"].format(organisation=context["organisation"]),
            updated=entries[0]["published_at"] if entries else _utc(self.now),
            entries=entries,
            links={
                "self": self.absolute(f"{self.prefix}feed.atom"),
                "html": self.absolute(f"{self.prefix}index.html"),
            },
        )
        return context

    def json_document(self) -> dict[str, Any]:
        """The machine-readable page: components with their status, incidents with their updates (UTC times)."""

        def update_json(update: dict[str, Any]) -> dict[str, Any]:
            keys = ("id", "message_id", "version", "phase", "published_at", "title", "text")
            return {key: update[key] for key in keys}

        def incident_json(incident: dict[str, Any]) -> dict[str, Any]:
            keys = ("id", "component_id", "component", "severity", "severity_name", "status", "phase")
            return {
                **{key: incident[key] for key in keys},
                "started_at": incident["started_at"],
                "resolved_at": incident["resolved_at"],
                "url": self.absolute(f"{self.prefix}index.html") + "#" + incident["anchor"],
                "updates": [update_json(update) for update in incident["updates"]],
            }

        component_keys = ("id", "name", "status", "severity", "phase", "incident_id")
        return {
            "version": 1,
            "organisation": {
                "name": self.organisation_name,
                "status_page_url": self.base_url,
                "support_url": _web_url(self.organisation.support_url),
            },
            "locale": self.locale,
            "generated_at": _utc(self.now),
            "status": "incident" if self.open else "operational",
            "components": [{key: component[key] for key in component_keys} for component in self.components],
            "incidents": [incident_json(incident) for incident in [*self.open, *self.history]],
            "links": {
                "html": self.absolute(f"{self.prefix}index.html"),
                "atom": self.absolute(f"{self.prefix}feed.atom"),
                "locales": {locale["code"]: locale["absolute"] for locale in self.locales()},
            },
        }
