"""The status page: a static site (HTML, JSON, Atom) in S3, regenerated whole from the store on every publish.

Why whole and static: the page is what customers open when everything else is broken, so it must not depend on
the system that may be failing (no API, no script, any CDN in front of a bucket serves it); and regenerating all of
it from the store on each publish means there is no incremental state that could drift from what was approved.

The page says only what was approved: a message shows once it is approved and its version has a publication (the
hand-off the approval wrote). An incident nobody has published anything about yet is not on the page, and a
component's status comes from published incidents only; the phase shown is the one the last published update
announced (an ``update`` keeps the phase before it). An incident counts as resolved once a ``resolved`` (or
``postmortem``) update is published, or once the store says it is resolved.

Two halves, so the site can be tested without AWS:

- :func:`build_site` (pure): plan, incidents with their messages and publications, and ``now`` in; every file of
  the site out, as ``path -> (bytes, content type)``. The plan's main locale sits at the root (``index.html``,
  ``index.json``, ``feed.atom``), every other locale under ``<locale>/``.
- :class:`StatusPageChannel`: gathers those inputs from the store, builds the site and writes every file to the
  bucket (``Cache-Control: max-age=60``), then reads the store again and rewrites if something was published in
  the meantime, so two publishers running at once cannot leave the older site in the bucket.

Links: the page's own navigation (other locales, the feed, the JSON) is relative, so the site works wherever it is
served (``/status/`` on the local stack, a bucket website, a CDN). Links that must stand on their own (the Atom
feed's ``self`` and ``alternate``, the JSON's ``links``, ``canonical`` and ``hreflang`` in the HTML head) are
absolute under ``organisation.status_page_url`` when the plan sets one, relative otherwise.

Every text that came from an incident is escaped by Jinja2 autoescape (HTML and Atom) or the json module, after
dropping the control characters XML 1.0 forbids, so alarm-derived text can never become markup or break the feed.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from incident_comms.delivery.publishing import ChannelJob, ChannelResult
from incident_comms.drafting.render import ChannelDraft
from incident_comms.errors import BadInput
from incident_comms.incidents.models import (
    Incident,
    IncidentStatus,
    Message,
    MessageStatus,
    Publication,
    PublicationReason,
)
from incident_comms.plan.models import ChannelKind, Phase, Plan, localized
from incident_comms.subscribers.directory import default_audience
from incident_comms.text import error_text, format_datetime, format_elapsed, one_line, truncate

HISTORY_DAYS = 90
"""Resolved incidents stay in the history this long after their last resolution or update."""

CACHE_CONTROL = "max-age=60"
"""Browsers and CDNs may keep a file a minute: fresh enough during an incident, cheap under a stampede."""

HTML_TYPE = "text/html; charset=utf-8"
JSON_TYPE = "application/json"
ATOM_TYPE = "application/atom+xml"

INCIDENT_LIMIT = 500
"""How many of the most recently opened incidents the channel reads: far more than 90 days hold."""

MAX_ROUNDS = 3
"""Write, read the store again, rewrite if it changed: at most this many writes per publish."""

ERROR_TEXT_MAX = 300

_FEED_NAMESPACE = uuid.UUID("5b0f2f4e-6f1d-4b57-9a55-3c1f4a8e2d10")
"""Fixed namespace for the feed's ``urn:uuid`` ids: the same message version always gets the same id."""

_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")

_CLOSED_PHASES = (Phase.RESOLVED, Phase.POSTMORTEM)

