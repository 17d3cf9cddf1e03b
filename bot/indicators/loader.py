"""``python -m bot indicadores cargar``: build the indicator tables from ``data/indicators``.

The load is idempotent: it rebuilds every ``ind_*`` table in one transaction, and does nothing
when the files and the loader version are those of the last load (``force`` reloads anyway).

Choice between the two department exports (``ji8i-4anb``): for each department, year and column
the loader keeps the value of the newest export (2025-11) unless the quality checks flag it and
the 2023-10 export has an unflagged value. In practice the 2025 export's swapped columns
(``APROBACIÓN_TRANSICIÓN`` = ``REPROBACIÓN_TRANSICIÓN``, ``REPROBACIÓN_PRIMARIA`` =
``APROBACIÓN_PRIMARIA``) are flagged by the checks, so 2011-2021 come from the 2023-10 export for
those columns, and 2022-2024 stay flagged (both exports are wrong there).
"""

from __future__ import annotations

import csv
import io
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine
from tqdm import tqdm

from bot.db import get_engine
from bot.indicators import models as m
from bot.indicators.definitions import column_map
from bot.indicators.quality import Issue, run_checks
from bot.indicators.sources import (
    DEFAULT_DATA_DIR,
    DEPARTMENT_FILES,
    MUNICIPAL_FILE,
    NATIONAL_KEY,
    Record,
    department_key,
    etc_key,
    municipality_key,
    official_divipola_name,
    read_divipola,
    read_indicator_file,
    read_regions,
    sources_fingerprint,
)
from bot.text import fold, title_es

LOADER_VERSION = "1"
NATIONAL_NAME = "Colombia"
BOGOTA_DEPARTMENT = 11
BOGOTA_MUNICIPALITY = 11001
CHUNK = 5000


@dataclass
class LoadReport:
    skipped: bool
    seconds: float
    fingerprint: str
    entities: dict[str, int] = field(default_factory=dict)
    values: int = 0
    unreliable: int = 0
    issues: int = 0
    normalised: dict[str, int] = field(default_factory=dict)


@dataclass
class _Entities:
    rows: dict[str, dict] = field(default_factory=dict)
    aliases: dict[tuple[str, str], str] = field(default_factory=dict)  # (entity, alias) -> source
    coverage: set[tuple[str, int, str]] = field(default_factory=set)

    def add_alias(self, key: str, alias: str, source: str) -> None:
        alias = (alias or "").strip()
        if alias and fold(alias) and fold(alias) != fold(self.rows[key]["name"]):
            self.aliases.setdefault((key, alias), source)


def _entity(key: str, kind: str, code: str, name: str, **extra) -> dict:
    row = {
        "key": key, "kind": kind, "code": code, "name": name, "department_key": None, "municipality_type": None,
        "region": None, "etc_type": None, "data_key": None, "first_year": None, "last_year": None,
    }
    row.update(extra)
    return row


def build_entities(divipola, regions, municipal: list[Record], departmental: Iterable[Record]) -> _Entities:
    ent = _Entities()
    # departments and municipalities from DIVIPOLA (official names)
    for d in divipola:
        dkey = department_key(d.department_code)
        if dkey not in ent.rows:
            ent.rows[dkey] = _entity(dkey, "departamento", f"{d.department_code:02d}",
                                     title_es(official_divipola_name(d.department_name)))
            ent.add_alias(dkey, d.department_name, "divipola")
        mkey = municipality_key(d.municipality_code)
        ent.rows[mkey] = _entity(mkey, "municipio", f"{d.municipality_code:05d}",
                                 title_es(official_divipola_name(d.municipality_name)),
                                 department_key=dkey, municipality_type=d.kind)
        ent.add_alias(mkey, d.municipality_name, "divipola")
    ent.rows[NATIONAL_KEY] = _entity(NATIONAL_KEY, "nacional", "0", NATIONAL_NAME)
    # MEN names (and places missing from DIVIPOLA 2020, e.g. Mapiripana)
    for r in municipal:
        if r.entity_key == NATIONAL_KEY:
            continue
        if r.entity_key not in ent.rows:
            ent.rows[r.entity_key] = _entity(r.entity_key, "municipio", r.entity_key[4:], r.name,
                                             department_key=department_key(r.department_code))
        ent.add_alias(r.entity_key, r.name, "men_municipio")
        ent.add_alias(department_key(r.department_code), r.raw.get("DEPARTAMENTO", ""), "men_municipio")
    for r in departmental:
        ent.add_alias(r.entity_key, r.name, "men_departamento")
    for g in regions:
        mkey = municipality_key(g.municipality_code)
        if mkey not in ent.rows:
            ent.rows[mkey] = _entity(mkey, "municipio", f"{g.municipality_code:05d}", g.municipality_name,
                                     department_key=department_key(g.department_code))
        ent.rows[mkey]["region"] = g.region
        ent.add_alias(mkey, g.municipality_name, "municipios_region")
    _build_etc(ent, municipal)
    return ent


