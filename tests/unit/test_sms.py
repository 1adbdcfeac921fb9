"""How a text travels as SMS: billed parts as the network counts them, and the GSM-7 form drafting sends."""

from __future__ import annotations

import pytest

from incident_comms.sms import is_gsm7, sms_encoding, to_gsm7


@pytest.mark.parametrize(
    ("text", "encoding", "parts"),
    [
        ("x" * 160, "GSM-7", 1),
        ("x" * 161, "GSM-7", 2),
        ("x" * 306, "GSM-7", 2),
        ("x" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),
        ("€" * 81, "GSM-7", 2),
        ("ó" + "x" * 69, "UCS-2", 1),
        ("ó" + "x" * 70, "UCS-2", 2),
        ("ó" + "x" * 136, "UCS-2", 3),
        ("👍" * 35, "UCS-2", 1),
        ("👍" * 36, "UCS-2", 2),
    ],
)
def test_parts_are_counted_as_the_network_bills_them(text: str, encoding: str, parts: int) -> None:
    counted = sms_encoding(text)
    assert (counted.encoding, counted.parts) == (encoding, parts)


def test_gsm7_keeps_what_the_alphabet_has_and_writes_the_rest_without_accents() -> None:
    spanish = "¿Qué pasó? Facturación y API pública: «sin pérdida» — próx. aviso… ¡Señal! Ü"
    assert to_gsm7(spanish) == '¿Qué paso? Facturacion y API publica: "sin pérdida" - prox. aviso... ¡Señal! Ü'
    assert is_gsm7(to_gsm7(spanish))
    assert to_gsm7("ok 👍") == "ok 👍"
    plain = "Nubeteca: all fine"
    assert to_gsm7(plain) is plain
