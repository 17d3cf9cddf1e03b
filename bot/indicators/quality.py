"""Quality checks run by the loader: they *detect* defects in the MEN files.

Nothing here is a hard-coded list of known-bad columns. For each file and year the checks look at
the values themselves:

1. ``escala``: rows written as proportions (0.9255) instead of percentages are detected by their
   scale and converted (the NACIONAL rows of 2019-2021 in the municipal file).
2. ``anio_vacio``: a column that is empty, or all zeros, in every row of a year has no data for
   that year (``TAMAÑO_PROMEDIO_DE_GRUPO`` from 2018; zeros in the 2023-10 export for 2022).
3. ``sin_datos``: aprobación, reprobación and deserción all 0 for the same level and row.
4. ``columna_identica``: a column equal to another one in every row of a year (a publishing
   error). Which of the two is wrong is decided from evidence: values not credible for the
   indicator, the identity aprobación + reprobación + deserción = 100 %, agreement with a twin row
   of another file (Bogotá's department row equals its municipal row) and, failing that, the
   decision taken for the same pair in the other years of the file. Undecided: both are flagged.
5. ``fuera_de_rango``: values impossible for the indicator (a rate above 100 % where that cannot
   happen, a group of 31,728 students...). Coverage rates may exceed 100 and are not flagged.
6. ``inverosimil``: values possible in theory but not credible for a territory (an approval rate
   of 4 %).
7. ``suma_inconsistente``: aprobación + reprobación + deserción differ from 100 % by more than one
   point for a level (checked only where none of the three is already flagged).

Flagged values keep the reason and a detail so the assistant can say why a figure is not reliable.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from bot.indicators.definitions import ALL_LEVELS, INDICATORS, PERCENT, column_map
from bot.indicators.sources import Record

IDENTITY_TOLERANCE = 1.0  # percentage points
IDENTITY_OK_SHARE = 0.8
SCALE_PROBE_COLUMNS = ("TASA_MATRICULACIÓN_5_16", "COBERTURA_NETA", "COBERTURA_BRUTA", "APROBACIÓN")
SCALE_MAX_FOR_PROPORTIONS = 5.0

REASONS = (
    "sin_datos",
    "columna_identica",
    "fuera_de_rango",
    "inverosimil",
    "suma_inconsistente",
)


@dataclass(frozen=True)
class Issue:
    """A defect found in a source file (column level), kept in the database as the load report."""

    source_file: str
    year: int
    column: str
    check: str
    detail: str
    rows: int


def _indicator(column: str):
    return INDICATORS[column_map()[column][0]]


def _level(column: str) -> str:
    return column_map()[column][1]


def _by_year(records: Iterable[Record]) -> dict[int, list[Record]]:
    out: dict[int, list[Record]] = defaultdict(list)
    for r in records:
        out[r.year].append(r)
    return dict(sorted(out.items()))


def _flag(record: Record, column: str, reason: str, detail: str) -> None:
    if column not in record.flags and record.values.get(column) is not None:
        record.flags[column] = (reason, detail)


# 1. scale ---------------------------------------------------------------------------------------
def looks_like_proportions(values: Mapping[str, float | None]) -> bool:
    """Net/gross coverage, enrolment and approval all <= 5 can only be proportions (0.9255)."""
    probes = [values.get(c) for c in SCALE_PROBE_COLUMNS if values.get(c) is not None]
    return len(probes) >= 3 and 0 < max(probes) <= SCALE_MAX_FOR_PROPORTIONS  # type: ignore[type-var]


def to_percentages(values: dict[str, float | None]) -> None:
    for c, v in values.items():
        if v is not None and _indicator(c).unit == PERCENT:
            values[c] = round(v * 100, 6)


def fix_proportion_rows(records: list[Record], issues: list[Issue]) -> int:
    """Convert rows whose rates are proportions to percentages."""
    fixed: Counter = Counter()
    for r in records:
        if looks_like_proportions(r.values):
            to_percentages(r.values)
            fixed[r.year] += 1
    for year, n in fixed.items():
        issues.append(Issue(records[0].source.name, year, "*", "escala", "proporciones convertidas a porcentaje", n))
    return sum(fixed.values())


# 2. empty years ---------------------------------------------------------------------------------
def drop_empty_years(records: list[Record], issues: list[Issue]) -> None:
    for year, rows in _by_year(records).items():
        columns = rows[0].values.keys()
        for c in columns:
            vals = [r.values[c] for r in rows]
            present = [v for v in vals if v is not None]
            if not present:
                issues.append(Issue(rows[0].source.name, year, c, "anio_vacio", "vacía", len(rows)))
            elif all(v == 0 for v in present) and len(present) >= 0.9 * len(rows):
                for r in rows:
                    r.values[c] = None
                issues.append(Issue(rows[0].source.name, year, c, "anio_vacio", "solo ceros", len(rows)))


# helpers for identity / plausibility -----------------------------------------------------------
@cache
def _triple(level: str) -> tuple[str, str, str]:
    return tuple(INDICATORS[k].column_for(level) for k in ("aprobacion", "reprobacion", "desercion"))  # type: ignore[return-value]


def _identity_holds(record: Record, level: str) -> bool | None:
    vals = [record.values.get(c) for c in _triple(level)]
    if any(v is None for v in vals):
        return None
    return abs(sum(vals) - 100) <= IDENTITY_TOLERANCE  # type: ignore[arg-type]


def is_impossible(column: str, value: float) -> bool:
    ind = _indicator(column)
    return (ind.hard_min is not None and value < ind.hard_min) or (ind.hard_max is not None and value > ind.hard_max)


def is_implausible(column: str, value: float) -> bool:
    ind = _indicator(column)
    if is_impossible(column, value):
        return True
    return (ind.plausible_min is not None and value < ind.plausible_min) or (
        ind.plausible_max is not None and value > ind.plausible_max
    )


# 3. zero triples --------------------------------------------------------------------------------
def flag_zero_triples(records: list[Record], issues: list[Issue]) -> None:
    counts: Counter = Counter()
    for r in records:
        for level in ALL_LEVELS:
            cols = _triple(level)
            vals = [r.values.get(c) for c in cols]
            if all(v == 0 for v in vals):
                for c in cols:
                    _flag(r, c, "sin_datos", "0")
                    counts[(r.year, c, "sin_datos")] += 1
    _add_counts(records, counts, issues)


# 4. identical columns ---------------------------------------------------------------------------
def _identical_pairs(rows: list[Record]) -> list[tuple[str, str]]:
    columns = list(rows[0].values.keys())
    vectors = {c: [r.values[c] for r in rows] for c in columns}
    pairs = []
    for i, a in enumerate(columns):
        for b in columns[i + 1 :]:
            if _indicator(a).unit != _indicator(b).unit:
                continue
            va, vb = vectors[a], vectors[b]
            if any(x is not None and y is not None and x != y for x, y in zip(va[:20], vb[:20], strict=True)):
                continue  # quick reject
            both = [(x, y) for x, y in zip(va, vb, strict=True) if x is not None and y is not None]
            if len(both) < max(3, 0.9 * len(rows)):
                continue
            if all(x == y for x, y in both) and sum(1 for x, _ in both if x != 0) >= 3:
                pairs.append((a, b))
    return pairs


def _share(rows: list[Record], test) -> float:
    results = [test(r) for r in rows]
    results = [x for x in results if x is not None]
    return sum(results) / len(results) if results else 0.0


def _culprits(a: str, b: str, rows: list[Record], twins: Mapping[tuple[str, int], Mapping[str, float | None]]):
    """Which of two identical columns is wrong in this year, or None if the evidence is silent."""
    bad = {c: _share(rows, lambda r, c=c: is_implausible(c, r.values[c]) if r.values[c] is not None else None) for c in (a, b)}
    if bad[a] >= 0.5 > bad[b]:
        return {a}
    if bad[b] >= 0.5 > bad[a]:
        return {b}

    def identity_ok(c: str) -> bool:
        if not _indicator(c).in_identity:
            return False
        return _share(rows, lambda r: _identity_holds(r, _level(c))) >= IDENTITY_OK_SHARE

    ok_a, ok_b = identity_ok(a), identity_ok(b)
    if ok_a != ok_b:
        return {b} if ok_a else {a}

    def agrees(c: str):
        def test(r: Record):
            ref = twins.get((r.entity_key, r.year))
            if not ref or ref.get(c) is None or r.values[c] is None:
                return None
            return abs(ref[c] - r.values[c]) < 0.005
        return _share(rows, test) if any(twins.get((r.entity_key, r.year)) for r in rows) else None

    ag_a, ag_b = agrees(a), agrees(b)
    if ag_a is not None and ag_b is not None:
        if ag_a >= 0.8 > ag_b:
            return {b}
        if ag_b >= 0.8 > ag_a:
            return {a}
    return None


def flag_identical_columns(
    records: list[Record],
    issues: list[Issue],
    twins: Mapping[tuple[str, int], Mapping[str, float | None]] | None = None,
) -> None:
    twins = twins or {}
    by_year = _by_year(records)
    decided: dict[tuple[str, str], Counter] = defaultdict(Counter)
    found: list[tuple[int, str, str, set[str] | None]] = []
    for year, rows in by_year.items():
        for a, b in _identical_pairs(rows):
            culprits = _culprits(a, b, rows, twins)
            found.append((year, a, b, culprits))
            if culprits:
                decided[(a, b)].update(culprits)
    for year, a, b, culprits in found:
        if culprits is None:
            votes = decided.get((a, b))
            culprits = {votes.most_common(1)[0][0]} if votes else {a, b}
        rows = by_year[year]
        for c in culprits:
            other = b if c == a else a
            for r in rows:
                _flag(r, c, "columna_identica", other)
            issues.append(Issue(rows[0].source.name, year, c, "columna_identica", f"igual a {other}", len(rows)))


# 5-6. ranges ------------------------------------------------------------------------------------
def flag_ranges(records: list[Record], issues: list[Issue]) -> None:
    counts: Counter = Counter()
    for r in records:
        for c, v in r.values.items():
            if v is None or c in r.flags:
                continue
            if is_impossible(c, v):
                _flag(r, c, "fuera_de_rango", _fmt(v))
                counts[(r.year, c, "fuera_de_rango")] += 1
            elif is_implausible(c, v):
                _flag(r, c, "inverosimil", _fmt(v))
                counts[(r.year, c, "inverosimil")] += 1
    _add_counts(records, counts, issues)


# 7. identity ------------------------------------------------------------------------------------
def flag_identity(records: list[Record], issues: list[Issue]) -> None:
    counts: Counter = Counter()
    for r in records:
        for level in ALL_LEVELS:
            cols = _triple(level)
            if any(c in r.flags for c in cols):
                continue
            if _identity_holds(r, level) is False:
                total = sum(r.values[c] for c in cols)  # type: ignore[misc]
                for c in cols:
                    _flag(r, c, "suma_inconsistente", _fmt(total))
                    counts[(r.year, c, "suma_inconsistente")] += 1
    _add_counts(records, counts, issues)


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _add_counts(records: list[Record], counts: Counter, issues: list[Issue]) -> None:
    if not records:
        return
    name = records[0].source.name
    for (year, column, check), n in sorted(counts.items()):
        issues.append(Issue(name, year, column, check, "", n))


def run_checks(
    records: list[Record], twins: Mapping[tuple[str, int], Mapping[str, float | None]] | None = None
) -> list[Issue]:
    """Run every check on the records of one file, in order; returns the issues found."""
    issues: list[Issue] = []
    if not records:
        return issues
    fix_proportion_rows(records, issues)
    drop_empty_years(records, issues)
    flag_zero_triples(records, issues)
    flag_identical_columns(records, issues, twins)
    flag_ranges(records, issues)
    flag_identity(records, issues)
    return issues
