"""The checks themselves: one function per check id, each turning a draft into hits (message + span).

A check never decides its own level or whether it runs: :mod:`incident_comms.lint` does that from the check's
spec and the plan's ``values.yaml`` settings. Each function gets a :class:`Context` holding the draft (body and
subject, as written and folded), the phase, the severity and what the plan says about people, alarms and
public host names.
"""

from __future__ import annotations

import ipaddress
import re
from typing import cast
from urllib.parse import SplitResult, urlsplit

from incident_comms.lint.context import Context, Hit, Part, apex_domain, internal_host, unique_hits
from incident_comms.lint.text import fold, sentence_end, sentences, word_count
from incident_comms.lint.times import (
    NEAR,
    TIME_BEFORE,
    concrete_time,
    deadline,
    impact_start,
    marker_with_time,
    sentence_of,
)
from incident_comms.lint.words import ALL_WORDS
from incident_comms.lint.words_shared import SHARED
from incident_comms.plan.models import Phase

SUMMARY_WORDS = 30
OPEN_PHASES = frozenset({Phase.INVESTIGATING, Phase.IDENTIFIED, Phase.MONITORING, Phase.UPDATE})
DATA_LOSS_SEVERITIES = 2
"""``data-loss-stated`` applies to the plan's two most severe severities (``severities`` is ordered, most severe
first; the plan has no per-severity flag for it)."""


# --- plan terms ---------------------------------------------------------------------------


# --- the checks ---------------------------------------------------------------------------


def impact_stated(ctx: Context) -> list[Hit]:
    """Passes when a sentence says what customers notice: a stock phrase (*you may be unable to…*), a symptom in
    any wording (*failing*, *no se están generando*, *work again*), or a problem (*errors*, *an outage*) of
    something customers use (*card payments*, *los recibos*, *your exports*, a plan component). A symptom of our
    own systems alone (*slow database servers*) is not an impact, nor is the data-loss statement."""
    words = ctx.words
    components = ctx.terms.components
    for _, _, folded in ctx.parts():
        for start, end in sentences(folded):
            sentence = folded[start:end]
            if words.data_loss.search(sentence):
                continue
            theirs = bool(
                words.customer_subject.search(sentence) or (components is not None and components.search(sentence))
            )
            ours_only = not theirs and words.internal_subject.search(sentence)
            if (words.symptom.search(sentence) or words.impact.search(sentence)) and not ours_only:
                return []
            if theirs and (words.problem.search(sentence) or words.recovery.search(sentence)):
                return []
    return [ctx.whole("impact-stated")]


def data_loss_statements(ctx: Context) -> list[tuple[Part, str, int, int]]:
    """``(part, folded text, start, end)`` of each sentence that says something about data loss: a stock phrase
    (*no data was lost*), or something customers keep with us and its state (*your recordings are safe*, *no se ha
    perdido ninguna factura*, *we are still checking whether files were lost*). A question (*Was any data lost?*)
    runs on to its answer. Each pattern scans the text once; sentences are then matched by position."""
    cached = ctx.memo.get("data_loss_statements")
    if cached is not None:
        return cast(list[tuple[Part, str, int, int]], cached)
    words = ctx.words
    found: list[tuple[Part, str, int, int]] = []
    ctx.memo["data_loss_statements"] = found
    for part, _, folded in ctx.parts():
        stock = [m.end() - 1 for m in words.data_loss.finditer(folded)]
        things = [m.start() for m in words.data_thing.finditer(folded)]
        states = [m.start() for m in words.data_state.finditer(folded)] if things else []
        if not (stock or states):
            continue
        for start, end in sentences(folded):
            if not (_within(stock, start, end) or (_within(things, start, end) and _within(states, start, end))):
                continue
            if folded[start:end].rstrip().endswith("?") and end < len(folded):
                end = sentence_end(folded, end + 1)
            found.append((part, folded, start, end))
    return found


def _within(positions: list[int], start: int, end: int) -> bool:
    return any(start <= position < end for position in positions)


def data_loss_stated(ctx: Context) -> list[Hit]:
    statements = data_loss_statements(ctx)
    if not statements:
        return [ctx.whole("data-loss-stated", severity=ctx.severity)]
    hits: list[Hit] = []
    for part, folded, start, end in statements:
        guess = ctx.words.guess.search(folded, start, end)
        if guess:
            text = ctx.text if part == "text" else (ctx.subject or "")
            hits.append(Hit(ctx.say("data-loss-guess", text=text[guess.start() : guess.end()]), *guess.span(), part))
    return unique_hits(hits)


