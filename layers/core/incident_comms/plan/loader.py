"""Load the plan folder into a :class:`Plan`, or fail with every problem at once.

A plan is edited by people, so a bad one must be answered with a list they can work through —
``file: field.path: message`` lines, all of them, never a traceback. ``(file)`` stands for the
whole file; YAML and template syntax errors say ``line N``.

The folder::

    incident-definition.yaml  roles.yaml  channels.yaml  values.yaml
    templates/phases.yaml
    templates/<locale>/<phase>.<format>.j2     e.g. templates/es/investigating.email.j2
    templates/<locale>/_<partial>.j2           for {% include %}; never picked as a phase message

Template convention (see :mod:`incident_comms.drafting`): only named Jinja2 blocks are rendered —
``email``: ``subject`` and ``body``; ``status_page``: ``title`` and ``body``; ``sms`` and ``chat``: ``body``.
Every template a channel needs is rendered here with sample facts (all optional facts given, and
none given) in the same sandbox drafting uses, so a misspelt variable fails ``plan check``, not an
incident. So is every holding text of ``phases.yaml`` (:mod:`incident_comms.drafting.holding`), on every channel of
every severity, and, for the severities that publish it (``approval_timeout``), checked like a draft
(:mod:`incident_comms.lint`): a holding text goes out unreviewed, so one with errors is a plan error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from jinja2 import TemplateSyntaxError
from pydantic import BaseModel, ValidationError

from incident_comms.errors import PlanError
from incident_comms.plan.files import CHANNELS, DEFINITION, PHASES, ROLES, TEMPLATES_DIR, VALUES
from incident_comms.plan.models import (
    LINT_CHECK_IDS,
    Channels,
    IncidentDefinition,
    LocalizedText,
    Phase,
    Phases,
    Plan,
    Roles,
    Values,
)
from incident_comms.plan.templates import plan_environment_for

try:  # libyaml's parser reads the plan about 3x faster; PyYAML's wheels carry it
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover (PyYAML built without libyaml)
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


M = TypeVar("M", bound=BaseModel)

_UNION_TAGS = frozenset({"str", "int", "float", "bool"})


def load_plan(plan_dir: Path, text_checks: Callable[[Plan], list[str]]) -> Plan:
    """Read, validate and cross-check the plan in ``plan_dir``; raise :class:`PlanError` listing every problem.

    ``text_checks`` renders the plan's texts once the plan is whole (templates with sample facts, holding texts
    checked like drafts); it lives with the draft checks, above this stage, so callers pass it:
    :func:`incident_comms.lint.plan_texts.load_checked_plan` is this function with it.
    """
    if not plan_dir.is_dir():
        raise PlanError([f"{plan_dir}: (file): no plan folder here"])
    problems: list[str] = []
    definition = _load_model(plan_dir, DEFINITION, IncidentDefinition, problems)
    roles = _load_model(plan_dir, ROLES, Roles, problems)
    channels = _load_model(plan_dir, CHANNELS, Channels, problems)
    phases = _load_model(plan_dir, PHASES, Phases, problems)
    values = _load_model(plan_dir, VALUES, Values, problems)
    templates = _read_templates(plan_dir, problems)

    if definition is not None:
        problems += _check_definition(definition)
        if roles is not None:
            problems += _check_roles(roles, definition)
        if channels is not None:
            problems += _check_channels(channels, definition)
            problems += _check_audience_words(definition, roles, channels)
        if phases is not None:
            problems += _check_phases(phases, definition)
    if values is not None:
        problems += _check_values(values)
    problems += _check_template_syntax(templates)
    if problems or definition is None or roles is None or channels is None or phases is None or values is None:
        raise PlanError(_unique(problems))
    plan = Plan(
        definition=definition, roles=roles, channels=channels, phases=phases, values=values, templates=templates
    )
    problems += text_checks(plan)
    if problems:
        raise PlanError(_unique(problems))
    return plan


# --- files --------------------------------------------------------------------------------


def _load_model(plan_dir: Path, name: str, model: type[M], problems: list[str]) -> M | None:
    data = _read_yaml(plan_dir / name, name, problems)
    if data is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems += validation_problems(name, error)
        return None


def _read_yaml(path: Path, name: str, problems: list[str]) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(f"{name}: (file): missing")
        return None
    except UnicodeDecodeError:
        problems.append(f"{name}: (file): not UTF-8 text")
        return None
    except OSError as error:
        problems.append(f"{name}: (file): cannot read: {error.strerror or error}")
        return None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}" if mark else "(file)"
        problems.append(f"{name}: {where}: invalid YAML: {error.problem or error.context or 'syntax error'}")
        return None
    except yaml.YAMLError as error:
        problems.append(f"{name}: (file): invalid YAML: {error}")
        return None
    if not isinstance(data, dict):
        problems.append(f"{name}: (file): expected a mapping of sections, got {_kind(data)}")
        return None
    return data


class _UniqueKeyLoader(_SafeLoader):
    """``yaml.safe_load`` that refuses a key given twice in one mapping (YAML would keep the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int) and key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _kind(data: object) -> str:
    return "an empty file" if data is None else f"a {type(data).__name__}"


