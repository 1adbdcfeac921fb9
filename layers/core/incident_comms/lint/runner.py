"""Run the draft checks on one draft: which checks apply to its phase, severity, format and audience, at
which level the plan wants them, and findings with spans into the subject or the text."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from incident_comms.drafting.models import ChannelDraft
from incident_comms.errors import BadInput
from incident_comms.lint.channel_fit import fits_channel
from incident_comms.lint.checks import (
    DATA_LOSS_SEVERITIES,
    contact_given,
    data_loss_settled,
    data_loss_stated,
    impact_stated,
    next_update_promised,
    no_blame,
    no_internal_details,
    no_unsure_commitment,
    postmortem_complete,
    resolved_complete,
    summary_first,
)
from incident_comms.lint.context import CheckFunction, Context, Level, Part, PlanTerms, plan_terms
from incident_comms.lint.language import language_matches
from incident_comms.lint.words import LANGUAGES
from incident_comms.plan.models import DEFAULT_MAX_PARTS, AnswerField, Channel, ChannelFormat, Phase, Plan

SUPPORTED_LANGUAGES = tuple(LANGUAGES)


@dataclass(frozen=True)
class CheckSpec:
    """When a check runs: its default level, whom it is for, the phase answer it stands for, phases and formats."""

    id: str
    level: Level
    run: CheckFunction
    customer_only: bool = False
    answer: AnswerField | None = None
    phases: frozenset[Phase] | None = None
    formats: frozenset[ChannelFormat] | None = None
    needs_severity: bool = False


_REPORT_FORMATS = frozenset({ChannelFormat.EMAIL, ChannelFormat.STATUS_PAGE, ChannelFormat.CHAT})


CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec("impact-stated", "error", impact_stated, answer="impact"),
    CheckSpec("data-loss-stated", "error", data_loss_stated, answer="data_loss", needs_severity=True),
    CheckSpec("next-update-promised", "error", next_update_promised, answer="next_update"),
    CheckSpec("no-blame", "error", no_blame),
    CheckSpec("no-unsure-commitment", "error", no_unsure_commitment),
    CheckSpec("summary-first", "warning", summary_first, customer_only=True),
    CheckSpec("no-internal-details", "error", no_internal_details, customer_only=True),
    CheckSpec("contact-given", "warning", contact_given, customer_only=True, answer="contact"),
    CheckSpec(
        "resolved-complete", "warning", resolved_complete, phases=frozenset({Phase.RESOLVED}), formats=_REPORT_FORMATS
    ),
    CheckSpec(
        "postmortem-complete",
        "error",
        postmortem_complete,
        phases=frozenset({Phase.POSTMORTEM}),
        formats=_REPORT_FORMATS,
    ),
    CheckSpec(
        "data-loss-settled",
        "error",
        data_loss_settled,
        answer="data_loss",
        phases=frozenset({Phase.RESOLVED, Phase.POSTMORTEM}),
    ),
    CheckSpec("language-matches", "error", language_matches),
    CheckSpec("fits-channel", "error", fits_channel),
    CheckSpec("facts-complete", "error", lambda _context: []),  # judged from the incident's facts: facts_findings
)

FACTS_COMPLETE = "facts-complete"

_FACTS_MISSING = {
    "es": "Hechos sin texto en {locale}: {facts}. Escríbalos en {locale}; nunca se usa el texto de otro idioma.",
    "en": "Facts not told in {locale}: {facts}. Write them in {locale}; another language's text is never used.",
}


def facts_findings(plan: Plan, draft: ChannelDraft, missing: Sequence[str]) -> list[Finding]:
    """The ``facts-complete`` finding of one draft: the incident's facts told in another plan locale but not in
    the draft's (``missing``, :func:`incident_comms.incidents.facts.missing_facts`), about the whole text, in the
    draft's language; none when nothing is missing or the plan switched the check off."""
    level = check_levels(plan)[FACTS_COMPLETE]
    if not missing or level is None:
        return []
    message = _FACTS_MISSING.get(draft.locale.split("-")[0].lower(), _FACTS_MISSING["en"])
    text = message.format(locale=draft.locale, facts=", ".join(missing))
    values = _values_by_check(plan).get(FACTS_COMPLETE, ())
    return [Finding(FACTS_COMPLETE, level, text, 0, len(draft.text), "text", values)]


@dataclass(frozen=True)
class Finding:
    """One thing a check found. ``start``/``end`` are character offsets into ``part`` of the draft."""

    check: str
    level: Level
    message: str
    start: int
    end: int
    part: Part = "text"
    values: tuple[str, ...] = ()
    """Ids of the plan values that stand for this check (``values.yaml`` ``checks``)."""

    def as_json(self, offset: int = 0) -> dict[str, object]:
        """The finding as the command line prints it, its span moved by ``offset`` (where its part starts)."""
        return {
            "check": self.check,
            "level": self.level,
            "message": self.message,
            "start": self.start + offset,
            "end": self.end + offset,
            "values": list(self.values),
        }