def data_loss_settled(ctx: Context) -> list[Hit]:
    """Once resolved, data loss is settled: lost or not lost, never *not known yet* (runs in resolved and
    postmortem)."""
    hits: list[Hit] = []
    for part, folded, start, end in data_loss_statements(ctx):
        unknown = ctx.words.unknown.search(folded, start, end)
        if unknown:
            text = ctx.text if part == "text" else (ctx.subject or "")
            quoted = text[unknown.start() : unknown.end()]
            hits.append(Hit(ctx.say("data-loss-unsettled", text=quoted), *unknown.span(), part))
    return unique_hits(hits)


def next_update_promised(ctx: Context) -> list[Hit]:
    """Passes as soon as one next-update phrase has a concrete time in its sentence (after it, or ``at 15:00``
    before it); otherwise points at the vague word, the untimed promise, or the whole draft."""
    words = ctx.words
    vague: Hit | None = None
    untimed: Hit | None = None
    for part, text, folded in ctx.parts():
        for anchor in words.next_update.finditer(folded):
            start, end = sentence_of(folded, anchor.start())
            end = max(end, anchor.end())
            if not folded[anchor.end() : end].strip(" :-\t.¿?"):
                end = sentence_end(folded, min(end + 1, len(folded)))
            window = folded[anchor.start() : end]
            if concrete_time(words, window):
                return []
            before = folded[start : anchor.start()]
            for clock in SHARED.clock.finditer(before):
                if TIME_BEFORE.search(before[: clock.start()]):
                    return []
            soon = words.vague_time.search(folded, anchor.start(), end)
            if soon is not None:
                quoted = text[soon.start() : soon.end()]
                vague = vague or Hit(ctx.say("next-update-vague", text=quoted), *soon.span(), part)
            else:
                untimed = untimed or Hit(ctx.say("next-update-untimed"), start, end, part)
    if vague is not None:
        return [vague]
    if untimed is not None:
        return [untimed]
    return [ctx.whole("next-update-missing")]


def no_blame(ctx: Context) -> list[Hit]:
    hits: list[Hit] = []
    for part, text, folded in ctx.parts():
        for match in ctx.words.blame.finditer(folded):
            hits.append(Hit(ctx.say("no-blame", text=text[match.start() : match.end()]), *match.span(), part))
        if ctx.terms.people is not None:
            for match in ctx.terms.people.finditer(fold(text)):
                if _signature(folded, match.start()):
                    continue
                quoted = text[match.start() : match.end()]
                hits.append(Hit(ctx.say("no-blame-person", text=quoted), *match.span(), part))
    return unique_hits(hits)


SIGNATURE_LINES = 3
SIGNATURE_WORDS = 8


def _signature(folded: str, position: int) -> bool:
    """Whether ``position`` is in the sign-off: a short line among the last :data:`SIGNATURE_LINES` non-empty ones
    (*Marta Ibáñez, Responsable de comunicación*). A person who signs speaks for the company; named in the body,
    they are talked about."""
    lines = [(start, start + len(line)) for start, line in _lines(folded) if line.strip()]
    for start, end in lines[-SIGNATURE_LINES:]:
        if start <= position < end:
            return word_count(folded[start:end]) <= SIGNATURE_WORDS and not folded[start:end].rstrip().endswith(".")
    return False


def _lines(text: str) -> list[tuple[int, str]]:
    found, start = [], 0
    for line in text.split("\n"):
        found.append((start, line))
        start += len(line) + 1
    return found


def no_unsure_commitment(ctx: Context) -> list[Hit]:
    hits: list[Hit] = []
    words = ctx.words
    for part, text, folded in ctx.parts():
        if not ctx.certain and ctx.phase in OPEN_PHASES:
            for match in words.commitment.finditer(folded):
                if _asked_not_promised(ctx, folded, match.start()):
                    continue
                end = _promise_end(ctx, folded, match)
                quoted = text[match.start() : end]
                hits.append(Hit(ctx.say("no-unsure-commitment", text=quoted), match.start(), end, part))
            for match in words.hedged_commitment.finditer(folded):
                if _asked_not_promised(ctx, folded, match.start()):
                    continue
                rest_end = sentence_end(folded, match.end())
                when = deadline(words, folded, match.end(), rest_end)
                if when is not None:
                    quoted = text[match.start() : when[1]]
                    hits.append(Hit(ctx.say("no-unsure-commitment", text=quoted), match.start(), when[1], part))
        for match in words.never_again.finditer(folded):
            hits.append(Hit(ctx.say("never-again", text=text[match.start() : match.end()]), *match.span(), part))
    return unique_hits(hits)


def _asked_not_promised(ctx: Context, folded: str, position: int) -> bool:
    """Whether the sentence says, before ``position``, that the fix time is not known (*we can't say yet when*)."""
    start, _ = sentence_of(folded, position)
    return bool(ctx.words.open_question.search(folded[start:position]))


