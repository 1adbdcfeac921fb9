"""Plain-text helpers every stage writes with: one line, a length limit, dates and durations as people read
them, and error texts safe to put on a timeline (no secrets, no multi-line tracebacks).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

_MONTHS = {
    "es": (
        "enero", "febrero", "marzo", "abril", "mayo", "junio",
        "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip
_UTC = ZoneInfo("UTC")


def format_date(when: datetime, zone: ZoneInfo, locale: str, now: datetime | None = None) -> str:
    """The day as the locale writes it in prose, never ISO: ``30 de noviembre`` (es), ``30 November`` (en); the year
    follows only when it is not ``now``'s (``5 de enero de 2027``, ``5 January 2027``)."""
    local = when.astimezone(zone)
    language = locale.split("-")[0]
    month = _MONTHS.get(language, _MONTHS["en"])[local.month - 1]
    other_year = now is not None and now.astimezone(zone).year != local.year
    if language == "es":
        return f"{local.day} de {month}" + (f" de {local.year}" if other_year else "")
    return f"{local.day} {month}" + (f" {local.year}" if other_year else "")


def format_datetime(
    when: datetime, zone: ZoneInfo, locale: str, *, utc: bool = False, now: datetime | None = None
) -> str:
    """Date and time as the audience reads it in prose: ``30 de noviembre, 15:00 CET`` (es), ``30 November, 15:00
    CET`` (en), never ISO; the year only when it is not ``now``'s. ``utc`` adds the UTC equivalent for international
    readers: ``30 November, 15:00 CET (14:00 UTC)``."""
    local = when.astimezone(zone)
    return f"{format_date(when, zone, locale, now)}, {local.strftime('%H:%M %Z')}" + _utc_equivalent(
        when, zone, locale, utc
    )


def format_time(when: datetime, zone: ZoneInfo, locale: str, now: datetime, *, utc: bool = False) -> str:
    """``14:30 CET`` when ``when`` falls today for the audience, else with its date in front (``1 de diciembre,
    09:00 CET``); ``utc`` adds the UTC equivalent (``14:30 CET (13:30 UTC)``)."""
    local = when.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return local.strftime("%H:%M %Z") + _utc_equivalent(when, zone, locale, utc)
    return format_datetime(when, zone, locale, utc=utc, now=now)


def _utc_equivalent(when: datetime, zone: ZoneInfo, locale: str, utc: bool) -> str:
    """`` (14:00 UTC)``, with the UTC day in front when it is not the local one; empty when not asked or when the
    zone is at UTC's offset anyway."""
    local = when.astimezone(zone)
    if not utc or local.utcoffset() == timedelta(0):
        return ""
    universal = when.astimezone(_UTC)
    clock = universal.strftime("%H:%M UTC")
    if universal.date() != local.date():
        clock = f"{format_date(when, _UTC, locale)}, {clock}"
    return f" ({clock})"


def format_elapsed(delta: timedelta) -> str:
    """A duration people read at a glance: ``45 min``, ``2 h 05 min``, ``3 d 4 h``."""
    minutes = max(0, int(delta.total_seconds()) // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


def one_line(text: str) -> str:
    """Collapse every run of whitespace (CR/LF included) into one space: subjects are one header line."""
    return " ".join(text.split())


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


ERROR_TEXT_MAX = 500


def error_text(error: BaseException, limit: int = ERROR_TEXT_MAX) -> str:
    """A failure as one bounded line (``ClientError: An error occurred ...``): what timelines, delivery records and
    reports say about a refusal, never a multi-line traceback or an unbounded service message."""
    return truncate(one_line(f"{type(error).__name__}: {error}"), limit)


def clean_text(text: str) -> str:
    """Trim trailing spaces and runs of blank lines the template's layout left behind."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def join_words(parts: Sequence[str], conjunction: str) -> str:
    """``a, b and c`` (Spanish ``y`` becomes ``e`` before an /i/ sound: ``investigamos e identificamos``)."""
    if len(parts) < 2:
        return "".join(parts)
    last = parts[-1]
    folded = last.lower()
    i_sound = folded.startswith("i") or (folded.startswith("hi") and not folded.startswith("hie"))
    word = "e" if conjunction == "y" and i_sound else conjunction
    return f"{', '.join(parts[:-1])} {word} {last}"