def _read_templates(plan_dir: Path, problems: list[str]) -> dict[str, str]:
    root = plan_dir / TEMPLATES_DIR
    templates: dict[str, str] = {}
    if not root.is_dir():
        return templates
    for path in sorted(root.rglob("*.j2")):
        key = path.relative_to(root).as_posix()
        try:
            templates[key] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(f"{TEMPLATES_DIR}/{key}: (file): cannot read: {error}")
    return templates


def validation_problems(name: str, error: ValidationError) -> list[str]:
    """Pydantic errors as ``file: a[0].b: message`` lines.

    A localized text is ``str | {locale: str}``: pydantic reports a wrong value once per branch, with the
    branch's type in the location; that becomes one line, or the deeper branch's lines when the value
    had the shape of one branch (e.g. a mapping with a bad locale key).
    """
    plain: list[str] = []
    unions: dict[str, list[tuple[bool, str]]] = {}
    for item in error.errors(include_url=False):
        loc = item["loc"]
        message = _message(item["msg"])
        tag_at = next((i for i, part in enumerate(loc) if isinstance(part, str) and _is_union_tag(part)), None)
        if tag_at is None:
            plain.append(f"{name}: {loc_path(loc)}: {message}")
            continue
        rest = loc[tag_at + 1 :]
        deeper = bool(rest)
        unions.setdefault(loc_path(loc[:tag_at]), []).append((deeper, loc_path(loc[:tag_at] + rest) + ": " + message))
    for path, branches in unions.items():
        deep = [line for deeper, line in branches if deeper]
        if deep:
            plain += [f"{name}: {line}" for line in deep]
        else:
            plain.append(f"{name}: {path}: expected a text, or a mapping of locale to text")
    return plain


def _is_union_tag(part: str) -> bool:
    return part in _UNION_TAGS or ("[" in part and part != "[key]")


def loc_path(loc: Sequence[int | str]) -> str:
    """``('rules', 2, 'severity')`` -> ``rules[2].severity``; an empty location is the whole file."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":
            path += " (key)"
        else:
            path += f".{part}" if path else part
    return path or "(file)"


def _message(msg: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    return msg


def _unique(problems: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(problems))


# --- cross-references ---------------------------------------------------------------------


def _duplicates(name: str, field: str, ids: Sequence[str], what: str = "id") -> list[str]:
    counts = Counter(ids)
    seen: set[str] = set()
    problems = []
    for index, value in enumerate(ids):
        if counts[value] > 1 and value in seen:
            problems.append(f"{name}: {field}[{index}]{'.id' if what == 'id' else ''}: duplicate {what} '{value}'")
        seen.add(value)
    return problems


def _missing_locales(text: LocalizedText, locales: Sequence[str]) -> list[str]:
    if isinstance(text, str):
        return []
    return [locale for locale in locales if locale not in text]


TITLE_MAX = 60
"""A component's title is most of a customer subject line; past this, phones cut the phase label off."""


