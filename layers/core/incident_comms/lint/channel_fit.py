"""Whether a draft fits its channel: an SMS in one 160-character GSM-7 message (UCS-2 parts counted when a
character forces it), a subject or title under 100 characters and on one line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from incident_comms.lint.context import Context, Hit
from incident_comms.lint.words_shared import GSM7_BASIC, GSM7_EXTENSION
from incident_comms.plan.models import ChannelFormat

SMS_LIMIT = 160


SUBJECT_LIMIT = 100


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
