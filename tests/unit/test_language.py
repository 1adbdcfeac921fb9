"""The language check the scenario tests rely on tells Spanish from English sentences, and nothing else."""

from tests.language import foreign_sentences, sentences


def test_a_spanish_sentence_in_an_english_message_is_found() -> None:
    text = (
        "We are investigating a problem with the public API since 15:00 CET. "
        "Un cambio de configuración dejó sin certificado a la API pública durante una hora. "
        "Next update: 16:30 CET."
    )
    assert [language for language, _ in foreign_sentences(text, "en")] == ["es"]
    assert foreign_sentences(text, "es") == [
        ("en", "We are investigating a problem with the public API since 15:00 CET.")
    ]


def test_short_fragments_and_links_are_not_judged() -> None:
    assert sentences("Info: https://status.nubeteca.example/es/ soporte@nubeteca.example. OK.") == []