_TEXTS: dict[str, dict[str, Any]] = {
    "es": {
        "title": "Estado de {organisation}",
        "heading": "Estado del servicio",
        "all_ok": "Todos los servicios funcionan con normalidad.",
        "some_open": "Incidencias en curso: {count}.",
        "components": "Componentes",
        "operational": "Operativo",
        "open_incidents": "Incidencias en curso",
        "no_open": "No hay incidencias en curso.",
        "postmortems": "Análisis posteriores (postmortem)",
        "history": "Historial de los últimos {days} días",
        "no_history": "No ha habido incidencias en los últimos {days} días.",
        "component": "Componente",
        "severity": "Severidad",
        "started": "Inicio",
        "ended": "Fin",
        "duration": "Duración",
        "phase": "Fase",
        "updates": "Actualizaciones",
        "no_updates": "Aún no hay actualizaciones publicadas en este idioma.",
        "read_postmortem": "Leer el postmortem",
        "times_in": "Horas en {zone}.",
        "generated": "Página actualizada el {when}.",
        "feed": "Suscribirse (Atom)",
        "json": "Datos (JSON)",
        "support": "Ayuda",
        "languages": "Idioma",
        "subscribe_heading": "Recibir avisos por correo",
        "subscribe_lead": "Elija los servicios que le interesan. "
        "Le enviaremos un correo para confirmar la suscripción.",
        "subscribe_email": "Correo electrónico",
        "subscribe_components": "Servicios",
        "subscribe_button": "Suscribirme",
        "feed_title": "Estado de {organisation}: incidencias",
        "phases": {
            Phase.INVESTIGATING: "Investigando",
            Phase.IDENTIFIED: "Causa identificada",
            Phase.MONITORING: "En observación",
            Phase.UPDATE: "Actualización",
            Phase.RESOLVED: "Resuelto",
            Phase.POSTMORTEM: "Postmortem",
        },
    },
    "en": {
        "title": "{organisation} status",
        "heading": "Service status",
        "all_ok": "All services are operating normally.",
        "some_open": "Incidents in progress: {count}.",
        "components": "Components",
        "operational": "Operational",
        "open_incidents": "Incidents in progress",
        "no_open": "No incidents in progress.",
        "postmortems": "Postmortems",
        "history": "History of the last {days} days",
        "no_history": "No incidents in the last {days} days.",
        "component": "Component",
        "severity": "Severity",
        "started": "Started",
        "ended": "Ended",
        "duration": "Duration",
        "phase": "Phase",
        "updates": "Updates",
        "no_updates": "No updates published in this language yet.",
        "read_postmortem": "Read the postmortem",
        "times_in": "Times in {zone}.",
        "generated": "Page updated {when}.",
        "feed": "Subscribe (Atom)",
        "json": "Data (JSON)",
        "support": "Help",
        "languages": "Language",
        "subscribe_heading": "Get incident emails",
        "subscribe_lead": "Choose the services you care about. We will send you an email to confirm the subscription.",
        "subscribe_email": "Email address",
        "subscribe_components": "Services",
        "subscribe_button": "Subscribe",
        "feed_title": "{organisation} status: incidents",
        "phases": {
            Phase.INVESTIGATING: "Investigating",
            Phase.IDENTIFIED: "Identified",
            Phase.MONITORING: "Monitoring",
            Phase.UPDATE: "Update",
            Phase.RESOLVED: "Resolved",
            Phase.POSTMORTEM: "Postmortem",
        },
    },
}
"""The page's own words; a plan locale without its own falls back to English."""

_LANGUAGE_NAMES = {"es": "Español", "en": "English", "pt": "Português", "fr": "Français", "de": "Deutsch"}


def _texts(locale: str) -> dict[str, Any]:
    return _TEXTS.get(locale) or _TEXTS.get(locale.split("-")[0]) or _TEXTS["en"]


# --- inputs ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteIncident:
    """One incident as the store has it: :func:`build_site` picks the published messages itself."""

    incident: Incident
    messages: Sequence[Message] = ()
    publications: Sequence[Publication] = ()


@dataclass(frozen=True)
class PublishedUpdate:
    """A message version customers were told: approved, and handed to publishing at ``published_at``."""

    message: Message
    published_at: datetime


