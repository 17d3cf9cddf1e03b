"""Peers ("Quiero conectarme y compartir con otros"): secretarías like ours that improved an indicator.

"¿Qué secretarías parecidas a la nuestra bajaron la deserción?" is answered in three steps:

1. **Who is similar** — other ETC whose figures exist offline, with
   * a population aged 5–16 of similar size in the base year (between half and double), and
   * a similar starting level of the indicator in the base year (± a tolerance), and
   * the same natural region (``municipios_region.csv``) when there are enough of them.
   When fewer than :data:`MIN_CANDIDATES` ETC meet every criterion, criteria are relaxed one at
   a time (region first, then size, then starting level) and the result says which were relaxed.
2. **Who improved the most** — among them, the largest improvement of the indicator between the
   base year and the final year (a fall for deserción/reprobación/repitencia, a rise for
   cobertura/aprobación), in percentage points.
3. **Offer to connect** — done by the action: a VPBM-ESC case asks the Escuela to put the teams
   in touch (see :func:`connection_request`).

Only *municipal* ETC (a city or district certified to run its schools) have official figures
offline: their figures are their municipality's row. A departmental ETC ("Antioquia (ETC)") is
not its department (it excludes the certified municipalities) and its official series is only in
the MEN dataset ``sras-4t5p``, which has no offline copy; for those the finder says so instead
of inventing a figure.

The data comes through the small :class:`PeerData` interface. :class:`TablesPeerData` reads the
tables of the indicators feature (``python -m bot indicadores cargar``: values checked by its
quality rules, place names resolved by its :class:`~bot.places.PlaceResolver`);
:class:`CsvPeerData` reads the MEN files directly when those tables are not loaded.
:func:`default_peer_data` picks one.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Protocol

from rapidfuzz import fuzz, process

from bot.text import fold as normalize

MUNICIPAL = "municipal"
DEPARTMENTAL = "departamental"

DEFAULT_INDICATOR = "desercion"
DEFAULT_LEVEL = "total"
DEFAULT_SPAN_YEARS = 4
MIN_CANDIDATES = 5
TOP_PEERS = 3
SIZE_RATIO = 2.0  # "similar size": between 1/2 and 2 times the population 5-16
WIDE_SIZE_RATIO = 4.0
BASELINE_ABS_TOL = 1.0  # percentage points
BASELINE_REL_TOL = 0.25  # of the user's starting value
BASELINE_MAX_TOL = 10.0
RESOLVE_MIN_SCORE = 85.0
MIN_IMPROVEMENT = 0.1  # percentage points: smaller changes are noise, not an improvement

# Status of a peer search.
OK = "ok"
UNKNOWN_ETC = "etc_desconocida"
DEPARTMENTAL_ETC = "etc_departamental"
NO_DATA = "sin_datos"
NO_PEERS = "sin_pares"


# --------------------------------------------------------------------------- data interface
@dataclass(frozen=True)
class EtcProfile:
    code: int  # MEN ETC code (3759 Medellín)
    name: str
    kind: str  # municipal | departamental
    department_code: int
    department_name: str
    region: str = ""
    municipality_code: int | None = None  # municipal ETC: the DANE code whose row holds its figures


@dataclass(frozen=True)
class EtcSeries:
    """Yearly values of one indicator and of the population 5–16 for a municipal ETC."""

    etc: EtcProfile
    values: dict[int, float]
    population: dict[int, float]


@dataclass(frozen=True)
class EtcResolution:
    """Which ETC a place name means: ``ok``, ``ambiguous`` (``candidates`` to ask) or ``unknown``."""

    status: str
    etc: EtcProfile | None = None
    candidates: tuple[str, ...] = ()
    place_name: str = ""  # the place the user named (a non-certified municipality → its departmental ETC)


class PeerData(Protocol):
    source: str  # citation shown with the figures

    def etcs(self) -> list[EtcProfile]: ...

    def series(self, indicator: str, level: str) -> dict[int, EtcSeries]: ...

    def resolve(self, text: str) -> EtcResolution: ...


@dataclass(frozen=True)
class IndicatorInfo:
    key: str
    name: str
    higher_is_better: bool
    hard_min: float | None
    hard_max: float | None


def indicator_info(key: str) -> IndicatorInfo:
    """Name and direction of an indicator, from the indicator definitions."""
    from bot.indicators.definitions import INDICATORS

    ind = INDICATORS[key]
    if ind.higher_is_better is None:
        raise ValueError(f"el indicador {key} no tiene una dirección de mejora")
    return IndicatorInfo(ind.key, ind.name, bool(ind.higher_is_better), ind.hard_min, ind.hard_max)


class CsvPeerData:
    """Peer data read from the MEN municipal file and the region file of ``data/indicators``.

    Format quirks of the files are handled by :mod:`bot.indicators.sources`; values outside the
    possible range of the indicator, and rows where aprobación, reprobación and deserción are all
    0 (no data), are left out. Loaded lazily, once per instance.
    """

    def __init__(self, data_dir: Path | str | None = None):
        from bot.indicators.sources import DEFAULT_DATA_DIR

        self.data_dir = Path(data_dir) if data_dir else DEFAULT_DATA_DIR
        self.source = "Ministerio de Educación Nacional, datos.gov.co (nudc-7mev, exportación 2023-09)"

    @cached_property
    def _records(self):
        from collections import Counter

        from bot.indicators.sources import MUNICIPAL_FILE, read_indicator_file

        return read_indicator_file(self.data_dir, MUNICIPAL_FILE, Counter())

    @cached_property
    def _regions(self) -> dict[int, str]:
        from collections import Counter

        from bot.indicators.sources import read_regions

        return {r.municipality_code: r.region for r in read_regions(self.data_dir, Counter())}

    @cached_property
    def _profiles(self) -> dict[int, EtcProfile]:
        """Every ETC of the last year it appears; municipal when it covers exactly one municipality."""
        members: dict[tuple[int, int], set[str]] = defaultdict(set)
        latest: dict[int, object] = {}
        for r in self._records:
            if r.etc_code is None or r.entity_key.startswith("nac"):
                continue
            members[(r.etc_code, r.year)].add(r.entity_key)
            if r.etc_code not in latest or r.year >= latest[r.etc_code].year:
                latest[r.etc_code] = r
        profiles = {}
        for code, rec in latest.items():
            munis = members[(code, rec.year)]
            municipal = len(munis) == 1
            muni_code = int(next(iter(munis)).split(":")[1]) if municipal else None
            profiles[code] = EtcProfile(
                code=code,
                name=_clean_etc_name(rec.etc_name or ""),
                kind=MUNICIPAL if municipal else DEPARTMENTAL,
                department_code=rec.department_code,
                department_name=(rec.raw.get("DEPARTAMENTO") or "").strip(),
                region=self._regions.get(muni_code, "") if municipal else "",
                municipality_code=muni_code,
            )
        return profiles

    def etcs(self) -> list[EtcProfile]:
        return sorted(self._profiles.values(), key=lambda p: p.name)

    def resolve(self, text: str) -> EtcResolution:
        etc = resolve_etc(text, self.etcs())
        return EtcResolution("ok", etc, place_name=etc.name) if etc else EtcResolution("unknown")

    def series(self, indicator: str, level: str) -> dict[int, EtcSeries]:
        from bot.indicators.definitions import INDICATORS

        ind = INDICATORS[indicator]
        column = ind.column_for(level)
        pop_column = INDICATORS["poblacion_5_16"].column
        by_muni = {p.municipality_code: p for p in self._profiles.values() if p.kind == MUNICIPAL}
        out: dict[int, EtcSeries] = {}
        for r in self._records:
            muni = int(r.entity_key.split(":")[1]) if r.entity_key.startswith("mun:") else None
            profile = by_muni.get(muni)
            if profile is None or r.etc_code != profile.code:
                continue  # a year when the municipality was not yet its own ETC
            s = out.setdefault(profile.code, EtcSeries(profile, {}, {}))
            value = r.values.get(column)
            if _usable(value, ind.hard_min, ind.hard_max) and not _no_data_row(r.values, level):
                s.values[r.year] = value
            pop = r.values.get(pop_column)
            if pop:
                s.population[r.year] = pop
        return out


class TablesPeerData:
    """Peer data from the tables of the indicators feature (loaded by ``python -m bot indicadores cargar``).

    Only values the loader marked reliable (``quality = ok``) are used, and only for the years the
    ETC existed (its coverage years). Bogotá's figures come from its department row, as the loader
    decides (``data_key``).
    """

    def __init__(self, database_url: str):
        self.database_url = database_url
        self.source = "Ministerio de Educación Nacional, datos.gov.co (nudc-7mev; Bogotá: ji8i-4anb)"
        self._profiles: dict[int, EtcProfile] | None = None
        self._years: dict[int, tuple[int, int]] = {}
        self._data_keys: dict[int, str] = {}  # municipal ETC code -> entity holding its figures
        self._series: dict[tuple[str, str], dict[int, EtcSeries]] = {}

    @staticmethod
    def is_loaded(database_url: str) -> bool:
        """True when the indicators tables exist and hold ETC."""
        from sqlalchemy import func, inspect, select

        from bot.db import get_engine
        from bot.indicators import models as m

        engine = get_engine(database_url)
        if not inspect(engine).has_table(m.entity.name):
            return False
        with engine.connect() as conn:
            return bool(conn.execute(select(func.count()).where(m.entity.c.kind == "etc")).scalar())

    def _load_profiles(self) -> dict[int, EtcProfile]:
        if self._profiles is None:
            from sqlalchemy import select

            from bot.db import get_engine
            from bot.indicators import models as m

            with get_engine(self.database_url).connect() as conn:
                rows = {r["key"]: r for r in conn.execute(select(m.entity)).mappings()}
            profiles = {}
            for r in rows.values():
                if r["kind"] != "etc":
                    continue
                municipal = r["etc_type"] == "municipal"
                data = rows.get(r["data_key"]) if municipal else None
                dept = rows.get(r["department_key"])
                profiles[int(r["code"])] = EtcProfile(
                    code=int(r["code"]),
                    name=_clean_etc_name(r["name"]),
                    kind=MUNICIPAL if municipal else DEPARTMENTAL,
                    department_code=int(r["department_key"].split(":")[1]),
                    department_name=dept["name"] if dept else "",
                    region=_region_of(data, rows),
                    municipality_code=int(data["code"]) if data is not None else None,
                )
                self._years[int(r["code"])] = (r["first_year"], r["last_year"])
                if municipal:
                    self._data_keys[int(r["code"])] = r["data_key"]
            self._profiles = profiles
        return self._profiles

    def etcs(self) -> list[EtcProfile]:
        return sorted(self._load_profiles().values(), key=lambda p: p.name)

    def resolve(self, text: str) -> EtcResolution:
        """The ETC of the place named, with the indicators' place resolver.

        A certified municipality or a department is its own ETC; another municipality is served
        by its department's ETC. Between homonyms, the one that *is* an ETC wins ("Armenia" is
        Quindío's capital, "Nariño" the department), since the user names their secretaría.
        """
        from bot.places import get_resolver

        resolver = get_resolver(self.database_url)
        res = resolver.resolve(text, prefer_kind="municipio")
        places = [res.place] if res.ok else list(res.candidates) if res.status == "ambiguous" else []
        if len(places) > 1:
            own = [p for p in places if _is_own_etc(p)]
            if len(own) != 1:
                return EtcResolution("ambiguous", candidates=tuple(p.label for p in places))
            places = own
        if not places:
            return EtcResolution("unknown")
        key = _etc_key_of(resolver, places[0])
        etc = self._load_profiles().get(int(key.split(":")[1])) if key else None
        return EtcResolution("ok", etc, place_name=places[0].name) if etc else EtcResolution("unknown")

    def series(self, indicator: str, level: str) -> dict[int, EtcSeries]:
        cache_key = (indicator, level)
        if cache_key not in self._series:
            self._series[cache_key] = self._read_series(indicator, level)
        return self._series[cache_key]

    def _read_series(self, indicator: str, level: str) -> dict[int, EtcSeries]:
        from sqlalchemy import and_, or_, select

        from bot.db import get_engine
        from bot.indicators import models as m

        profiles = self._load_profiles()
        by_key = {k: code for code, k in self._data_keys.items()}
        wanted = or_(
            and_(m.value.c.indicator == indicator, m.value.c.level == level),
            and_(m.value.c.indicator == "poblacion_5_16", m.value.c.level == "total"),
        )
        stmt = select(m.value.c.entity_key, m.value.c.indicator, m.value.c.year, m.value.c.value).where(
            m.value.c.entity_key.in_(list(by_key)), m.value.c.quality == m.OK, wanted
        )
        out: dict[int, EtcSeries] = {}
        with get_engine(self.database_url).connect() as conn:
            for entity_key, ind, year, value in conn.execute(stmt):
                code = by_key[entity_key]
                first, last = self._years[code]
                if not first <= year <= last:
                    continue  # a year when the municipality was not (yet) its own ETC
                s = out.setdefault(code, EtcSeries(profiles[code], {}, {}))
                target = s.population if ind == "poblacion_5_16" and indicator != "poblacion_5_16" else s.values
                target[year] = value
        return out


def _is_own_etc(place) -> bool:
    return bool(place.etc_key) or place.kind == "departamento"


def _etc_key_of(resolver, place) -> str | None:
    """ETC key serving ``place``: its own, its department's ETC, or None (the nation)."""
    if place.etc_key:
        return place.etc_key
    if place.kind == "departamento":
        etc = resolver.departmental_etc_of(place)
        return etc.key if etc else None
    if place.kind == "municipio":
        department = resolver.get(f"dep:{int(place.key.split(':')[1]) // 1000:02d}")
        etc = resolver.departmental_etc_of(department) if department else None
        return etc.key if etc else None
    return None