def _promise_end(ctx: Context, folded: str, match: re.Match[str]) -> int:
    """A promise's span runs to its deadline when the same sentence gives one (``... by 15:00``)."""
    when = deadline(ctx.words, folded, match.end(), sentence_end(folded, match.end()))
    return when[1] if when is not None and when[0] - match.end() <= NEAR else match.end()


def summary_first(ctx: Context) -> list[Hit]:
    """The opening sentence (after a salutation and a status label such as *Update –* or *Resumen:*) has at most
    :data:`SUMMARY_WORDS` words, a time counting as one, and no jargon or internal alarm name; nor has the
    subject."""
    hits: list[Hit] = []
    if ctx.subject is not None:
        hits += [
            Hit(ctx.say("summary-jargon", text=ctx.subject[m.start() : m.end()]), *m.span(), "subject")
            for m in ctx.words.jargon.finditer(ctx.folded_subject or "")
        ]
    folded = ctx.folded
    for start, end in sentences(folded):
        line_end = folded.find("\n", start)
        line = folded[start : line_end if line_end >= 0 else len(folded)]
        if ctx.words.salutation.match(line):
            continue
        label = STATUS_LABEL.match(folded, start, end)
        counted = SHARED.clock.sub("T", folded[label.end() if label else start : end])
        count = word_count(counted)
        if count > SUMMARY_WORDS:
            hits.append(Hit(ctx.say("summary-long", words=count, limit=SUMMARY_WORDS), start, end))
        hits += [
            Hit(ctx.say("summary-jargon", text=ctx.text[m.start() : m.end()]), *m.span())
            for m in ctx.words.jargon.finditer(folded, start, end)
        ]
        hits += [
            Hit(ctx.say("summary-jargon", text=ctx.text[m.start() : m.end()]), *m.span())
            for m in _alarm_names(ctx, ctx.text, start, end)
        ]
        break
    return hits


STATUS_LABEL = re.compile(r"[^\W\d_]+(?:\s+[^\W\d_]+)?\s*(?:[-:]\s+|\s-\s*)")
"""A status page's or a report's label before its first sentence: *Identified -*, *Summary:*, *Actualización –*."""


def _alarm_names(ctx: Context, text: str, start: int, end: int) -> list[re.Match[str]]:
    """Internal alarm names in ``text[start:end]``: ``prod-…``/``staging-…`` names and the plan's rule globs."""
    found: list[re.Match[str]] = []
    if _has_any(text.lower(), ENVIRONMENT_HINTS):
        found += SHARED.env_resource.finditer(text, start, end)
    names, prefixes = ctx.terms.alarm_names, ctx.terms.alarm_prefixes
    if names is not None and (prefixes is None or _has_any(text, prefixes)):
        found += [m for m in SHARED.token.finditer(text, start, end) if names.fullmatch(m.group())]
    return sorted(found, key=lambda m: m.start())


STACK_HINTS = (
    *("Traceback", 'File "', "Exception", "Error", "panic: ", "goroutine ", "Segmentation", "java.", "javax."),
    *("org.", "com.", "io.", "software.amazon", ".py:", ".java:", ".js:", ".ts:", ".go:", ".rb:", ".cs:", ".php:"),
    ".kt:",
)
QUERY_HINTS = ("select", "insert", "delete", "drop ", "alter ", "truncate ")
QUERY_UPPER_HINTS = ("UPDATE", "CREATE", "ORA-", "SQLSTATE", "WHERE")
ENVIRONMENT_HINTS = ("prod", "staging", "stg", "dev", "qa")
"""Substrings without which a pattern cannot match: a C-speed ``in`` test spares a regex pass over the draft."""


def _has_any(text: str, needles: tuple[str, ...]) -> bool:
    return any(needle in text for needle in needles)