def published_updates(record: SiteIncident) -> list[PublishedUpdate]:
    """The incident's approved messages whose current version has a publication, oldest first."""
    handed_off: dict[tuple[str, int], datetime] = {}
    for publication in record.publications:
        key = (publication.message_id, publication.version)
        handed_off[key] = min(publication.requested_at, handed_off.get(key, publication.requested_at))
    updates = [
        PublishedUpdate(message, handed_off[(message.id, message.version)])
        for message in record.messages
        if message.status == MessageStatus.APPROVED and (message.id, message.version) in handed_off
    ]
    return sorted(updates, key=lambda update: (update.published_at, update.message.created_at, update.message.id))


# --- what the page shows, before any locale -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Shown:
    incident: Incident
    updates: list[PublishedUpdate]
    """Oldest first; never empty."""
    phase: Phase
    resolved_at: datetime | None

    @property
    def last_activity(self) -> datetime:
        return max([self.updates[-1].published_at, *([self.resolved_at] if self.resolved_at else [])])


def _shown(record: SiteIncident) -> _Shown | None:
    updates = published_updates(record)
    if not updates:
        return None
    announced = [update.message.phase for update in updates if update.message.phase != Phase.UPDATE]
    phase = announced[-1] if announced else Phase.INVESTIGATING
    closing = [update.published_at for update in updates if update.message.phase in _CLOSED_PHASES]
    resolved_at: datetime | None = None
    if closing:
        resolved_at = closing[0]
    elif record.incident.status == IncidentStatus.RESOLVED:
        resolved_at = record.incident.updated_at
        phase = Phase.RESOLVED
    return _Shown(record.incident, updates, phase, resolved_at)


def _severity_rank(plan: Plan, severity_id: str) -> int:
    """0 is the most severe; a severity the plan no longer has ranks below all of them."""
    ids = [severity.id for severity in plan.definition.severities]
    return ids.index(severity_id) if severity_id in ids else len(ids)


# --- the pure build -------------------------------------------------------------------------------------------------


