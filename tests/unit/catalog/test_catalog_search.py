"""Search relevance with queries written the way staff type them — none copied from the catalog."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.catalog.analysis import content_words, stem
from bot.catalog.importer import import_file
from bot.catalog.models import CatalogItem
from bot.catalog.search import CatalogEntry, CatalogIndex, SynonymTable
from bot.db import session_scope


# Ranking mechanics (typos, synonyms, filters, paging) on a fixed fixture: the former placeholder
# catalog (tests/unit/catalog/fixtures/catalogo_muestra.yml). The MEN's real resources are tested
# in test_catalog_men_resources.py; search quality is measured by scripts/eval_catalog.py.
@pytest.fixture
def catalog_db(sample_db) -> str:
    return sample_db


def keys(page) -> list[str]:
    return [h.entry.key for h in page.hits]


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("dersercion", "simpade"),  # typo
        ("como hago para bajar el abandono escolar", "simpade"),  # synonym of deserción
        ("comida para los alumnos en el cole", "programa-alimentacion-escolar"),  # synonyms
        ("alimentasion escolar", "programa-alimentacion-escolar"),  # typo
        ("jornada completa en los colegios", "jornada-unica"),  # synonym
        ("enseñanza de ingles", "programa-nacional-bilinguismo"),  # synonym
        ("cifras de cobertura de cada municipio", "datos-abiertos-estadisticas-municipio"),
        ("sistema para las matriculas", "simat"),  # plural, no accent
        ("libro de buenas practicas de las secretarias", "libro-el-territorio-la-gran-escuela"),
        ("acompañamiento tecnico integral", "micrositio-juntos-lo-vamos-a-lograr"),
        ("MOVILIZACION SOCIAL", "micrositio-movemos-mas-alla"),  # upper case, no accent
        ("educacion inicial para la primera infancia", "referentes-educacion-inicial"),
        ("tutores que acompañan a los profes", "programa-todos-a-aprender"),
        ("quiero aprender", "seccion-quiero-aprender"),  # the section's own name wins
    ],
)
def test_first_result(search, query, expected_first):
    page = search.search(query)
    assert page.hits, query
    assert keys(page)[0] == expected_first, (query, keys(page))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("capacitacion para maestros", "programa-todos-a-aprender"),
        ("intercambio de experiencias exitosas con otras secretarias", "seccion-quiero-conectarme"),
        ("alertas tempranas de desercion", "simpade"),
    ],
)
def test_in_top_three(search, query, expected):
    assert expected in keys(search.search(query)), query


def test_accents_and_case_do_not_matter(search):
    a = search.search("Deserción Escolar", limit=10)
    b = search.search("desercion escolar", limit=10)
    c = search.search("DESERCION ESCOLAR", limit=10)
    assert keys(a) == keys(b) == keys(c) and a.total > 0


def test_typo_is_reported(search):
    page = search.search("dersercion")
    assert page.corrections == {"dersercion": "desercion"}


def test_unrelated_query_finds_nothing(search):
    page = search.search("astronomia marciana")
    assert page.total == 0 and not page.hits and not page.has_more


def test_filter_by_type(search):
    page = search.search("desercion", tipo="programa", limit=10)
    assert page.total >= 1
    assert all(h.entry.type == "programa" for h in page.hits)
    assert keys(page)[0] == "programa-alimentacion-escolar"


def test_filter_by_theme(search):
    page = search.search("sistema de informacion", tema="DCE-PER", limit=10)
    assert keys(page) == ["simpade"]


def test_filters_without_text_list_everything_of_that_type(search):
    page = search.search("", tipo="micrositio", limit=10)
    assert sorted(keys(page)) == ["micrositio-juntos-lo-vamos-a-lograr", "micrositio-movemos-mas-alla"]


def test_paging_top_three_then_ver_mas(search):
    first = search.search("", tipo="programa")
    assert len(first.hits) == 3 and first.total == 7 and first.has_more and first.next_offset == 3
    second = search.search("", tipo="programa", offset=first.next_offset)
    third = search.search("", tipo="programa", offset=second.next_offset)
    assert len(second.hits) == 3 and len(third.hits) == 1 and not third.has_more
    seen = keys(first) + keys(second) + keys(third)
    assert len(seen) == len(set(seen)) == 7


def test_results_carry_the_sample_flag(search):
    assert search.search("jornada unica").any_sample


def test_index_is_cached_and_rebuilt_after_an_import(search, catalog_db, areas, tmp_path):
    index = search.index()
    assert search.index() is index  # nothing changed: same index
    path = tmp_path / "nuevo.csv"
    path.write_text("clave,titulo,tipo,temas\nguia-pae,Guía de minutas del PAE,guia,UAPA-PAE\n", encoding="utf-8")
    with session_scope(catalog_db) as session:
        import_file(session, path, "catalogo", valid_themes=areas)
    assert search.index() is not index
    assert "guia-pae" in keys(search.search("minutas"))


def test_retired_items_are_not_found(search, catalog_db):
    with session_scope(catalog_db) as session:
        item = session.execute(select(CatalogItem).where(CatalogItem.key == "simat")).scalar_one()
        item.active = False
    assert "simat" not in keys(search.search("matricula", limit=10))


# ------------------------------------------------------------------ the pieces
def test_plural_folding_makes_stems_consistent():
    assert stem("escolar") == stem("escolares") == stem("ESCOLARES".lower())
    assert stem("evaluacion") == stem("evaluaciones")
    assert stem("docente") == stem("docentes")


def test_stop_words_are_dropped():
    assert content_words("¿Cuáles son las guías de la Escuela?") == ["guias", "escuela"]


def test_synonym_phrases_need_every_word():
    table = SynonymTable([["todos a aprender", "PTA"], ["comida", "refrigerio"]])
    index = CatalogIndex([], table)
    terms, _ = index.query_terms("quiero aprender")
    assert "pta" not in terms  # "aprender" alone is not "Todos a Aprender"
    terms, _ = index.query_terms("programa todos a aprender")
    assert terms["pta"] == 0.5
    terms, _ = index.query_terms("como funciona")  # "como" is not "comida"
    assert "refrigeri" not in terms


def test_bm25_prefers_title_and_rarer_terms():
    entries = [
        CatalogEntry(1, "a", "Guía de permanencia", "Texto general", "guia", ()),
        CatalogEntry(2, "b", "Manual general", "Incluye permanencia entre muchos otros temas generales", "guia", ()),
        CatalogEntry(3, "c", "Otro", "Nada que ver", "curso", ()),
    ]
    hits, _ = CatalogIndex(entries).search("permanencia")
    assert [h.entry.key for h in hits] == ["a", "b"]
    assert hits[0].score > hits[1].score > 0


# ------------------------------------------------------------------ FTS5 engine (issue 14)
def test_fts5_engine_ranks_with_the_same_analysis(catalog_db, areas, monkeypatch):
    from bot.catalog.search import CatalogSearchService, FtsCatalogIndex

    fts = CatalogSearchService(catalog_db, area_names=areas, engine="fts5")
    assert isinstance(fts.index(), FtsCatalogIndex)
    assert keys(fts.search("dersercion"))[0] == "simpade"  # typo corrected, then FTS5's bm25()
    assert keys(fts.search("comida para los alumnos en el cole"))[0] == "programa-alimentacion-escolar"  # synonyms
    assert keys(fts.search("", tipo="micrositio", limit=10)) == keys(
        CatalogSearchService(catalog_db, area_names=areas, engine="bm25").search("", tipo="micrositio", limit=10)
    )
    assert fts.search("astronomia marciana").total == 0
    monkeypatch.setenv("CATALOG_SEARCH_ENGINE", "fts5")
    assert CatalogSearchService(catalog_db, area_names=areas).index().engine == "fts5"
    monkeypatch.setenv("CATALOG_SEARCH_ENGINE", "lucene")
    with pytest.raises(ValueError, match="CATALOG_SEARCH_ENGINE"):
        CatalogSearchService(catalog_db, area_names=areas)
