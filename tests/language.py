"""Which language each sentence of a customer message is in, told by a language detector, never a word list.

py3langid (langid.py's model) restricted to the plan's languages: every sentence is then Spanish or English, and a
message in one locale must not carry a sentence of the other. Short sentences (a name, "Info: status.example")
say too little to be told apart and are skipped.
"""

from __future__ import annotations

import re
from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

MIN_WORDS = 6
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_URL = re.compile(r"\S+://\S+|\S+@\S+|www\.\S+")


@cache
def _identifier(languages: tuple[str, ...]) -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier


def sentences(text: str) -> list[str]:
    """The text's sentences of at least :data:`MIN_WORDS` words, links and addresses left out."""
    cleaned = _URL.sub(" ", text)
    return [part.strip() for part in _SENTENCE_END.split(cleaned) if len(part.split()) >= MIN_WORDS]


def foreign_sentences(text: str, locale: str, languages: tuple[str, ...] = ("es", "en")) -> list[tuple[str, str]]:
    """Each sentence of ``text`` the detector places in another of ``languages`` than ``locale``'s, with it."""
    expected = locale.split("-")[0]
    found = []
    for sentence in sentences(text):
        language, _ = _identifier(languages).classify(sentence)
        if language != expected:
            found.append((language, sentence))
    return found