def build_site(
    plan: Plan, incidents: Sequence[SiteIncident], now: datetime, subscribe_url: str | None = None
) -> dict[str, tuple[bytes, str]]:
    """Every file of the status site: ``path -> (content, content type)``, in every plan locale.

    ``subscribe_url`` (the approvals API's ``/subscribe``) adds the subscribe form to every locale a customer email
    channel of the plan is in; without it the page has no form.

    Deterministic for the same inputs (the channel relies on it to tell whether the store changed meanwhile).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    shown = [item for item in (_shown(record) for record in incidents) if item is not None]
    open_incidents = sorted(
        (item for item in shown if item.resolved_at is None),
        key=lambda item: (_severity_rank(plan, item.incident.severity_id), -item.incident.opened_at.timestamp()),
    )
    cutoff = now - timedelta(days=HISTORY_DAYS)
    history = sorted(
        (item for item in shown if item.resolved_at is not None and item.last_activity >= cutoff),
        key=lambda item: (item.resolved_at or now, item.incident.id),
        reverse=True,
    )
    site: dict[str, tuple[bytes, str]] = {}
    for locale in plan.definition.locales:
        view = _LocaleView(plan, locale, now, open_incidents, history, subscribe_url)
        prefix = _prefix(plan, locale)
        site[f"{prefix}index.html"] = (_render("status_page.html.j2", view.html_context()), HTML_TYPE)
        site[f"{prefix}index.json"] = (_json(view.json_document()), JSON_TYPE)
        site[f"{prefix}feed.atom"] = (_render("status_feed.atom.j2", view.atom_context()), ATOM_TYPE)
    return site


def _prefix(plan: Plan, locale: str) -> str:
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


class _LocaleView:
    """Everything one locale's three files show, as plain dicts for the templates and the JSON."""

    def __init__(
        self,
        plan: Plan,
        locale: str,
        now: datetime,
        open_incidents: list[_Shown],
        history: list[_Shown],
        subscribe_url: str | None = None,
    ) -> None:
        self.subscribe_url = _web_url(subscribe_url)
        self.plan = plan
        self.locale = locale
        self.now = now
        self.texts = _texts(locale)
        self.zone = _zone(plan, locale)
        self.organisation = plan.definition.organisation
        self.base_url = _web_url(self.organisation.status_page_url)
        self.prefix = _prefix(plan, locale)
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

    def _incident(self, item: _Shown) -> dict[str, Any]:
        incident = item.incident
        updates = [u for u in (self._update(incident, update) for update in reversed(item.updates)) if u]
        component = self.component_name(incident.component_id)
        end = item.resolved_at or self.now
        postmortems = [update for update in updates if update["phase"] == Phase.POSTMORTEM.value]
        return {
            "id": incident.id,
            "anchor": f"incident-{incident.id}",
            "component_id": incident.component_id,
            "component": component,
            "severity": incident.severity_id,
            "severity_name": self.severity_name(incident.severity_id),
            "severity_rank": min(_severity_rank(self.plan, incident.severity_id), 3),
            "status": IncidentStatus.RESOLVED.value if item.resolved_at else IncidentStatus.OPEN.value,
            "phase": item.phase.value,
            "phase_name": self.phase_name(item.phase),
            "title": updates[0]["title"] if updates else component,
            "started_at": _utc(incident.opened_at),
            "started_local": self.when(incident.opened_at),
            "resolved_at": _utc(item.resolved_at) if item.resolved_at else None,
            "resolved_local": self.when(item.resolved_at) if item.resolved_at else None,
            "duration": format_elapsed(end - incident.opened_at),
            "updates": updates,
            "postmortem": postmortems[0] if postmortems else None,
        }

    def _components(self, open_incidents: list[_Shown]) -> list[dict[str, Any]]:
        """Each plan component: operational, or the worst open incident's severity and phase (first = worst)."""
        worst: dict[str, _Shown] = {}
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
                    severity_rank=min(_severity_rank(self.plan, incident.severity_id), 3),
                    phase=item.phase.value,
                    phase_name=self.phase_name(item.phase),
                    incident_id=incident.id,
                    status_text=f"{self.severity_name(incident.severity_id)} · {self.phase_name(item.phase)}",
                )
            components.append(entry)
        return components

    def _locales(self) -> list[dict[str, Any]]:
        return [
            {
                "code": locale,
                "name": _LANGUAGE_NAMES.get(locale.split("-")[0], locale),
                "current": locale == self.locale,
                "href": self.relative(f"{_prefix(self.plan, locale)}index.html"),
                "absolute": self.absolute(f"{_prefix(self.plan, locale)}index.html"),
                "feed": self.absolute(f"{_prefix(self.plan, locale)}feed.atom"),
            }
            for locale in self.plan.definition.locales
        ]

    def _common(self) -> dict[str, Any]:
        organisation = _clean(self.organisation.name)
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
            "locales": self._locales(),
        }

    def _subscribe_form(self) -> dict[str, Any] | None:
        """The double opt-in form (incident_comms.subscribe_pages): email, components, this page's locale. Only
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
        }
        return context

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
                "name": _clean(self.organisation.name),
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
                "locales": {locale["code"]: locale["absolute"] for locale in self._locales()},
            },
        }


@lru_cache(maxsize=1)
def _environment() -> Environment:
    """The package's status templates, autoescaped (HTML and XML alike): incident text can never become markup."""
    return Environment(
        loader=PackageLoader("incident_comms", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _render(name: str, context: Mapping[str, Any]) -> bytes:
    return _environment().get_template(name).render(context).encode("utf-8")


def _json(document: Mapping[str, Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --- the channel ----------------------------------------------------------------------------------------------------


class StoreReader(Protocol):
    """The reads the channel makes (an :class:`~incident_comms.store.IncidentStore` has them all)."""

    def list_incidents(self, limit: int = 100) -> list[Incident]: ...

    def messages(self, incident_id: str) -> list[Message]: ...

    def publications(self, incident_id: str) -> list[Publication]: ...


class ObjectWriter(Protocol):
    """What the channel needs of an S3 client (boto3's satisfies it)."""

    def put_object(self, *, Bucket: str, Key: str, Body: bytes, ContentType: str, CacheControl: str) -> Any: ...


class StatusPageChannel:
    """The ``status_page`` channel: rebuild the site from the store and write every file to ``bucket``.

    The result counts files: ``attempted`` the site's files, ``delivered`` those whose last write S3 accepted,
    ``failed`` the rest, with the first refusals in ``detail``. A file S3 refuses does not keep the others from
    being written; reading the store failing raises (the publisher records it as a failed delivery).
    """

    def __init__(self, store: StoreReader, s3_client: ObjectWriter, bucket: str, subscribe_base_url: str = "") -> None:
        self._store = store
        self._s3 = s3_client
        self._bucket = bucket
        self._subscribe_url = f"{subscribe_base_url.rstrip('/')}/subscribe" if subscribe_base_url else None

    def publish(self, job: ChannelJob) -> ChannelResult:
        if not self._bucket:
            return ChannelResult(attempted=1, failed=1, detail="STATUS_PAGE_BUCKET is not set: no bucket to write to")
        written: dict[str, str | None] = {}  # each file's latest write: None when S3 accepted it, else why not
        site = build_site(job.plan, self.gather(job), job.now, self._subscribe_url)
        self._write(site, written)
        for _ in range(MAX_ROUNDS - 1):
            # Another publisher may have read the store before our update and written after us: read again and
            # rewrite until what is in the bucket is what the store holds (the last writer always checks last).
            fresh = build_site(job.plan, self.gather(job), job.now, self._subscribe_url)
            if fresh == site:
                break
            site = fresh
            self._write(site, written)
        failed = {path: error for path, error in written.items() if error is not None}
        detail = None
        if failed:
            detail = truncate("; ".join(f"{path}: {error}" for path, error in sorted(failed.items())), ERROR_TEXT_MAX)
        return ChannelResult(attempted=len(site), delivered=len(site) - len(failed), failed=len(failed), detail=detail)

    def gather(self, job: ChannelJob) -> list[SiteIncident]:
        """Every incident of the store with its messages and publications, plus the one being published.

        The job's incident and message are put in as the job has them (the message approved, at the version being
        published now), so the page shows them even when a read missed them: the incident list is a secondary
        index, eventually consistent, and a new incident may not be in it yet.
        """
        records = []
        incidents = list(self._store.list_incidents(limit=INCIDENT_LIMIT))
        if all(incident.id != job.incident.id for incident in incidents):
            incidents.append(job.incident)
        for incident in incidents:
            messages = self._store.messages(incident.id)
            publications = self._store.publications(incident.id)
            if incident.id == job.incident.id:
                messages, publications = _with_job(job, messages, publications)
            records.append(SiteIncident(incident, messages, publications))
        return records

    def _write(self, site: Mapping[str, tuple[bytes, str]], written: dict[str, str | None]) -> None:
        # Pages last: by the time a page links to the feed and the JSON, they are already there.
        order = sorted(site, key=lambda path: (path.endswith(".html"), path))
        for path in order:
            body, content_type = site[path]
            try:
                self._s3.put_object(
                    Bucket=self._bucket, Key=path, Body=body, ContentType=content_type, CacheControl=CACHE_CONTROL
                )
            except Exception as error:  # noqa: BLE001 - a refused file is counted and named, the others still go
                written[path] = error_text(error, ERROR_TEXT_MAX)
            else:
                written[path] = None


def _with_job(
    job: ChannelJob, messages: Sequence[Message], publications: Sequence[Publication]
) -> tuple[list[Message], list[Publication]]:
    message = job.message
    handed_off = any(p.message_id == message.id and p.version == message.version for p in publications)
    if not handed_off:
        reason = PublicationReason.APPROVAL_TIMEOUT if message.holding else PublicationReason.APPROVED
        publications = [
            *publications,
            Publication(
                incident_id=job.incident.id,
                message_id=message.id,
                version=message.version,
                requested_at=job.now,
                reason=reason,
            ),
        ]
    return [m for m in messages if m.id != message.id] + [message], list(publications)
