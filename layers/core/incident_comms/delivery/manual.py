"""Manual channels: the ones the system cannot post to itself (social media, a help-centre banner, a call list).

For these the plan names who posts by hand (``channels.yaml``: ``notify``). When a message is published, each of
those addresses gets one email, in the team's language (the plan's main locale), carrying:

- the approved text fitted to the channel: for short-post channels (chat and SMS formats, e.g. social media) a
  variant of at most :data:`SHORT_POST_MAX` characters that keeps the status page link, plus the full text;
  otherwise the subject/title and the text exactly as approved;
- the plan's access notes for the channel (where the credentials live, who grants access, notes) and the
  departments that use it, so whoever is on duty can act without asking around at 3 a.m.;
- the incident facts the text belongs to (incident, component, severity, phase, message version).

Pure: it talks to an :class:`~incident_comms.team.emails.EmailSender`. Texts come from the package's own ``manual_*``
templates in an autoescaping environment: the approved text may carry alarm names (untrusted), and it must never
become markup in anybody's mail client.

:func:`fit_text` is the one place that shortens a message for a length-limited channel; the SNS adapter uses it
for the SMS text too.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from incident_comms.delivery.publishing import ChannelJob, ChannelResult
from incident_comms.errors import OutcomeUnknown
from incident_comms.mail_threads import TEAM, thread_key
from incident_comms.plan.models import Channel, ChannelFormat, LocalizedText, Plan, localized
from incident_comms.team.emails import SUBJECT_MAX, Email, EmailSender, email_environment, team_texts, team_zone
from incident_comms.text import format_datetime, one_line, truncate

SHORT_POST_MAX = 280
"""The longest post the common social networks take in one piece (X counts 280 characters)."""

SHORT_FORMATS = frozenset({ChannelFormat.CHAT, ChannelFormat.SMS})
"""Formats whose channels are short posts: their email carries the fitted variant besides the full text."""

ERROR_TEXT_MAX = 300
_FALLBACK_LOCALE = "en"
_URL = re.compile(r"https?://[^\s<>\"']+")
_URL_TRAILING = ".,;:!?)]}»\"'"
_CUT_TRAILING = " ,;:-–—·"
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

_TEXTS: dict[str, dict[str, str]] = {
    "es": {
        "subject": "[{severity}] Publique en {channel}: {component} — {phase}",
        "intro": "El plan de comunicación de incidentes pide publicar esta actualización, ya aprobada, en «{channel}». "
        "El sistema no puede publicar en este canal por sí mismo: publíquela usted, tal cual, cuanto antes.",
        "short": "Texto para publicar",
        "short_note": "{count} caracteres (máximo {limit}).",
        "short_cut": "{count} caracteres (máximo {limit}): recortado para caber; el texto completo va debajo.",
        "full": "Texto completo aprobado",
        "text": "Texto aprobado",
        "title": "Título",
        "access": "Acceso al canal",
        "credentials": "Credenciales",
        "request_from": "Quién da acceso",
        "notes": "Notas",
        "departments": "Departamentos que usan el canal",
        "incident": "Incidente",
        "component": "Componente",
        "severity": "Severidad",
        "phase": "Fase",
        "message": "Mensaje",
        "approved_at": "Aprobado",
        "locale": "Idioma del texto",
        "status_page": "Página de estado",
        "why": "Recibe este correo porque el plan le nombra para publicar a mano en «{channel}» "
        "(channels.yaml, notify). Si ya no le corresponde, pida que se corrija el plan.",
    },
    "en": {
        "subject": "[{severity}] Post on {channel}: {component} — {phase}",
        "intro": "The incident communication plan asks for this update, already approved, to be posted on "
        "“{channel}”. The system cannot post on this channel itself: please post it, as it is, as soon as you can.",
        "short": "Text to post",
        "short_note": "{count} characters (at most {limit}).",
        "short_cut": "{count} characters (at most {limit}): shortened to fit; the full text follows.",
        "full": "Full approved text",
        "text": "Approved text",
        "title": "Title",
        "access": "Channel access",
        "credentials": "Credentials",
        "request_from": "Who grants access",
        "notes": "Notes",
        "departments": "Departments using the channel",
        "incident": "Incident",
        "component": "Component",
        "severity": "Severity",
        "phase": "Phase",
        "message": "Message",
        "approved_at": "Approved",
        "locale": "Language of the text",
        "status_page": "Status page",
        "why": "You get this email because the plan names you to post by hand on “{channel}” "
        "(channels.yaml, notify). If that is no longer you, ask for the plan to be fixed.",
    },
}


class ManualChannel:
    """Emails the approved text of a manual channel to each address the plan names for it, one email each.

    ``attempted`` counts the addresses and ``delivered`` the emails the mail service accepted: the post itself is a
    person's job, so "delivered" here means the person has the text, not that it is online.
    """

    def __init__(self, sender: EmailSender) -> None:
        self._sender = sender

    def publish(self, job: ChannelJob) -> ChannelResult:
        addresses = notify_addresses(job.channel)
        if not addresses:
            return ChannelResult(
                attempted=1,
                failed=1,
                detail=f"manual channel {job.channel.id} names nobody to post it (channels.yaml: notify is empty)",
            )
        errors: list[str] = []
        unknown: list[str] = []
        for address in addresses:
            try:
                self._sender.send(manual_email(job, address))
            except OutcomeUnknown as error:
                unknown.append(f"{address}: {error}")
            except Exception as error:  # noqa: BLE001 - counted per address; the others still get the text
                errors.append(f"{address}: {type(error).__name__}: {error}")
        delivered = len(addresses) - len(errors) - len(unknown)
        if errors or unknown:
            maybe = f", {len(unknown)} unknown (maybe sent, not resent)" if unknown else ""
            detail = f"{len(errors)} of {len(addresses)} could not be emailed{maybe}: {(errors + unknown)[0]}"
        else:
            detail = f"emailed to {delivered} address(es) to post by hand"
        return ChannelResult(
            attempted=len(addresses),
            delivered=delivered,
            failed=len(errors),
            unknown=len(unknown),
            detail=truncate(one_line(detail), ERROR_TEXT_MAX),
        )


def notify_addresses(channel: Channel) -> list[str]:
    """The channel's ``notify`` addresses, each once (case-insensitively: one inbox gets one email), in plan order."""
    found: dict[str, str] = {}
    for address in channel.notify:
        found.setdefault(address.lower(), address)
    return list(found.values())


