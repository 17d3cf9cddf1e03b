"""Colombian number format, accent-insensitive text, and the Spanish indicator/level/year parser."""

from __future__ import annotations

from datetime import date

import pytest

from bot.formatting import format_number, format_signed
from bot.indicators.definitions import INDICATORS, column_map, format_change, format_value, parse_indicator, parse_level
from bot.indicators.parsing import parse_query, parse_ranking, parse_year, parse_years_range
from bot.indicators.sources import DEFAULT_DATA_DIR
from bot.text import fold, title_es


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [(1288473, 0, "1.288.473"), (93.85, 2, "93,85"), (27.0, 2, "27"), (1234.5, 2, "1.234,5"), (-0.35, 2, "-0,35"),
     (0.004, 2, "0"), (9488850, 0, "9.488.850"), (999.999, 2, "1.000")],
)
def test_format_number_colombian(value, decimals, expected):
    assert format_number(value, decimals) == expected


def test_format_signed_and_units():
    assert format_signed(0.35) == "+0,35"
    assert format_signed(-1.2) == "-1,2"
    assert format_signed(0) == "0"
    assert format_value("desercion", 5) == "5,00 %"
    assert format_value("poblacion_5_16", 1174274) == "1.174.274 personas"
    assert format_value("tamano_grupo", 27.281) == "27,28 estudiantes por grupo"
    assert format_change("cobertura_neta", -0.67) == "-0,67 puntos porcentuales"


def test_normalize_and_title():
    assert fold("  Bogotá, D.C. ") == "bogota d c"
    assert fold("NARIÑO") == "narino"
    assert fold("¿Cuál fue la DESERCIÓN?") == "cual fue la desercion"
    assert title_es("SAN JOSÉ DE CÚCUTA") == "San José de Cúcuta"
    assert title_es("BOGOTÁ, D.C.") == "Bogotá, D.C."
    assert title_es("PIENDAMÓ - TUNÍA") == "Piendamó - Tunía"
    assert title_es("LA UNIÓN") == "La Unión"


def test_column_map_covers_every_value_column():
    cmap = column_map()
    assert cmap["DESERCIÓN"] == ("desercion", "total")
    assert cmap["COBERTURA_NETA_MEDIA"] == ("cobertura_neta", "media")
    assert cmap["TASA_MATRICULACIÓN_5_16"] == ("tasa_matriculacion", "total")
    header = (DEFAULT_DATA_DIR / "men_departamento_2011_2022_v2023-10.csv").read_text("utf-8-sig").splitlines()[0]
    value_columns = set(header.split(",")) - {"AÑO", "CÓDIGO_DEPARTAMENTO", "DEPARTAMENTO"}
    assert set(cmap) == value_columns


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("cual fue la desercion en cartagena", "desercion"),
        ("abandono escolar en el cauca", "desercion"),
        ("la deserción escolar", "desercion"),
        ("desercon en primaria", "desercion"),  # typo
        ("cobertura neta en media del Cauca", "cobertura_neta"),
        ("cobertura bruta transicion", "cobertura_bruta"),
        ("covertura neta", "cobertura_neta"),  # typo
        ("tasa de matriculacion 5 a 16", "tasa_matriculacion"),
        ("aprobacion en secundaria", "aprobacion"),
        ("cuantos perdieron el año en Pasto", "reprobacion"),
        ("reprobacion", "reprobacion"),
        ("que departamentos tienen la mayor repitencia", "repitencia"),
        ("repitensia", "repitencia"),
        ("poblacion en edad escolar de Boyaca", "poblacion_5_16"),
        ("cuantos estudiantes por salon hay", "tamano_grupo"),
        ("tamaño promedio de grupo", "tamano_grupo"),
        ("sedes conectadas a internet en Choco", "sedes_conectadas"),
        ("conectividad de los colegios", "sedes_conectadas"),
    ],
)
def test_parse_indicator(text, key):
    assert parse_indicator(text).key == key


def test_parse_indicator_ambiguous_and_unknown():
    m = parse_indicator("la cobertura en Cali")
    assert m.key is None and set(m.candidates) == {"cobertura_neta", "cobertura_bruta"}
    assert parse_indicator("hola como esta").key is None
    assert parse_indicator("").key is None


@pytest.mark.parametrize(
    ("text", "level"),
    [("en primaria", "primaria"), ("basica secundaria", "secundaria"), ("educacion media", "media"),
     ("preescolar", "transicion"), ("transicon", "transicion"), ("en total", "total"), ("secundria", "secundaria"),
     ("desercion en cali", None)],
)
def test_parse_level(text, level):
    assert parse_level(text) == level


def test_parse_year():
    today = date(2026, 11, 24)
    assert parse_year("en 2019", today=today).year == 2019
    assert parse_year("¿y en 2018?", today=today).year == 2018
    last = parse_year("el año pasado", today=today)
    assert last.year == 2025 and last.relative
    assert parse_year("el ano anterior", today=today).year == 2025
    assert parse_year("hace tres años", today=today).year == 2023
    assert parse_year("la más reciente", today=today).latest
    assert parse_year("desercion en cali", today=today).year is None
    assert parse_years_range("de 2015 a 2020") == (2015, 2020)


def test_parse_ranking():
    r = parse_ranking("los 10 departamentos con mayor desercion")
    assert (r.order, r.n, r.scope) == ("desc", 10, "departamentos")
    r = parse_ranking("las cinco ETC con menor cobertura")
    assert (r.order, r.n, r.scope) == ("asc", 5, "etc")
    assert parse_ranking("municipios con peor aprobacion").by_quality == "peores"


def test_parse_query_combines_parts():
    q = parse_query("cobertura neta en media del Cauca en 2019")
    assert (q.indicator, q.level, q.year.year) == ("cobertura_neta", "media", 2019)


def test_every_indicator_has_levels_and_synonyms():
    for ind in INDICATORS.values():
        assert ind.levels and ind.synonyms
        for syn in ind.synonyms:
            assert parse_indicator(syn).key in (ind.key, None) or syn in ("poblacion",)
