"""Fitting approved text to length-limited channels: SMS (SNS), subjects, short posts (manual channels).

What matters: a cut text stays within its limit, is cut between words, keeps the status page link people need to
read the rest, carries no line breaks or control characters, and the SMS cost (GSM-7 vs UCS-2 segments) is what
the operator will be billed.
"""

from __future__ import annotations

import pytest

from incident_comms.adapters.sns import SMS_TEXT_MAX, is_gsm7, sms_segments, sms_text, sns_subject
from incident_comms.delivery.manual import SHORT_POST_MAX, fit_text, manual_subject, manual_texts, printable
from incident_comms.plan.models import Phase, Plan

STATUS = "https://estado.nubeteca.example"
SMS_DRAFT = (
    "Nubeteca: investigamos un problema en API pública. ¿Datos perdidos? Aún no se sabe. "
    "Próx. aviso: 11:45 CET. Info: estado.nubeteca.example"
)
HOSTILE = (
    "ALERTA\r\nprod-api-5xx\tfired\x00\x07 on host web-01\n\n"
    + "lorem ipsum dolor sit amet " * 40
    + "\u202eevil\u202c\nSee https://estado.nubeteca.example for updates.\n"
    + "x" * 500
)


def test_a_text_that_fits_is_only_put_on_one_line() -> None:
    assert fit_text("Nubeteca:  API\ncaída.\r\n  Info: x.example", 160) == "Nubeteca: API caída. Info: x.example"
    assert sms_text(SMS_DRAFT, url=STATUS) == SMS_DRAFT


def test_a_long_text_is_cut_between_words_and_marked() -> None:
    text = "El servicio de facturación electrónica tiene retrasos importantes en el envío a Hacienda " * 4

    fitted = fit_text(text, 100)

    assert len(fitted) <= 100
    assert fitted.endswith("…")
    assert text.startswith(fitted[:-1])
    assert text[len(fitted) - 1] == " ", "the cut falls at the end of a word"


def test_the_status_page_link_is_kept_whole_at_the_end_when_the_words_are_cut() -> None:
    long_sms = SMS_DRAFT.replace("Próx. aviso", "Estamos trabajando con el proveedor para restablecerlo. Próx. aviso")
    assert len(long_sms) > SMS_TEXT_MAX

    fitted = sms_text(long_sms, url=STATUS)

    assert len(fitted) <= SMS_TEXT_MAX
    assert fitted.endswith(" estado.nubeteca.example"), "the link without its scheme, as the SMS template writes it"
    assert "…" in fitted


def test_a_link_in_the_text_is_kept_even_without_knowing_the_status_page() -> None:
    text = "Problema en la API. " + "Detalle largo del incidente. " * 10 + "Más en https://x.example/inc/42."

    fitted = fit_text(text, 120)

    assert len(fitted) <= 120
    assert fitted.endswith(" https://x.example/inc/42"), "trailing punctuation is not part of the link"


def test_a_link_too_long_to_leave_room_for_words_is_cut_like_any_text() -> None:
    text = "Caída. " + "https://x.example/" + "a" * 200

    fitted = fit_text(text, 160)

    assert len(fitted) <= 160
    assert fitted.startswith("Caída.")


def test_a_hostile_multi_line_text_is_one_clean_line_within_the_sms_limit() -> None:
    fitted = sms_text(HOSTILE, url=STATUS)

    assert len(fitted) <= SMS_TEXT_MAX
    assert "\n" not in fitted and "\r" not in fitted and "\t" not in fitted
    assert not any(char in fitted for char in "\x00\x07\u202e\u202c")
    assert fitted.startswith("ALERTA prod-api-5xx fired on host web-01")
    assert fitted.endswith(" https://estado.nubeteca.example")


def test_printable_keeps_letters_emoji_and_whitespace_and_drops_controls() -> None:
    assert printable("a\x00b\x1bc\u202ed\u2066e\n\tá 👩‍💻") == "abcde\n\tá 👩‍💻"


def test_an_otherwise_gsm7_sms_is_cut_with_three_dots_so_it_stays_one_segment() -> None:
    text = "Nubeteca: the public API is failing for some customers. " * 5
    assert is_gsm7(text)

    fitted = sms_text(text)

    assert fitted.endswith("...")
    assert len(fitted) <= SMS_TEXT_MAX
    assert sms_segments(fitted) == ("GSM-7", 1)


def test_a_spanish_sms_is_honestly_ucs2_and_up_to_three_segments() -> None:
    fitted = sms_text(SMS_DRAFT + " " + SMS_DRAFT, url=STATUS)

    assert len(fitted) <= SMS_TEXT_MAX
    assert fitted.count("…") == 1
    encoding, segments = sms_segments(fitted)
    assert encoding == "UCS-2"
    assert segments <= 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 160, ("GSM-7", 1)),
        ("a" * 161, ("GSM-7", 2)),
        ("a" * 306, ("GSM-7", 2)),
        ("a" * 307, ("GSM-7", 3)),
        ("€" * 80, ("GSM-7", 1)),
        ("€" * 81, ("GSM-7", 2)),
        ("ñé¡ü" * 40, ("GSM-7", 1)),
        ("á" * 70, ("UCS-2", 1)),
        ("á" * 71, ("UCS-2", 2)),
        ("á" * 160, ("UCS-2", 3)),
        ("🙂" * 35, ("UCS-2", 1)),
        ("🙂" * 36, ("UCS-2", 2)),
    ],
)
def test_sms_segments_count_as_the_operator_bills(text: str, expected: tuple[str, int]) -> None:
    assert sms_segments(text) == expected


def test_an_sns_subject_from_a_hostile_draft_subject_is_one_line_under_100_characters(plan: Plan) -> None:
    subject = sns_subject("Caída\r\nBcc: x@evil.example\n" + "muy larga " * 30, plan, "api", Phase.INVESTIGATING, "es")

    assert len(subject) < 100
    assert "\n" not in subject and "\r" not in subject
    assert subject.startswith("Caída Bcc: x@evil.example muy larga")
    assert subject.endswith("…")


def test_an_sns_subject_without_a_draft_subject_is_a_short_phase_line_in_the_channel_locale(plan: Plan) -> None:
    assert sns_subject(None, plan, "api", Phase.INVESTIGATING, "es") == "Nubeteca · API pública: Investigando"
    assert sns_subject("  \n ", plan, "storage", Phase.RESOLVED, "en") == "Nubeteca · File storage: Resolved"
    assert sns_subject(None, plan, "gone", Phase.UPDATE, "es") == "Nubeteca · gone: Actualización"


def test_a_manual_subject_shortens_the_component_first_and_stays_one_line(plan: Plan) -> None:
    texts = manual_texts(plan)

    subject = manual_subject("SEV1", "Redes sociales", "Componente\n" + "larguísimo " * 20, "Investigando", texts)

    assert len(subject) < 100
    assert "\n" not in subject
    assert subject.startswith("[SEV1] Publique en Redes sociales: Componente larguísimo")
    assert subject.endswith("— Investigando")


def test_a_short_post_keeps_the_link_within_its_limit() -> None:
    text = "Nubeteca: " + "seguimos trabajando para restablecer el servicio de archivos. " * 8 + "Info: " + STATUS

    fitted = fit_text(text, SHORT_POST_MAX, url=STATUS)

    assert len(fitted) <= SHORT_POST_MAX
    assert fitted.endswith(" " + STATUS)


def test_a_limit_without_room_for_text_is_refused() -> None:
    with pytest.raises(ValueError, match="no room"):
        fit_text("texto", 5)