def _title_problems(field: str, title: LocalizedText | None) -> list[str]:
    """A title is one line of at most :data:`TITLE_MAX` characters in each locale it is given in."""
    texts = {} if title is None else {"": title} if isinstance(title, str) else title
    problems = []
    for locale, text in texts.items():
        where = f"{field}.{locale}" if locale else field
        if not text.strip() or "\n" in text or "\r" in text:
            problems.append(f"{where}: a title is one line of text")
        elif len(text) > TITLE_MAX:
            problems.append(f"{where}: {len(text)} characters; at most {TITLE_MAX}")
    return problems


def _check_definition(definition: IncidentDefinition) -> list[str]:
    name = DEFINITION
    problems = _duplicates(name, "locales", definition.locales, "locale")
    problems += _duplicates(name, "severities", [s.id for s in definition.severities])
    problems += _duplicates(name, "components", [c.id for c in definition.components])
    problems += _duplicates(name, "rules", [r.id for r in definition.rules])
    for index, component in enumerate(definition.components):
        problems += [
            f"{name}: components[{index}].impact: no text for locale '{locale}'"
            for locale in _missing_locales(component.impact, definition.locales)
        ]
        problems += _title_problems(f"{name}: components[{index}].title", component.title)
    severities = {s.id for s in definition.severities}
    components = {c.id for c in definition.components}
    catch_all: str | None = None
    for index, rule in enumerate(definition.rules):
        if catch_all is not None:
            problems.append(f"{name}: rules[{index}]: never reached: rule '{catch_all}' before it matches every alarm")
        if rule.component is not None and rule.component not in components:
            problems.append(f"{name}: rules[{index}].component: unknown component '{rule.component}'")
        if rule.severity is not None and rule.severity not in severities:
            problems.append(f"{name}: rules[{index}].severity: unknown severity '{rule.severity}'")
        if catch_all is None and rule.when.model_dump(exclude_defaults=True) == {}:
            catch_all = rule.id
    return problems


def _check_roles(roles: Roles, definition: IncidentDefinition) -> list[str]:
    name = ROLES
    problems = _duplicates(name, "roles", [r.id for r in roles.roles])
    known_roles = {r.id for r in roles.roles}
    severities = {s.id for s in definition.severities}

    def unknown_roles(field: str, ids: Sequence[str]) -> list[str]:
        return [f"{name}: {field}[{i}]: unknown role '{r}'" for i, r in enumerate(ids) if r not in known_roles]

    for index, rule in enumerate(roles.approvals):
        problems += unknown_roles(f"approvals[{index}].roles", rule.roles)
        problems += [
            f"{name}: approvals[{index}].severities[{i}]: unknown severity '{s}'"
            for i, s in enumerate(rule.severities or [])
            if s not in severities
        ]
    for severity_id, engaged in roles.engage.items():
        if severity_id not in severities:
            problems.append(f"{name}: engage.{severity_id}: unknown severity '{severity_id}'")
        problems += unknown_roles(f"engage.{severity_id}", engaged)
    problems += unknown_roles("escalation.roles", roles.escalation.roles)
    problems += unknown_roles("declare", roles.declare)
    problems += unknown_roles("maintenance.approvers", roles.maintenance.approvers or [])
    contact = roles.customer_contact
    if contact.role not in known_roles:
        problems.append(f"{name}: customer_contact.role: unknown role '{contact.role}'")
    if not (contact.email or contact.url or contact.phone):
        problems.append(f"{name}: customer_contact: give an email, url or phone customers can use")
    return problems