def _build_etc(ent: _Entities, municipal: list[Record]) -> None:
    names: dict[int, dict[int, str]] = defaultdict(dict)
    covered: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in municipal:
        if r.entity_key == NATIONAL_KEY or r.etc_code is None:
            continue
        names[r.etc_code][r.year] = r.etc_name or ""
        covered[r.etc_code][r.year].add(r.entity_key)
    for code, by_year in names.items():
        key = etc_key(code)
        years = sorted(by_year)
        munis = covered[code]
        departmental = max(len(s) for s in munis.values()) > 1
        dept = Counter(ent.rows[mk]["department_key"] for s in munis.values() for mk in s).most_common(1)[0][0]
        data_key = None
        if not departmental:
            (only,) = munis[years[-1]]
            data_key = department_key(BOGOTA_DEPARTMENT) if only == municipality_key(BOGOTA_MUNICIPALITY) else only
        # official spelling: the department's or the municipality's name (MEN spellings become aliases)
        name = f"{ent.rows[dept]['name']} (ETC)" if departmental else ent.rows[data_key]["name"]
        ent.rows[key] = _entity(key, "etc", str(code), name, department_key=dept,
                                etc_type="departamental" if departmental else "municipal", data_key=data_key,
                                first_year=years[0], last_year=years[-1])
        for name in set(by_year.values()):
            ent.add_alias(key, name, "men_municipio")
        for year, mks in munis.items():
            ent.coverage.update((key, year, mk) for mk in mks)


def _twins(municipal: list[Record]) -> dict[tuple[str, int], dict[str, float | None]]:
    """Bogotá's department row must equal its municipal row: evidence for the checks."""
    bog = municipality_key(BOGOTA_MUNICIPALITY)
    return {(department_key(BOGOTA_DEPARTMENT), r.year): dict(r.values) for r in municipal if r.entity_key == bog}


VALUE_COLUMNS = (
    "entity_key", "indicator", "level", "year", "value", "dataset_id", "source_file", "quality", "reason",
    "reason_detail",
)


def _value_rows(records: Iterable[Record]) -> dict[tuple[str, str, str, int], tuple[bool, int, tuple]]:
    """(entity, indicator, level, year) -> (flagged, preference, row tuple in VALUE_COLUMNS order)."""
    cmap = column_map()
    out: dict[tuple[str, str, str, int], tuple[bool, int, tuple]] = {}
    for r in records:
        src = r.source
        for column, v in r.values.items():
            if v is None:
                continue
            ind, level = cmap[column]
            flag = r.flags.get(column)
            if flag:
                row = (r.entity_key, ind, level, r.year, float(v), src.dataset_id, src.name, m.UNRELIABLE, flag[0], flag[1])
            else:
                row = (r.entity_key, ind, level, r.year, float(v), src.dataset_id, src.name, m.OK, None, None)
            key = (r.entity_key, ind, level, r.year)
            candidate = (bool(flag), src.preference, row)
            current = out.get(key)
            if current is None or candidate[:2] < current[:2]:
                out[key] = candidate
    return out


def _insert_values(conn, values: list[tuple], bar) -> None:
    """Bulk insert; SQLite takes plain tuples through the DB-API (several times faster)."""
    if conn.dialect.name == "sqlite":
        placeholders = ", ".join("?" for _ in VALUE_COLUMNS)
        sql = f"INSERT INTO {m.value.name} ({', '.join(VALUE_COLUMNS)}) VALUES ({placeholders})"
        cursor = conn.connection.cursor()
        for i in range(0, len(values), CHUNK):
            cursor.executemany(sql, values[i : i + CHUNK])
            bar.update(1)
        cursor.close()
        return
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg2":
        _copy_values_postgres(conn, values, bar)
        return
    for i in range(0, len(values), CHUNK):
        conn.execute(insert(m.value), [dict(zip(VALUE_COLUMNS, row, strict=True)) for row in values[i : i + CHUNK]])
        bar.update(1)


def _copy_values_postgres(conn, values: list[tuple], bar) -> None:
    """PostgreSQL: COPY ... FROM STDIN (CSV), chunk by chunk, inside the load transaction."""
    sql = f"COPY {m.value.name} ({', '.join(VALUE_COLUMNS)}) FROM STDIN WITH (FORMAT csv)"
    cursor = conn.connection.cursor()
    for i in range(0, len(values), CHUNK):
        buf = io.StringIO()
        writer = csv.writer(buf)
        for row in values[i : i + CHUNK]:
            writer.writerow(["" if x is None else repr(x) if isinstance(x, float) else x for x in row])
        buf.seek(0)
        cursor.copy_expert(sql, buf)
        bar.update(1)
    cursor.close()


