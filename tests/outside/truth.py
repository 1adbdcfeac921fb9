"""The checks of "tell customers the truth, in order" over what customers received (``tests.outside.customers``).

Each check returns the problems it found as sentences that name the stream, the message and the locale, so a
failing assertion says which message broke it where.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache
from typing import Any

from tests.outside.customers import PHASE_RANK, Received, streams


def out_of_order(received: list[Received]) -> list[str]:
    """A message older than one the same stream already showed (by sequence, a holding text just below its draft),
    or a phase before one already shown (``update`` belongs to its time: only its sequence counts).

    One way back is the truth, not disorder: ``identified`` after ``monitoring`` is a relapse (the fix did not hold,
    told by a newer message), whether an alarm or a responder moved it. Changed by the lead after the first run: the
    issue orders messages by age, and a relapse is the newer message; every other phase going back still fails."""
    problems: list[str] = []
    for name, items in streams(received).items():
        newest: Received | None = None
        furthest: Received | None = None
        for r in items:
            if r.sequence is not None:
                if newest is not None and newest.sequence is not None and r.sequence < newest.sequence:
                    problems.append(f"{name}: {r.label()} arrived after the newer {newest.label()}")
                if newest is None or newest.sequence is None or r.sequence >= newest.sequence:
                    newest = r
            rank = PHASE_RANK.get(r.phase or "")
            if rank is not None:
                relapse = (r.phase, furthest.phase if furthest else None) == ("identified", "monitoring")
                if relapse:
                    furthest = r
                elif furthest is not None and rank < PHASE_RANK[furthest.phase or ""]:
                    problems.append(f"{name}: phase {r.phase} ({r.label()}) arrived after phase {furthest.phase}")
                if furthest is None or rank >= PHASE_RANK[furthest.phase or ""]:
                    furthest = r
    return problems


def repeated(received: list[Received]) -> list[str]:
    """A message shown twice on one stream (a status page lists each update once; a mailbox gets each once)."""
    counts = Counter((r.stream, r.message_id) for r in received if r.message_id is not None)
    return [f"{stream}: message {mid} received {n} times" for (stream, mid), n in counts.items() if n > 1]


def unattributed(received: list[Received]) -> list[str]:
    return [
        f"{r.stream} #{r.position}: no message of the incident carries this text: {r.text[:120]!r}"
        for r in received
        if r.message_id is None or r.sequence is None
    ]


def _plain(text: str) -> str:
    """Lower case, accents off, whitespace collapsed: ``¿Datos perdidos? Aún no`` → ``¿datos perdidos? aun no``."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


# How the plan's templates (templates/<locale>/*.j2 and the holding texts of templates/phases.yaml) word each
# data-loss state, per locale; checked on the text without accents.
DATA_LOSS_UNKNOWN = {
    "en": [r"do not know yet", r"not yet known", r"not known yet", r"don't know yet", r"no news (about|on) data loss"],
    "es": [
        r"aun no lo sabemos",
        r"aun no se sabe",
        r"todavia no",
        r"no sabemos",
        r"no hay novedades sobre datos perdidos",
        r"datos perdidos: nada nuevo",
        r"perdida de datos: por confirmar",
        r"perdida de datos: sin novedad",
    ],
}
DATA_LOSS_NONE = {
    "en": [r"no data was lost", r"data lost\?? ?:? no\b"],
    "es": [r"no se ha perdido ningun dato", r"datos perdidos\?? ?:? no\b", r"sin perdida de datos"],
}


def data_loss_problems(received: list[Received], since_sequence: float) -> list[str]:
    """Every message from ``since_sequence`` on (the first drafted after data loss was set to none) says no data was
    lost, and none says the data-loss state is not known yet."""
    problems: list[str] = []
    for r in received:
        if r.sequence is None or r.sequence < since_sequence:
            continue
        text = _plain(r.text)
        for pattern in DATA_LOSS_UNKNOWN.get(r.locale, []):
            if re.search(pattern, text):
                problems.append(f"{r.label()} ({r.locale}) still says data loss is unknown: /{pattern}/")
        if not any(re.search(p, text) for p in DATA_LOSS_NONE.get(r.locale, [])):
            problems.append(f"{r.label()} ({r.locale}) does not say that no data was lost")
    return problems


URLS = re.compile(r"(https?://\S+|\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b|\b[\w-]+(\.[\w-]+)+\.example\S*)")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


IDENTIFIERS = re.compile(r"[\w-]*\d[\w-]*")
"""Tokens with a digit in them (``update-a2dcb3d1``, ``v1``): message ids and versions are no language either, and
their random hex made the detector's verdict on a short line depend on the id drawn."""


def sentences(text: str) -> list[str]:
    """The text's sentences, links, addresses and identifiers taken out (they are no language)."""
    return [s.strip() for s in SENTENCE_END.split(IDENTIFIERS.sub(" ", URLS.sub(" ", text))) if s.strip()]


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    # py3langid 0.3 loads its model with from_pickled_model, 0.4 with from_model_file.
    load = getattr(LanguageIdentifier, "from_pickled_model", None) or LanguageIdentifier.from_model_file
    identifier = load(MODEL_FILE, norm_probs=True)
    identifier.set_languages(["es", "en"])
    return identifier


def language_of(sentence: str) -> tuple[str, float]:
    language, probability = _identifier().classify(sentence)
    return str(language), float(probability)


def wrong_language(received: list[Received], min_words: int = 6, min_probability: float = 0.9) -> list[str]:
    """Each sentence of at least ``min_words`` words is in the message's locale (es/en), as a language detector
    sees it; a sentence counts as wrong only when the detector is sure of the other language."""
    problems: list[str] = []
    for r in received:
        if r.locale not in ("es", "en"):
            continue
        for sentence in sentences(r.text):
            if len(WORD.findall(sentence)) < min_words:
                continue
            language, probability = language_of(sentence)
            if language != r.locale and probability >= min_probability:
                problems.append(
                    f"{r.label()} ({r.locale}) has a sentence in {language} ({probability:.2f}): {sentence!r}"
                )
    return problems


def carries(received: list[Received], locale: str, text: str) -> list[str]:
    """The messages of ``locale`` that carry ``text`` (whitespace-insensitive)."""
    needle = " ".join(text.split())
    return [r.label() for r in received if r.locale == locale and needle in " ".join(r.text.split())]


def unreadable(received: list[Received]) -> list[str]:
    """Mangled characters: U+FFFD or a literal ``\\uXXXX`` where a character should be."""
    return [
        f"{r.label()} ({r.locale}) has mangled characters: {r.text[:80]!r}"
        for r in received
        if "\ufffd" in r.text or re.search(r"\\u[0-9a-fA-F]{4}", r.text)
    ]