@dataclass(frozen=True)
class DraftText:
    """What is linted: the body, the subject (email) or title (status page) when there is one, and for whom."""

    text: str
    format: ChannelFormat
    locale: str
    subject: str | None = None
    internal: bool = False
    max_parts: int | None = None
    """SMS: the most billed parts the channel allows (``channels.yaml`` ``max_parts``); ``None``: the default."""


def supports_locale(locale: str) -> bool:
    """Whether the checks know the language of ``locale`` (``es``, ``es-MX``, ``en`` …)."""
    return locale.split("-")[0].lower() in LANGUAGES


def check_levels(plan: Plan) -> dict[str, Level | None]:
    """Each check's level under the plan's ``values.yaml`` settings; ``None`` for a check switched off."""
    levels: dict[str, Level | None] = {}
    for spec in CHECKS:
        setting = plan.values.checks.get(spec.id)
        if setting is not None and not setting.enabled:
            levels[spec.id] = None
        else:
            levels[spec.id] = (setting.level if setting is not None else None) or spec.level
    return levels


def lint(
    plan: Plan,
    draft: DraftText,
    *,
    phase: Phase,
    severity: str | None = None,
    certain: bool = False,
) -> list[Finding]:
    """Every finding for ``draft``, in order of part (subject first) and position.

    ``severity`` (a plan severity id) decides whether ``data-loss-stated`` applies; without one it does not
    run. ``certain``: the responder vouches for the fix time or outcome the draft promises. Raises
    :class:`BadInput` for a severity the plan does not have or a language the checks do not know.
    """
    language = draft.locale.split("-")[0].lower()
    if language not in LANGUAGES:
        raise BadInput(f"no checks for locale {draft.locale!r}: the checks know {', '.join(SUPPORTED_LANGUAGES)}")
    severity_ids = [s.id for s in plan.definition.severities]
    if severity is not None and severity not in severity_ids:
        raise BadInput(f"unknown severity {severity!r}: the plan has {', '.join(severity_ids)}")
    words, labels = LANGUAGES[language]
    context = Context(
        plan=plan,
        terms=_terms(plan),
        words=words,
        labels=labels,
        text=draft.text,
        subject=draft.subject if draft.format in (ChannelFormat.EMAIL, ChannelFormat.STATUS_PAGE) else None,
        fmt=draft.format,
        phase=phase,
        severity=severity,
        internal=draft.internal,
        certain=certain,
        max_parts=draft.max_parts or DEFAULT_MAX_PARTS,
    )
    answers: set[str] = set(plan.phases.phases[phase].answers)
    levels = check_levels(plan)
    values = _values_by_check(plan)
    findings: list[Finding] = []
    for spec in CHECKS:
        level = levels[spec.id]
        if level is None or not _applies(spec, context, answers, severity_ids):
            continue
        findings += [
            Finding(spec.id, hit.level or level, hit.message, hit.start, hit.end, hit.part, values.get(spec.id, ()))
            for hit in spec.run(context)
        ]
    return sorted(findings, key=lambda f: (f.part != "subject", f.start, f.end, f.check))


def _applies(spec: CheckSpec, context: Context, answers: set[str], severity_ids: list[str]) -> bool:
    if spec.customer_only and context.internal:
        return False
    if spec.answer is not None and spec.answer not in answers:
        return False
    if spec.phases is not None and context.phase not in spec.phases:
        return False
    if spec.formats is not None and context.fmt not in spec.formats:
        return False
    if spec.needs_severity:
        return context.severity is not None and severity_ids.index(context.severity) < DATA_LOSS_SEVERITIES
    return True


def channel_text(plan: Plan, channel: Channel, text: str, subject: str | None = None) -> DraftText:
    """``text`` as ``channel`` sends it: its format, locale, audience (internal or not) and SMS part limit."""
    return DraftText(
        text=text,
        format=channel.template_format,
        locale=channel.locale,
        subject=subject,
        internal=plan.audience(channel.audience).internal,
        max_parts=channel.max_parts,
    )


