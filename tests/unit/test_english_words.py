"""The English-word check of the Spanish pages: what it reads of a page, and what it flags."""

from __future__ import annotations

from tests.support import english
from tests.support.english import english_in, visible_text, vocabulary, words


def test_visible_text_keeps_what_is_read_and_leaves_out_code_and_scripts() -> None:
    html = (
        '<html lang="es"><head><title>Uso</title><style>p { color: red }</style></head>'
        '<body><script>var seats = 1;</script><p title="Ayuda">Hola <code>seat.requested</code>'
        '</p><input placeholder="Buscar"><img alt="Gráfico"><button aria-label="Cerrar">x'
        '</button><input type="submit" value="Guardar"><input type="hidden" value="secret">'
        "</body></html>"
    )

    seen = visible_text(html).splitlines()

    assert seen == ["Uso", "Ayuda", "Hola", "Buscar", "Gráfico", "Cerrar", "x", "Guardar"]


def test_words_leave_out_names_addresses_identifiers_and_placeholders() -> None:
    text = (
        "SCIM Seat Gateway · ann@acme.test https://example.test/seats seat.requested "
        "sgw_6va6Voa9… 15732a1d-8b6e %(num)d asientos, 1310,00 US$"
    )

    assert words(text) == {"asientos", "us"}


def test_the_vocabulary_is_the_catalogs_english_and_common_words_not_shared_ones() -> None:
    known = vocabulary()

    # "Activity" is translated as "Actividad"; the commonest words are known before any
    # text uses them; words Spanish shares, names and codes never are.
    assert {"activity", "the", "seats", "invoice"} <= known
    assert not {"total", "subtotal", "token", "webhook", "no", "acme", "scim", "usd"} & known


def test_a_spanish_page_passes_and_an_english_sentence_is_named() -> None:
    known = vocabulary()
    spanish = (
        '<html lang="es"><body><h1>Configuración de facturación</h1><p>Tiene 55 asientos '
        "(41 en uso). Total: 1310,00 US$, el 1 de marzo de 2026 a las 12:00 UTC. No hay "
        "solicitudes de asiento. Revise y pulse Actualizar.</p></body></html>"
    )
    mixed = spanish.replace("Revise", "Review the invoice, then")

    assert english_in(spanish, known) == []
    assert {"invoice", "review", "the"} <= set(english_in(mixed, known))


def test_a_sentence_copied_untranslated_into_the_catalog_stays_english(tmp_path, monkeypatch):
    catalog = tmp_path / "es" / "LC_MESSAGES" / "messages.po"
    catalog.parent.mkdir(parents=True)
    catalog.write_text(
        'msgid ""\nmsgstr ""\n"Language: es\\n"\n\n'
        'msgid "Total"\nmsgstr "Total"\n\n'
        'msgid "Buy more places"\nmsgstr "Buy more places"\n\n'
        'msgid "Spare places"\nmsgstr "Plazas libres"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(english, "CATALOG", catalog)

    known = english.vocabulary()

    assert {"buy", "more", "places", "spare"} <= known
    assert not {"total", "plazas", "libres"} & known
