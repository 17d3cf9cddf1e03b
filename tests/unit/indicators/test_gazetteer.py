"""The gazetteer: places named inside a sentence, the way secretaría staff write them."""

from __future__ import annotations

import pytest


def _one(resolver, text):
    found = resolver.mentions(text)
    assert len(found) == 1, (text, found)
    return found[0].resolution


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("cobertura neta de Santa Rosa de Osos, Antioquia en 2019", "mun:05686"),
        ("desercion en el carmen de bolivar", "mun:13244"),
        ("desercion en Carmen de Bolivar 2018", "mun:13244"),  # the article dropped
        ("deserción escolar en San José del Guaviare", "mun:95001"),
        ("san jose del guaviar", "mun:95001"),  # a typo in the long name beats the exact short one
        ("granada, meta", "mun:50313"),
        ("Granada (Meta)", "mun:50313"),
        ("el municipio de Granada en el Meta", "mun:50313"),
        ("La Union Nariño", "mun:52399"),
        ("Tasa de deserción del departamento de Bolívar", "dep:13"),
        ("del departamento de Boyacá", "dep:15"),
        ("repitencia en primaria en Itagui", "mun:05360"),
        ("cobertura neta de Buga, Valle del Cauca 2018", "mun:76111"),
        ("desercion en medelin", "mun:05001"),
    ],
)
def test_places_written_in_a_sentence(resolver, text, key):
    res = _one(resolver, text)
    assert res.ok and res.place.key == key, (text, res)


@pytest.mark.parametrize("text", ["cobertura en La Unión", "desercion en granada 2019", "desercion en Bolivar"])
def test_names_of_several_places_are_asked_not_guessed(resolver, text):
    res = _one(resolver, text)
    assert res.status == "ambiguous" and len(res.candidates) >= 2


def test_the_etc_marker_picks_the_certified_entity(resolver):
    res = _one(resolver, "la ETC Bolívar")
    assert res.ok and res.place.kind == "etc"


def test_a_list_of_places_keeps_each_one(resolver):
    found = resolver.mentions("diferencia entre medelin y barranquila")
    assert [m.resolution.place.key for m in found] == ["mun:05001", "mun:08001"]
    assert found[1].gap == ("y",)


@pytest.mark.parametrize("text", [
    "quiero hablar con alguien del Ministerio de Educación Nacional",
    "cuanto nos asignaron por SGP este año",
    "necesito un dato de cobertura bruta",
])
def test_sentences_without_places_name_none(resolver, text):
    assert resolver.mentions(text) == []


@pytest.mark.parametrize(("text", "key"), [
    ("Boyaca departamento: tasa de reprobacion de primaria 2024", "dep:15"),
    ("Bolívar (departamento) desercion", "dep:13"),
])
def test_the_level_written_after_the_name_decides(resolver, text, key):
    res = _one(resolver, text)
    assert res.ok and res.place.key == key


def test_name_spans_give_the_characters_of_each_name(resolver):
    text = "deserción de Santa Rosa de Osos, Antioquia"
    assert [text[a:b] for a, b in resolver.name_spans(text)] == ["Santa Rosa de Osos", "Antioquia"]