def _check_channels(channels: Channels, definition: IncidentDefinition) -> list[str]:
    name = CHANNELS
    problems = _duplicates(name, "audiences", [a.id for a in channels.audiences])
    problems += _duplicates(name, "channels", [c.id for c in channels.channels])
    audiences = {a.id for a in channels.audiences}
    severities = {s.id for s in definition.severities}
    for index, channel in enumerate(channels.channels):
        if channel.audience not in audiences:
            problems.append(f"{name}: channels[{index}].audience: unknown audience '{channel.audience}'")
        problems += [
            f"{name}: channels[{index}].severities[{i}]: unknown severity '{s}'"
            for i, s in enumerate(channel.severities)
            if s not in severities
        ]
        if channel.locale not in definition.locales:
            problems.append(
                f"{name}: channels[{index}].locale: locale '{channel.locale}' is not in {DEFINITION} locales"
            )
        problems += [
            f"{name}: channels[{index}].phases[{i}]: '{phase.value}' is listed twice"
            for i, phase in enumerate(channel.phases or [])
            if phase in (channel.phases or [])[:i]
        ]
        problems += [
            f"{name}: channels[{index}].news_only: '{phase.value}' is not one of the channel's phases "
            f"({', '.join(p.value for p in channel.speaks_in)})"
            for phase in channel.news_only or []
            if phase not in channel.speaks_in
        ]
    used = {s for channel in channels.channels for s in channel.severities}
    problems += [
        f"{DEFINITION}: severities[{index}]: no channel in {CHANNELS} is used for {severity.id}"
        for index, severity in enumerate(definition.severities)
        if severity.id not in used
    ]
    return problems


def _check_audience_words(definition: IncidentDefinition, roles: Roles | None, channels: Channels) -> list[str]:
    """Every ``by_audience`` names an audience of channels.yaml (a misspelt one would silently never be read)."""
    audiences = {a.id for a in channels.audiences}
    owners: list[tuple[str, str, Iterable[str]]] = [
        (DEFINITION, "organisation.by_audience", definition.organisation.by_audience),
        *(
            (DEFINITION, f"components[{index}].by_audience", component.by_audience)
            for index, component in enumerate(definition.components)
        ),
    ]
    if roles is not None:
        owners.append((ROLES, "customer_contact.by_audience", roles.customer_contact.by_audience))
    return [
        f"{name}: {field}.{audience}: unknown audience '{audience}' (give one of {CHANNELS} audiences: "
        f"{', '.join(sorted(audiences))})"
        for name, field, given in owners
        for audience in given
        if audience not in audiences
    ]


def _check_phases(phases: Phases, definition: IncidentDefinition) -> list[str]:
    problems: list[str] = []
    for phase, spec in phases.phases.items():
        if spec.holding is None:
            continue
        for variant, text in (("text", spec.holding.text), ("sms", spec.holding.sms)):
            problems += [
                f"{PHASES}: phases.{phase.value}.holding.{variant}: no text for locale '{locale}'"
                for locale in (_missing_locales(text, definition.locales) if text is not None else [])
            ]
    timed = [s.id for s in definition.severities if s.approval_timeout is not None]
    if timed:
        for phase in (Phase.INVESTIGATING, Phase.UPDATE):
            if phases.phases[phase].holding is None:
                problems.append(
                    f"{PHASES}: phases.{phase.value}.holding: needed, because {', '.join(timed)} "
                    "publish it when approval times out"
                )
    return problems


def _check_values(values: Values) -> list[str]:
    problems = _duplicates(VALUES, "values", [v.id for v in values.values])
    for index, value in enumerate(values.values):
        problems += [
            f"{VALUES}: values[{index}].checks[{i}]: unknown check '{check}'"
            for i, check in enumerate(value.checks)
            if check not in LINT_CHECK_IDS
        ]
    problems += [
        f"{VALUES}: checks.{check}: unknown check '{check}'" for check in values.checks if check not in LINT_CHECK_IDS
    ]
    return problems


# --- templates ----------------------------------------------------------------------------


def _check_template_syntax(templates: dict[str, str]) -> list[str]:
    environment = plan_environment_for(templates)
    problems = []
    for key in templates:
        try:
            environment.get_template(key)
        except TemplateSyntaxError as error:
            problems.append(f"{TEMPLATES_DIR}/{key}: line {error.lineno}: {error.message}")
    return problems
