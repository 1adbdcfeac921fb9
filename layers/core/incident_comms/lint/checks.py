"""The checks themselves: one function per check id, each turning a draft into hits (message + span).

A check never decides its own level or whether it runs: :mod:`incident_comms.lint` does that from the check's
spec and the plan's ``values.yaml`` settings. Each function gets a :class:`Context` holding the draft (body and
subject, as written and folded), the phase, the severity and what the plan says about people, alarms and
public host names.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from fnmatch import translate
from typing import Literal
from urllib.parse import urlsplit

from incident_comms.lint.text import fold, names_pattern, sentence_end, sentences, word_count
from incident_comms.lint.times import (
    NEAR,
    TIME_BEFORE,
    concrete_time,
    deadline,
    impact_start,
    marker_with_time,
    sentence_of,
)
from incident_comms.lint.words_shared import GSM7_BASIC, GSM7_EXTENSION, SHARED, Words
from incident_comms.plan.models import ChannelFormat, Phase, Plan

Part = Literal["subject", "text"]

SMS_LIMIT = 160
SUBJECT_LIMIT = 100
SUMMARY_WORDS = 30
OPEN_PHASES = frozenset({Phase.INVESTIGATING, Phase.IDENTIFIED, Phase.MONITORING, Phase.UPDATE})
DATA_LOSS_SEVERITIES = 2
"""``data-loss-stated`` applies to the plan's two most severe severities (``severities`` is ordered, most severe
first; the plan has no per-severity flag for it)."""


@dataclass(frozen=True)
class Hit:
    """What a check found: the message (already in the draft's language) and where, in ``part``."""

    message: str
    start: int
    end: int
    part: Part = "text"


@dataclass(frozen=True)
class PlanTerms:
    """What the plan tells the checks: people's names, alarm name globs, component names and public hosts."""

    people: re.Pattern[str] | None
    alarm_names: re.Pattern[str] | None
    """The rules' ``alarm_name`` globs as one regex a whole token must match."""
    components: re.Pattern[str] | None
    own_domains: frozenset[str]
    public_hosts: frozenset[str]


@dataclass(frozen=True)
class Context:
    plan: Plan
    terms: PlanTerms
    words: Words
    labels: Mapping[str, str]
    text: str
    subject: str | None
    fmt: ChannelFormat
    phase: Phase
    severity: str | None
    internal: bool
    certain: bool
    folded: str = field(init=False)
    folded_subject: str | None = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "folded", fold(self.text))
        object.__setattr__(self, "folded_subject", None if self.subject is None else fold(self.subject))

    def parts(self) -> Iterator[tuple[Part, str, str]]:
        """``(part, text, folded text)`` for the subject (when there is one) and the body."""
        if self.subject is not None and self.folded_subject is not None:
            yield "subject", self.subject, self.folded_subject
        yield "text", self.text, self.folded

    def say(self, key: str, **params: object) -> str:
        return self.words.messages[key].format(**params)

    def whole(self, key: str, **params: object) -> Hit:
        """A finding about the draft as a whole (something missing): its span is the whole body."""
        return Hit(self.say(key, **params), 0, len(self.text))

    def anywhere(self, regex: re.Pattern[str]) -> bool:
        return any(regex.search(folded) for _, _, folded in self.parts())


# --- plan terms ---------------------------------------------------------------------------


def plan_terms(plan: Plan) -> PlanTerms:
    """Read once per plan: the names no message may carry and the hosts every message may."""
    names: set[str] = set()
    for role in plan.roles.roles:
        for person in role.people:
            names.add(person.name)
            names.update(part for part in person.name.split() if len(part) >= 3 and part[0].isupper())
            if person.handle:
                names.add(person.handle)
    globs = [
        rule.when.alarm_name
        for rule in plan.definition.rules
        if rule.when.alarm_name and len(rule.when.alarm_name.replace("*", "").replace("?", "")) >= 4
    ]
    alarm_names = re.compile("|".join(translate(glob) for glob in globs)) if globs else None
    component_names: set[str] = set()
    for component in plan.definition.components:
        component_names.add(component.id)
        component_names.update([component.name] if isinstance(component.name, str) else component.name.values())
    alternatives = "|".join(re.escape(fold(n)) for n in sorted(component_names, key=len, reverse=True))
    components = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE) if component_names else None
    organisation = plan.definition.organisation
    contact = plan.roles.customer_contact
    urls = [u for u in (organisation.status_page_url, organisation.support_url, contact.url) if u]
    hosts = {(urlsplit(u).hostname or "").lower() for u in urls} - {""}
    emails = [contact.email or ""] + [p.email for role in plan.roles.roles for p in role.people]
    own = {_apex(h) for h in hosts} | {_apex(e.rsplit("@", 1)[1].lower()) for e in emails if "@" in e}
    texts: list[str] = [organisation.name]
    for component in plan.definition.components:
        for value in (component.name, component.description, component.impact):
            if value is not None:
                texts += [value] if isinstance(value, str) else list(value.values())
    for text in texts:
        hosts.update(m.group().lower() for m in SHARED.hostname.finditer(text))
    hosts |= own | {f"www.{d}" for d in own}
    return PlanTerms(
        people=names_pattern(names),
        alarm_names=alarm_names,
        components=components,
        own_domains=frozenset(own),
        public_hosts=frozenset(hosts),
    )


