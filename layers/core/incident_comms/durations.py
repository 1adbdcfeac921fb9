"""Durations as the plan writes them (``30m``, ``1h30m``, ``2d``) and as ISO 8601 (``PT30M``)."""

from __future__ import annotations

import re
from datetime import timedelta

_SHORT = re.compile(r"^(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$")
_ISO = re.compile(r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$")


def parse_duration(text: str) -> timedelta:
    """Parse ``30m``/``1h30m``/``2d`` or ISO 8601 ``PT30M``; raise ValueError with the text otherwise."""
    cleaned = text.strip()
    match = _SHORT.match(cleaned) or _ISO.match(cleaned.upper())
    if not cleaned or match is None or not any(match.groupdict().values()):
        raise ValueError(f"not a duration: {text!r} (use e.g. 30m, 1h30m, 2d or PT30M)")
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    return timedelta(
        days=parts.get("d", 0), hours=parts.get("h", 0), minutes=parts.get("m", 0), seconds=parts.get("s", 0)
    )


def format_duration(delta: timedelta) -> str:
    """The short form the plan uses, e.g. ``1h30m``; ``0m`` for zero."""
    total = int(delta.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "".join(f"{n}{u}" for n, u in ((days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")) if n)
    return text or "0m"
