"""The raw emails we hand SES are 7-bit: every non-ASCII part is encoded, and reads back exactly as written."""

from email import message_from_bytes, policy
from email.message import EmailMessage

from incident_comms.adapters.ses import to_mime
from incident_comms.team.emails import Email


def test_accents_travel_encoded_and_read_back_exactly() -> None:
    text = "Publique en Redes sociales: API pública — Investigando. ¿Datos perdidos? Aún no se sabe."
    email = Email(
        to=["elena@nubeteca.example"], subject="[SEV1] API pública — Investigando", text=text, html=f"<p>{text}</p>"
    )

    raw = to_mime(email, "avisos@nubeteca.example")

    assert raw.isascii(), "an 8-bit body is what SES asks senders not to send"
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    plain, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content().strip() == text
    assert text in html.get_content()
    assert str(parsed["Subject"]) == "[SEV1] API pública — Investigando"
