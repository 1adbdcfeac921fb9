"""The facts customers are told about one incident: the one source every draft after the first is written from.

Guarantees: every text fact is kept per plan locale and a draft reads its own locale's text only — a fact missing
in a locale is reported (:func:`missing_facts`, the approval page's ``facts-complete`` finding), never filled with
another locale's text. :func:`set_facts` is pure: it answers the incident's new facts or raises
:class:`FactsError` listing every problem, so bad input changes nothing. Data loss is ``unknown`` until a
responder says ``none`` or ``some`` (``some`` with what was lost, in every locale); once it is set, every later
draft says so. The impact window is the machine's (first ALARM change, last OK) unless a responder corrects it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from incident_comms.plan.models import INCIDENT_LEVELS, OutageLevel, Plan

MAX_FACT_CHARS = 2_000

TEXT_FACTS = (
    "impact",
    "data_lost",
    "customer_action",
    "cause",
    "root_cause",
    "actions_taken",
    "actions_planned",
    "lessons",
)
"""The facts that are text, one per plan locale."""


class DataLoss(StrEnum):
    UNKNOWN = "unknown"
    NONE = "none"
    SOME = "some"


DRAFT_DATA_LOSS = {DataLoss.UNKNOWN: "unknown", DataLoss.NONE: "no", DataLoss.SOME: "yes"}
"""How the templates' ``data_loss`` reads each value."""


class IncidentFacts(BaseModel):
    """What customers are told. Empty texts and components mean "not said": the impact then reads the plan's
    components' ``impact``, the components the incident's own."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    impact: dict[str, str] = Field(default_factory=dict, description="locale -> what customers notice")
    data_loss: DataLoss = DataLoss.UNKNOWN
    data_lost: dict[str, str] = Field(default_factory=dict, description="locale -> what was lost (data_loss some)")
    customer_action: dict[str, str] = Field(default_factory=dict, description="locale -> what customers should do")
    cause: dict[str, str] = Field(default_factory=dict, description="locale -> the cause in plain words")
    root_cause: dict[str, str] = Field(default_factory=dict, description="locale -> the root cause (postmortem)")
    actions_taken: dict[str, str] = Field(default_factory=dict, description="locale -> what we did")
    actions_planned: dict[str, str] = Field(default_factory=dict, description="locale -> what we will do")
    lessons: dict[str, str] = Field(default_factory=dict, description="locale -> what we learnt")
    components: list[str] = Field(default_factory=list, description="affected component ids; empty: the incident's")
    component_levels: dict[str, OutageLevel] = Field(
        default_factory=dict,
        description="component id -> the level the status page shows it at while the incident is open; a component "
        "not set shows the severity's default level (IncidentDefinition.outage_level)",
    )
    impact_started_at: datetime | None = Field(None, description="a responder's correction of the window's start")
    impact_ended_at: datetime | None = Field(None, description="a responder's correction of the window's end")

    @field_validator("impact_started_at", "impact_ended_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must be timezone-aware")
        return value

    def texts(self, name: str) -> dict[str, str]:
        value: dict[str, str] = getattr(self, name)
        return value


class FactsError(ValueError):
    """Facts that cannot be set: ``problems`` says each, for the person who sent them."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def set_facts(current: IncidentFacts, changes: Mapping[str, Any], plan: Plan) -> IncidentFacts:
    """``current`` with ``changes`` applied: a text fact's locales replace those locales' text (an empty text
    removes it), ``data_loss`` ``none`` or ``unknown`` forgets what was lost, the rest replace the fact. Raises
    :class:`FactsError` with every problem (an unknown fact or locale, a text too long, ``some`` without what was
    lost in every locale, an unknown component, a window that ends before it starts); nothing changes then."""
    problems: list[str] = []
    locales = set(plan.definition.locales)
    data = current.model_dump()
    for name, value in changes.items():
        if name in TEXT_FACTS:
            problems.extend(_merge_texts(data[name], name, value, locales))
        elif name in IncidentFacts.model_fields:
            data[name] = value
        else:
            problems.append(f"{name} is not a fact")
    if problems:
        raise FactsError(problems)
    try:
        facts = IncidentFacts.model_validate(data)
    except ValidationError as error:
        raise FactsError(
            [f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in error.errors()]
        ) from None
    if facts.data_loss != DataLoss.SOME:
        facts = facts.model_copy(update={"data_lost": {}})
    problems = fact_problems(facts, plan)
    if problems:
        raise FactsError(problems)
    return facts


def _merge_texts(texts: dict[str, str], name: str, value: Any, locales: set[str]) -> list[str]:
    if not isinstance(value, Mapping):
        return [f"{name} is one text per locale ({', '.join(sorted(locales))})"]
    problems = []
    for locale, text in value.items():
        if locale not in locales:
            problems.append(f"{name}: {locale} is not a plan locale")
        elif not isinstance(text, str):
            problems.append(f"{name} ({locale}) must be text")
        elif len(text.strip()) > MAX_FACT_CHARS:
            problems.append(f"{name} ({locale}) is longer than {MAX_FACT_CHARS} characters")
        elif text.strip():
            texts[locale] = text.strip()
        else:
            texts.pop(locale, None)
    return problems


def fact_problems(facts: IncidentFacts, plan: Plan) -> list[str]:
    """What makes ``facts`` unfit to keep (empty when fine)."""
    problems: list[str] = []
    known = {component.id for component in plan.definition.components}
    problems.extend(
        f"{component} is not a component of the plan" for component in facts.components if component not in known
    )
    problems.extend(
        f"{component} is not a component of the plan" for component in facts.component_levels if component not in known
    )
    settable = {OutageLevel.OPERATIONAL, *INCIDENT_LEVELS}
    problems.extend(
        f"{component}: an incident cannot set {level.value} (one of {', '.join(sorted(settable))})"
        for component, level in facts.component_levels.items()
        if level not in settable
    )
    if facts.data_loss == DataLoss.SOME:
        missing = [locale for locale in plan.definition.locales if not facts.data_lost.get(locale)]
        if missing:
            problems.append(f"data loss is some: say what was lost ({', '.join(missing)})")
    start, end = facts.impact_started_at, facts.impact_ended_at
    if start is not None and end is not None and end < start:
        problems.append("the impact cannot end before it started")
    return problems


def missing_facts(facts: IncidentFacts, plan: Plan) -> dict[str, list[str]]:
    """locale -> the text facts told in another plan locale but not in this one (a draft in this locale would
    have to leave them out, or tell them in the wrong language); empty when every fact is complete."""
    missing: dict[str, list[str]] = {}
    for name in TEXT_FACTS:
        texts = facts.texts(name)
        if not texts:
            continue
        for locale in plan.definition.locales:
            if not texts.get(locale):
                missing.setdefault(locale, []).append(name)
    return missing


def draft_values(facts: IncidentFacts, *, told_cause: bool) -> dict[str, Any]:
    """The message facts a draft reads from ``facts`` (only the facts that are set): texts per locale, data loss
    as the templates name it, the corrected impact window; the cause only once it is told (``told_cause``: the
    incident was identified)."""
    values: dict[str, Any] = {"data_loss": DRAFT_DATA_LOSS[facts.data_loss]}
    for name in ("impact", "customer_action", "root_cause", "actions_taken", "actions_planned", "lessons", "data_lost"):
        if facts.texts(name):
            values[name] = dict(facts.texts(name))
    if told_cause and facts.cause:
        values["cause"] = dict(facts.cause)
    if facts.impact_ended_at is not None:
        values["resolved_at"] = facts.impact_ended_at
    return values
