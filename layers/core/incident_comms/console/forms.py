"""The console's forms: what a POST may carry for each change, validated whole before anything is done.

Field ``action`` picks the form (``facts``, ``phase``, ``resolve``, ``severity``, ``component``, ``close``) and
``confirm=yes`` is its button's value (required: a scanner's bare POST acts on nothing). Each field at most once and
only the fields that form takes. Anything else is a :class:`BadConsoleForm` naming the problem (and, where it helps,
the field or locale), which the console answers 400 with nothing changed. What only the incident can tell (a fact
that does not fit, a move the state machine refuses) is the lifecycle's to say.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from incident_comms.incidents.facts import MAX_FACT_CHARS, TEXT_FACTS, DataLoss
from incident_comms.plan.models import INCIDENT_LEVELS, OutageLevel, Phase, Plan
from incident_comms.text import clean_text

MAX_REASON_CHARS = 500
"""A severity change's reason: a sentence or two for the timeline (the lifecycle's own limit)."""

FACT_BOXES = (*(name for name in TEXT_FACTS if name != "data_lost"), "data_lost")
"""The text facts the facts form has one box per plan locale for (``<fact>_<locale>``), in the page's order: what
was lost last, beside the data loss choice it goes with."""

_FACTS_FIELDS = frozenset({"data_loss", "impact_started_at", "impact_ended_at", "tell_customers"})
_LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


class ConsoleProblem(StrEnum):
    """What is wrong with a posted console form: logged as is, shown to the person in their words."""

    UNREADABLE = "unreadable"
    ENCODING = "encoding"
    REPEATED_FIELD = "repeated_field"
    UNKNOWN_FIELD = "unknown_field"
    UNKNOWN_ACTION = "unknown_action"
    NOT_CONFIRMED = "not_confirmed"
    PHASE = "phase"
    CAUSE_MISSING = "cause_missing"
    CAUSE_NOT_HERE = "cause_not_here"
    TEXT_TOO_LONG = "text_too_long"
    SEVERITY = "severity"
    REASON_MISSING = "reason_missing"
    REASON_TOO_LONG = "reason_too_long"
    COMPONENT = "component"
    COMPONENT_KNOWN = "component_known"
    LEVEL = "level"
    DATA_LOSS = "data_loss"
    DATA_LOST_MISSING = "data_lost_missing"
    TIME = "time"
    TELL_CUSTOMERS = "tell_customers"
    NOTHING = "nothing"
    FACTS = "facts"
    """The lifecycle found the facts unfit (FactsError); ``detail`` lists why."""
    LIFECYCLE = "lifecycle"
    """The lifecycle refused the input itself (a bad reason, say): ``detail`` says why."""


class BadConsoleForm(ValueError):
    """A posted form that cannot be acted on; ``detail`` names the field, locale or limit when that helps."""

    def __init__(self, problem: ConsoleProblem, detail: str = "") -> None:
        self.problem = problem
        self.detail = detail
        super().__init__(f"{problem.value}: {detail}" if detail else problem.value)


_Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REASON_CHARS)]


class PhaseChange(BaseModel):
    """``action=phase`` (or ``resolve``): move to ``phase``; ``cause`` (locale -> text) for ``identified`` only."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    action: Literal["phase", "resolve"]
    phase: Literal[Phase.IDENTIFIED, Phase.MONITORING, Phase.RESOLVED]
    cause: dict[str, str] = Field(default_factory=dict)


class SeverityChange(BaseModel):
    """``action=severity``: a plan severity id and the reason, required."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    action: Literal["severity"] = "severity"
    severity_id: str
    reason: _Reason


class ComponentAdded(BaseModel):
    """``action=component``: a plan component id, added to the affected components."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    action: Literal["component"] = "component"
    component_id: str


class LevelChange(BaseModel):
    """``action=level``: the outage level the status page shows a component at while the incident is open (a
    component not yet affected becomes affected; ``operational`` says it is fine)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    action: Literal["level"] = "level"
    component_id: str
    level: OutageLevel


class CloseIncident(BaseModel):
    """``action=close``: close a resolved incident."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    action: Literal["close"] = "close"