def _region_of(data_row, rows) -> str:
    if data_row is None:
        return ""
    if data_row["region"]:
        return data_row["region"]
    if data_row["kind"] == "departamento":  # Bogotá: its only municipality carries the region
        muni = next(
            (r for r in rows.values() if r["kind"] == "municipio" and r["department_key"] == data_row["key"]), None
        )
        return (muni or {}).get("region") or ""
    return ""


def default_peer_data(database_url: str) -> PeerData:
    """The indicators tables of ``database_url`` when they are loaded, else the CSV files."""
    return TablesPeerData(database_url) if TablesPeerData.is_loaded(database_url) else CsvPeerData()


def _clean_etc_name(name: str) -> str:
    return name.replace(" (ETC)", "").strip()


def _usable(value: float | None, lo: float | None, hi: float | None) -> bool:
    if value is None or math.isnan(value):
        return False
    return not ((lo is not None and value < lo) or (hi is not None and value > hi))


def _no_data_row(values: dict[str, float | None], level: str) -> bool:
    """Aprobación, reprobación and deserción all 0: the row carries no flow data for that level."""
    suffix = "" if level == "total" else "_" + {"transicion": "TRANSICIÓN"}.get(level, level.upper())
    cols = [f"APROBACIÓN{suffix}", f"REPROBACIÓN{suffix}", f"DESERCIÓN{suffix}"]
    return all((values.get(c) or 0) == 0 for c in cols)


