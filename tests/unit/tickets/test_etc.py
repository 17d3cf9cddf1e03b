import pytest

from bot.tickets.etc import CsvEtcResolver, EtcOption


@pytest.fixture(scope="module")
def resolver():
    return CsvEtcResolver()


def test_there_are_96_etc_in_2022(resolver):
    assert len(resolver.options) == 96


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
    assert resolver.resolve(text).match.code == code


def test_a_non_certified_municipality_leads_to_its_departmental_etc(resolver):
    res = resolver.resolve("Abejorral")
    assert res.match == EtcOption("3758", "Antioquia (ETC)")
    assert res.via_municipality == "Abejorral"


def test_ambiguous_or_unknown_text(resolver):
    assert resolver.resolve("norte santander").candidates[0].code == "3801"
    assert resolver.resolve("norte santander").match is None
    assert resolver.resolve("xyz").match is None and not resolver.resolve("xyz").candidates
    assert resolver.resolve("").match is None


def test_get_by_code(resolver):
    assert resolver.get("3762").name == "Itagüí"
    assert resolver.get("1") is None


# --- adapter over the indicators place resolver (fake index with the real Place/Resolution types)


class FakePlaces:
    def __init__(self):
        from bot.places import Place

        self.p = {
            "dep:05": Place("dep:05", "departamento", "Antioquia", None, "dep:05"),
            "etc:3758": Place(
                "etc:3758", "etc", "Antioquia (ETC)", "Antioquia", "etc:3758", "etc:3758", "departamental"
            ),
            "mun:05001": Place("mun:05001", "municipio", "Medellín", "Antioquia", "mun:05001", "etc:3759", "municipal"),
            "mun:05002": Place("mun:05002", "municipio", "Abejorral", "Antioquia", "mun:05002"),
            "mun:63001": Place("mun:63001", "municipio", "Armenia", "Quindío", "mun:63001", "etc:3804", "municipal"),
            "mun:05059": Place("mun:05059", "municipio", "Armenia", "Antioquia", "mun:05059"),
        }
        self.names = {"antioquia": "dep:05", "medellin": "mun:05001", "abejorral": "mun:05002"}

    def get(self, key):
        return self.p.get(key) if key != "etc:3759" else None  # municipal ETC rows are their municipality

    def departmental_etc_of(self, place):
        return self.p["etc:3758"] if place.key == "dep:05" else None

    def all_places(self):
        return list(self.p.values())

    def resolve(self, text, *, prefer_kind=None):
        from bot.places import Resolution

        key = self.names.get(text.lower())
        if key:
            return Resolution("ok", self.p[key])
        if text.lower() == "armenia":
            return Resolution("ambiguous", candidates=(self.p["mun:63001"], self.p["mun:05059"]))
        return Resolution("unknown")


def test_indicators_adapter_answers_with_etc():
    from bot.tickets.etc import IndicatorsEtcResolver

    r = IndicatorsEtcResolver(FakePlaces())
    assert r.resolve("Antioquia").match == EtcOption("3758", "Antioquia (ETC)")
    assert r.resolve("secretaria de educacion de medellin").match == EtcOption("3759", "Medellín")
    abejorral = r.resolve("Abejorral")
    assert abejorral.match == EtcOption("3758", "Antioquia (ETC)") and abejorral.via_municipality == "Abejorral"
    armenia = r.resolve("Armenia")
    assert armenia.match is None
    assert armenia.candidates == (EtcOption("3804", "Armenia"), EtcOption("3758", "Antioquia (ETC)"))
    assert r.resolve("nada").match is None and r.resolve("nada").candidates == ()
    assert r.get("3758").name == "Antioquia (ETC)"


def test_default_resolver_falls_back_to_the_csv_without_indicator_tables(tmp_path, monkeypatch):
    from bot.tickets import etc

    monkeypatch.setattr(etc, "_default", None)
    resolver = etc.default_etc_resolver(f"sqlite:///{tmp_path / 'empty.db'}")
    assert isinstance(resolver, CsvEtcResolver)
    monkeypatch.setattr(etc, "_default", None)
