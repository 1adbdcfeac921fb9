"""Accents survive SES on moto, both ways: what we send is 7-bit MIME (quoted-printable bodies, RFC 2047 headers), and
what the local outbox (``/local/outbox``, ``/local/``) shows is what a mail client reads from those bytes.

Team emails go as raw MIME (:class:`~incident_comms.adapters.ses.SesEmailSender`), customer emails through the local
SendBulkEmail emulation (:mod:`incident_comms.local.ses_bulk`); both land in moto's SES backend, read back by
:func:`incident_comms.local.outbox.sent_emails`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import boto3
import pytest

from incident_comms.adapters.ses import SesEmailSender
from incident_comms.adapters.ses_bulk import SesBulkEmailSender
from incident_comms.approvals.links import approval_links
from incident_comms.approvals.request_email import approval_request_email
from incident_comms.delivery.email.batches.content import LITERAL_DATA, bulk_content
from incident_comms.delivery.email.batches.models import BulkEmail, BulkEntry
from incident_comms.delivery.report.emails import report_email
from incident_comms.delivery.report.models import ChannelReport, Counts, DeliveryReport
from incident_comms.drafting.render import MessageFacts, render_draft
from incident_comms.local.aws import ACCOUNT_ID
from incident_comms.local.ses_bulk import SesBulkEmail, moto_server_with_bulk_email, render
from incident_comms.plan.models import ChannelFormat, ChannelKind, Phase, Plan
from incident_comms.subscribers.models import Subscriber
from incident_comms.subscribers.subscribe_pages import confirmation_email
from incident_comms.team.emails import Email
from incident_comms.team.engage import announcement_emails, engagement_emails
from tests.factories import OPENED, opened_incident, sent_emails

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
    if not str(parsed["Subject"]).isascii():
        header = re.search(rb"(?im)^subject:(.*(?:\r?\n[ \t].*)*)", raw)
        assert header and b"=?utf-8?" in header.group(1).lower(), "an accented Subject holds RFC 2047 encoded words"


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


# --- every template with accents, through the real adapters ------------------------------------------------------

NOW = OPENED + timedelta(minutes=40)
LINK = "https://incidents.example.com/unsubscribe/t0k3n"
MANAGE_LINK = "https://incidents.example.com/subscribe/manage/m4n4g3"


def team_emails(plan: Plan, which: str) -> list[Email]:
    """The package's team emails (written in the plan's main locale) and the subscription confirmation (each)."""
    incident, message = opened_incident(plan)
    to = "marta.ibanez@nubeteca.example"
    if which == "approval-request":
        links = approval_links("https://incidents.example.com", b"k" * 32, message, to, NOW + timedelta(hours=24))
        return [approval_request_email(plan, incident, message, NOW, links, to)]
    if which == "engagement":
        return engagement_emails(plan, incident, NOW)[:1]
    if which == "announcement":
        return announcement_emails(plan)[:1]
    if which == "delivery-report":
        channel = ChannelReport(
            "email-customers-es", ChannelKind.EMAIL.value, Counts(attempted=3, delivered=2, bounced=1)
        )
        report = DeliveryReport(incident.id, message.id, message.version, NOW, (channel,))
        return [report_email(plan, incident, message, report, [to], NOW)]
    return [
        confirmation_email(
            plan, Subscriber(email=to, components=("api", "invoicing"), locale=locale, audience=""), LINK
        )
        for locale in plan.definition.locales
    ]


def lines(text: str) -> list[str]:
    """Text as lines: the transfer encoding ends every body with a newline and may carry it as CRLF."""
    return text.splitlines()


def read_back() -> list[dict[str, Any]]:
    found = sent_emails()
    for raw in raw_sent():
        assert_seven_bit(raw)
    return found


TEAM = ["approval-request", "engagement", "announcement", "delivery-report", "subscription-confirmation"]
LOCALES = ("es", "en")
CUSTOMER = [f"customer-{locale}-{phase.value}" for locale in LOCALES for phase in Phase]


@pytest.mark.parametrize("case", TEAM + CUSTOMER)
def test_every_email_template_reads_back_from_ses_as_rendered(plan: Plan, sesv2: Any, case: str) -> None:
    """Each template as rendered, sent by the real adapter, parsed back from the raw bytes by a standard parser: the
    same subject, text and HTML (a customer email with the unsubscribe footer SES's rendering adds)."""
    expected: list[tuple[str, str, str]] = []
    if case in TEAM:
        emails = team_emails(plan, case)
        sender = SesEmailSender(sesv2, SENDER)
        for email in emails:
            sender.send(email)
            expected.append((email.subject, email.text, email.html))
    else:
        _, locale, phase = case.split("-", 2)
        assert tuple(plan.definition.locales) == LOCALES, "every locale of the plan is a case"
        channel = next(
            c
            for c in plan.channels.channels
            if c.template_format == ChannelFormat.EMAIL and not plan.audience(c.audience).internal
        )
        channel = channel.model_copy(update={"locale": locale})
        draft = render_draft(plan, Phase(phase), accented_facts(), channel)
        subject, text, html = bulk_content(draft)
        data = {**LITERAL_DATA, "unsubscribe_url": LINK, "manage_url": MANAGE_LINK}
        entry = BulkEntry("ana@cliente.example", data, ())
        (result,) = SesBulkEmailSender(sesv2, SENDER).send_bulk(BulkEmail(subject, text, html, {}, (entry,)))
        assert result.status == "SUCCESS"
        assert draft.html is not None
        rendered = (render(subject, data), render(text, data), render(html or "", data))
        assert rendered[0] == draft.subject and rendered[1].startswith(draft.text.rstrip() + "\n")
        assert rendered[2].startswith(draft.html[: draft.html.rindex("</body>")]), "the footer goes before </body>"
        expected.append(rendered)

    found = read_back()

    assert any(not "".join(e).isascii() for e in expected), "a case without accents proves nothing"
    assert len(found) == len(expected)
    for (subject, text, html), email in zip(expected, found, strict=True):
        assert email["subject"] == subject
        assert lines(email["text"]) == lines(text)
        assert lines(email["html"]) == lines(html)


def accented_facts() -> MessageFacts:
    return MessageFacts.model_validate(
        {
            "incident_id": "INC-20261122-1015-abc123",
            "component_id": "invoicing",
            "severity_id": "SEV1",
            "started_at": OPENED,
            "now": NOW,
            "next_update_at": NOW + timedelta(minutes=30),
            "resolved_at": NOW + timedelta(minutes=55),
            "alarms": [],
            "data_loss": "no",
            "customer_action": {"es": "Reintente el envío — ¿sigue fallando? Escríbanos.", "en": "Retry — café ñ."},
            "cause": "Una base de datos saturada: «conexión rechazada».",
            "actions_taken": "Ampliamos la capacidad.",
            "actions_planned": "Alertas antes de la saturación.",
            "root_cause": "Un límite de conexiones demasiado bajo.",
            "lessons": "Probar los límites en preproducción.",
        }
    )