# --------------------------------------------------------------------------- resolving the user's ETC
def _etc_aliases(profile: EtcProfile) -> set[str]:
    name = normalize(profile.name)
    aliases = {name}
    if profile.kind == DEPARTMENTAL:
        aliases.add(normalize(profile.department_name))
    for prefix in ("san andres de ", "guadalajara de ", "san jose de "):
        if name.startswith(prefix):
            aliases.add(name[len(prefix) :])
    if name.startswith("bogota"):
        aliases |= {"bogota", "bogota dc", "bogota d c"}
    return aliases


_ETC_WORDS = ("secretaria de educacion de", "secretaria de educacion del", "secretaria de", "sed", "etc", "de", "del")


def resolve_etc(text: str, etcs: Iterable[EtcProfile]) -> EtcProfile | None:
    """The ETC named in ``text`` ("Secretaría de Educación de Cúcuta", "tumaco", "antioquia")."""
    query = normalize(text)
    for word in _ETC_WORDS:
        if query.startswith(word + " "):
            query = query[len(word) + 1 :]
    if not query:
        return None
    table = {alias: p for p in etcs for alias in _etc_aliases(p)}
    if query in table:
        return table[query]
    match = process.extractOne(query, list(table), scorer=fuzz.ratio, score_cutoff=RESOLVE_MIN_SCORE)
    return table[match[0]] if match else None


