"""``language-matches``: every sentence of a draft is in the draft's language.

A responder who pastes an engineer's English note into a Spanish update, or a template that falls back to the other
locale, sends customers a sentence they may not read. Each sentence of four words or more (links, addresses, host
names and the plan's own names left out first, since they are the same in every language) is given to a language
detector that knows only the plan's languages (`lingua <https://github.com/pemistahl/lingua-py>`_, statistical
n-gram models, accurate on short text); a sentence it places in another of them with high confidence is a finding.
The detector is imported and built on first use: a function that never lints never pays for it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from incident_comms.lint.context import Context, Hit, Part
from incident_comms.lint.text import WORD, fold, sentences
from incident_comms.lint.words_shared import SHARED

if TYPE_CHECKING:
    from lingua import LanguageDetector

MIN_WORDS = 4
"""Shorter sentences ("OK.", "Dashboard.", "Hola equipo,") carry too little to tell languages apart."""
CONFIDENCE = 0.9
"""How sure the detector must be that a sentence is in another language: a mixed sentence is not flagged."""

_OTHER_LANGUAGE_HINTS: dict[str, frozenset[str]] = {
    "en": frozenset(
        re.findall(
            r"\w+",
            "el los las del que y por para con una su sus esta estan hemos han se lo le les muy pero tambien ya sin "
            "desde hasta cuando como mas este estos usted nuestro nuestra nuestros puede pueden disculpe gracias hay "
            "son fue ser estamos seguimos",
        )
    ),
    "es": frozenset(
        re.findall(
            r"\w+",
            "the and of to is are was were we you your our with for has have been will this that it be from at by "
            "not please thank thanks sorry any all can may there their they",
        )
    ),
}
"""Common words of the *other* language (folded): a sentence with two of them goes to the detector, which decides;
one without cannot be in the other language, and skipping it keeps the check cheap (one draft in many is mixed)."""
HINTS_NEEDED = 2

_NEUTRAL = re.compile(
    "|".join(
        (
            SHARED.url.pattern,
            SHARED.email.pattern,
            SHARED.hostname.pattern,
            r"\d[\d:.,/h]*",
        )
    ),
    re.IGNORECASE,
)
_CODES = re.compile(r"\b[A-Z][A-Z0-9]+\b")
"""Upper-case codes (*API*, *PDF*, *SMS*), found in the text as written: the folded text is lower-cased."""


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH).build()


def language_matches(ctx: Context) -> list[Hit]:
    hints = _OTHER_LANGUAGE_HINTS.get(ctx.words.code, frozenset())
    spans: list[tuple[Part, int, int]] = []
    judged: list[str] = []
    for part, text, folded in ctx.parts():
        for start, end in sentences(folded):
            tokens = WORD.findall(folded, start, end)
            if len(tokens) < MIN_WORDS or len(hints.intersection(tokens)) < HINTS_NEEDED:
                continue
            if _machine_text(text, start, end):
                continue
            kept = _without_names(ctx, text[start:end], folded[start:end])
            if len(WORD.findall(kept)) >= MIN_WORDS:
                spans.append((part, start, end))
                judged.append(kept)
    if not judged:
        return []
    hits: list[Hit] = []
    for (part, start, end), values in zip(
        spans, _detector().compute_language_confidence_values_in_parallel(judged), strict=True
    ):
        best = values[0]
        language = best.language.iso_code_639_1.name.lower()
        if language != ctx.words.code and best.value >= CONFIDENCE:
            hits.append(Hit(ctx.say("language-matches", language=ctx.labels[f"language-{language}"]), start, end, part))
    return hits


def _machine_text(text: str, start: int, end: int) -> bool:
    """Log lines, stack traces and queries read as English in any draft: ``no-internal-details`` speaks of them."""
    return bool(
        SHARED.stack_trace.search(text, start, end)
        or SHARED.query.search(text, start, end)
        or CODE.search(text, start, end)
    )


CODE = re.compile(r"[A-Za-z]\w*\([^)]*\)|\w+_\w+|\b[a-z]+[A-Z]\w*")
"""Calls, snake_case and camelCase: text for machines."""


def _without_names(ctx: Context, sentence: str, folded: str) -> str:
    """The sentence without what reads the same in every language: links, addresses, codes, numbers, the plan's
    component and people names."""
    kept = list(sentence)
    cased = fold(sentence)
    matchers = ((_NEUTRAL, folded), (_CODES, cased), (ctx.terms.components, folded), (ctx.terms.people, cased))
    for regex, where in matchers:
        for match in regex.finditer(where) if regex is not None else ():
            kept[match.start() : match.end()] = " " * (match.end() - match.start())
    return "".join(kept)