def _apex(host: str) -> str:
    return ".".join(host.split(".")[-2:])


def internal_host(host: str, terms: PlanTerms) -> bool:
    """An internal host name: an internal suffix, an environment label (``db1.prod.x.com``), or a host under the
    organisation's own domains that the plan does not name as public."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(SHARED.internal_suffixes):
        return True
    labels = host.split(".")
    if len(labels) >= 3 and any(label in SHARED.environment_labels for label in labels[:-2]):
        return True
    return _apex(host) in terms.own_domains and host not in terms.public_hosts


# --- the checks ---------------------------------------------------------------------------


def impact_stated(ctx: Context) -> list[Hit]:
    if ctx.anywhere(ctx.words.impact):
        return []
    components = ctx.terms.components
    if components is not None:
        for _, _, folded in ctx.parts():
            for start, end in sentences(folded):
                sentence = folded[start:end]
                if components.search(sentence) and ctx.words.problem.search(sentence):
                    return []
    return [ctx.whole("impact-stated")]


def data_loss_stated(ctx: Context) -> list[Hit]:
    statements = [(part, folded, m) for part, _, folded in ctx.parts() for m in ctx.words.data_loss.finditer(folded)]
    if not statements:
        return [ctx.whole("data-loss-stated", severity=ctx.severity)]
    hits: list[Hit] = []
    for part, folded, statement in statements:
        start, end = sentence_of(folded, statement.start())
        if folded[start:end].rstrip().endswith("?"):  # "Was any data lost? Probably not." - the answer counts
            end = sentence_end(folded, end) if end < len(folded) else end
        guess = ctx.words.guess.search(folded, start, end)
        if guess:
            text = ctx.text if part == "text" else (ctx.subject or "")
            hits.append(Hit(ctx.say("data-loss-guess", text=text[guess.start() : guess.end()]), *guess.span(), part))
    return _unique(hits)


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
            for match in ctx.terms.people.finditer(folded):
                quoted = text[match.start() : match.end()]
                hits.append(Hit(ctx.say("no-blame-person", text=quoted), *match.span(), part))
    return _unique(hits)


def no_unsure_commitment(ctx: Context) -> list[Hit]:
    hits: list[Hit] = []
    words = ctx.words
    for part, text, folded in ctx.parts():
        if not ctx.certain and ctx.phase in OPEN_PHASES:
            for match in words.commitment.finditer(folded):
                end = _promise_end(ctx, folded, match)
                quoted = text[match.start() : end]
                hits.append(Hit(ctx.say("no-unsure-commitment", text=quoted), match.start(), end, part))
            for match in words.hedged_commitment.finditer(folded):
                rest_end = sentence_end(folded, match.end())
                when = deadline(words, folded, match.end(), rest_end)
                if when is not None:
                    quoted = text[match.start() : when[1]]
                    hits.append(Hit(ctx.say("no-unsure-commitment", text=quoted), match.start(), when[1], part))
        for match in words.never_again.finditer(folded):
            hits.append(Hit(ctx.say("never-again", text=text[match.start() : match.end()]), *match.span(), part))
    return _unique(hits)


def _promise_end(ctx: Context, folded: str, match: re.Match[str]) -> int:
    """A promise's span runs to its deadline when the same sentence gives one (``... by 15:00``)."""
    when = deadline(ctx.words, folded, match.end(), sentence_end(folded, match.end()))
    return when[1] if when is not None and when[0] - match.end() <= NEAR else match.end()


def summary_first(ctx: Context) -> list[Hit]:
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
        count = word_count(folded[start:end])
        if count > SUMMARY_WORDS:
            hits.append(Hit(ctx.say("summary-long", words=count, limit=SUMMARY_WORDS), start, end))
        hits += [
            Hit(ctx.say("summary-jargon", text=ctx.text[m.start() : m.end()]), *m.span())
            for m in ctx.words.jargon.finditer(folded, start, end)
        ]
        break
    return hits


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

        for match in SHARED.arn.finditer(text):
            add("arn", *match.span())
        for match in SHARED.stack_trace.finditer(text):
            add("stack", *match.span())
        for match in SHARED.query.finditer(text):
            add("query", *match.span())
        for match in SHARED.url.finditer(text):
            url = match.group()
            host = urlsplit(url if "://" in url else f"http://{url}").hostname or ""
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
        if ctx.terms.alarm_names is not None:
            for match in SHARED.token.finditer(text):
                if ctx.terms.alarm_names.fullmatch(match.group()):
                    add("alarm", *match.span())
        for match in SHARED.env_resource.finditer(text):
            add("alarm", *match.span())
    return hits


def _ip(candidate: str) -> bool:
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True


