"""Query service over the loaded indicator tables.

Results are dataclasses with the numbers already written the Colombian way, the official name of
the place, the year and the source. They carry no sentences: the Rasa responses (``utter_*``) say
them. Flagged values are returned with ``reliable=False`` and the reason, never as a plain figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from sqlalchemy import and_, func, select

from bot.db import get_engine
from bot.formatting import format_number
from bot.indicators import models as m
from bot.indicators.charts import Line, render_lines
from bot.indicators.definitions import (
    INDICATORS,
    LEVELS,
    TOTAL,
    column_display_name,
    format_change,
    format_value,
    indicator_label,
    source_text,
)
from bot.indicators.quality import is_implausible, is_impossible, looks_like_proportions, to_percentages
from bot.indicators.socrata import ETC_DATASET, SocrataClient, SocrataError
from bot.places import DEPARTAMENTO, ETC, MUNICIPIO, Place, PlaceResolver, Resolution, get_resolver

SCOPES = ("departamentos", "etc", "municipios")


@dataclass(frozen=True)
class Figure:
    """One value of one indicator for one place and year."""

    place_key: str
    place_name: str
    place_label: str  # for buttons: always unambiguous
    place_display: str  # for answers: municipalities with their department
    indicator: str
    indicator_name: str
    level: str
    level_name: str
    year: int
    value: float
    formatted: str
    reliable: bool
    reason: str | None
    reason_detail: str | None
    dataset_id: str
    source: str
    live: bool = False

    @property
    def reason_other(self) -> str | None:
        """For ``columna_identica``: the display name of the column it duplicates."""
        if self.reason == "columna_identica" and self.reason_detail:
            return column_display_name(self.reason_detail)
        return None

    @property
    def reason_value(self) -> str | None:
        """For range/sum reasons: the published number, Colombian format."""
        if self.reason in {"fuera_de_rango", "inverosimil", "suma_inconsistente"} and self.reason_detail:
            try:
                return format_number(float(self.reason_detail), 2)
            except ValueError:
                return self.reason_detail
        return None


@dataclass(frozen=True)
class EtcInfo:
    """What the offline data can say about a departmental ETC (it is not its department)."""

    etc_name: str
    etc_code: str
    department_key: str
    department_name: str
    year: int | None
    covered_municipalities: int
    certified_municipalities: tuple[str, ...]  # excluded: they are ETC of their own


@dataclass(frozen=True)
class ValueAnswer:
    status: str  # ok | unreliable | no_data | year_unavailable | level_unavailable | departmental_etc
    place: Place
    indicator: str
    indicator_name: str
    level: str
    level_name: str
    figure: Figure | None = None
    requested_year: int | None = None
    latest: bool = False  # the year was chosen as the latest available
    previous: Figure | None = None
    change: float | None = None
    change_formatted: str | None = None
    available_years: tuple[int, ...] = ()
    years_text: str = ""
    newer_unreliable_years: tuple[int, ...] = ()
    etc: EtcInfo | None = None
    department_figure: Figure | None = None
    live_used: bool = False
    live_failed: bool = False


@dataclass(frozen=True)
class ComparisonAnswer:
    status: str  # ok | no_data | too_few | too_many
    indicator: str
    indicator_name: str
    level: str
    level_name: str
    year: int | None
    rows: tuple[Figure, ...] = ()  # reliable values, highest first
    missing: tuple[Place, ...] = ()  # no reliable value that year (or a departmental ETC)
    unreliable: tuple[Figure, ...] = ()
    chart_file: str | None = None
    years_text: str = ""


@dataclass(frozen=True)
class RankRow:
    position: int
    figure: Figure


@dataclass(frozen=True)
class RankingAnswer:
    status: str  # ok | no_data | year_unavailable | level_unavailable
    indicator: str
    indicator_name: str
    level: str
    level_name: str
    year: int | None
    scope: str
    order: str
    rows: tuple[RankRow, ...] = ()
    compared: int = 0  # places with a reliable value that year
    excluded_unreliable: int = 0
    latest: bool = False
    available_years: tuple[int, ...] = ()
    years_text: str = ""
    within: Place | None = None  # the department whose municipalities (or ETC) are ranked


@dataclass(frozen=True)
class SeriesAnswer:
    status: str  # ok | no_data | level_unavailable | departmental_etc
    place: Place
    indicator: str
    indicator_name: str
    level: str
    level_name: str
    points: tuple[Figure, ...] = ()
    first: Figure | None = None
    last: Figure | None = None
    change: float | None = None
    change_formatted: str | None = None
    unreliable_years: tuple[int, ...] = ()
    chart_file: str | None = None
    years_text: str = ""


def years_text(years: Sequence[int]) -> str:
    """``[2011..2022]`` -> ``2011 a 2022``; gaps -> ``2011 a 2015, 2017``."""
    ys = sorted(set(years))
    if not ys:
        return ""
    parts, start, prev = [], ys[0], ys[0]
    for y in ys[1:] + [None]:  # type: ignore[list-item]
        if y is not None and y == prev + 1:
            prev = y
            continue
        parts.append(str(start) if start == prev else f"{start} a {prev}")
        if y is not None:
            start = prev = y
    return ", ".join(parts)


@dataclass
class IndicatorService:
    """Look-ups over the indicator tables; one short DB connection per call."""

    database_url: str
    charts_dir: Path
    socrata: SocrataClient | None = None
    live_enabled: bool = False
    today: date | None = None
    _resolver: PlaceResolver | None = field(default=None, repr=False)
    _years_cache: dict[tuple[str, str, str], tuple[int, ...]] = field(default_factory=dict, repr=False)
    _etc_cache: dict[tuple[str, int | None], EtcInfo] = field(default_factory=dict, repr=False)
    _version: str | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings) -> IndicatorService:
        live = settings.datos_enabled
        return cls(
            database_url=settings.database_url,
            charts_dir=settings.charts_dir,
            live_enabled=live,
            socrata=SocrataClient.from_settings(settings) if live else None,
        )

    # places -----------------------------------------------------------------------------------
    @property
    def resolver(self) -> PlaceResolver:
        if self._resolver is None:
            self._resolver = get_resolver(self.database_url)
        return self._resolver

    def refresh_if_reloaded(self) -> bool:
        """Drop cached indexes when the tables were reloaded (the load fingerprint changed)."""
        from bot.indicators.loader import stored_fingerprint
        from bot.places import clear_resolver_cache

        version = stored_fingerprint(get_engine(self.database_url))
        if version == self._version:
            return False
        if self._version is not None:
            clear_resolver_cache()
        self._version, self._resolver = version, None
        self._years_cache.clear()
        self._etc_cache.clear()
        return True

    def resolve_place(self, text: str, *, prefer_kind: str | None = None) -> Resolution:
        return self.resolver.resolve(text, prefer_kind=prefer_kind)

    def place(self, key: str) -> Place:
        p = self.resolver.get(key)
        if p is None:
            raise KeyError(key)
        return p

    # low level --------------------------------------------------------------------------------
    def _rows(self, conn, entity_keys: Sequence[str], indicator: str, level: str, year: int | None = None):
        q = select(m.value).where(
            and_(m.value.c.entity_key.in_(list(entity_keys)), m.value.c.indicator == indicator, m.value.c.level == level)
        )
        if year is not None:
            q = q.where(m.value.c.year == year)
        return conn.execute(q.order_by(m.value.c.year)).mappings().all()

    def _figure(self, row, place: Place) -> Figure:
        ind = INDICATORS[row["indicator"]]
        return Figure(
            place_key=place.key, place_name=place.name, place_label=place.label, place_display=place.display,
            indicator=ind.key,
            indicator_name=ind.name, level=row["level"], level_name=LEVELS[row["level"]], year=row["year"],
            value=row["value"], formatted=format_value(ind.key, row["value"]), reliable=row["quality"] == m.OK,
            reason=row["reason"], reason_detail=row["reason_detail"], dataset_id=row["dataset_id"],
            source=source_text(row["dataset_id"]),
        )

    def _series(self, place: Place, indicator: str, level: str) -> list[Figure]:
        with get_engine(self.database_url).connect() as conn:
            return [self._figure(r, place) for r in self._rows(conn, [place.data_key], indicator, level)]

    @staticmethod
    def _check(indicator: str, level: str) -> None:
        if indicator not in INDICATORS:
            raise ValueError(f"indicador desconocido: {indicator}")
        if level not in LEVELS:
            raise ValueError(f"nivel desconocido: {level}")

    # value ------------------------------------------------------------------------------------
    def value(self, place: Place | str, indicator: str, level: str = TOTAL, year: int | None = None) -> ValueAnswer:
        """The figure for a place/indicator/level/year (latest reliable year if ``year`` is None)."""
        place = self.place(place) if isinstance(place, str) else place
        self._check(indicator, level)
        ind = INDICATORS[indicator]
        base = ValueAnswer("no_data", place, indicator, ind.name, level, LEVELS[level], requested_year=year)
        if not ind.has_level(level):
            return replace(base, status="level_unavailable")
        if place.is_departmental_etc:
            return self._departmental_etc(base, place, indicator, level, year)
        series = self._series(place, indicator, level)
        return self._pick_year(base, series, year)

    def _pick_year(self, base: ValueAnswer, series: list[Figure], year: int | None) -> ValueAnswer:
        reliable = [f for f in series if f.reliable]
        all_years = tuple(f.year for f in series)
        rel_years = tuple(f.year for f in reliable)
        base = replace(base, available_years=rel_years, years_text=years_text(rel_years))
        if not series:
            return base
        if year is None:
            if not reliable:
                fig = series[-1]
                return replace(base, status="unreliable", figure=fig, latest=True)
            fig = reliable[-1]
            newer = tuple(f.year for f in series if f.year > fig.year and not f.reliable)
            return self._with_previous(replace(base, status="ok", figure=fig, latest=True,
                                               newer_unreliable_years=newer), series)
        if year not in all_years:
            return replace(base, status="year_unavailable")
        fig = next(f for f in series if f.year == year)
        if not fig.reliable:
            return replace(base, status="unreliable", figure=fig)
        return self._with_previous(replace(base, status="ok", figure=fig), series)

    @staticmethod
    def _with_previous(ans: ValueAnswer, series: list[Figure]) -> ValueAnswer:
        fig = ans.figure
        prev = next((f for f in series if fig and f.year == fig.year - 1 and f.reliable), None)
        if not prev or not fig:
            return ans
        delta = round(fig.value - prev.value, 6)
        return replace(ans, previous=prev, change=delta, change_formatted=format_change(fig.indicator, delta))

    # departmental ETC -------------------------------------------------------------------------
    def etc_info(self, place: Place, year: int | None = None) -> EtcInfo:
        """Coverage of a departmental ETC in ``year`` (or its last year), cached until a reload."""
        key = (place.key, year)
        if key not in self._etc_cache:
            self._etc_cache[key] = self._etc_info(place, year)
        return self._etc_cache[key]

    def _etc_info(self, place: Place, year: int | None) -> EtcInfo:
        with get_engine(self.database_url).connect() as conn:
            ent = conn.execute(select(m.entity).where(m.entity.c.key == place.key)).mappings().one()
            years = [r[0] for r in conn.execute(
                select(m.etc_coverage.c.year).where(m.etc_coverage.c.etc_key == place.key).distinct())]
            cov_year = year if year in years else (max(years) if years else None)
            covered = conn.execute(select(m.etc_coverage.c.municipality_key).where(
                and_(m.etc_coverage.c.etc_key == place.key, m.etc_coverage.c.year == cov_year))).scalars().all()
            dept_munis = select(m.entity.c.key).where(m.entity.c.department_key == ent["department_key"])
            certified = conn.execute(
                select(m.entity.c.name).where(and_(
                    m.entity.c.kind == ETC, m.entity.c.etc_type == "municipal",
                    m.entity.c.department_key == ent["department_key"],
                    m.entity.c.key.in_(select(m.etc_coverage.c.etc_key).where(m.etc_coverage.c.year == cov_year)),
                    m.entity.c.data_key.in_(dept_munis),
                )).order_by(m.entity.c.name)
            ).scalars().all()
            dept_name = conn.execute(select(m.entity.c.name).where(m.entity.c.key == ent["department_key"])).scalar_one()
        return EtcInfo(place.name, ent["code"], ent["department_key"], dept_name, cov_year, len(covered), tuple(certified))

    def _departmental_etc(self, base: ValueAnswer, place: Place, indicator: str, level: str, year: int | None):
        info = self.etc_info(place, year)
        dept = self.place(info.department_key)
        dept_answer = self._pick_year(replace(base, place=dept), self._series(dept, indicator, level), year)
        dept_fig = dept_answer.figure if dept_answer.status == "ok" else None
        ans = replace(base, status="departmental_etc", etc=info, department_figure=dept_fig,
                      available_years=dept_answer.available_years, years_text=dept_answer.years_text)
        if not self.live_enabled or self.socrata is None:
            return ans
        try:
            live = self._live_etc_series(place, info, indicator, level)
        except SocrataError:
            return replace(ans, live_failed=True)
        live_answer = self._pick_year(base, live, year)
        if live_answer.status in {"ok", "unreliable"}:
            return replace(live_answer, live_used=True, etc=info, department_figure=dept_fig)
        return replace(ans, live_used=True)

    def _live_etc_series(self, place: Place, info: EtcInfo, indicator: str, level: str) -> list[Figure]:
        ind = INDICATORS[indicator]
        column = ind.column_for(level)
        out = []
        for year, values in sorted(self.socrata.etc_rows(info.etc_code).items()):  # type: ignore[union-attr]
            values = dict(values)
            if looks_like_proportions(values):
                to_percentages(values)
            v = values.get(column)
            if v is None:
                continue
            reason = "fuera_de_rango" if is_impossible(column, v) else "inverosimil" if is_implausible(column, v) else None
            row = {"indicator": indicator, "level": level, "year": year, "value": v,
                   "quality": m.UNRELIABLE if reason else m.OK, "reason": reason,
                   "reason_detail": f"{v:.6g}" if reason else None, "dataset_id": ETC_DATASET}
            out.append(replace(self._figure(row, place), live=True))
        return out

    # comparison -------------------------------------------------------------------------------
    def compare(self, places: Sequence[Place | str], indicator: str, level: str = TOTAL, year: int | None = None,
                *, chart: bool = True) -> ComparisonAnswer:
        """Two to five places side by side, in the requested year or the latest year they share."""
        self._check(indicator, level)
        ind = INDICATORS[indicator]
        resolved = list(dict.fromkeys(self.place(p) if isinstance(p, str) else p for p in places))
        base = ComparisonAnswer("no_data", indicator, ind.name, level, LEVELS[level], year)
        if len(resolved) < 2:
            return replace(base, status="too_few")
        if len(resolved) > 5:
            return replace(base, status="too_many")
        if not ind.has_level(level):
            return replace(base, status="level_unavailable")
        series = {p.key: ([] if p.is_departmental_etc else self._series(p, indicator, level)) for p in resolved}
        reliable_years = {k: {f.year for f in s if f.reliable} for k, s in series.items()}
        all_years = sorted(set().union(*reliable_years.values()))
        any_years = sorted({f.year for s in series.values() for f in s})
        if not any_years:
            return replace(base, missing=tuple(resolved))
        if year is None:
            common = [y for y in all_years if sum(y in ys for ys in reliable_years.values()) == len(resolved)]
            partial = [y for y in all_years if sum(y in ys for ys in reliable_years.values()) >= 2]
            year = (common or partial or all_years or any_years)[-1]
        rows, missing, unreliable = [], [], []
        for p in resolved:
            fig = next((f for f in series[p.key] if f.year == year), None)
            if fig is None:
                missing.append(p)
            elif not fig.reliable:
                unreliable.append(fig)
            else:
                rows.append(fig)
        rows.sort(key=lambda f: f.value, reverse=True)
        if not rows:
            return replace(base, year=year, missing=tuple(missing), unreliable=tuple(unreliable),
                           years_text=years_text(all_years))
        chart_file = self._chart([p for p in resolved if series[p.key]], series, indicator, level) if chart else None
        return replace(base, status="ok", year=year, rows=tuple(rows), missing=tuple(missing),
                       unreliable=tuple(unreliable), chart_file=chart_file, years_text=years_text(all_years))

    # ranking ----------------------------------------------------------------------------------
    def _scope_keys(self, conn, scope: str, year: int | None) -> dict[str, Place]:
        places = self.resolver.all_places()
        if scope == "departamentos":
            return {p.data_key: p for p in places if p.kind == DEPARTAMENTO}
        if scope == "municipios":
            return {p.data_key: p for p in places if p.kind == MUNICIPIO}
        if scope == "etc":
            q = select(m.entity.c.data_key).where(and_(m.entity.c.kind == ETC, m.entity.c.etc_type == "municipal"))
            if year is not None:
                q = q.where(m.entity.c.key.in_(select(m.etc_coverage.c.etc_key).where(m.etc_coverage.c.year == year)))
            data_keys = set(conn.execute(q).scalars())
            by_data = {p.data_key: p for p in places if p.data_key in data_keys}
            return by_data
        raise ValueError(f"alcance desconocido: {scope}")

    def ranking(self, indicator: str, level: str = TOTAL, year: int | None = None, *, scope: str = "departamentos",
                n: int = 5, order: str = "desc", within: Place | None = None) -> RankingAnswer:
        """Top (``desc``) or bottom (``asc``) ``n`` departments, municipal ETC or municipalities; ``within`` a
        department: its municipalities (or its municipal ETC)."""
        self._check(indicator, level)
        ind = INDICATORS[indicator]
        if within is not None and within.kind != DEPARTAMENTO:
            within = None
        if within is not None and scope == "departamentos":
            scope = "municipios"  # "ranking de deserción en Caldas": the municipalities of Caldas
        base = RankingAnswer("no_data", indicator, ind.name, level, LEVELS[level], year, scope, order, within=within)
        if not ind.has_level(level):
            return replace(base, status="level_unavailable")
        engine = get_engine(self.database_url)
        with engine.connect() as conn:
            scope_all = self._within(self._scope_keys(conn, scope, None), within)
            years = self._ranking_years(conn, indicator, level, scope, scope_all, within)
            base = replace(base, available_years=tuple(years), years_text=years_text(years))
            if not years:
                return base if year is None else replace(base, status="year_unavailable")
            latest = year is None
            if latest:
                year = years[-1]
            elif year not in years:
                return replace(base, status="year_unavailable")
            scope_places = self._within(self._scope_keys(conn, scope, year), within) if scope == "etc" else scope_all
            rows = self._rows(conn, list(scope_places), indicator, level, year)
        good = [r for r in rows if r["quality"] == m.OK]
        sign = -1 if order == "desc" else 1
        good.sort(key=lambda r: (sign * r["value"], scope_places[r["entity_key"]].name))
        ranked = tuple(RankRow(i + 1, self._figure(r, scope_places[r["entity_key"]])) for i, r in enumerate(good[:n]))
        return replace(base, status="ok", year=year, rows=ranked, compared=len(good),
                       excluded_unreliable=len(rows) - len(good), latest=latest)

    @staticmethod
    def _within(places: dict[str, Place], department: Place | None) -> dict[str, Place]:
        if department is None:
            return places
        return {k: p for k, p in places.items() if p.department_name == department.name and p.kind != DEPARTAMENTO}

    def _ranking_years(self, conn, indicator: str, level: str, scope: str, scope_all: dict,
                       within: Place | None = None) -> tuple[int, ...]:
        """Years where at least half of the scope has a reliable value (cached until a reload)."""
        key = (indicator, level, scope, within.key if within else None)
        if key not in self._years_cache:
            years_q = select(m.value.c.year, func.count()).where(and_(
                m.value.c.indicator == indicator, m.value.c.level == level, m.value.c.quality == m.OK,
                m.value.c.entity_key.in_(list(scope_all)))).group_by(m.value.c.year)
            self._years_cache[key] = tuple(sorted(
                y for y, n in conn.execute(years_q) if n >= max(2, len(scope_all) // 2)))
        return self._years_cache[key]

    # series -----------------------------------------------------------------------------------
    def series(self, place: Place | str, indicator: str, level: str = TOTAL, *, chart: bool = True,
               years: tuple[int, int] | None = None) -> SeriesAnswer:
        """Every year of an indicator for a place (or those of ``years``), with a chart of the reliable values."""
        place = self.place(place) if isinstance(place, str) else place
        self._check(indicator, level)
        ind = INDICATORS[indicator]
        base = SeriesAnswer("no_data", place, indicator, ind.name, level, LEVELS[level])
        if not ind.has_level(level):
            return replace(base, status="level_unavailable")
        if place.is_departmental_etc:
            return replace(base, status="departmental_etc")
        points = self._series(place, indicator, level)
        if years:
            points = [f for f in points if years[0] <= f.year <= years[1]]
        reliable = [f for f in points if f.reliable]
        if not reliable:
            return replace(base, points=tuple(points), unreliable_years=tuple(f.year for f in points))
        first, last = reliable[0], reliable[-1]
        delta = round(last.value - first.value, 6)
        chart_file = self._chart([place], {place.key: points}, indicator, level) if chart else None
        return replace(base, status="ok", points=tuple(points), first=first, last=last, change=delta,
                       change_formatted=format_change(indicator, delta),
                       unreliable_years=tuple(f.year for f in points if not f.reliable),
                       chart_file=chart_file, years_text=years_text([f.year for f in reliable]))

    # charts -----------------------------------------------------------------------------------
    def _chart(self, places: Sequence[Place], series: dict[str, list[Figure]], indicator: str, level: str) -> str:
        ind = INDICATORS[indicator]
        label = indicator_label(indicator, level)
        title = label[:1].upper() + label[1:]
        lines = [Line(p.name, tuple((f.year, f.value) for f in series[p.key] if f.reliable)) for p in places]
        datasets = sorted({f.dataset_id for p in places for f in series[p.key]})
        caption = "Fuente: " + "; ".join(source_text(d) for d in datasets)
        return render_lines(self.charts_dir, title=title, unit_label=ind.unit_label, lines=lines,
                            caption=caption, decimals=ind.decimals)

    # helpers for the actions ------------------------------------------------------------------
    def data_years(self) -> tuple[int, int] | None:
        with get_engine(self.database_url).connect() as conn:
            years = sorted(conn.execute(select(m.value.c.year).distinct()).scalars())
        return (years[0], years[-1]) if years else None
