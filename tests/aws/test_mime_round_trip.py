"""Accents survive SES on moto, both ways: what we send is 7-bit MIME (quoted-printable bodies, RFC 2047 headers), and
what the local outbox (``/local/outbox``, ``/local/``) shows is what a mail client reads from those bytes.

Team emails go as raw MIME (:class:`~incident_comms.adapters.ses.SesEmailSender`), customer emails through the local
SendBulkEmail emulation (:mod:`incident_comms.local.ses_bulk`); both land in moto's SES backend, read back by
:func:`incident_comms.local.outbox.sent_emails`.
"""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import boto3
import pytest

from incident_comms.adapters.ses import SesEmailSender
from incident_comms.adapters.ses_bulk import SesBulkEmailSender
from incident_comms.delivery.email.batches.models import BulkEmail, BulkEntry
from incident_comms.local.aws import ACCOUNT_ID
from incident_comms.local.ses_bulk import SesBulkEmail, moto_server_with_bulk_email
from incident_comms.team.emails import Email
from tests.factories import sent_emails

SENDER = "avisos@nubeteca.example"
REGION = "eu-west-1"
SUBJECT = "[SEV1] API pública — Facturación, ñ, ¿?"
TEXT = "API pública — Facturación, ñ, ¿Datos perdidos? Aún no se sabe.\nSegunda línea: «cañón».\n"
HTML = "<!DOCTYPE html><html><body><p>API pública — Facturación, ñ, ¿?</p><p>«cañón»</p></body></html>\n"


@pytest.fixture
def ses_server(aws: None) -> Iterator[tuple[SesBulkEmail, str]]:
    with moto_server_with_bulk_email() as served:
        yield served


@pytest.fixture
def sesv2(ses_server: tuple[SesBulkEmail, str]) -> Any:
    client = boto3.client("sesv2", region_name=REGION, endpoint_url=ses_server[1])
    client.create_email_identity(EmailIdentity=SENDER)
    return client


def raw_sent() -> list[bytes]:
    """The raw emails moto's SES accepted, as the bytes SES was given (moto keeps them decoded as UTF-8)."""
    from moto.ses.models import ses_backends

    return [message.raw_data.encode("utf-8") for message in ses_backends[ACCOUNT_ID][REGION].sent_messages]


def assert_seven_bit(raw: bytes) -> None:
    """Nothing on the wire needs 8 bits: bodies quoted-printable (or base64), headers RFC 2047 encoded."""
    assert raw.isascii(), "SES's raw-message rules ask for non-ASCII parts to be encoded"
    parsed = message_from_bytes(raw, policy=policy.default)
    for part in parsed.walk():
        if not part.is_multipart():
            assert part["Content-Transfer-Encoding"] in ("quoted-printable", "base64"), part["Content-Type"]
            if part.get_content_maintype() == "text":
                assert part["Content-Transfer-Encoding"] == "quoted-printable", "text stays readable on the wire"
    subject = raw.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    assert b"=?utf-8?" in subject.lower(), "the Subject is an RFC 2047 encoded word"


def lf(text: str) -> str:
    """A mail parser hands back the line endings of the wire (CRLF); compare with the rendered text's."""
    return text.replace("\r\n", "\n")


def test_a_team_email_reads_back_exactly_from_seven_bit_mime(sesv2: Any) -> None:
    email = Email(to=["elena@nubeteca.example"], subject=SUBJECT, text=TEXT, html=HTML, headers={"X-Incident-Id": "1"})

    SesEmailSender(sesv2, f"Avisos de Facturación <{SENDER}>").send(email)

    (raw,) = raw_sent()
    assert_seven_bit(raw)
    (read,) = sent_emails()
    assert (read["subject"], lf(read["text"]), lf(read["html"])) == (SUBJECT, TEXT, HTML)
    assert read["from"] == f"Avisos de Facturación <{SENDER}>"


def test_a_customer_bulk_email_reads_back_exactly_from_seven_bit_mime(sesv2: Any) -> None:
    entry = BulkEntry("ana@cliente.example", {"name": "Begoña"}, (("List-Unsubscribe", "<https://x.example/u>"),))
    bulk = BulkEmail(SUBJECT + " {{name}}", TEXT + "Hola {{name}}\n", HTML, {}, (entry,), (("X-Incident-Id", "1"),))

    (result,) = SesBulkEmailSender(sesv2, f"Avisos de Facturación <{SENDER}>").send_bulk(bulk)

    assert result.status == "SUCCESS"
    (raw,) = raw_sent()
    assert_seven_bit(raw)
    (read,) = sent_emails()
    assert (read["subject"], lf(read["text"]), lf(read["html"])) == (SUBJECT + " Begoña", TEXT + "Hola Begoña\n", HTML)
    assert read["from"] == f"Avisos de Facturación <{SENDER}>"
    assert read["headers"]["List-Unsubscribe"] == "<https://x.example/u>"


def test_the_outbox_reads_an_eight_bit_email_as_a_mail_client_does(sesv2: Any) -> None:
    """SES accepts 8-bit UTF-8 from other senders; the outbox must not garble it (it read ``API p�blica``)."""
    message = EmailMessage(policy=policy.SMTPUTF8)
    message["From"], message["To"], message["Subject"] = SENDER, "elena@nubeteca.example", SUBJECT
    message.set_content(TEXT, cte="8bit")
    message.add_alternative(HTML, subtype="html", cte="8bit")
    raw = message.as_bytes()
    assert not raw.isascii()

    sesv2.send_email(
        FromEmailAddress=SENDER, Destination={"ToAddresses": [message["To"]]}, Content={"Raw": {"Data": raw}}
    )

    (read,) = sent_emails()
    assert (read["subject"], lf(read["text"]), lf(read["html"])) == (SUBJECT, TEXT, HTML)