def no_internal_details(ctx: Context) -> list[Hit]:
    hits: list[Hit] = []
    for part, text, folded in ctx.parts():
        taken: list[tuple[int, int]] = []

        def add(
            kind: str, start: int, end: int, text: str = text, part: Part = part, taken: list[tuple[int, int]] = taken
        ) -> None:
            if any(s < end and start < e for s, e in taken):
                return
            taken.append((start, end))
            label = ctx.labels[kind]
            hits.append(Hit(ctx.say("internal-detail", text=text[start:end], kind=label), start, end, part))

        for match in SHARED.arn.finditer(text) if "arn:" in text else ():
            add("arn", *match.span())
        for match in SHARED.stack_trace.finditer(text) if _has_any(text, STACK_HINTS) else ():
            add("stack", *match.span())
        maybe_query = _has_any(folded, QUERY_HINTS) or _has_any(text, QUERY_UPPER_HINTS)
        for match in SHARED.query.finditer(text) if maybe_query else ():
            add("query", *match.span())
        for match in SHARED.url.finditer(text) if "://" in text or "www." in folded else ():
            host = _url(match.group()).hostname or ""
            if host and (internal_host(host, ctx.terms) or _ip(host)):
                add("hostname", *match.span())
        for match in SHARED.ipv4.finditer(text):
            if _ip(match.group().split("/")[0]):
                add("ip", *match.span())
        for match in SHARED.ipv6_candidate.finditer(text):
            if ":" in match.group() and _ip(match.group()) and re.search(r"[a-f]|::", match.group(), re.I):
                add("ip", *match.span())
        for match in SHARED.account_id.finditer(text):
            add("account", *match.span())
        for match in SHARED.hostname.finditer(folded):
            if internal_host(match.group(), ctx.terms):
                add("hostname", *match.span())
        for match in _alarm_names(ctx, text, 0, len(text)):
            add("alarm", *match.span())
    return hits


def _ip(candidate: str) -> bool:
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True


def contact_given(ctx: Context) -> list[Hit]:
    """Passes on an email address, a support phrase (*contact us*, *escríbanos*, *reply to this email*), a phone
    number, or a link or host name of somewhere to ask or read more; a link to where customers use the product
    (*your dashboard at app.…*) is not a contact."""
    for _, text, folded in ctx.parts():
        if SHARED.email.search(text) or ctx.words.contact.search(folded) or SHARED.phone.search(text):
            return []
        for match in SHARED.url.finditer(text):
            parts = _url(match.group())
            if not _product_host(parts.hostname or "") or ctx.words.contact_path.search(parts.path):
                return []
        for match in SHARED.hostname.finditer(folded):
            host = match.group().lower()
            public = host in ctx.terms.public_hosts or (
                apex_domain(host) in ctx.terms.own_domains and not internal_host(host, ctx.terms)
            )
            if public and not _product_host(host):
                return []
    return [ctx.whole("contact-given")]


def _url(url: str) -> SplitResult:
    """A link as written (``https://…`` or ``www.…``), split."""
    return urlsplit(url if "://" in url else f"http://{url}")


def _product_host(host: str) -> bool:
    labels = host.lower().split(".")
    return len(labels) >= 3 and labels[0] in SHARED.product_labels


def resolved_complete(ctx: Context) -> list[Hit]:
    """Resolved: when the impact started and ended (a marker with its time, a duration, or a window of two times
    in one sentence: *between 06:00 and 10:20*, *de 16:20 a 17:05*), what was done and what comes next."""
    folded = ctx.folded
    sections = _report_sections(ctx)
    window = _time_window(folded)
    missing = []
    if not (window or impact_start(ctx.words, folded)):
        missing.append("start")
    if not (window or marker_with_time(ctx.words.impact_end, folded) or SHARED.duration.search(folded)):
        missing.append("end")
    if not sections["actions_taken"]:
        missing.append("taken")
    if not sections["actions_planned"]:
        missing.append("planned")
    return [ctx.whole("resolved-missing", part=ctx.labels[name]) for name in missing]


def postmortem_complete(ctx: Context) -> list[Hit]:
    """Postmortem: root cause, timeline (named, or two times or more), actions taken and planned, lessons."""
    folded = ctx.folded
    clocks = {m.group() for m in SHARED.clock.finditer(folded)}
    present = _report_sections(ctx)
    present["timeline"] = present["timeline"] or len(clocks) >= 2
    present["actions_taken"] = present["actions_taken"] or (present["timeline"] and len(clocks) >= TIMELINE_ACTIONS)
    return [ctx.whole("postmortem-missing", part=ctx.labels[name]) for name in REPORT_SECTIONS if not present[name]]


REPORT_SECTIONS = ("root_cause", "timeline", "actions_taken", "actions_planned", "lessons")
TIMELINE_ACTIONS = 3
"""A timeline of three times or more tells what was done (*14:20 font installed on every server*)."""


def _report_sections(ctx: Context) -> dict[str, bool]:
    """Which parts of a report the draft has, in the wording of either language: a report's headings are often
    left in the language its template came from, and ``language-matches`` says so on its own."""
    return {name: any(getattr(words, name).search(ctx.folded) for words in ALL_WORDS) for name in REPORT_SECTIONS}


def _time_window(folded: str) -> bool:
    """Two clock times in one sentence: the impact's start and end (*from 09:40 to 11:05*, *13:00-15:10*)."""
    return any(len(SHARED.clock.findall(folded, start, end)) >= 2 for start, end in sentences(folded))