def lint_draft(
    plan: Plan, draft: ChannelDraft, phase: Phase, severity: str | None, certain: bool = False
) -> list[Finding]:
    """Findings for one channel's draft as approvers see it: its subject/title and text, for its audience.

    A draft for an internal audience (``Audience.internal``) skips the customer-only checks; a channel the plan
    no longer has is treated as a customer channel (the stricter choice).
    """
    channel = next((c for c in plan.channels.channels if c.id == draft.channel_id), None)
    if channel is None:
        target = DraftText(text=draft.text, format=draft.format, locale=draft.locale, subject=draft.subject)
    else:
        target = channel_text(plan, channel, draft.text, draft.subject)
    return lint(plan, target, phase=phase, severity=severity, certain=certain)


def has_errors(findings: Sequence[Finding]) -> bool:
    return any(finding.level == "error" for finding in findings)


@dataclass(frozen=True)
class SubjectSplit:
    """A draft as one input: the ``Subject:``/``Title:`` line's value and the body, each with where it starts."""

    subject: str | None
    subject_start: int
    text: str
    text_start: int


_SUBJECT_LABELS = {ChannelFormat.EMAIL: ("subject:",), ChannelFormat.STATUS_PAGE: ("title:", "subject:")}


def split_subject(source: str, fmt: ChannelFormat) -> SubjectSplit:
    """Split an email draft's leading ``Subject:`` line (a status page draft's ``Title:``) from its body.

    Offsets are kept so findings can point into ``source``: ``subject_start`` is where the subject's value
    begins, ``text_start`` where the body begins (after the line and any blank lines).
    """
    labels = _SUBJECT_LABELS.get(fmt, ())
    first_line_end = source.find("\n")
    first_line = source if first_line_end < 0 else source[:first_line_end]
    label = next((lab for lab in labels if first_line.lower().startswith(lab)), None)
    if label is None:
        start = len(source) - len(source.lstrip())
        return SubjectSplit(None, 0, source[start:], start)
    value_start = len(label)
    while value_start < len(first_line) and first_line[value_start] in " \t":
        value_start += 1
    subject = first_line[value_start:].rstrip("\r")
    rest_start = len(first_line) + 1 if first_line_end >= 0 else len(source)
    wrapped = _wrapped_line(source, rest_start)
    if wrapped is not None:
        subject += "\n" + source[rest_start:wrapped].rstrip("\r")
        rest_start = wrapped + 1
    body_start = rest_start + (len(source[rest_start:]) - len(source[rest_start:].lstrip()))
    return SubjectSplit(subject, value_start, source[body_start:], body_start)


def _wrapped_line(source: str, start: int) -> int | None:
    """The end of a subject's second line, when the subject wrapped: a folded header line (starting with a space),
    or one line that carries on the subject's phrase in lower case right before the blank line that opens the body.
    ``None`` when the body starts there (*Hola:*, *Update - …* straight after the subject line)."""
    end = source.find("\n", start)
    if end < 0 or not source[start:end].strip():
        return None
    line = source[start:end]
    next_end = source.find("\n", end + 1)
    blank_follows = not source[end + 1 : next_end if next_end >= 0 else len(source)].strip()
    continues = line[:1].islower() and blank_follows  # "Title: Exportación de informes:\nvuelve a funcionar"
    return end if line[:1] in (" ", "\t") or continues else None


@dataclass(frozen=True)
class Segment:
    """A run of text and the findings covering all of it: what an approval page marks up, escaped as usual."""

    text: str
    start: int
    findings: tuple[Finding, ...] = field(default=())


def segments(text: str, findings: Sequence[Finding]) -> list[Segment]:
    """Cut ``text`` at every finding boundary, so each segment is covered by the same findings throughout.

    Pass the findings of one part (``[f for f in findings if f.part == "text"]``). Findings about the whole
    text (something missing) cover every segment; show those above the text instead.
    """
    cuts = sorted({0, len(text)} | {min(max(p, 0), len(text)) for f in findings for p in (f.start, f.end)})
    result = []
    for start, end in itertools.pairwise(cuts):
        covering = tuple(f for f in findings if f.start <= start and end <= f.end and f.start < f.end)
        result.append(Segment(text[start:end], start, covering))
    return result


_TERMS_CACHE: dict[int, tuple[Plan, PlanTerms]] = {}


def _terms(plan: Plan) -> PlanTerms:
    """The plan's terms, computed once per plan object (the plan is kept alongside so its id is not reused)."""
    cached = _TERMS_CACHE.get(id(plan))
    if cached is not None and cached[0] is plan:
        return cached[1]
    if len(_TERMS_CACHE) >= 8:
        _TERMS_CACHE.clear()
    terms = plan_terms(plan)
    _TERMS_CACHE[id(plan)] = (plan, terms)
    return terms


def _values_by_check(plan: Plan) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for value in plan.values.values:
        for check in value.checks:
            found.setdefault(check, []).append(value.id)
    return {check: tuple(ids) for check, ids in found.items()}