# --------------------------------------------------------------------------- the question
_YEAR_RE = re.compile(r"\b(20[0-4]\d)\b")
_PLACE_PREFIX_RE = re.compile(
    r"^(yo )?(soy|somos|estoy|estamos|trabajo|trabajamos)( de| en| con)?( la| el)?( secretaria( de educacion)?)?( de| del)?\s+"
)


@dataclass(frozen=True)
class PeerQuestion:
    indicator: str = DEFAULT_INDICATOR
    level: str = DEFAULT_LEVEL
    base_year: int | None = None
    end_year: int | None = None


def parse_peer_question(text: str) -> PeerQuestion:
    """Indicator, level and period named in the question; deserción (total) by default.

    "¿quiénes subieron la aprobación en secundaria entre 2015 y 2019?" → aprobacion, secundaria,
    2015, 2019. "Cobertura" alone means the net coverage. Indicators without a direction of
    improvement (population, group size) fall back to deserción.
    """
    from bot.indicators.definitions import INDICATORS, parse_indicator, parse_level

    match = parse_indicator(text or "")
    key = match.key or (match.candidates[0] if match.candidates else None)
    indicator = key if key and INDICATORS[key].higher_is_better is not None else DEFAULT_INDICATOR
    level = parse_level(text or "") or DEFAULT_LEVEL
    if not INDICATORS[indicator].has_level(level):
        level = DEFAULT_LEVEL
    years = sorted({int(y) for y in _YEAR_RE.findall(text or "")})
    base, end = (years[0], years[-1]) if len(years) >= 2 else (years[0], None) if years else (None, None)
    return PeerQuestion(indicator, level, base, end)


