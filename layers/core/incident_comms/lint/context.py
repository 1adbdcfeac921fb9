"""What every draft check reads: the draft's parts (subject and text), its phase, severity, format, locale and
audience, the plan's own terms (component names, people, internal hosts), and the hit a check answers with.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from fnmatch import translate
from typing import Literal
from urllib.parse import urlsplit

from incident_comms.lint.text import fold, fold_lower, names_pattern
from incident_comms.lint.words_shared import SHARED, Words
from incident_comms.plan.models import ChannelFormat, Phase, Plan

Part = Literal["subject", "text"]
Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Hit:
    """What a check found: the message (already in the draft's language) and where, in ``part``."""

    message: str
    start: int
    end: int
    part: Part = "text"
    level: Level | None = None
    """A level the finding has whatever the check's (an SMS of two parts is a warning, over the plan's limit an
    error); ``None``: the check's level."""


@dataclass(frozen=True)
class PlanTerms:
    """What the plan tells the checks: people's names, alarm name globs, component names and public hosts."""

    people: re.Pattern[str] | None
    alarm_names: re.Pattern[str] | None
    """The rules' ``alarm_name`` globs as one regex a whole token must match."""
    alarm_prefixes: tuple[str, ...] | None
    """What every alarm name starts with, one per glob (``prod-api-``); ``None`` when a glob starts with a
    wildcard. A draft holding none of them names no alarm."""
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
    max_parts: int
    folded: str = field(init=False)
    folded_subject: str | None = field(init=False)
    memo: dict[str, object] = field(init=False, default_factory=dict, compare=False, repr=False)
    """What one check works out and another reuses (the data-loss statements), for this draft only."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "folded", fold_lower(self.text))
        object.__setattr__(self, "folded_subject", None if self.subject is None else fold_lower(self.subject))

    def parts(self) -> Iterator[tuple[Part, str, str]]:
        """``(part, text, folded text)`` for the subject (when there is one) and the body; the folded text is
        lower-cased too (:func:`~incident_comms.lint.text.fold_lower`), for the word lists."""
        if self.subject is not None and self.folded_subject is not None:
            yield "subject", self.subject, self.folded_subject
        yield "text", self.text, self.folded

    def say(self, key: str, **params: object) -> str:
        return self.words.messages[key].format(**params)

    def whole(self, key: str, **params: object) -> Hit:
        """A finding about the draft as a whole (something missing): its span is the whole body."""
        return Hit(self.say(key, **params), 0, len(self.text))


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
    prefixes = tuple(re.split(r"[*?\[]", glob, maxsplit=1)[0] for glob in globs)
    alarm_prefixes = prefixes if prefixes and all(prefixes) else None
    component_names: set[str] = set()
    for component in plan.definition.components:
        component_names.add(component.id)
        component_names.update([component.name] if isinstance(component.name, str) else component.name.values())
    alternatives = "|".join(re.escape(fold(n)) for n in sorted(component_names, key=len, reverse=True))
    components = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE) if component_names else None
    organisation = plan.definition.organisation
    contact = plan.roles.customer_contact
    own_words = list(contact.by_audience.values())
    audience_urls = [w.support_url for w in organisation.by_audience.values()] + [w.url for w in own_words]
    urls = [u for u in (organisation.status_page_url, organisation.support_url, contact.url, *audience_urls) if u]
    hosts = {(urlsplit(u).hostname or "").lower() for u in urls} - {""}
    emails = [contact.email or "", *(w.email or "" for w in own_words)]
    emails += [p.email for role in plan.roles.roles for p in role.people]
    own = {apex_domain(h) for h in hosts} | {apex_domain(e.rsplit("@", 1)[1].lower()) for e in emails if "@" in e}
    texts: list[str] = [organisation.name]
    for component in plan.definition.components:
        own_impacts = [words.impact for words in component.by_audience.values()]
        for value in (component.name, component.in_sentence, component.description, component.impact, *own_impacts):
            if value is not None:
                texts += [value] if isinstance(value, str) else list(value.values())
    for text in texts:
        hosts.update(m.group().lower() for m in SHARED.hostname.finditer(text))
    hosts |= own | {f"www.{d}" for d in own}
    return PlanTerms(
        people=names_pattern(names),
        alarm_names=alarm_names,
        alarm_prefixes=alarm_prefixes,
        components=components,
        own_domains=frozenset(own),
        public_hosts=frozenset(hosts),
    )


def apex_domain(host: str) -> str:
    return ".".join(host.split(".")[-2:])


def internal_host(host: str, terms: PlanTerms) -> bool:
    """An internal host name: an internal suffix, an environment label (``db1.prod.x.com``), or a host under the
    organisation's own domains that the plan does not name as public and whose name is not a customer-facing one
    (``status.``, ``ayuda.``, ``www.``: :attr:`~incident_comms.lint.words_shared.Shared.public_labels`)."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(SHARED.internal_suffixes):
        return True
    labels = host.split(".")
    if len(labels) >= 3 and any(label in SHARED.environment_labels for label in labels[:-2]):
        return True
    if apex_domain(host) not in terms.own_domains or host in terms.public_hosts:
        return False
    return not (len(labels) == 3 and labels[0] in SHARED.public_labels)


def unique_hits(hits: list[Hit]) -> list[Hit]:
    """Drop hits whose span lies inside another hit's span of the same part (one finding per phrase)."""
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.part, h.start, -(h.end - h.start))):
        if any(k.part == hit.part and k.start <= hit.start and hit.end <= k.end for k in kept):
            continue
        kept.append(hit)
    return kept


CheckFunction = Callable[[Context], list[Hit]]
