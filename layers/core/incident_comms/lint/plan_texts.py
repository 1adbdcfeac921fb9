"""The plan's own texts, checked at load time: every template a channel needs renders with sample facts, every
SMS template's own text is GSM-7, and every holding text renders on every channel and, where it can go out
unreviewed, passes the draft checks.

A misspelt variable must fail ``plan check``, not an incident; a holding text with errors is a plan error.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from jinja2 import nodes

from incident_comms.alarms import Alarm, AlarmKind, AlarmSource, AlarmState, MetricRef
from incident_comms.drafting.holding import holding_source, render_holding
from incident_comms.drafting.models import MessageFacts
from incident_comms.drafting.render import render_draft
from incident_comms.errors import PlanError
from incident_comms.lint.runner import channel_text, lint, supports_locale
from incident_comms.plan.files import CHANNELS, PHASES, TEMPLATES_DIR
from incident_comms.plan.loader import load_plan
from incident_comms.plan.models import (
    TEMPLATE_BLOCKS,
    ChannelFormat,
    Phase,
    Plan,
    template_key,
)
from incident_comms.plan.templates import plan_environment
from incident_comms.sms import is_gsm7

SMS_TEMPLATE_SUFFIX = f".{ChannelFormat.SMS.value}.j2"
GSM7_HINT = (
    "one of them sends the whole SMS as UCS-2, 70 characters a part instead of 160; "
    "write it without them: GSM-7 has é, ñ, ü, à, ¿ and ¡ but not á, í, ó or ú"
)


def template_problems(plan: Plan) -> list[str]:
    problems: list[str] = []
    environment = plan_environment(plan)
    for index, channel in enumerate(plan.channels.channels):
        for phase in Phase:
            key = template_key(channel.locale, phase, channel.template_format)
            if key not in plan.templates:
                problems.append(
                    f"{TEMPLATES_DIR}/{key}: (file): missing, needed by channel '{channel.id}' "
                    f"({CHANNELS} channels[{index}])"
                )
                continue
            template = environment.get_template(key)
            missing = [b for b in TEMPLATE_BLOCKS[channel.template_format] if b not in template.blocks]
            if missing:
                problems += [f"{TEMPLATES_DIR}/{key}: (file): missing block '{block}'" for block in missing]
                continue
            for facts in _sample_facts(plan, channel.severities[0], phase):
                try:
                    render_draft(plan, phase, facts, channel)
                except PlanError as error:
                    problems += error.problems
                    break
    return problems


def sms_template_problems(plan: Plan) -> list[str]:
    """Every SMS template (``<locale>/<phase>.sms.j2``, and the partials and bases it pulls in) whose own text has a
    character outside GSM-7: one line per template line, naming the characters.

    One ``ó`` in the fixed text makes every SMS of that template UCS-2 and bills a 137-character SMS as three
    parts; the drafting stage's ``to_gsm7`` would hide that by stripping the accent (``Próx.`` -> ``Prox.``), so
    the plan must say it in words GSM-7 has. Only the template's own text is checked: the values filled in at
    render time (a component's name) are the drafting stage's business.
    """
    environment = plan_environment(plan)
    problems: list[str] = []
    seen: set[str] = set()
    for root in sorted(key for key in plan.templates if key.endswith(SMS_TEMPLATE_SUFFIX)):
        pending = [root]
        while pending:
            key = pending.pop()
            if key in seen or key not in plan.templates:
                continue
            seen.add(key)
            tree = environment.parse(plan.templates[key])
            pending += _pulled_in(tree)
            used_by = "" if key == root else f" (in SMS template {TEMPLATES_DIR}/{root})"
            for line, chars in _non_gsm7_lines(tree).items():
                listed = ", ".join(f"'{char}'" for char in chars)
                problems.append(
                    f"{TEMPLATES_DIR}/{key}: line {line}: characters outside GSM-7 in an SMS template{used_by}: "
                    f"{listed}; {GSM7_HINT}"
                )
    return problems


def _pulled_in(tree: nodes.Template) -> list[str]:
    """The templates whose text ``tree`` sends too: those it extends, includes or imports macros from by name."""
    return [
        name.value for name in _template_names(tree) if isinstance(name, nodes.Const) and isinstance(name.value, str)
    ]


def _template_names(tree: nodes.Template) -> list[nodes.Expr]:
    """Where ``tree`` names another template: ``extends``, ``include``, ``import`` and ``from ... import``."""
    return [
        *(node.template for node in tree.find_all(nodes.Extends)),
        *(node.template for node in tree.find_all(nodes.Include)),
        *(node.template for node in tree.find_all(nodes.Import)),
        *(node.template for node in tree.find_all(nodes.FromImport)),
    ]


def _non_gsm7_lines(tree: nodes.Template) -> dict[int, list[str]]:
    """The characters outside GSM-7 in the template's own text, by line: its raw text and its string constants,
    except those that are never sent (a mapping's keys, a subscript, a comparison's operands, a template name)."""
    unsent: set[int] = set()
    for pair in tree.find_all(nodes.Pair):
        unsent.add(id(pair.key))
    for item in tree.find_all(nodes.Getitem):
        unsent.add(id(item.arg))
    for compare in tree.find_all(nodes.Compare):
        unsent.update(id(node) for node in (compare.expr, *(operand.expr for operand in compare.ops)))
    unsent.update(id(name) for name in _template_names(tree))
    texts = [(node.lineno, node.data) for node in tree.find_all(nodes.TemplateData)]
    texts += [
        (node.lineno, node.value)
        for node in tree.find_all(nodes.Const)
        if id(node) not in unsent and isinstance(node.value, str)
    ]
    found: dict[int, list[str]] = {}
    for lineno, text in texts:
        for offset, char in enumerate(text):
            if not is_gsm7(char):
                chars = found.setdefault(lineno + text.count("\n", 0, offset), [])
                if char not in chars:
                    chars.append(char)
    return dict(sorted(found.items()))


def holding_problems(plan: Plan) -> list[str]:
    """Render each holding text on each channel of each severity with sample facts (its next update promised when
    the severity has a cadence), and lint it where it can be published: each check with errors is a problem line
    per holding text, naming the channels and severities it fails on."""
    problems: list[str] = []
    failing: dict[tuple[str, str], tuple[str, dict[str, None], dict[str, None]]] = {}
    started = datetime(2026, 3, 10, 13, 5, tzinfo=UTC)
    now = started + timedelta(minutes=12)
    for phase, spec in plan.phases.phases.items():
        if spec.holding is None:
            continue
        for severity in plan.definition.severities:
            cadence = severity.update_every if phase not in (Phase.RESOLVED, Phase.POSTMORTEM) else None
            facts = MessageFacts(
                incident_id="INC-SAMPLE-1",
                component_id=plan.definition.components[0].id,
                severity_id=severity.id,
                started_at=started,
                now=now,
                next_update_at=now + cadence if cadence else None,
            )
            for channel in plan.channels_for(severity.id, phase):
                try:
                    text = render_holding(plan, phase, spec.holding, facts, channel)
                except PlanError as error:
                    problems += error.problems
                    continue
                if severity.approval_timeout is None or not supports_locale(channel.locale):
                    continue
                draft = channel_text(plan, channel, text)
                _, where = holding_source(plan, phase, spec.holding, channel)
                for finding in lint(plan, draft, phase=phase, severity=severity.id):
                    if finding.level == "error":
                        _, channels, severities = failing.setdefault((where, finding.check), (finding.message, {}, {}))
                        channels[channel.id] = None
                        severities[severity.id] = None
    problems += [
        f"{PHASES}: {where}: {check} on {', '.join(channels)} ({', '.join(severities)}): {message}"
        for (where, check), (message, channels, severities) in failing.items()
    ]
    return problems


def _sample_facts(plan: Plan, severity_id: str, phase: Phase) -> list[MessageFacts]:
    """Two incidents to render every template with: every optional fact given, and none given."""
    started = datetime(2026, 3, 10, 13, 5, tzinfo=UTC)
    now = started + timedelta(minutes=40)
    finished = phase in (Phase.RESOLVED, Phase.POSTMORTEM)
    component = plan.definition.components[0].id
    alarm = Alarm(
        source=AlarmSource.CLOUDWATCH,
        kind=AlarmKind.METRIC,
        id="arn:aws:cloudwatch:eu-west-1:123456789012:alarm:prod-api-5xx",
        name="prod-api-5xx",
        state=AlarmState.ALARM,
        changed_at=started,
        metrics=[MetricRef(namespace="AWS/ApiGateway", name="5XXError", dimensions={"ApiName": "prod"})],
    )
    sample = "Sample text."
    full = MessageFacts(
        incident_id="INC-SAMPLE-1",
        component_id=component,
        severity_id=severity_id,
        started_at=started,
        now=now,
        next_update_at=None if finished else now + timedelta(minutes=30),
        resolved_at=now if finished else None,
        data_loss="no",
        customer_action=sample,
        cause=sample,
        actions_taken=sample,
        actions_planned=sample,
        root_cause=sample,
        lessons=sample,
        alarms=[alarm],
    )
    bare = MessageFacts(
        incident_id="INC-SAMPLE-2",
        component_id=component,
        severity_id=severity_id,
        started_at=started,
        now=now,
        resolved_at=now if finished else None,
    )
    return [full, bare]


def plan_text_problems(plan: Plan) -> list[str]:
    """Every problem the plan's texts have, as ``file: field: message`` lines."""
    return template_problems(plan) + sms_template_problems(plan) + holding_problems(plan)


def load_checked_plan(plan_dir: Path) -> Plan:
    """The plan in ``plan_dir``, structure and texts checked; :class:`PlanError` lists every problem."""
    return load_plan(plan_dir, plan_text_problems)
