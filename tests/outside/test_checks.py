"""The checks of the outside scenario are not vacuous: each one fires on the plan's own wording where it must.

Pure: no stack. The sentences are the plan's template texts (``plan/templates``), as customers would read them.
"""

from __future__ import annotations

from tests.outside import truth
from tests.outside.customers import Received


def received(text: str, locale: str, sequence: float, stream: str = "s", phase: str = "update") -> Received:
    return Received(stream, "c", locale, int(sequence * 10), f"m{sequence}", text, phase, sequence)


def test_data_loss_wording_of_each_state_is_told_apart() -> None:
    said_none = [
        received("Was any data lost? No, no data was lost.", "en", 1),
        received("¿Se han perdido datos? No, no se ha perdido ningún dato.", "es", 1),
        received("Nubeteca: fix applied to Public API, monitoring. Data lost? No. Info: x", "en", 1),
        received("Nubeteca: resuelto el problema en API pública (2 h). ¿Datos perdidos? No. Info: x", "es", 1),
        received("Datos perdidos: no\nAlarmas:", "es", 1),
        received("Nubeteca: problema en API publica corregido, lo vigilamos. Sin pérdida de datos. Info: x", "es", 1),
    ]
    still_unknown = [
        received("Was any data lost? We do not know yet. We will tell you as soon as we know.", "en", 2),
        received("¿Se han perdido datos? Aún no lo sabemos. Se lo diremos en cuanto lo sepamos.", "es", 2),
        received("Nubeteca: ... ¿Datos perdidos? Aún no se sabe. Próx. aviso: 11:30 CET.", "es", 2),
        received("There is no news about data loss: what our last message said still stands.", "en", 2),
        received("Datos perdidos: nada nuevo. Prox. aviso: 12:00 CET", "es", 2),
        received("Nubeteca: ... Pérdida de datos: por confirmar. Nuevo aviso: 11:30 CET.", "es", 2),
    ]
    assert truth.data_loss_problems(said_none, since_sequence=1) == []
    assert len(truth.data_loss_problems(still_unknown, since_sequence=1)) >= len(still_unknown)
    assert truth.data_loss_problems(still_unknown, since_sequence=3) == [], "older messages are not judged"


def test_a_sentence_in_the_other_language_is_found() -> None:
    english = received(
        "We have identified the cause of the problem with Public API and are working to fix it.\n\n"
        "Technical detail: Un cambio de configuración en el balanceador de carga envió parte del tráfico a "
        "servidores antiguos.",
        "en",
        1,
    )
    spanish = received(
        "Hemos identificado la causa del problema en API pública y estamos trabajando para corregirlo.\n\n"
        "Detalle técnico: A configuration change in the load balancer sent part of the traffic to old servers.",
        "es",
        1,
    )
    clean = received(
        "Estamos investigando un problema en API pública que afecta a algunos clientes desde el 22/11/2026.\n"
        "¿Necesita ayuda? Escriba a soporte@nubeteca.example o visite https://ayuda.nubeteca.example.",
        "es",
        1,
    )
    assert len(truth.wrong_language([english])) == 1
    assert len(truth.wrong_language([spanish])) == 1
    assert truth.wrong_language([clean]) == []


def test_order_and_repetition_are_per_stream() -> None:
    stream = [
        received("a", "es", 1, phase="investigating"),
        received("b", "es", 2.5, phase="update"),  # a holding text, just below its draft 3
        received("c", "es", 3, phase="update"),
        received("d", "es", 4, phase="monitoring"),
    ]
    assert truth.out_of_order(stream) == []
    relapse = [*stream, received("e", "es", 5, phase="identified")]
    assert truth.out_of_order(relapse) == [], "identified after monitoring is a relapse, told by a newer message"
    late = [*stream, received("e", "es", 5, phase="investigating")]
    assert len(truth.out_of_order(late)) == 1, "investigating after monitoring is out of phase order"
    older = [*stream, received("f", "es", 2, phase="update")]
    older[-1].position = 99
    assert len(truth.out_of_order(older)) == 1, "an older sequence after a newer one"
    twice = [*stream, received("a", "es", 1, phase="investigating")]
    assert len(truth.repeated(twice)) == 1
