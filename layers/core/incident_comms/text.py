"""Plain-text helpers every stage writes with: one line, a length limit, dates and durations as people read
them, and error texts safe to put on a timeline (no secrets, no multi-line tracebacks).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

_DATE_FORMAT = {"es": "%d/%m/%Y", "en": "%Y-%m-%d"}


def format_datetime(when: datetime, zone: ZoneInfo, locale: str) -> str:
    """Date and time as the audience reads it: ``15/01/2026 14:30 CET`` (es), ``2026-01-15 14:30 CET`` (en)."""
    local = when.astimezone(zone)
    date_format = _DATE_FORMAT.get(locale.split("-")[0], _DATE_FORMAT["en"])
    return local.strftime(f"{date_format} %H:%M %Z")


def format_time(when: datetime, zone: ZoneInfo, locale: str, now: datetime) -> str:
    """``14:30 CET`` when ``when`` falls today for the audience, else with its date in front."""
    local = when.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return local.strftime("%H:%M %Z")
    return format_datetime(when, zone, locale)


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