def place_candidates(text: str) -> list[str]:
    """``text`` and the same without "soy de la secretaría de…" (answers to "¿de qué secretaría es?")."""
    norm = normalize(text or "")
    stripped = _PLACE_PREFIX_RE.sub("", norm).strip()
    return [t for t in dict.fromkeys([text or "", stripped]) if t.strip()]


# --------------------------------------------------------------------------- the finder
@dataclass(frozen=True)
class Criteria:
    """The similarity criteria actually used (for the explanation)."""

    base_year: int
    end_year: int
    population: float
    population_min: float
    population_max: float
    baseline: float
    baseline_min: float
    baseline_max: float
    region: str | None  # None: any region
    relaxed: tuple[str, ...] = ()  # "region", "tamano", "nivel_inicial"


@dataclass(frozen=True)
class Peer:
    etc: EtcProfile
    base_value: float
    end_value: float
    change: float  # end - base, in the indicator's unit
    improvement: float  # > 0 means better
    population: float
    same_region: bool
    same_department: bool


@dataclass(frozen=True)
class PeerResult:
    status: str
    indicator: str = DEFAULT_INDICATOR
    indicator_name: str = ""
    level: str = DEFAULT_LEVEL
    user: EtcProfile | None = None
    user_base: float | None = None
    user_end: float | None = None
    user_improvement: float | None = None
    criteria: Criteria | None = None
    peers: tuple[Peer, ...] = ()
    candidates: int = 0  # similar ETC with data for both years
    improved: int = 0  # of which improved
    source: str = ""
    requested_period: tuple[int, int] | None = None  # set when an earlier period is shown instead
    requested_candidates: int = 0  # similar ETC in the requested period (none of which improved)


@dataclass(frozen=True)
class _Step:
    same_region: bool
    size_ratio: float
    tol_factor: float
    relaxed: tuple[str, ...]


