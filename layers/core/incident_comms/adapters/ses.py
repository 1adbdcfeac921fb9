"""``EmailSender`` on Amazon SES (API v2): one ``SendEmail`` call per email, as a MIME message.

Raw MIME rather than "simple" content: we decide every header (List-Unsubscribe, our incident ids) and the
text and HTML alternatives exactly, and what the local stack records is byte for byte what SES was given.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP
from typing import TYPE_CHECKING

from incident_comms.adapters.retries import Verdict, verdict, with_retries
from incident_comms.errors import OutcomeUnknown
from incident_comms.mail_threads import thread_headers
from incident_comms.team.emails import Email

if TYPE_CHECKING:
    from mypy_boto3_sesv2.client import SESV2Client


class SesEmailSender:
    """Sends through SES from ``sender`` (a verified identity, or one whose domain is verified).

    SES refuses an unverified sender with ``MessageRejected``; that error reaches the caller untouched,
    so the use case can record it on the incident instead of losing the email silently. The client has SDK retries
    off: a call that could not connect or was throttled is tried again here; one whose answer was lost is never
    resent and raises :class:`~incident_comms.errors.OutcomeUnknown` (SES may have sent it).
    """

    def __init__(self, client: SESV2Client, sender: str, sleep: Callable[[float], None] = time.sleep) -> None:
        self._client = client
        self._sender = sender
        self._sleep = sleep

    def send(self, email: Email) -> str:
        """Send ``email`` with text and HTML parts; answers SES's message id."""
        sender = email.sender or self._sender
        raw = to_mime(email, sender)
        try:
            response = with_retries(
                lambda: self._client.send_email(
                    FromEmailAddress=sender,
                    Destination={"ToAddresses": list(email.to)},
                    Content={"Raw": {"Data": raw}},
                ),
                sleep=self._sleep,
            )
        except Exception as error:
            if verdict(error) == Verdict.UNKNOWN:
                raise OutcomeUnknown(f"SES did not answer ({type(error).__name__}); maybe sent, not resent") from error
            raise
        return response["MessageId"]


def to_mime(email: Email, sender: str) -> bytes:
    """The email as RFC 5322 bytes: text first, HTML as the preferred alternative, UTF-8 throughout, every part
    quoted-printable (7-bit on the wire: SES's raw-message rules ask for encoded non-ASCII parts, and no relay or
    mailbox on the way may mangle an accent). An email of a thread carries its ``In-Reply-To`` / ``References``,
    named after the sender's domain (:mod:`incident_comms.mail_threads`: SES replaces any ``Message-ID``)."""
    message = EmailMessage(policy=SMTP.clone(max_line_length=998))
    message["From"] = sender
    message["To"] = ", ".join(email.to)
    message["Subject"] = email.subject
    for name, value in email.headers.items():
        message[name] = value
    for name, value in thread_headers(email.thread, sender) if email.thread else ():
        message[name] = value
    message.set_content(email.text, charset="utf-8", cte="quoted-printable")
    message.add_alternative(email.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message.as_bytes()
