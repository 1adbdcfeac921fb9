"""What every payload family reads JSON with: strict, bounded decoding and typed access that names the field.

Input is untrusted and arrives from the network, so decoding is strict and bounded (nesting, encoding), and any
problem is a :class:`~incident_comms.errors.BadInput` with a one-line reason: :class:`Obj` names the field at
fault, :func:`show` quotes a payload value on one line, :func:`build` turns a model error into one line too.
Timestamps become aware UTC datetimes (:func:`parse_timestamp`); :func:`build` makes every alarm, its text
cleaned and capped on the way, and a group's alerts that cannot be read are :class:`Rejection` s beside the
alarms that can (:class:`ReadAlarms`). Pure: no boto3, no Powertools, cheap to import;
it imports no payload family, so every family can import it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, NoReturn

from pydantic import ValidationError

from incident_comms.alarms import Alarm, AlarmState
from incident_comms.errors import BadInput
from incident_comms.intake.untrusted import clean_fields

MAX_DEPTH = 64

# JSON strings (closing quote optional, so an unterminated one ends the scan) and brackets.
_JSON_TOKENS = re.compile(r'"(?:[^"\\]++|\\.)*+"?|[\[\]{}]', re.DOTALL)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:[.,]([0-9]{1,9}))?"
    r"(?:([Zz])|([+-])([0-9]{2}):?([0-9]{2}))",
    re.ASCII,
)
_STATES = {state.value: state for state in AlarmState}


def loads(text: str, what: str) -> Any:
    def reject_constant(name: str) -> NoReturn:
        raise BadInput(f"{what} is not JSON: {name} is not a JSON number")

    _check_depth(text, what)
    try:
        value = json.loads(text, parse_constant=reject_constant)
    except BadInput:
        raise
    except json.JSONDecodeError as error:
        raise BadInput(f"{what} is not JSON: {error.msg} (line {error.lineno}, column {error.colno})") from None
    except ValueError:
        raise BadInput(f"{what} is not acceptable JSON: a number has too many digits") from None
    except RecursionError:
        raise BadInput(f"{what} is nested too deeply") from None
    if _SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise BadInput(f"{what} has a string with an unpaired UTF-16 surrogate escape") from None
    return value


def _check_depth(text: str, what: str) -> None:
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        char = text[match.start()]
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise BadInput(f"{what} is nested deeper than {MAX_DEPTH} levels")
        elif char in "]}":
            depth -= 1


# ---------------------------------------------------------------------------------------------- typed access


class Obj:
    """A JSON object and the path it was found at, so that every error names the field."""

    __slots__ = ("data", "path")

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise BadInput(f"{path or 'payload'} must be an object, not {json_type(data)}")
        self.data: dict[str, Any] = data
        self.path = path

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if value is None:
            raise BadInput(f"{self.at(key)} is missing")
        if not isinstance(value, str):
            raise BadInput(f"{self.at(key)} must be a string, not {json_type(value)}")
        if not value:
            raise BadInput(f"{self.at(key)} is empty")
        return value

    def opt_text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise BadInput(f"{self.at(key)} must be a string, not {json_type(value)}")
        return value

    def obj(self, key: str) -> Obj:
        if self.data.get(key) is None:
            raise BadInput(f"{self.at(key)} is missing")
        return Obj(self.data[key], self.at(key))

    def opt_obj(self, key: str) -> Obj | None:
        return self.obj(key) if self.has(key) else None

    def objs(self, key: str, *, required: bool = False) -> list[Obj]:
        value = self.data.get(key)
        if value is None:
            if required:
                raise BadInput(f"{self.at(key)} is missing")
            return []
        if not isinstance(value, list):
            raise BadInput(f"{self.at(key)} must be an array, not {json_type(value)}")
        return [Obj(item, f"{self.at(key)}[{index}]") for index, item in enumerate(value)]

    def text_map(self, key: str) -> dict[str, str]:
        return text_map(self.data.get(key), self.at(key))

    def state(self, key: str) -> AlarmState:
        value = self.text(key)
        if value not in _STATES:
            raise BadInput(
                f"{self.at(key)}: unknown state value {show(value)} (expected ALARM, OK or INSUFFICIENT_DATA)"
            )
        return _STATES[value]

    def opt_state(self, key: str) -> AlarmState | None:
        return self.state(key) if self.has(key) else None

    def timestamp(self, key: str) -> datetime:
        return parse_timestamp(self.text(key), self.at(key))


def text_map(value: Any, path: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadInput(f"{path} must be an object, not {json_type(value)}")
    for name, item in value.items():
        if not isinstance(item, str):
            raise BadInput(f"{path}.{show(name)} must be a string, not {json_type(item)}")
    return dict(value)


def parse_timestamp(value: str, where: str = "timestamp") -> datetime:
    """Parse the ISO 8601 / RFC 3339 variants the sources write into an aware UTC datetime.

    CloudWatch writes ``2026-11-22T10:15:02.123+0000``, Alertmanager nanoseconds and ``Z``, Grafana
    offsets like ``+02:00``. A timestamp without a zone is refused rather than guessed.
    """
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        raise BadInput(f"{where}: bad timestamp {show(value)} (expected ISO 8601 with a time zone)")
    year, month, day, hour, minute, second, fraction, zulu, sign, off_hours, off_minutes = match.groups()
    try:
        offset = timedelta(0)
        if not zulu:
            if int(off_hours) > 23 or int(off_minutes) > 59:
                raise ValueError("offset out of range")
            offset = timedelta(hours=int(off_hours), minutes=int(off_minutes))
            offset = -offset if sign == "-" else offset
        micro = int((fraction or "0").ljust(6, "0")[:6])
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=timezone(offset)
        )
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadInput(f"{where}: bad timestamp {show(value)}") from None


def build(**fields: Any) -> Alarm:
    """The one place an ``Alarm`` is made from a payload: its text stripped of controls and bidi formatting and
    capped (:mod:`incident_comms.intake.untrusted`), then validated; a name or id with nothing visible is refused."""
    clean = clean_fields(fields)
    for key in ("id", "name"):
        if isinstance(clean.get(key), str) and not clean[key].strip():
            raise BadInput(f"{key}: {show(fields[key])} has no visible characters")
    try:
        return Alarm(**clean)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise BadInput(f"{where}: {_one_line(first['msg'])}") from None


@dataclass(frozen=True)
class Rejection:
    """One alert of a group (or one record of an SNS event) that could not be read: where it was and why."""

    position: str
    reason: str


@dataclass(frozen=True)
class ReadAlarms:
    """What a payload yielded: the alarms read, and each alert refused on its own (the others still count)."""

    alarms: list[Alarm] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    def __add__(self, other: ReadAlarms) -> ReadAlarms:
        return ReadAlarms([*self.alarms, *other.alarms], [*self.rejected, *other.rejected])


def require_text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise BadInput(f"{path} must be a string, not {json_type(value)}")
    if not value:
        raise BadInput(f"{path} is empty")
    return value


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def show(value: Any) -> str:
    """A payload value fit for a one-line message: JSON-quoted (no raw newlines), ASCII, short."""
    if value is None or isinstance(value, str | int | float | bool):
        shown = json.dumps(value, ensure_ascii=True)
        return shown if len(shown) <= 80 else shown[:77] + "..."
    return json_type(value)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]
