"""What a request to move the local clock may say: an instant with its offset, or a duration, and only forward
(every schedule before the clock has fired already)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant (``2026-11-23T15:00:00Z``, ``2026-11-23T16:00:00+01:00``) in UTC. A wall time without an
    offset names no instant (whose 16:00?), so it is refused like any other text: ValueError saying what to give."""
    example = "an ISO 8601 instant with its offset, such as 2026-11-23T15:00:00Z"
    try:
        when = datetime.fromisoformat(text.strip())
    except (TypeError, ValueError):
        raise ValueError(f"not an instant: {text!r} (give {example})") from None
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{text!r} has no time zone offset (give {example})")
    return when.astimezone(UTC)


CLOCK_MOVES = ("advance", "set")


def clock_move_of(body: bytes) -> tuple[str, str]:
    """What a ``POST /local/clock`` asks for: exactly one of ``advance`` (a duration) or ``set`` (an instant), from
    a JSON object or the page's form, with its text; ValueError naming what to send otherwise."""
    expected = 'send {"advance": "PT30M"} or {"set": "2026-11-23T15:00:00Z"}'
    try:
        text = body.decode()
        form = not text.lstrip().startswith("{")
        fields: Any = {name: values[0] for name, values in parse_qs(text).items()} if form else json.loads(text)
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise ValueError(f"not a JSON object ({error}): {expected}") from None
    if not isinstance(fields, dict):
        raise ValueError(f"not a JSON object: {expected}")
    asked = [name for name in CLOCK_MOVES if name in fields]
    if len(asked) != 1:
        raise ValueError(f"give exactly one of advance or set: {expected}")
    value = fields[asked[0]]
    if not isinstance(value, str):
        raise ValueError(f"{asked[0]} must be a string: {expected}")
    return asked[0], value


def forward_to(instant: datetime, now: datetime) -> timedelta:
    """How far the clock moves to reach ``instant``; ValueError when that is back in time: every schedule before
    ``now`` has fired already, and records stamped later than the clock would make no sense."""
    if instant < now:
        raise ValueError(
            f"the clock only moves forward: {instant.isoformat()} is before the stack's clock {now.isoformat()}"
        )
    return instant - now
