"""Message tags: how SES feedback finds its message.

Every customer email carries SES message tags naming its incident, message version and channel
(:func:`mail_tags`); SES returns them with every bounce and complaint event the configuration set publishes
(:mod:`incident_comms.delivery.email.feedback`). Ids are kept in the characters SES allows in a tag value by
:func:`encode_tag_value`, readable where they already were; :func:`decode_tag_value` gives the id back and refuses
anything the encoding could not have produced (one encoding per value). :func:`mail_tags` never raises: an id too
long to tag leaves the email untagged rather than unsent.
"""

from __future__ import annotations

import re

TAG_INCIDENT = "ic-incident"
TAG_MESSAGE = "ic-message"
TAG_VERSION = "ic-version"
TAG_CHANNEL = "ic-channel"
TAG_VALUE_MAX = 255
"""SES: a tag name or value has fewer than 256 characters, all of ``[A-Za-z0-9_-]``."""
_TAG_KEPT = re.compile(r"[A-Za-z0-9-]")
_TAG_VALUE = re.compile(r"(?:[A-Za-z0-9-]|_[0-9A-F]{2})+")


def encode_tag_value(value: str) -> str:
    """``value`` in the characters SES allows in a tag value, readable where it already was.

    Letters, digits and ``-`` stay; every other character (``_`` included, so the escape is unambiguous) becomes
    ``_`` and two upper-case hex digits per UTF-8 byte: ``email.es`` → ``email_2Ees``. Raises ``ValueError`` for an
    empty value or one whose encoding would not fit SES's limit."""
    encoded = "".join(
        char if _TAG_KEPT.fullmatch(char) else "".join(f"_{byte:02X}" for byte in char.encode("utf-8"))
        for char in value
    )
    if not encoded or len(encoded) > TAG_VALUE_MAX:
        raise ValueError(f"a tag value must be 1 to {TAG_VALUE_MAX} characters once encoded")
    return encoded


def decode_tag_value(encoded: str) -> str:
    """The value :func:`encode_tag_value` encoded; ``ValueError`` for anything it could not have produced."""
    if not isinstance(encoded, str) or len(encoded) > TAG_VALUE_MAX or not _TAG_VALUE.fullmatch(encoded):
        raise ValueError("not an encoded tag value")
    data = bytearray()
    index = 0
    while index < len(encoded):
        if encoded[index] == "_":
            data.append(int(encoded[index + 1 : index + 3], 16))
            index += 3
        else:
            data.extend(encoded[index].encode("ascii"))
            index += 1
    value = data.decode("utf-8")  # UnicodeDecodeError is a ValueError
    if encode_tag_value(value) != encoded:  # one encoding per value: no escaped letters, no split characters
        raise ValueError("not an encoded tag value")
    return value


def mail_tags(incident_id: str, message_id: str, version: int, channel_id: str) -> tuple[tuple[str, str], ...]:
    """The tags of every email of one message version on one channel; empty when an id is too long to tag (its
    feedback then arrives untagged, and is counted as such, rather than the emails not being sent)."""
    try:
        return (
            (TAG_INCIDENT, encode_tag_value(incident_id)),
            (TAG_MESSAGE, encode_tag_value(message_id)),
            (TAG_VERSION, str(version)),
            (TAG_CHANNEL, encode_tag_value(channel_id)),
        )
    except ValueError:
        return ()
