"""What the checks look for, per language: word lists and regexes kept as data, so every heuristic can be read.

:data:`LANGUAGES` gives, for each language the checks know, its :class:`~incident_comms.lint.words_shared.Words`
and its labels: English in :mod:`incident_comms.lint.words_en`, Spanish in :mod:`incident_comms.lint.words_es`;
:mod:`incident_comms.lint.words_shared` holds what does not depend on the language (clock times, technical
tokens, internal details). Patterns are written with their accents and folded when compiled (see
:mod:`incident_comms.lint.text`), and match case-insensitively unless said otherwise. To teach a check a phrase,
add it to its language's module and a draft to ``tests/lint_corpus/`` that needs it.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from incident_comms.lint.words_en import EN, EN_TERMS
from incident_comms.lint.words_es import ES, ES_TERMS

LANGUAGES: Final = MappingProxyType({"en": (EN, EN_TERMS), "es": (ES, ES_TERMS)})
"""The languages the checks know, by base locale (``es-MX`` uses ``es``)."""
ALL_WORDS: Final = tuple(words for words, _ in LANGUAGES.values())
"""Every language's patterns: a report's section headings are matched in any of them."""
