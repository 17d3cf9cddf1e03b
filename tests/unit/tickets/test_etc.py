"""The requester's ETC, resolved by the one place resolver (bot/places.py) over the loaded MEN data."""

import pytest

from bot.places import EtcOption


def test_there_are_96_etc_in_the_data(resolver):
    codes = {p.etc_key for p in resolver.all_places() if p.etc_key}
    assert len(codes) == 96


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Medellín", "3759"),
        ("secretaria de educacion de medellin", "3759"),
        ("SED Bogota", "3766"),
        ("Gobernación del Cauca", "3777"),
        ("cundinamraca", "3785"),
        ("san andres", "3827"),
        ("3818", "3818"),
    ],
)
def test_resolves_names_as_people_write_them(resolver, text, code):
    assert resolver.resolve_etc(text).match.code == code


def test_a_non_certified_municipality_leads_to_its_departmental_etc(resolver):
    res = resolver.resolve_etc("Abejorral")
    assert res.match == EtcOption("3758", "Antioquia (ETC)")
    assert res.via_municipality == "Abejorral"


def test_ambiguous_or_unknown_text(resolver):
    armenia = resolver.resolve_etc("Armenia")
    assert armenia.match is None and {o.code for o in armenia.candidates} >= {"3804"}
    assert resolver.resolve_etc("xyz qwv").match is None
    assert resolver.resolve_etc("").match is None


def test_option_by_code(resolver):
    assert resolver.etc_option("3762").name == "Itagüí"
    assert resolver.etc_option("1") is None
