"""Where a draft says a time: clock and relative times, deadlines, a time near a marker, the sentence around.

Pure functions over a draft's folded text (see :mod:`incident_comms.lint.text`) and one language's
:class:`~incident_comms.lint.words_shared.Words`, for the checks in :mod:`incident_comms.lint.checks` that ask
whether a promise, a next update or an impact has its time: :func:`concrete_time` finds one, :func:`deadline`
gives the span of the first time or deadline in a stretch, :func:`time_near` looks within :data:`NEAR`
characters after a marker. Spans are character offsets into the text given.
"""

from __future__ import annotations

import re

from incident_comms.lint.text import sentence_end, sentences
from incident_comms.lint.words_shared import SHARED, Words

NEAR = 40
_FIX_WORDS = re.compile(r"\b(?:resolved|restored|fixed|recovered|resuelto|restablecido|solucionado)[ \t]+$", re.I)


def concrete_time(words: Words, folded: str) -> re.Match[str] | None:
    """The first clock time (``14:30``, ``3 pm``) or relative time (``in 30 minutes``, ``a las 15 h``)."""
    found = [m for m in (SHARED.clock.search(folded), words.relative_time.search(folded)) if m]
    return min(found, key=lambda m: m.start()) if found else None


TIME_BEFORE = re.compile(r"(?:\bat|\bby|\baround|\ba\s+las|\bsobre\s+las|\bhacia\s+las)\s+$", re.IGNORECASE)


def sentence_of(text: str, position: int) -> tuple[int, int]:
    start = 0
    for s, e in sentences(text):
        if s <= position < e:
            return s, e
        start = e
    return start, sentence_end(text, position)


def deadline(words: Words, folded: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of the first time or deadline in ``folded[start:end]``; ``antes de las`` + ``14:00`` run together."""
    spans = sorted(
        m.span()
        for regex in (SHARED.clock, words.relative_time, words.deadline)
        for m in regex.finditer(folded, start, end)
    )
    if not spans:
        return None
    first_start, first_end = spans[0]
    for span_start, span_end in spans[1:]:
        if span_start > first_end + 1:
            break
        first_end = max(first_end, span_end)
    return first_start, first_end


def impact_start(words: Words, folded: str) -> bool:
    for match in words.impact_start.finditer(folded):
        if _FIX_WORDS.search(folded[max(0, match.start() - 16) : match.start()]):
            continue
        if time_near(folded, match.end()):
            return True
    return False


def marker_with_time(regex: re.Pattern[str], folded: str) -> bool:
    return any(time_near(folded, match.end()) for match in regex.finditer(folded))


def time_near(folded: str, position: int) -> bool:
    window = folded[position : position + NEAR]
    return bool(SHARED.clock.search(window) or SHARED.date.search(window))
