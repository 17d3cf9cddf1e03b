"""Peer finder on the real MEN data (data/indicators), plus its logic on small fake data."""

from __future__ import annotations

import csv

import pytest

from bot.peers.finder import (
    DEPARTMENTAL,
    DEPARTMENTAL_ETC,
    MIN_CANDIDATES,
    MUNICIPAL,
    NO_DATA,
    NO_PEERS,
    OK,
    UNKNOWN_ETC,
    CsvPeerData,
    EtcProfile,
    EtcResolution,
    EtcSeries,
    PeerFinder,
    connection_request,
)


@pytest.fixture(scope="module")
def finder() -> PeerFinder:
    return PeerFinder(CsvPeerData())


def _raw_desercion(municipio: str, year: int) -> tuple[float, float]:
    """(deserción, población 5-16) read straight from the CSV, independently of the finder."""
    path = CsvPeerData().data_dir / "men_municipio_2011_2022.csv"
    with open(path, encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            if row["MUNICIPIO"] == municipio and int(row["AÑO"].replace(",", "")) == year:
                return float(row["DESERCIÓN"]), float(row["POBLACIÓN_5_16"].replace(",", ""))
    raise LookupError(municipio)


# ------------------------------------------------------------------ real data: who is who
def test_municipal_and_departmental_etc(finder):
    etcs = finder.data.etcs()
    kinds = [e.kind for e in etcs]
    assert kinds.count(MUNICIPAL) == 64  # 63 + Funza (certified 2019), Bogotá included
    assert kinds.count(DEPARTMENTAL) == 32


@pytest.mark.parametrize(
    ("text", "code", "kind"),
    [
        ("Secretaría de Educación de Cúcuta", 3802, MUNICIPAL),
        ("tumaco", 3800, MUNICIPAL),
        ("Bogota DC", 3766, MUNICIPAL),
        ("sed soacha", 3788, MUNICIPAL),
        ("buga", 3820, MUNICIPAL),
        ("Villavicencio", 3797, MUNICIPAL),
        ("villavisencio", 3797, MUNICIPAL),  # typo
        ("antioquia", 3758, DEPARTMENTAL),
    ],
)
def test_resolve_etc(finder, text, code, kind):
    etc = finder.resolve(text)
    assert etc is not None and (etc.code, etc.kind) == (code, kind)


def test_unknown_place(finder):
    assert finder.resolve("Springfield") is None
    assert finder.find(None).status == UNKNOWN_ETC


# ------------------------------------------------------------------ real data: the worked example
def test_worked_example_tunja(finder):
    """docs/peers.md: Tunja, deserción. 2018→2022 no similar ETC lowered it; 2017→2021 two did."""
    result = finder.find(finder.resolve("Tunja"))
    assert result.status == OK
    assert result.requested_period == (2018, 2022) and result.requested_candidates >= MIN_CANDIDATES
    crit = result.criteria
    assert (crit.base_year, crit.end_year) == (2017, 2021)
    assert crit.region == "Región Centro Oriente" and crit.relaxed == ()
    assert [p.etc.name for p in result.peers] == ["Facatativá", "Piedecuesta"]
    fac = result.peers[0]
    assert (fac.base_value, fac.end_value) == (
        _raw_desercion("Facatativá", 2017)[0],
        _raw_desercion("Facatativá", 2021)[0],
    )
    assert fac.improvement == pytest.approx(0.68)
    assert (result.user_base, result.user_end) == (2.59, 2.03)
    assert "nudc-7mev" in result.source


def test_every_peer_meets_the_stated_criteria(finder):
    for name in ("Soacha", "Medellín", "Quibdó", "Montería", "Pasto", "Yopal"):
        result = finder.find(finder.resolve(name), base_year=2015, end_year=2019)
        crit = result.criteria
        assert crit is not None, name
        improvements = [p.improvement for p in result.peers]
        assert improvements == sorted(improvements, reverse=True)
        for p in result.peers:
            assert p.etc.kind == MUNICIPAL and p.etc.code != result.user.code
            assert crit.population_min <= p.population <= crit.population_max
            assert crit.baseline_min <= p.base_value <= crit.baseline_max
            assert crit.region is None or p.etc.region == crit.region
            assert p.improvement == pytest.approx(p.base_value - p.end_value) and p.improvement >= 0.1
            assert p.population == _raw_desercion(p.etc.name, 2015)[1]


def test_explicit_period(finder):
    result = finder.find(finder.resolve("Soacha"), base_year=2015, end_year=2019)
    assert result.requested_period is None
    assert (result.peers[0].etc.name, result.peers[0].base_value, result.peers[0].end_value) == (
        "Manizales",
        3.41,
        2.32,
    )


def test_departmental_etc_is_not_its_department(finder):
    result = finder.find(finder.resolve("Secretaría de Educación de Antioquia"))
    assert result.status == DEPARTMENTAL_ETC and not result.peers and result.criteria is None


def test_bogota_needs_every_criterion_relaxed(finder):
    result = finder.find(finder.resolve("Bogotá"), base_year=2015, end_year=2019)
    assert result.criteria.relaxed == ("region", "tamano", "nivel_inicial")
    assert result.candidates < MIN_CANDIDATES


def test_funza_starts_when_it_was_certified(finder):
    result = finder.find(finder.resolve("Funza"))
    assert result.criteria.base_year == 2019  # certified in 2019: no 2018 figure of its own


def test_higher_is_better_indicator(finder):
    result = finder.find(finder.resolve("Soacha"), indicator="cobertura_neta", base_year=2015, end_year=2019)
    assert result.peers
    for p in result.peers:
        assert p.improvement == pytest.approx(p.end_value - p.base_value) and p.improvement > 0


def test_connection_request_is_for_the_escuela(finder):
    result = finder.find(finder.resolve("Tunja"))
    request = connection_request(result)
    assert request["area"] == "VPBM-ESC"
    assert request["etc_name"] == "Tunja" and request["period"] == [2017, 2021]
    assert [p["etc_name"] for p in request["peers"]] == ["Facatativá", "Piedecuesta"]


# ------------------------------------------------------------------ logic on fake data
class FakeData:
    source = "datos de prueba"

    def __init__(self, rows: dict[str, tuple[str, float, dict[int, float]]]):
        """rows: name -> (region, population, {year: value})."""
        self._series = {}
        for code, (name, (region, pop, values)) in enumerate(rows.items(), start=1):
            etc = EtcProfile(code, name, MUNICIPAL, code, f"Depto {code}", region, code)
            self._series[code] = EtcSeries(etc, values, {y: pop for y in values})
        self._dept = EtcProfile(999, "Departamento", DEPARTMENTAL, 99, "Departamento")

    def etcs(self):
        return [s.etc for s in self._series.values()] + [self._dept]

    def series(self, indicator, level):
        return self._series

    def resolve(self, text):
        etc = next((e for e in self.etcs() if e.name == text), None)
        return EtcResolution("ok", etc) if etc else EtcResolution("unknown")


def _fake(**extra):
    rows = {"Nuestra": ("Caribe", 10000, {2016: 4.0, 2020: 4.0})}
    rows.update(extra)
    return PeerFinder(FakeData(rows))


def test_region_is_relaxed_only_when_needed():
    near = {f"C{i}": ("Caribe", 10000 + i, {2016: 4.0, 2020: 3.0 - i / 10}) for i in range(MIN_CANDIDATES)}
    far = {"Lejana": ("Andina", 10000, {2016: 4.0, 2020: 0.5})}
    finder = _fake(**near, **far)
    result = finder.find(finder.resolve("Nuestra"))
    assert result.criteria.relaxed == () and result.criteria.region == "Caribe"
    assert "Lejana" not in [p.etc.name for p in result.peers]

    finder = _fake(**dict(list(near.items())[:2]), **far)
    result = finder.find(finder.resolve("Nuestra"))
    assert result.criteria.relaxed == ("region",)
    assert result.peers[0].etc.name == "Lejana"


def test_size_and_starting_level_filter_peers():
    finder = _fake(
        Grande=("Caribe", 50000, {2016: 4.0, 2020: 1.0}),  # 5 times bigger: out even when relaxed
        Alta=("Caribe", 10000, {2016: 9.0, 2020: 2.0}),  # started far higher: out
        Parecida=("Caribe", 12000, {2016: 4.5, 2020: 3.5}),
    )
    result = finder.find(finder.resolve("Nuestra"))
    assert [p.etc.name for p in result.peers] == ["Parecida"]


def test_tiny_changes_are_not_improvements():
    finder = _fake(Casi=("Caribe", 10000, {2016: 4.0, 2020: 3.95}))
    result = finder.find(finder.resolve("Nuestra"))
    assert result.status == NO_PEERS and result.candidates == 1 and result.improved == 0


def test_missing_years_mean_no_data():
    finder = _fake()
    assert finder.find(finder.resolve("Nuestra"), base_year=2010, end_year=2020).status == NO_DATA