RELAXATION = (
    _Step(True, SIZE_RATIO, 1.0, ()),
    _Step(False, SIZE_RATIO, 1.0, ("region",)),
    _Step(False, WIDE_SIZE_RATIO, 1.0, ("region", "tamano")),
    _Step(False, WIDE_SIZE_RATIO, 2.0, ("region", "tamano", "nivel_inicial")),
)


def baseline_tolerance(value: float) -> float:
    return min(BASELINE_MAX_TOL, max(BASELINE_ABS_TOL, BASELINE_REL_TOL * abs(value)))


class PeerFinder:
    """Finds similar ETC that improved an indicator the most (see the module docstring)."""

    def __init__(self, data: PeerData | None = None, *, database_url: str | None = None):
        """``data``, or the data of ``database_url`` (:func:`default_peer_data`, read on first use)."""
        if data is None and database_url is None:
            raise ValueError("PeerFinder needs its data or the database URL")
        self._data = data
        self._url = database_url

    @property
    def data(self) -> PeerData:
        if self._data is None:
            self._data = default_peer_data(self._url)
        return self._data

    def resolve(self, text: str) -> EtcProfile | None:
        return self.data.resolve(text).etc

    def resolve_detail(self, text: str) -> EtcResolution:
        """Resolve the place; answers like "somos de la secretaría de Tunja" are understood too."""
        first = EtcResolution("unknown")
        for candidate in place_candidates(text):
            res = self.data.resolve(candidate)
            if res.status == "ok":
                return res
            if first.status == "unknown":
                first = res
        return first

    def etc_by_code(self, code: int) -> EtcProfile | None:
        return next((p for p in self.data.etcs() if p.code == code), None)

    def find(
        self,
        etc: EtcProfile | None,
        *,
        indicator: str = DEFAULT_INDICATOR,
        level: str = DEFAULT_LEVEL,
        base_year: int | None = None,
        end_year: int | None = None,
        top: int = TOP_PEERS,
    ) -> PeerResult:
        """Peers of ``etc`` for the period asked, or by default the last :data:`DEFAULT_SPAN_YEARS` years.

        With the default period, when no similar ETC improved, earlier periods of the same length
        are tried (most recent first) and the result says which period was asked first
        (``requested_period``), so the answer can state both.
        """
        info = indicator_info(indicator)
        common = {"indicator": indicator, "indicator_name": info.name, "level": level, "source": self.data.source}
        if etc is None:
            return PeerResult(UNKNOWN_ETC, **common)
        if etc.kind != MUNICIPAL:
            return PeerResult(DEPARTMENTAL_ETC, user=etc, **common)
        series = self.data.series(indicator, level)
        own = series.get(etc.code)
        years = _period(own, base_year, end_year)
        if years is None:
            return PeerResult(NO_DATA, user=etc, **common)
        result = self._find_period(etc, series, years, info, top, common)
        if result.status != NO_PEERS or base_year is not None or end_year is not None:
            return result
        span = years[1] - years[0]
        for end in range(years[1] - 1, min(own.values) + span - 1, -1):
            earlier = _period(own, end - span, end)
            if earlier is None:
                continue
            alternative = self._find_period(etc, series, earlier, info, top, common)
            if alternative.status == OK:
                return replace(alternative, requested_period=years, requested_candidates=result.candidates)
        return result

    def _find_period(
        self,
        etc: EtcProfile,
        series: dict[int, EtcSeries],
        years: tuple[int, int],
        info: IndicatorInfo,
        top: int,
        common: dict,
    ) -> PeerResult:
        base, end = years
        own = series[etc.code]
        user_base, user_end = own.values[base], own.values[end]
        population = own.population.get(base)
        if not population:
            return PeerResult(NO_DATA, user=etc, **common)
        others = [s for code, s in series.items() if code != etc.code and base in s.values and end in s.values]
        criteria, similar = _similar(etc, others, base, end, population, user_base)
        peers = sorted(
            (_peer(etc, s, base, end, info) for s in similar),
            key=lambda p: (-p.improvement, p.etc.name),
        )
        improved = [p for p in peers if p.improvement >= MIN_IMPROVEMENT]
        return PeerResult(
            OK if improved else NO_PEERS,
            user=etc,
            user_base=user_base,
            user_end=user_end,
            user_improvement=_improvement(user_base, user_end, info),
            criteria=criteria,
            peers=tuple(improved[:top]),
            candidates=len(peers),
            improved=len(improved),
            **common,
        )


