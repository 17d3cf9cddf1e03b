"""The loaded values against the raw CSV files: every non-empty official value round-trips."""

from __future__ import annotations

import csv
import math

import pytest
from sqlalchemy import select

from bot.db import get_engine
from bot.indicators import models as m
from bot.indicators.definitions import column_map

from .conftest import DATA_DIR

ID_COLUMNS = {"AÑO", "CÓDIGO_MUNICIPIO", "MUNICIPIO", "CÓDIGO_DEPARTAMENTO", "DEPARTAMENTO", "CÓDIGO_ETC", "ETC"}
DEPT_2025 = "men_departamento_2011_2024.csv"
DEPT_2023 = "men_departamento_2011_2022_v2023-10.csv"


def raw_number(column: str, text: str) -> float | None:
    """An independent reading of a CSV cell (the test does not reuse the loader's parser)."""
    s = text.strip().strip('"').strip().rstrip("%")
    if not s:
        return None
    if column == "POBLACIÓN_5_16":
        return float(s.replace(",", ""))
    return float(s.replace(",", "."))


def raw_rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def db_values(loaded_db) -> dict[tuple[str, str, str, int], dict]:
    with get_engine(loaded_db).connect() as conn:
        return {(r["entity_key"], r["indicator"], r["level"], r["year"]): dict(r)
                for r in conn.execute(select(m.value)).mappings()}


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def test_every_municipal_value_round_trips(db_values):
    cmap = column_map()
    checked = 0
    for row in raw_rows("men_municipio_2011_2022.csv"):
        code = int(row["CÓDIGO_MUNICIPIO"].replace(",", ""))
        key = "nac:0" if code == 0 else f"mun:{code:05d}"
        year = int(row["AÑO"].replace(",", ""))
        for column, text in row.items():
            if column in ID_COLUMNS:
                continue
            expected = raw_number(column, text)
            if expected is None:
                continue
            ind, level = cmap[column]
            if code == 0 and column != "POBLACIÓN_5_16":
                expected *= 100  # the NACIONAL rows are proportions
            stored = db_values[(key, ind, level, year)]
            assert _close(stored["value"], expected), (key, column, year, text, stored["value"])
            assert stored["dataset_id"] == "nudc-7mev"
            checked += 1
    assert checked > 400_000
    municipal = sum(1 for v in db_values.values() if v["source_file"] == "men_municipio_2011_2022.csv")
    assert municipal == checked  # nothing invented, nothing lost


def test_department_values_come_from_one_of_the_two_exports(db_values):
    cmap = column_map()
    new = {(r["AÑO"], r["CÓDIGO_DEPARTAMENTO"]): r for r in raw_rows(DEPT_2025)}
    old = {(r["AÑO"], r["CÓDIGO_DEPARTAMENTO"]): r for r in raw_rows(DEPT_2023)}
    checked = from_old = 0
    for (year_text, code_text), row in new.items():
        key, year = f"dep:{int(code_text):02d}", int(year_text)
        for column in row:
            if column in ID_COLUMNS:
                continue
            ind, level = cmap[column]
            v_new = raw_number(column, row[column])
            v_old = raw_number(column, old[(year_text, code_text)][column]) if (year_text, code_text) in old else None
            stored = db_values.get((key, ind, level, year))
            if v_new is None and not v_old:
                assert stored is None, (key, column, year)  # empty, or the zeros of an empty year
                continue
            assert stored is not None, (key, column, year)
            assert stored["dataset_id"] == "ji8i-4anb"
            if v_new is not None and v_old is not None and _close(v_new, v_old):
                assert _close(stored["value"], v_new)
            elif stored["source_file"] == DEPT_2023:
                assert _close(stored["value"], v_old)
                from_old += 1
            else:
                assert _close(stored["value"], v_new)
            checked += 1
    assert checked > 14_000
    # The 2025 export swapped aprobación/reprobación in transición and primaria for 2011-2021: 2 x 33 x 11 cells,
    # less Nariño 2011, where the 2023-10 values fail aprobación + reprobación + deserción = 100 too (newest kept).
    assert from_old == 2 * 33 * 11 - 2
    narino = db_values[("dep:52", "aprobacion", "transicion", 2011)]
    assert narino["quality"] == m.UNRELIABLE and narino["source_file"] == DEPT_2025


def test_swapped_columns_taken_from_the_2023_export(db_values):
    v = db_values[("dep:05", "aprobacion", "transicion", 2011)]
    assert v["source_file"] == DEPT_2023 and v["quality"] == m.OK and _close(v["value"], 96.31)
    v = db_values[("dep:05", "reprobacion", "primaria", 2011)]
    assert v["source_file"] == DEPT_2023 and v["quality"] == m.OK and _close(v["value"], 1.8)


def test_entities(loaded_db):
    with get_engine(loaded_db).connect() as conn:
        rows = conn.execute(select(m.entity)).mappings().all()
        coverage = conn.execute(select(m.etc_coverage.c.year, m.etc_coverage.c.etc_key)).all()
    kinds = {}
    for r in rows:
        kinds.setdefault(r["kind"], []).append(r)
    assert len(kinds["departamento"]) == 33
    assert {r["code"] for r in kinds["departamento"]} >= {"05", "11", "88", "99"}
    assert len(kinds["municipio"]) >= 1122
    assert all(len(r["code"]) == 5 for r in kinds["municipio"])
    etc_per_year = {}
    for year, etc in coverage:
        etc_per_year.setdefault(year, set()).add(etc)
    assert all(len(etc_per_year[y]) == 95 for y in range(2011, 2019))
    assert all(len(etc_per_year[y]) == 96 for y in range(2019, 2023))
    types = [r["etc_type"] for r in kinds["etc"]]
    assert types.count("departamental") == 32 and types.count("municipal") == 64  # 63 + Bogotá D.C.
    by_key = {r["key"]: r for r in rows}
    assert by_key["etc:3759"]["data_key"] == "mun:05001"  # Medellín
    assert by_key["etc:3766"]["data_key"] == "dep:11"  # Bogotá: its municipal row equals its department row
    assert by_key["etc:3758"]["name"] == "Antioquia (ETC)" and by_key["etc:3758"]["data_key"] is None
    assert by_key["etc:10851"]["first_year"] == 2019  # Funza
    assert by_key["dep:11"]["name"] == "Bogotá, D.C."
    assert by_key["dep:88"]["name"] == "Archipiélago de San Andrés, Providencia y Santa Catalina"
    assert by_key["mun:54001"]["name"] == "San José de Cúcuta"


def test_second_load_is_skipped(load_report):
    assert load_report.skipped