def contact_given(ctx: Context) -> list[Hit]:
    for _, text, folded in ctx.parts():
        if SHARED.email.search(text) or SHARED.url.search(text) or ctx.words.contact.search(folded):
            return []
        for match in SHARED.hostname.finditer(folded):
            host = match.group().lower()
            if host in ctx.terms.public_hosts or (
                _apex(host) in ctx.terms.own_domains and not internal_host(host, ctx.terms)
            ):
                return []
    return [ctx.whole("contact-given")]


def resolved_complete(ctx: Context) -> list[Hit]:
    folded = ctx.folded
    words = ctx.words
    missing = []
    if not impact_start(words, folded):
        missing.append("start")
    if not (marker_with_time(words.impact_end, folded) or SHARED.duration.search(folded)):
        missing.append("end")
    if not words.actions_taken.search(folded):
        missing.append("taken")
    if not words.actions_planned.search(folded):
        missing.append("planned")
    return [ctx.whole("resolved-missing", part=ctx.labels[name]) for name in missing]


def postmortem_complete(ctx: Context) -> list[Hit]:
    folded = ctx.folded
    words = ctx.words
    clocks = {m.group() for m in SHARED.clock.finditer(folded)}
    present = {
        "root_cause": bool(words.root_cause.search(folded)),
        "timeline": bool(words.timeline.search(folded)) or len(clocks) >= 2,
        "actions_taken": bool(words.actions_taken.search(folded)),
        "actions_planned": bool(words.actions_planned.search(folded)),
        "lessons": bool(words.lessons.search(folded)),
    }
    return [ctx.whole("postmortem-missing", part=ctx.labels[name]) for name, ok in present.items() if not ok]


def fits_channel(ctx: Context) -> list[Hit]:
    hits: list[Hit] = []
    if ctx.fmt == ChannelFormat.SMS:
        hits += _sms_fits(ctx)
    elif ctx.subject is not None and ctx.fmt in (ChannelFormat.EMAIL, ChannelFormat.STATUS_PAGE):
        what = ctx.labels["subject" if ctx.fmt == ChannelFormat.EMAIL else "title"]
        subject = ctx.subject
        if not subject.strip():
            hits.append(Hit(ctx.say("subject-empty", what=what), 0, len(subject), "subject"))
        if "\n" in subject or "\r" in subject:
            first_break = min(i for i in (subject.find("\n"), subject.find("\r")) if i >= 0)
            hits.append(Hit(ctx.say("subject-lines", what=what), first_break, len(subject), "subject"))
        if len(subject) >= SUBJECT_LIMIT:
            hits.append(
                Hit(
                    ctx.say("subject-long", what=what, count=len(subject), limit=SUBJECT_LIMIT),
                    SUBJECT_LIMIT - 1,
                    len(subject),
                    "subject",
                )
            )
    return hits


@dataclass(frozen=True)
class SmsEncoding:
    """How an SMS text travels: GSM-7 (160 septets, 153 per part when split) or UCS-2 (70, 67 when split)."""

    encoding: Literal["GSM-7", "UCS-2"]
    length: int
    """Characters as the network counts them: septets for GSM-7 (extension characters count two), UTF-16 code
    units for UCS-2."""
    parts: int
    non_gsm: tuple[str, ...]
    """The characters that force UCS-2, in order of first appearance."""


def sms_encoding(text: str) -> SmsEncoding:
    non_gsm = tuple(dict.fromkeys(c for c in text if c not in GSM7_BASIC and c not in GSM7_EXTENSION))
    if non_gsm:
        units = len(text.encode("utf-16-le")) // 2
        return SmsEncoding("UCS-2", units, 1 if units <= 70 else math.ceil(units / 67), non_gsm)
    septets = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
    return SmsEncoding("GSM-7", septets, 1 if septets <= SMS_LIMIT else math.ceil(septets / 153), ())


def _sms_fits(ctx: Context) -> list[Hit]:
    text = ctx.text
    sms = sms_encoding(text)
    if sms.length <= SMS_LIMIT:
        return []
    message = ctx.say("sms-long", count=sms.length, limit=SMS_LIMIT)
    if sms.encoding == "UCS-2":
        message += ctx.say("sms-ucs2", chars=", ".join(sms.non_gsm), parts=sms.parts)
    else:
        message += ctx.say("sms-gsm-parts", parts=sms.parts)
    return [Hit(message, _sms_cut(text, sms.encoding), len(text))]


def _sms_cut(text: str, encoding: str) -> int:
    """The offset of the first character past the limit (the part that does not fit)."""
    used = 0
    for index, char in enumerate(text):
        if encoding == "GSM-7":
            used += 2 if char in GSM7_EXTENSION else 1
        else:
            used += 2 if ord(char) > 0xFFFF else 1
        if used > SMS_LIMIT:
            return index
    return len(text)


def _unique(hits: list[Hit]) -> list[Hit]:
    """Drop hits whose span lies inside another hit's span of the same part (one finding per phrase)."""
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.part, h.start, -(h.end - h.start))):
        if any(k.part == hit.part and k.start <= hit.start and hit.end <= k.end for k in kept):
            continue
        kept.append(hit)
    return kept


CheckFunction = Callable[[Context], list[Hit]]
