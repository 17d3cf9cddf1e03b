"""Entities from the lexicons (bot/entities.py): every official place name, the indicator words, the
years; and the indicator intent a fallback message shows by its words alone."""

from __future__ import annotations

import pytest

from bot.entities import find_entities, lexicon_intent


def _pairs(found):
    return [(f.entity, f.text) for f in found]


def test_places_indicators_levels_and_years_with_their_spans(resolver):
    text = "hola, la cobertura neta de transicion de Mosquera, Cundinamarca del 2022 porfa"
    found = find_entities(text, resolver)
    assert _pairs(found) == [("indicador", "cobertura neta"), ("nivel", "transicion"), ("lugar", "Mosquera"),
                             ("lugar", "Cundinamarca"), ("anio", "2022")]
    assert all(text[f.start:f.end] == f.text for f in found)


@pytest.mark.parametrize(("text", "expected"), [
    ("poblacion 5 a 16 del Guainia", [("indicador", "poblacion 5 a 16"), ("lugar", "Guainia")]),
    ("mejores 10 departamentos en tasa de matriculacion 5 16", [("indicador", "tasa de matriculacion 5 16")]),
    ("desercíon en San José del Guaviare", [("indicador", "desercíon"), ("lugar", "San José del Guaviare")]),
    ("y el año siguiente?", [("anio", "año siguiente")]),
])
def test_what_staff_write(resolver, text, expected):
    assert _pairs(find_entities(text, resolver)) == expected


def test_a_case_code_is_not_a_year_and_an_inquiry_marks_only_places(resolver):
    assert _pairs(find_entities("en que estado esta MEN-2026-000905-RT4C", resolver)) == []
    assert _pairs(find_entities("consultar caso MEN 2026 000640 B2VC", resolver)) == []
    inquiry = "la auditoria de matricula de Yumbo en 2023 nos glosó estudiantes"
    assert _pairs(find_entities(inquiry, resolver, indicators=False)) == [("lugar", "Yumbo")]


def test_common_words_that_are_also_towns_are_not_places(resolver):
    for text in ("explicame el apartado quiero informarme", "herramientas para el plan de alternancia",
                 "preescolar de tres grados prejardin jardin y transicion"):
        assert [f for f in find_entities(text, resolver) if f.entity == "lugar"] == [], text


@pytest.mark.parametrize(("text", "intent"), [
    ("desercion en buenavista 2018", "consultar_indicador"),
    ("cobertura neta de Acacias vs Villavicencio 2020", "comparar_indicador"),
    ("como ha evolucionado la desercion en Pasto", "evolucion_indicador"),
    ("q tal en 2019", "ajustar_consulta_indicador"),
    ("y el año siguiente?", "ajustar_consulta_indicador"),
    ("del Huila", "informar_dato_indicador"),
    ("la auditoria de matricula de Yumbo 2023", None),  # an inquiry, not a figure
    ("estrategias para bajar la desercion en Pasto", None),
    ("okey", None),
])
def test_the_intent_of_a_fallback_message_by_its_words(resolver, text, intent):
    assert lexicon_intent(text, find_entities(text, resolver)) == intent
