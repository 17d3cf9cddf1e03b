"""Place resolution: every name resolves to itself, aliases, ambiguity asked, unknown names suggested."""

from __future__ import annotations

import pytest

from bot.places import CURATED_ALIASES
from bot.text import fold, strip_accents


def test_every_place_resolves_to_itself_with_and_without_accents(resolver):
    places = resolver.all_places()
    assert len(places) > 1150
    for place in places:
        for text in (place.name, strip_accents(place.name), place.name.upper(), strip_accents(place.name).lower()):
            res = resolver.resolve(text)
            curated = CURATED_ALIASES.get(fold(text))
            if res.ok:
                assert res.place.key == place.key or curated, (text, res)
            else:
                assert res.status == "ambiguous" and place.key in {c.key for c in res.candidates}, (text, res)
        # the label used on buttons is never ambiguous
        for text in (place.label, strip_accents(place.label)):
            res = resolver.resolve(text)
            assert res.ok and res.place.key == place.key, (text, res)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Bogotá", "dep:11"), ("bogota d.c.", "dep:11"), ("Distrito Capital", "dep:11"), ("BOGOTA DC", "dep:11"),
        ("Cartagena", "mun:13001"), ("cartagena de indias", "mun:13001"),
        ("San Andrés", "dep:88"), ("Archipiélago de San Andrés", "dep:88"),
        ("Tumaco", "mun:52835"), ("San Andrés de Tumaco", "mun:52835"),
        ("Valle", "dep:76"), ("valle del cauca", "dep:76"), ("en el valle", "dep:76"),
        ("Buga", "mun:76111"), ("Guadalajara de Buga", "mun:76111"),
        ("Cúcuta", "mun:54001"), ("colombia", "nac:0"), ("total nacional", "nac:0"),
        ("medellin", "mun:05001"), ("Medellín ETC", "mun:05001"), ("Santafé de Antioquia", "mun:05042"),
        ("Ciudad Bolívar", "mun:05101"), ("el cauca", "dep:19"), ("Quindio", "dep:63"),
    ],
)
def test_aliases(resolver, text, key):
    res = resolver.resolve(text)
    assert res.ok and res.place.key == key, res


@pytest.mark.parametrize(
    ("text", "key"),
    [("medelin", "mun:05001"), ("barranquiya", "mun:08001"), ("bogta", "dep:11"), ("bucaramnga", "mun:68001"),
     ("manisales", "mun:17001"), ("antiokia", "dep:05"), ("cundinamrca", "dep:25"), ("norte de santader", "dep:54"),
     ("popayan", "mun:19001"), ("ibage", "mun:73001")],
)
def test_typos(resolver, text, key):
    res = resolver.resolve(text)
    assert res.ok and res.place.key == key, res


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Armenia", {"mun:63001", "mun:05059"}),
        ("Córdoba", {"dep:23", "mun:13212", "mun:52215", "mun:63212"}),
        ("Bolívar", {"dep:13", "mun:19100", "mun:68101", "mun:76100"}),
        ("la unión", {"mun:05400", "mun:52399", "mun:70400", "mun:76400"}),
        ("Boyacá", {"dep:15", "mun:15104"}),
        ("armenai", {"mun:63001", "mun:05059"}),  # a typo of an ambiguous name stays ambiguous
    ],
)
def test_ambiguous_names_return_candidates(resolver, text, expected):
    res = resolver.resolve(text)
    assert res.status == "ambiguous"
    assert {c.key for c in res.candidates} == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Armenia, Quindío", "mun:63001"), ("armenia antioquia", "mun:05059"), ("Armenia (Quindío)", "mun:63001"),
        ("departamento de Córdoba", "dep:23"), ("Córdoba (departamento)", "dep:23"), ("cordoba quindio", "mun:63212"),
        ("Bolívar, Cauca", "mun:19100"), ("la union de nariño", "mun:52399"), ("san andres santander", "mun:68669"),
        ("Boyacá (Boyacá)", "mun:15104"),
    ],
)
def test_qualified_names_settle_the_ambiguity(resolver, text, key):
    res = resolver.resolve(text)
    assert res.ok and res.place.key == key, res


def test_context_kind_settles_department_or_municipality(resolver):
    res = resolver.resolve("Boyacá", prefer_kind="departamento")
    assert res.ok and res.place.key == "dep:15"
    res = resolver.resolve("Armenia", prefer_kind="departamento")  # no department named Armenia: still asked
    assert res.status == "ambiguous"


def test_departmental_etc_needs_an_etc_marker(resolver):
    assert resolver.resolve("Antioquia").place.key == "dep:05"
    for text in ("ETC Antioquia", "Antioquia (ETC)", "secretaría de educación de Antioquia", "la secretaria del cauca"):
        res = resolver.resolve(text)
        assert res.ok and res.place.is_departmental_etc, (text, res)
    assert resolver.resolve("secretaria de educacion de Cali").place.key == "mun:76001"  # a municipal ETC


def test_unknown_place_gives_suggestions(resolver):
    res = resolver.resolve("Barranquillita del Norte")
    assert res.status == "unknown"
    assert "mun:08001" in {s.key for s in res.suggestions}
    res = resolver.resolve("zzzz qqqq")
    assert res.status == "unknown"
    assert resolver.resolve("").status == "empty"


def test_find_places_in_a_sentence(resolver):
    found = resolver.find_in_text("compare la desercion de Cali, Medellin y Bogota en 2019")
    assert [p.key for p in found] == ["mun:76001", "mun:05001", "dep:11"]
    found = resolver.find_in_text("cobertura neta en media del cauca")
    assert [p.key for p in found] == ["dep:19"]
    assert resolver.find_in_text("cual fue la desercion en la media") == []


def test_an_ambiguous_name_followed_by_its_department_is_one_place(resolver):
    found = resolver.find_in_text("desercion en armenia quindio en 2019")
    assert [p.key for p in found] == ["mun:63001"]
    found = resolver.find_in_text("compare armenia de antioquia y cali")
    assert [p.key for p in found] == ["mun:05059", "mun:76001"]
