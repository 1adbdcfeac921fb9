"""Alarm text as it may be stored and shown: no invisible controls, no direction overrides, bounded length.

Every text field of an alarm comes from whoever can post to us, and ends in approval emails, pages, SMS and the
status page, and in the incident's DynamoDB item (400 KB for all its alarms). So before an alarm is built
(:func:`incident_comms.intake.common.build`):

- **stripped**: C0 controls, DEL and C1 controls, and the bidirectional formatting characters (U+200E/F LRM/RLM,
  U+061C ALM, U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates), which can make a name read
  backwards in an email ("Trojan Source"). Multi-line fields (descriptions, reasons, annotation values, the
  composite rule) keep ``\\n`` and ``\\t`` (CR LF and CR become ``\\n``); one-line fields (names, ids, keys,
  label values) turn any line break or tab into a space.
- **capped**: one-line fields at :data:`NAME_LIMIT` characters, multi-line ones at :data:`TEXT_LIMIT`. A cut
  field ends in ``… (12,345 characters)``, the length it had, so a reader knows it was cut and by how much; the
  limit includes that note. An id is never cut (two long ids must stay two alarms): one over the limit becomes a
  readable prefix and a hash of the whole.

Pure and idempotent: cleaning a cleaned alarm changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import partial
from typing import Any

from incident_comms.alarms import MetricRef

NAME_LIMIT = 256
"""Names, ids, label and dimension keys and values: what rules match on and subjects show; CloudWatch's own alarm
name limit is 255."""
TEXT_LIMIT = 2000
"""Descriptions, reasons, annotation values, URLs: a few paragraphs; CloudWatch's alarm description limit is
1,024."""

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_INVISIBLE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}]")
_LINE_BREAKS = re.compile("\r\n?|[\u2028\u2029]")
_ONE_LINE_SPACES = re.compile("[\t\n\r\u2028\u2029]")
_ID_HASH_CHARS = 32

_MULTI_LINE_FIELDS = ("reason", "description", "alarm_rule")
_ONE_LINE_FIELDS = ("name", "region", "account")


def one_line(value: str, limit: int = NAME_LIMIT) -> str:
    """A one-line field: line breaks and tabs become spaces, other controls and bidi formatting go, then the cap."""
    if value.isprintable():  # fast path: every character stripped here is a non-printable one
        return capped(value, limit)
    return capped(_INVISIBLE.sub("", _ONE_LINE_SPACES.sub(" ", value)), limit)


def multi_line(value: str, limit: int = TEXT_LIMIT) -> str:
    """A multi-line field: ``\\n`` and ``\\t`` stay (CR LF and CR become ``\\n``), other controls and bidi go."""
    if value.isprintable():
        return capped(value, limit)
    return capped(_INVISIBLE.sub("", _LINE_BREAKS.sub("\n", value)), limit)


def capped(value: str, limit: int) -> str:
    """``value`` when it fits ``limit``, else its start, "…" and its full length: ``abc… (12,345 characters)``."""
    if len(value) <= limit:
        return value
    note = f"… ({len(value):,} characters)"
    if len(note) >= limit:
        return value[: limit - 1] + "…"
    return value[: limit - len(note)] + note


def alarm_id(value: str) -> str:
    """An id cleaned like a name but never cut: one over :data:`NAME_LIMIT` keeps a prefix and a hash of the whole,
    so distinct ids stay distinct and the same id always maps to the same one."""
    cleaned = _INVISIBLE.sub("", _ONE_LINE_SPACES.sub(" ", value))
    if len(cleaned) <= NAME_LIMIT:
        return cleaned
    digest = hashlib.sha256(cleaned.encode("utf-8", "surrogatepass")).hexdigest()[:_ID_HASH_CHARS]
    return f"{cleaned[: NAME_LIMIT - _ID_HASH_CHARS - 1]}#{digest}"


def clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of an ``Alarm`` with every text field stripped and capped (anything that is not text
    is left for the model to refuse)."""
    return {key: _CLEANERS[key](value) if key in _CLEANERS else value for key, value in fields.items()}


def _if_text(clean: Callable[[str], str], value: Any) -> Any:
    return clean(value) if isinstance(value, str) else value


def _each(clean: Callable[[Any], Any], value: Any) -> Any:
    return [clean(item) for item in value] if isinstance(value, list) else value


def _text_map(value: Any, limit: int, lines: bool) -> Any:
    if not isinstance(value, dict):
        return value
    clean_value = partial(multi_line if lines else one_line, limit=limit)
    return {_if_text(one_line, key): _if_text(clean_value, item) for key, item in value.items()}


def _text_keys(value: Any) -> Any:
    return {_if_text(one_line, key): item for key, item in value.items()} if isinstance(value, dict) else value


def _metric(metric: Any) -> Any:
    if not isinstance(metric, MetricRef):
        return metric
    return MetricRef(
        namespace=_if_text(one_line, metric.namespace),
        name=one_line(metric.name),
        dimensions=_text_map(metric.dimensions, NAME_LIMIT, False),
    )


_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "id": partial(_if_text, alarm_id),
    "url": partial(_if_text, partial(one_line, limit=TEXT_LIMIT)),
    "labels": partial(_text_map, limit=NAME_LIMIT, lines=False),
    "annotations": partial(_text_map, limit=TEXT_LIMIT, lines=True),
    "links": partial(_text_map, limit=TEXT_LIMIT, lines=False),
    "values": _text_keys,
    "triggering_alarms": partial(_each, partial(_if_text, one_line)),
    "metrics": partial(_each, _metric),
    **{key: partial(_if_text, one_line) for key in _ONE_LINE_FIELDS},
    **{key: partial(_if_text, multi_line) for key in _MULTI_LINE_FIELDS},
}
