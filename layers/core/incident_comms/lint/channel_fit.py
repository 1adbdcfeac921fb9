"""Whether a draft fits its channel: an SMS in one billed part (160 GSM-7 septets, or 70 UCS-2 characters when a
character outside GSM-7 forces it; more parts counted and priced by the network), a subject or title under 100
characters and on one line.
"""

from __future__ import annotations

from incident_comms.lint.context import Context, Hit, Level
from incident_comms.plan.models import ChannelFormat
from incident_comms.sms import GSM7_EXTENSION, GSM7_SINGLE, UCS2_SINGLE, sms_encoding

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


def _sms_fits(ctx: Context) -> list[Hit]:
    """An SMS in one billed part passes; more parts are a warning with the count (each part is billed), more than
    the channel's ``max_parts`` an error. The span is what does not fit in the first part."""
    text = ctx.text
    sms = sms_encoding(text)
    if sms.parts <= 1:
        return []
    single = UCS2_SINGLE if sms.encoding == "UCS-2" else GSM7_SINGLE
    message = ctx.say("sms-long", count=sms.length, limit=single, parts=sms.parts)
    if sms.encoding == "UCS-2":
        message += ctx.say("sms-ucs2", chars=", ".join(sms.non_gsm))
    if sms.parts > ctx.max_parts:
        message += ctx.say("sms-over-max", max_parts=ctx.max_parts)
    level: Level = "error" if sms.parts > ctx.max_parts else "warning"
    return [Hit(message, _sms_cut(text, sms.encoding, single), len(text), level=level)]


def _sms_cut(text: str, encoding: str, limit: int) -> int:
    """The offset of the first character past the limit (the part that does not fit)."""
    used = 0
    for index, char in enumerate(text):
        if encoding == "GSM-7":
            used += 2 if char in GSM7_EXTENSION else 1
        else:
            used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)
