"""The loader's quality checks detect defects from the values themselves (synthetic files and the real ones)."""

from __future__ import annotations

from sqlalchemy import select

from bot.db import get_engine
from bot.indicators import models as m
from bot.indicators.definitions import column_map
from bot.indicators.quality import run_checks
from bot.indicators.sources import Record, SourceFile

SRC = SourceFile("sintetico.csv", "ji8i-4anb", "departamento", "test", 0)


def _record(i: int, year: int = 2020, **values: float | None) -> Record:
    base = {c: None for c in column_map()}
    base.update({
        "APROBACIÓN": 90.0 + i * 0.1, "REPROBACIÓN": 6.0, "DESERCIÓN": 4.0 - i * 0.1,
        "APROBACIÓN_SECUNDARIA": 88.0 + i * 0.2, "REPROBACIÓN_SECUNDARIA": 7.0, "DESERCIÓN_SECUNDARIA": 5.0 - i * 0.2,
        "REPITENCIA": 2.0 + i * 0.05, "REPITENCIA_MEDIA": 1.0 + i * 0.03,
        "COBERTURA_NETA": 85.0 + i, "COBERTURA_BRUTA": 104.0 + i, "TASA_MATRICULACIÓN_5_16": 86.0 + i,
        "TAMAÑO_PROMEDIO_DE_GRUPO": 25.0 + i, "POBLACIÓN_5_16": 1000.0 * (i + 1),
    })
    base.update(values)
    return Record(SRC, i + 2, year, f"dep:{i + 1:02d}", f"D{i}", i + 1, None, None, base)


def _checks(records):
    issues = run_checks(records)
    return issues, {(r.entity_key, c): f for r in records for c, f in r.flags.items()}


def test_clean_file_has_no_flags():
    issues, flags = _checks([_record(i) for i in range(10)])
    assert flags == {} and [i.check for i in issues if i.check != "anio_vacio"] == []


def test_a_column_copied_from_another_is_found_and_the_wrong_one_flagged():
    # aprobación en secundaria published as a copy of deserción en secundaria (not credible for approval)
    records = [_record(i) for i in range(10)]
    for r in records:
        r.values["APROBACIÓN_SECUNDARIA"] = r.values["DESERCIÓN_SECUNDARIA"]
    issues, flags = _checks(records)
    assert all(flags[(r.entity_key, "APROBACIÓN_SECUNDARIA")] == ("columna_identica", "DESERCIÓN_SECUNDARIA")
               for r in records)
    assert not any(c == "DESERCIÓN_SECUNDARIA" for _k, c in flags)
    assert any(i.check == "columna_identica" and i.column == "APROBACIÓN_SECUNDARIA" for i in issues)


def test_identical_columns_decided_by_the_identity():
    # repitencia copied from reprobación: both credible, but reprobación fits aprobación + reprobación + deserción = 100
    records = [_record(i) for i in range(10)]
    for r in records:
        r.values["REPITENCIA"] = r.values["REPROBACIÓN"] = 5.0 + r.line * 0.1
        r.values["APROBACIÓN"] = 100 - r.values["REPROBACIÓN"] - r.values["DESERCIÓN"]
    _issues, flags = _checks(records)
    assert {c for _k, c in flags} == {"REPITENCIA"}


def test_impossible_values_are_flagged_but_coverage_above_100_is_not():
    records = [_record(i) for i in range(5)]
    records[0].values["DESERCIÓN_SECUNDARIA"] = 130.0
    records[1].values["TAMAÑO_PROMEDIO_DE_GRUPO"] = 31728.0  # lost decimal separator
    records[2].values["COBERTURA_BRUTA"] = 286.9
    records[3].values["APROBACIÓN"] = 4.2  # possible in theory, not credible for a territory
    _issues, flags = _checks(records)
    assert flags[("dep:01", "DESERCIÓN_SECUNDARIA")][0] == "fuera_de_rango"
    assert flags[("dep:02", "TAMAÑO_PROMEDIO_DE_GRUPO")] == ("fuera_de_rango", "31728")
    assert ("dep:03", "COBERTURA_BRUTA") not in flags
    assert flags[("dep:04", "APROBACIÓN")][0] == "inverosimil"


