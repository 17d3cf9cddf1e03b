"""Peer data from the tables of the indicators feature: same answers as the CSV files, plus
quality flags, coverage years and the place resolver."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from bot.db import get_engine
from bot.indicators import models as m
from bot.indicators.loader import load
from bot.peers.finder import (
    DEPARTMENTAL,
    DEPARTMENTAL_ETC,
    MUNICIPAL,
    OK,
    CsvPeerData,
    PeerFinder,
    TablesPeerData,
    default_peer_data,
)
from bot.places import clear_resolver_cache


@pytest.fixture(scope="module")
def loaded_url(tmp_path_factory) -> str:
    """The real MEN files loaded by the indicators loader (once for this module)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('ind') / 'ind.db'}"
    load(url)
    clear_resolver_cache()
    return url


def test_tables_and_csv_give_the_same_peers(loaded_url):
    tables, csv = PeerFinder(TablesPeerData(loaded_url)), PeerFinder(CsvPeerData())
    for name in ("Tunja", "Soacha", "Medellín", "Quibdó", "Montería", "Yopal", "Pasto", "Funza"):
        a, b = tables.find(tables.resolve(name)), csv.find(csv.resolve(name))
        assert a.status == b.status, name
        assert a.criteria == b.criteria, name
        assert [(p.etc.code, p.base_value, p.end_value) for p in a.peers] == [
            (p.etc.code, p.base_value, p.end_value) for p in b.peers
        ], name


def test_default_data_uses_the_tables_when_loaded(loaded_url, tmp_path):
    assert isinstance(default_peer_data(loaded_url), TablesPeerData)
    assert isinstance(default_peer_data(f"sqlite:///{tmp_path / 'vacia.db'}"), CsvPeerData)


@pytest.mark.parametrize(
    ("text", "etc_name", "kind"),
    [
        ("Armenia", "Armenia", MUNICIPAL),  # Quindío's capital (certified), not Armenia (Antioquia)
        ("secretaria de educacion de narino", "Nariño", DEPARTMENTAL),  # the department, not the town
        ("Abejorral", "Antioquia", DEPARTMENTAL),  # not certified: served by Antioquia (ETC)
        ("cartagena", "Cartagena de Indias", MUNICIPAL),
    ],
)
def test_resolution_through_the_place_resolver(loaded_url, text, etc_name, kind):
    res = TablesPeerData(loaded_url).resolve(text)
    assert res.status == "ok" and (res.etc.name, res.etc.kind) == (etc_name, kind)


def test_non_certified_municipality_is_explained(loaded_url):
    finder = PeerFinder(TablesPeerData(loaded_url))
    res = finder.resolve_detail("Abejorral")
    assert res.place_name == "Abejorral"
    assert finder.find(res.etc).status == DEPARTMENTAL_ETC


# ------------------------------------------------------------------ small hand-made tables
def _tiny_tables(url: str) -> None:
    engine = get_engine(url)
    m.metadata.create_all(engine)
    ent = [
        {"key": "dep:01", "kind": "departamento", "code": "01", "name": "Uno"},
        {"key": "mun:01001", "kind": "municipio", "code": "01001", "name": "Capital", "department_key": "dep:01",
         "region": "Región Caribe"},
        {"key": "mun:01002", "kind": "municipio", "code": "01002", "name": "Pueblo", "department_key": "dep:01",
         "region": "Región Caribe"},
        {"key": "etc:1", "kind": "etc", "code": "1", "name": "Capital", "department_key": "dep:01",
         "etc_type": "municipal", "data_key": "mun:01001", "first_year": 2015, "last_year": 2020},
        {"key": "etc:2", "kind": "etc", "code": "2", "name": "Pueblo", "department_key": "dep:01",
         "etc_type": "municipal", "data_key": "mun:01002", "first_year": 2018, "last_year": 2020},
        {"key": "etc:3", "kind": "etc", "code": "3", "name": "Uno (ETC)", "department_key": "dep:01",
         "etc_type": "departamental", "first_year": 2015, "last_year": 2020},
    ]  # fmt: skip
    values = []
    for key, years in (("mun:01001", range(2014, 2021)), ("mun:01002", range(2015, 2021))):
        for y in years:
            quality = m.UNRELIABLE if (key, y) == ("mun:01001", 2019) else m.OK
            for ind, v in (("desercion", 3.0 + y % 3), ("poblacion_5_16", 1000.0)):
                values.append(
                    {"entity_key": key, "indicator": ind, "level": "total", "year": y, "value": v,
                     "dataset_id": "nudc-7mev", "source_file": "x.csv", "quality": quality}
                )  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(m.entity), [{c.name: e.get(c.name) for c in m.entity.columns} for e in ent])
        conn.execute(insert(m.value), values)


def test_only_reliable_values_of_the_years_the_etc_existed(tmp_path):
    url = f"sqlite:///{tmp_path / 'tiny.db'}"
    _tiny_tables(url)
    data = TablesPeerData(url)
    assert {(e.name, e.kind, e.region) for e in data.etcs()} == {
        ("Capital", MUNICIPAL, "Región Caribe"),
        ("Pueblo", MUNICIPAL, "Región Caribe"),
        ("Uno", DEPARTMENTAL, ""),
    }
    series = data.series("desercion", "total")
    assert sorted(series[1].values) == [2015, 2016, 2017, 2018, 2020]  # 2014: before the ETC; 2019: unreliable
    assert sorted(series[2].values) == [2018, 2019, 2020]  # Pueblo certified in 2018
    assert series[1].population[2015] == 1000.0


def test_finder_on_tiny_tables(tmp_path):
    url = f"sqlite:///{tmp_path / 'tiny.db'}"
    _tiny_tables(url)
    finder = PeerFinder(TablesPeerData(url))
    result = finder.find(finder.data.etcs()[1], base_year=2018, end_year=2020)  # Pueblo
    assert result.status == OK
    assert [(p.etc.name, p.base_value, p.end_value) for p in result.peers] == [
        ("Capital", 3.0 + 2018 % 3, 3.0 + 2020 % 3)
    ]