class FactsChange(BaseModel):
    """``action=facts``: the facts to change (as :func:`incident_comms.incidents.facts.set_facts` takes them) and
    whether to draft a message that tells customers."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    action: Literal["facts"] = "facts"
    changes: dict[str, Any]
    tell_customers: bool


ConsoleRequest = PhaseChange | SeverityChange | ComponentAdded | LevelChange | CloseIncident | FactsChange

SETTABLE_LEVELS = (OutageLevel.OPERATIONAL, *INCIDENT_LEVELS)
"""What a responder can set a component at (``under_maintenance`` belongs to maintenance windows)."""


def allowed_fields(action: str, locales: Sequence[str]) -> frozenset[str]:
    """The fields (besides ``action`` and ``confirm``) the form of ``action`` takes."""
    causes = {f"cause_{locale}" for locale in locales}
    if action == "phase":
        return frozenset({"phase", *causes})
    if action == "severity":
        return frozenset({"severity", "reason"})
    if action == "component":
        return frozenset({"component"})
    if action == "level":
        return frozenset({"component", "level"})
    if action == "facts":
        boxes = {f"{fact}_{locale}" for fact in FACT_BOXES for locale in locales}
        return frozenset(boxes | _FACTS_FIELDS)
    return frozenset()


_ACTIONS = ("facts", "phase", "resolve", "severity", "component", "level", "close")


def parse_console_form(form: Mapping[str, Sequence[str]], plan: Plan, zone: ZoneInfo) -> ConsoleRequest:
    """Validate a posted console form, else :class:`BadConsoleForm`; ``zone`` reads a time given without offset."""
    if any(len(values) != 1 for values in form.values()):
        raise BadConsoleForm(ConsoleProblem.REPEATED_FIELD)
    fields = {name: values[0] for name, values in form.items()}
    action = fields.pop("action", "")
    if action not in _ACTIONS:
        raise BadConsoleForm(ConsoleProblem.UNKNOWN_ACTION)
    if fields.pop("confirm", None) != "yes":
        raise BadConsoleForm(ConsoleProblem.NOT_CONFIRMED)
    locales = plan.definition.locales
    unknown = sorted(set(fields) - allowed_fields(action, locales))
    if unknown:
        raise BadConsoleForm(ConsoleProblem.UNKNOWN_FIELD, ", ".join(unknown))
    if action in ("phase", "resolve"):
        return _phase(action, fields, locales)
    if action == "severity":
        return _severity(fields, plan)
    if action == "component":
        component = fields.get("component", "")
        if component not in {item.id for item in plan.definition.components}:
            raise BadConsoleForm(ConsoleProblem.COMPONENT)
        return ComponentAdded(component_id=component)
    if action == "level":
        return _level(fields, plan)
    if action == "close":
        return CloseIncident()
    return _facts(fields, locales, zone)


def _texts(fields: Mapping[str, str], fact: str, locales: Sequence[str]) -> dict[str, str]:
    """locale -> the text of each ``<fact>_<locale>`` box sent (an empty box: empty text), cleaned and trimmed."""
    texts = {
        locale: clean_text(fields[f"{fact}_{locale}"]).strip() for locale in locales if f"{fact}_{locale}" in fields
    }
    too_long = [f"{fact}_{locale}" for locale, text in texts.items() if len(text) > MAX_FACT_CHARS]
    if too_long:
        raise BadConsoleForm(ConsoleProblem.TEXT_TOO_LONG, ", ".join(too_long))
    return texts


def _phase(action: str, fields: Mapping[str, str], locales: Sequence[str]) -> PhaseChange:
    target = Phase.RESOLVED.value if action == "resolve" else fields.get("phase", "")
    cause = {locale: text for locale, text in _texts(fields, "cause", locales).items() if text}
    try:
        parsed = PhaseChange.model_validate({"action": action, "phase": target, "cause": cause})
    except ValidationError:
        raise BadConsoleForm(ConsoleProblem.PHASE) from None
    if parsed.phase == Phase.IDENTIFIED:
        missing = [locale for locale in locales if locale not in cause]
        if missing:
            raise BadConsoleForm(ConsoleProblem.CAUSE_MISSING, ", ".join(missing))
    elif cause:
        raise BadConsoleForm(ConsoleProblem.CAUSE_NOT_HERE)
    return parsed


def _severity(fields: Mapping[str, str], plan: Plan) -> SeverityChange:
    severity = fields.get("severity", "")
    if severity not in {item.id for item in plan.definition.severities}:
        raise BadConsoleForm(ConsoleProblem.SEVERITY)
    try:
        return SeverityChange(severity_id=severity, reason=clean_text(fields.get("reason", "")))
    except ValidationError as error:
        if error.errors()[0]["type"] == "string_too_long":
            raise BadConsoleForm(ConsoleProblem.REASON_TOO_LONG, str(MAX_REASON_CHARS)) from None
        raise BadConsoleForm(ConsoleProblem.REASON_MISSING) from None


def _level(fields: Mapping[str, str], plan: Plan) -> LevelChange:
    component = fields.get("component", "")
    if component not in {item.id for item in plan.definition.components}:
        raise BadConsoleForm(ConsoleProblem.COMPONENT)
    level = fields.get("level", "")
    if level not in {item.value for item in SETTABLE_LEVELS}:
        raise BadConsoleForm(ConsoleProblem.LEVEL)
    return LevelChange(component_id=component, level=OutageLevel(level))


def _facts(fields: Mapping[str, str], locales: Sequence[str], zone: ZoneInfo) -> FactsChange:
    changes: dict[str, Any] = {}
    for fact in FACT_BOXES:
        texts = _texts(fields, fact, locales)
        if texts:
            changes[fact] = texts
    if "data_loss" in fields:
        try:
            loss = DataLoss(fields["data_loss"])
        except ValueError:
            raise BadConsoleForm(ConsoleProblem.DATA_LOSS) from None
        if loss == DataLoss.SOME:
            lost = changes.get("data_lost", {})
            missing = [locale for locale in locales if not lost.get(locale)]
            if missing:
                raise BadConsoleForm(ConsoleProblem.DATA_LOST_MISSING, ", ".join(missing))
        changes["data_loss"] = loss.value
    for name in ("impact_started_at", "impact_ended_at"):
        text = fields.get(name, "").strip()
        if text:
            changes[name] = _instant(name, text, zone)
    tell = fields.get("tell_customers")
    if tell not in (None, "yes"):
        raise BadConsoleForm(ConsoleProblem.TELL_CUSTOMERS)
    if not changes:
        raise BadConsoleForm(ConsoleProblem.NOTHING)
    return FactsChange(changes=changes, tell_customers=tell == "yes")


def _instant(name: str, text: str, zone: ZoneInfo) -> datetime:
    """ISO 8601 with its offset, or ``YYYY-MM-DDTHH:MM`` (what a datetime-local box sends) read in ``zone``."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise BadConsoleForm(ConsoleProblem.TIME, name) from None
    if parsed.tzinfo is not None:
        return parsed
    try:
        local = datetime.strptime(text, _LOCAL_MINUTE)
    except ValueError:
        raise BadConsoleForm(ConsoleProblem.TIME, name) from None
    return local.replace(tzinfo=zone)