def _period(own: EtcSeries | None, base_year: int | None, end_year: int | None) -> tuple[int, int] | None:
    """(base, end) years with a value for the ETC.

    Defaults: the last year with data and :data:`DEFAULT_SPAN_YEARS` before it; when the ETC has
    no value for the default base year (Funza is certified from 2019), its first year instead.
    """
    if own is None or not own.values:
        return None
    end = end_year if end_year is not None else max(own.values)
    base = base_year if base_year is not None else end - DEFAULT_SPAN_YEARS
    if base_year is None and base not in own.values:
        later = [y for y in own.values if base < y < end]
        base = min(later) if later else base
    if base >= end or base not in own.values or end not in own.values:
        return None
    return base, end


def _similar(
    etc: EtcProfile, others: list[EtcSeries], base: int, end: int, population: float, baseline: float
) -> tuple[Criteria, list[EtcSeries]]:
    """The least relaxed criteria giving :data:`MIN_CANDIDATES` similar ETC, or, when no step
    does, the least relaxed step giving the most (so no criterion is relaxed for nothing)."""
    tol = baseline_tolerance(baseline)
    tried: list[tuple[Criteria, list[EtcSeries]]] = []
    for step in RELAXATION:
        lo_b, hi_b = baseline - tol * step.tol_factor, baseline + tol * step.tol_factor
        lo_p, hi_p = population / step.size_ratio, population * step.size_ratio
        found = [
            s
            for s in others
            if lo_p <= s.population.get(base, 0) <= hi_p
            and lo_b <= s.values[base] <= hi_b
            and (not step.same_region or (etc.region and s.etc.region == etc.region))
        ]
        criteria = Criteria(
            base_year=base,
            end_year=end,
            population=population,
            population_min=lo_p,
            population_max=hi_p,
            baseline=baseline,
            baseline_min=max(lo_b, 0.0),
            baseline_max=hi_b,
            region=etc.region if step.same_region else None,
            relaxed=step.relaxed,
        )
        if len(found) >= MIN_CANDIDATES:
            return criteria, found
        tried.append((criteria, found))
    most = max(len(found) for _, found in tried)
    return next(t for t in tried if len(t[1]) == most)


def _improvement(base: float, end: float, info: IndicatorInfo) -> float:
    return (end - base) if info.higher_is_better else (base - end)


def _peer(etc: EtcProfile, s: EtcSeries, base: int, end: int, info: IndicatorInfo) -> Peer:
    b, e = s.values[base], s.values[end]
    return Peer(
        etc=s.etc,
        base_value=b,
        end_value=e,
        change=e - b,
        improvement=_improvement(b, e, info),
        population=s.population.get(base, 0.0),
        same_region=bool(etc.region) and s.etc.region == etc.region,
        same_department=s.etc.department_code == etc.department_code,
    )


def connection_request(result: PeerResult, peer_codes: Iterable[int] | None = None) -> dict:
    """Structured content of the VPBM-ESC case that asks the Escuela to connect the teams.

    Data only (codes, names, figures and period); the action turns it into the case description.
    """
    peers = [p for p in result.peers if peer_codes is None or p.etc.code in set(peer_codes)]
    crit = result.criteria
    return {
        "area": "VPBM-ESC",
        "etc_code": result.user.code if result.user else None,
        "etc_name": result.user.name if result.user else None,
        "indicator": result.indicator,
        "level": result.level,
        "period": [crit.base_year, crit.end_year] if crit else None,
        "peers": [
            {"etc_code": p.etc.code, "etc_name": p.etc.name, "base": p.base_value, "end": p.end_value} for p in peers
        ],
        "source": result.source,
    }