def manual_texts(plan: Plan) -> dict[str, str]:
    """This module's wording in the team's language (the plan's main locale), English when we lack it."""
    return _TEXTS.get(plan.main_locale.split("-")[0], _TEXTS[_FALLBACK_LOCALE])


def manual_email(job: ChannelJob, address: str) -> Email:
    """The email that hands one person the approved text of ``job`` to post by hand, with how to reach the channel."""
    plan, channel, draft, incident, message = job.plan, job.channel, job.draft, job.incident, job.message
    locale = plan.main_locale
    texts = manual_texts(plan)
    zone = team_zone(plan)
    channel_name = _text(plan, channel.name)
    component_name = _component_name(plan, incident.component_id)
    phase_name = team_texts(plan)["phases"][message.phase]
    status_page_url = plan.definition.organisation.status_page_url
    short = None
    if draft.format in SHORT_FORMATS:
        fitted = fit_text(draft.text, SHORT_POST_MAX, url=status_page_url)
        note = texts["short_note"] if fitted == one_line(printable(draft.text)) else texts["short_cut"]
        short = {"text": fitted, "note": note.format(count=len(fitted), limit=SHORT_POST_MAX)}
    approved_at = message.decided_at or job.now
    context: dict[str, Any] = {
        "locale": locale,
        "t": texts,
        "organisation": plan.definition.organisation.name,
        "subject": manual_subject(incident.severity_id, channel_name, component_name, phase_name, texts),
        "intro": texts["intro"].format(channel=channel_name),
        "why": texts["why"].format(channel=channel_name),
        "short": short,
        "title": draft.subject,
        "text": draft.text,
        "show_full": short is None or short["text"] != draft.text,
        "access": {
            "credentials": channel.access.credentials,
            "request_from": channel.access.request_from,
            "notes": channel.access.notes,
        },
        "departments": list(channel.departments),
        "facts": [
            (texts["incident"], incident.id),
            (texts["component"], component_name),
            (texts["severity"], f"{incident.severity_id} · {_severity_name(plan, incident.severity_id)}"),
            (texts["phase"], phase_name),
            (texts["message"], f"{message.id} v{message.version}"),
            (texts["approved_at"], format_datetime(approved_at, zone, locale)),
            (texts["locale"], draft.locale),
        ],
        "status_page_url": status_page_url,
    }
    environment = email_environment()
    return Email(
        to=[address],
        subject=context["subject"],
        text=environment.get_template("manual_post.txt.j2").render(context).strip() + "\n",
        html=environment.get_template("manual_post.html.j2").render(context),
        headers={"X-Incident-Id": incident.id, "X-Incident-Message-Id": message.id, "X-Incident-Channel": channel.id},
        thread=thread_key(incident.id, TEAM),
    )


