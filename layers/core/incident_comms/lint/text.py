"""Text helpers every check shares: accent folding that keeps offsets, sentences, and pattern compilation.

Checks match accent- and case-insensitively (a responder at 3 a.m. writes "proxima actualizacion"), but a
finding's span must point into the text as written. :func:`fold` therefore maps every character to exactly
one character (``á`` -> ``a``, ``’`` -> ``'``), so an offset in the folded text is the same offset in the
original, and patterns are folded the same way before they are compiled.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_SPECIAL = {"’": "'", "‘": "'", "´": "'", "\u00a0": " ", "\u202f": " ", "–": "-", "—": "-", "“": '"', "”": '"'}


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char in _SPECIAL:
        return _SPECIAL[char]
    if char.isascii():
        return char
    base = unicodedata.normalize("NFD", char)[0]
    return base if len(base) == 1 else char


def fold(text: str) -> str:
    """``text`` without accents, one character for one character (offsets stay valid)."""
    if text.isascii():
        return text
    return "".join(_fold_char(char) for char in text)


def fold_lower(text: str) -> str:
    """``text`` folded and lower-cased, still one character for one character: what the word lists match."""
    folded = fold(text)
    lowered = folded.lower()
    return lowered if len(lowered) == len(folded) else folded


def pattern(*alternatives: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """One compiled regex matching any of ``alternatives`` (folded, so write them with their accents).

    Case-insensitive patterns are lower-cased and compiled case-sensitive: they run on :func:`fold_lower` text,
    where ``re`` matches about three times faster than with ``IGNORECASE``."""
    if flags & re.IGNORECASE:
        return alternation(*(_lower_literals(fold(a)) for a in alternatives), flags=flags & ~re.IGNORECASE)
    return alternation(*(fold(a) for a in alternatives), flags=flags)


def _lower_literals(regex: str) -> str:
    """``regex`` with its literal letters lower-cased and its escapes (``\\S``, ``\\W``, ``\\B``) kept."""
    out: list[str] = []
    index = 0
    while index < len(regex):
        if regex[index] == "\\" and index + 1 < len(regex):
            out.append(regex[index : index + 2])
            index += 2
            continue
        out.append(regex[index].lower())
        index += 1
    return "".join(out)


def alternation(*alternatives: str, flags: int = 0) -> re.Pattern[str]:
    """One compiled regex matching any of ``alternatives``, as written.

    The alternatives that start at a word boundary share one ``\\b`` up front: the engine then tries them only
    where a word starts, not at every character (several times faster on the long lists)."""
    bounded = [a.removeprefix(r"\b") for a in alternatives if a.startswith(r"\b")]
    parts = [r"\b(?:" + "|".join(f"(?:{a})" for a in bounded) + ")"] if bounded else []
    parts += [f"(?:{a})" for a in alternatives if not a.startswith(r"\b")]
    return re.compile("|".join(parts), flags)


def names_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """Whole-word, case-sensitive matcher for proper names (folded); ``None`` when there are none."""
    unique = sorted({fold(name).strip() for name in names if name.strip()}, key=len, reverse=True)
    if not unique:
        return None
    return re.compile(r"(?<![\w@])(?:" + "|".join(re.escape(name) for name in unique) + r")(?!\w)")


_ABBREVIATIONS = frozenset({"p.m", "a.m", "e.g", "i.e", "approx", "prox", "aprox", "ej", "sr", "sra", "dr", "n"})
_SENTENCE_END = re.compile(r"[.!?…](?=[\s\"')\]]|$)|\n")


def sentence_end(text: str, position: int) -> int:
    """Offset just past the sentence that ``position`` falls in (a line break ends a sentence too)."""
    for match in _SENTENCE_END.finditer(text, position):
        if match.group() == "." and _abbreviation_before(text, match.start()):
            continue
        return match.end() if match.group() != "\n" else match.start()
    return len(text)


def _abbreviation_before(text: str, dot: int) -> bool:
    start = dot
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return fold(text[start:dot]).lower().strip("(") in _ABBREVIATIONS


def sentences(text: str) -> tuple[tuple[int, int], ...]:
    """``(start, end)`` of each sentence, leading whitespace skipped; empty ones left out. Every check walks the
    same draft's sentences, so they are cut once per text."""
    return _sentences(text)


@lru_cache(maxsize=64)
def _sentences(text: str) -> tuple[tuple[int, int], ...]:
    found: list[tuple[int, int]] = []
    position = 0
    while position < len(text):
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            break
        end = sentence_end(text, position)
        if end <= position:
            end = position + 1
        found.append((position, end))
        position = end
    return tuple(found)


def sentence_around(text: str, position: int) -> tuple[int, int]:
    """The sentence holding ``position``."""
    for start, end in sentences(text):
        if start <= position < end:
            return start, end
    return position, sentence_end(text, position)


WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def word_count(text: str) -> int:
    return len(WORD.findall(text))