def _write(engine: Engine, ent: _Entities, values: list[tuple], issues: list[Issue], meta: dict, bar) -> None:
    m.metadata.create_all(engine)
    with engine.begin() as conn:
        tables = (m.value, m.etc_coverage, m.entity_alias, m.issue, m.meta, m.entity)
        if conn.dialect.name == "postgresql":  # TRUNCATE is transactional there, and much faster
            conn.exec_driver_sql(f"TRUNCATE {', '.join(t.name for t in tables)}")
        elif conn.dialect.name == "sqlite":  # derived tables: rebuilt (faster than DELETE with foreign keys on)
            m.metadata.drop_all(conn)
            m.metadata.create_all(conn)
        else:
            for table in tables:
                conn.execute(delete(table))
        secondary = [ix for ix in m.value.indexes if conn.dialect.name == "sqlite"]
        for ix in secondary:  # built once after the bulk insert
            ix.drop(conn)
        conn.execute(insert(m.entity), list(ent.rows.values()))
        conn.execute(insert(m.entity_alias),
                     [{"entity_key": k, "alias": a, "source": s} for (k, a), s in sorted(ent.aliases.items())])
        conn.execute(insert(m.etc_coverage),
                     [{"etc_key": e, "year": y, "municipality_key": mk} for e, y, mk in sorted(ent.coverage)])
        bar.update(1)
        _insert_values(conn, values, bar)
        for ix in secondary:
            ix.create(conn)
        if issues:
            conn.execute(insert(m.issue), [
                {"source_file": i.source_file, "year": i.year, "column_name": i.column, "check_name": i.check,
                 "detail": i.detail, "rows": i.rows} for i in issues
            ])
        conn.execute(insert(m.meta), [{"key": k, "value": str(v)} for k, v in meta.items()])
        bar.update(1)


def stored_fingerprint(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(select(m.meta.c.value).where(m.meta.c.key == "fingerprint")).scalar_one_or_none()
    except Exception:  # tables not created yet
        return None


def load(
    database_url: str | None = None,
    data_dir: Path | None = None,
    *,
    force: bool = False,
    progress: bool = False,
) -> LoadReport:
    """Load (or reload) every indicator table; see the module docstring."""
    start = time.perf_counter()
    if database_url is None:
        from bot.services import get_services

        database_url = get_services().settings.database_url
    data_dir = data_dir or DEFAULT_DATA_DIR
    engine = get_engine(database_url)
    fingerprint = f"{LOADER_VERSION}:{sources_fingerprint(data_dir)}"
    if not force and stored_fingerprint(engine) == fingerprint:
        return LoadReport(True, time.perf_counter() - start, fingerprint)

    stats: Counter = Counter()
    with tqdm(total=8, desc="indicadores", unit="paso", disable=not progress) as bar:
        divipola = read_divipola(data_dir, stats)
        regions = read_regions(data_dir, stats)
        municipal = read_indicator_file(data_dir, MUNICIPAL_FILE, stats)
        dept_files = [read_indicator_file(data_dir, f, stats) for f in DEPARTMENT_FILES]
        bar.update(1)
        issues = run_checks(municipal)
        twins = _twins(municipal)
        for records in dept_files:
            issues += run_checks(records, twins)
        bar.update(1)
        ent = build_entities(divipola, regions, municipal, (r for recs in dept_files for r in recs))
        chosen = _value_rows(municipal)
        chosen.update(_value_rows(r for recs in dept_files for r in recs))
        values = [row for _flag, _pref, row in chosen.values()]
        bar.total = 4 + (len(values) + CHUNK - 1) // CHUNK
        bar.update(1)
        counts = Counter(row["kind"] for row in ent.rows.values())
        unreliable = sum(1 for v in values if v[7] == m.UNRELIABLE)
        meta = {
            "fingerprint": fingerprint, "loaded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "values": len(values), "unreliable": unreliable,
        }
        _write(engine, ent, values, issues, meta, bar)
    return LoadReport(False, time.perf_counter() - start, fingerprint, dict(counts), len(values), unreliable,
                      len(issues), dict(stats))


def place_rows(data_dir: Path | None = None) -> tuple[list[dict], list[tuple[str, str]]]:
    """The rows and aliases of the place tables, read from the files without a database (the NLU's
    gazetteer is built from them at training time and kept in the model)."""
    data_dir = data_dir or DEFAULT_DATA_DIR
    stats: Counter = Counter()
    municipal = read_indicator_file(data_dir, MUNICIPAL_FILE, stats)
    departmental = [r for f in DEPARTMENT_FILES for r in read_indicator_file(data_dir, f, stats)]
    ent = build_entities(read_divipola(data_dir, stats), read_regions(data_dir, stats), municipal, departmental)
    return list(ent.rows.values()), sorted(ent.aliases)