def manual_subject(severity_id: str, channel: str, component: str, phase: str, texts: dict[str, str]) -> str:
    """``[SEV1] Publique en Redes sociales: API pública — Investigando``: one line, under 100 characters.

    The component is shortened first, then the channel name, so the call to act and the severity always show.
    """
    parts = {"severity": one_line(severity_id), "channel": one_line(channel), "phase": one_line(phase)}
    without = len(texts["subject"].format(**parts, component=""))
    component = truncate(one_line(component), max(12, SUBJECT_MAX - without))
    return truncate(one_line(texts["subject"].format(**parts, component=component)), SUBJECT_MAX)


def fit_text(text: str, limit: int, *, url: str | None = None, ellipsis: str = "…") -> str:
    """``text`` on one line, at most ``limit`` characters, cut on a word boundary and marked with ``ellipsis``.

    Why a function of its own: a post or an SMS cut mid-word, or that lost the one link where people can read the
    rest, is worse than a shorter one. So when the text is too long and carries a link (``url``, the status page,
    written with or without its scheme; else the first ``http(s)://`` link in the text), the link is kept whole
    at the end and the words before it are cut instead. A link too long to leave room for words (over half the
    limit) is cut like any other text. Control characters (and bidirectional overrides, which can make a text read
    differently from what was approved) are dropped; every run of whitespace becomes one space.
    """
    if limit < 2 * len(ellipsis) + 8:
        raise ValueError(f"limit {limit} leaves no room for text")
    flat = one_line(printable(text))
    if len(flat) <= limit:
        return flat
    link = _link_in(flat, url)
    if link is not None and len(link) <= limit // 2:
        start = flat.index(link)
        head = one_line(flat[:start] + " " + flat[start + len(link) :])
        return _cut(head, limit - len(link) - 1, ellipsis) + " " + link
    return _cut(flat, limit, ellipsis)


def printable(text: str) -> str:
    """``text`` without control characters other than whitespace and without bidirectional overrides."""
    return "".join(
        char for char in text if char not in _BIDI_CONTROLS and (char.isspace() or unicodedata.category(char) != "Cc")
    )


def _link_in(text: str, url: str | None) -> str | None:
    if url:
        bare = re.sub(r"^https?://", "", url)
        for form in (url, url.rstrip("/"), bare, bare.rstrip("/")):
            if form and form in text:
                return form
    match = _URL.search(text)
    if match is None:
        return None
    return match.group(0).rstrip(_URL_TRAILING) or None


def _cut(text: str, limit: int, ellipsis: str) -> str:
    if len(text) <= limit:
        return text
    room = limit - len(ellipsis)
    head = text[:room]
    if not text[room].isspace():
        space = head.rfind(" ")
        if space >= room // 2:
            head = head[:space]
    return head.rstrip(_CUT_TRAILING) + ellipsis


def _text(plan: Plan, value: LocalizedText) -> str:
    return localized(value, plan.main_locale, plan.main_locale)


def _component_name(plan: Plan, component_id: str) -> str:
    for component in plan.definition.components:
        if component.id == component_id:
            return _text(plan, component.name)
    return component_id


def _severity_name(plan: Plan, severity_id: str) -> str:
    for severity in plan.definition.severities:
        if severity.id == severity_id:
            return _text(plan, severity.name)
    return severity_id