def test_proportions_are_converted_to_percentages():
    records = [_record(i) for i in range(3)]
    nat = records[2]
    for c, v in list(nat.values.items()):
        if v is not None and c not in ("POBLACIÓN_5_16", "TAMAÑO_PROMEDIO_DE_GRUPO"):
            nat.values[c] = v / 100
    issues, flags = _checks(records)
    assert abs(nat.values["COBERTURA_NETA"] - 87.0) < 1e-9 and nat.values["POBLACIÓN_5_16"] == 3000.0
    assert any(i.check == "escala" and i.rows == 1 for i in issues)
    assert flags == {}


def test_empty_and_all_zero_years():
    records = [_record(i, TAMAÑO_PROMEDIO_DE_GRUPO=0.0) for i in range(4)] + [_record(i, 2021) for i in range(4)]
    issues, _flags = _checks(records)
    assert all(r.values["TAMAÑO_PROMEDIO_DE_GRUPO"] is None for r in records if r.year == 2020)
    assert all(r.values["TAMAÑO_PROMEDIO_DE_GRUPO"] for r in records if r.year == 2021)
    found = {(i.year, i.column, i.detail) for i in issues if i.check == "anio_vacio"}
    assert (2020, "TAMAÑO_PROMEDIO_DE_GRUPO", "solo ceros") in found
    assert (2020, "SEDES_CONECTADAS_A_INTERNET", "vacía") in found


def test_sums_that_do_not_add_up_and_zero_triples():
    records = [_record(i) for i in range(4)]
    records[0].values["DESERCIÓN"] = 10.9  # 90 + 6 + 10.9 = 106.9
    records[1].values.update({"APROBACIÓN": 0.0, "REPROBACIÓN": 0.0, "DESERCIÓN": 0.0})
    _issues, flags = _checks(records)
    assert {flags[("dep:01", c)][0] for c in ("APROBACIÓN", "REPROBACIÓN", "DESERCIÓN")} == {"suma_inconsistente"}
    assert flags[("dep:01", "DESERCIÓN")][1] == "106.9"
    assert {flags[("dep:02", c)][0] for c in ("APROBACIÓN", "REPROBACIÓN", "DESERCIÓN")} == {"sin_datos"}


# the real files -------------------------------------------------------------------------------------
def _value(conn, key, indicator, level, year):
    q = select(m.value).where(m.value.c.entity_key == key, m.value.c.indicator == indicator,
                              m.value.c.level == level, m.value.c.year == year)
    return conn.execute(q).mappings().one_or_none()


def test_defects_of_the_real_files_are_flagged(loaded_db):
    with get_engine(loaded_db).connect() as conn:
        for year in (2011, 2016, 2021, 2024):
            v = _value(conn, "dep:19", "aprobacion", "secundaria", year)
            assert (v["quality"], v["reason"], v["reason_detail"]) == (m.UNRELIABLE, "columna_identica",
                                                                       "DESERCIÓN_SECUNDARIA")
            assert _value(conn, "dep:19", "desercion", "secundaria", year)["quality"] == m.OK
        assert _value(conn, "dep:05", "repitencia", "transicion", 2015)["reason"] == "columna_identica"
        assert _value(conn, "dep:05", "reprobacion", "primaria", 2023)["reason"] == "columna_identica"
        assert _value(conn, "dep:05", "aprobacion", "transicion", 2023)["reason"] == "inverosimil"
        assert _value(conn, "dep:05", "tamano_grupo", "total", 2017)["reason"] == "fuera_de_rango"
        assert _value(conn, "dep:05", "tamano_grupo", "total", 2018) is None  # empty from 2018
        nat = _value(conn, "nac:0", "cobertura_neta", "total", 2019)
        assert abs(nat["value"] - 92.35) < 1e-9 and nat["quality"] == m.OK
        bruta = _value(conn, "dep:05", "cobertura_bruta", "primaria", 2011)
        assert bruta["value"] > 100 and bruta["quality"] == m.OK
        assert _value(conn, "mun:97777", "desercion", "total", 2022)["reason"] == "sin_datos"  # Papunaua
        municipal_size = _value(conn, "mun:05002", "tamano_grupo", "total", 2016)  # "21,25"-style decimal comma
        assert municipal_size["quality"] == m.OK and municipal_size["value"] < 60
        issues = conn.execute(select(m.issue.c.check_name).distinct()).scalars().all()
    assert {"columna_identica", "fuera_de_rango", "anio_vacio", "escala"} <= set(issues)
