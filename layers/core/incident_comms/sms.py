"""How a text travels as SMS: the GSM-7 alphabet, the billed parts a text takes, and the text in GSM-7.

A single character outside GSM-7 (``á``, ``’``, an em dash) sends the whole message as UCS-2: 70 characters in one
part instead of 160, 67 instead of 153 per part once split, each part billed. The drafting stage writes SMS in GSM-7
(:func:`to_gsm7`), the draft checks count the parts of what a responder wrote (:func:`sms_encoding`), and the SNS
adapter chooses its cut mark by it (:func:`is_gsm7`).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

GSM7_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""The GSM 03.38 default alphabet: one septet each."""

GSM7_EXTENSION: Final = frozenset("^{}\\[~]|€\f")
"""The GSM 03.38 extension table: two septets each (an escape, then the character)."""

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

_PUNCTUATION: Final = {"’": "'", "‘": "'", "´": "'", "“": '"', "”": '"', "«": '"', "»": '"', "–": "-", "—": "-"}
_PUNCTUATION_LONG: Final = {"…": "...", "\u00a0": " ", "\u202f": " "}


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


def is_gsm7(text: str) -> bool:
    """Whether ``text`` can travel in the GSM-7 alphabet (default table plus its extension)."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def sms_encoding(text: str) -> SmsEncoding:
    """The encoding, length and billed parts of ``text`` as the network sends it."""
    non_gsm = tuple(dict.fromkeys(c for c in text if c not in GSM7_BASIC and c not in GSM7_EXTENSION))
    if non_gsm:
        units = len(text.encode("utf-16-le")) // 2
        return SmsEncoding("UCS-2", units, 1 if units <= UCS2_SINGLE else math.ceil(units / UCS2_PART), non_gsm)
    septets = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
    return SmsEncoding("GSM-7", septets, 1 if septets <= GSM7_SINGLE else math.ceil(septets / GSM7_PART), ())


def to_gsm7(text: str) -> str:
    """``text`` in GSM-7 wherever a character has a GSM-7 form: ``á`` -> ``a``, ``’`` -> ``'``, ``…`` -> ``...``.

    Spanish SMS are commonly written without the accents GSM-7 lacks (it has ``é``, ``ñ``, ``¿``, ``¡``); one
    ``ó`` would otherwise make a 137-character SMS three billed parts. Characters with no GSM-7 form (an emoji)
    stay, and the draft checks say what they cost.
    """
    if is_gsm7(text):
        return text
    return "".join(_gsm7_char(char) for char in text)


def _gsm7_char(char: str) -> str:
    if char in GSM7_BASIC or char in GSM7_EXTENSION:
        return char
    if char in _PUNCTUATION:
        return _PUNCTUATION[char]
    if char in _PUNCTUATION_LONG:
        return _PUNCTUATION_LONG[char]
    base = unicodedata.normalize("NFD", char)[0]
    return base if base in GSM7_BASIC else char
