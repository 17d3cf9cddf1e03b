"""Resolution of the requester's ETC (entidad territorial certificada) among the 96 ETC.

The form needs a small interface (:class:`EtcResolver`). Two implementations:
- :class:`IndicatorsEtcResolver`, an adapter over the indicators feature's place resolver (same
  resolver as the indicator questions), used when the indicators tables are loaded;
- :class:`CsvEtcResolver`, over the 2022 rows of the MEN municipal file in ``data/indicators/``
  (column ``CÓDIGO_ETC`` / ``ETC``: 96 ETC), used otherwise.
A non-certified municipality resolves to its departmental ETC ("Abejorral" -> "Antioquia (ETC)").
"""

from __future__ import annotations

import csv
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from rapidfuzz import fuzz, process

from bot.settings import PROJECT_ROOT
from bot.tickets.routing.text import fold

MUNICIPAL_FILE = PROJECT_ROOT / "data" / "indicators" / "men_municipio_2011_2022.csv"
REFERENCE_YEAR = 2022

# How people name their secretaría before the place: removed before matching.
_PREFIXES = re.compile(
    r"^(?:(?:la|el)\s+)?(?:secretaria\s+(?:de\s+)?(?:educacion\s+)?(?:departamental\s+|municipal\s+|distrital\s+)?(?:de\s+|del\s+)?"
    r"|sec\s+(?:de\s+)?(?:educacion\s+)?(?:de\s+|del\s+)?|sed\s+|sem\s+|gobernacion\s+(?:de\s+|del\s+)?|alcaldia\s+(?:de\s+|del\s+)?|departamento\s+(?:de\s+|del\s+)?"
    r"|municipio\s+(?:de\s+)?|distrito\s+(?:de\s+)?|etc\s+)+"
)
_EXTRA_ALIASES = {
    "bogota": "3766",
    "bogota dc": "3766",
    "san andres": "3827",
    "san andres providencia y santa catalina": "3827",
    "tumaco": "3800",
    "buga": "3820",
    "guajira": "3792",
    "valle": "3817",
    "norte de santander": "3801",
}


@dataclass(frozen=True)
class EtcOption:
    code: str
    name: str


@dataclass(frozen=True)
class EtcResolution:
    match: EtcOption | None = None
    via_municipality: str | None = None  # set when a non-certified municipality led to its ETC
    candidates: tuple[EtcOption, ...] = field(default_factory=tuple)


class EtcResolver(Protocol):
    def resolve(self, text: str) -> EtcResolution: ...

    def get(self, code: str) -> EtcOption | None: ...


def _key(text: str) -> str:
    folded = fold(text.replace("(ETC)", "").replace("D.C.", "DC"))
    return _PREFIXES.sub("", folded + " ").strip()


def _int_code(raw: str) -> str:
    return str(int(re.sub(r"\D", "", raw))) if re.search(r"\d", raw or "") else ""


class CsvEtcResolver:
    """ETC names and municipality -> ETC links from the MEN municipal file (one year)."""

    def __init__(self, path: Path = MUNICIPAL_FILE, year: int = REFERENCE_YEAR) -> None:
        self.path = path
        self.year = year
        self._lock = threading.Lock()
        self._etc: dict[str, EtcOption] | None = None
        self._etc_keys: dict[str, str] = {}
        self._muni_keys: dict[str, tuple[str, str]] = {}

    def _load(self) -> None:
        with self._lock:
            if self._etc is not None:
                return
            etc: dict[str, EtcOption] = {}
            munis: dict[str, tuple[str, str]] = {}
            with open(self.path, encoding="utf-8-sig", newline="") as fh:
                for row in csv.DictReader(fh):
                    if _int_code(row.get("AÑO", "")) != str(self.year):
                        continue
                    code = _int_code(row.get("CÓDIGO_ETC", ""))
                    if not code:
                        continue
                    etc[code] = EtcOption(code=code, name=row["ETC"].strip())
                    munis.setdefault(_key(row["MUNICIPIO"]), (code, row["MUNICIPIO"].strip()))
            self._etc_keys = {_key(o.name): code for code, o in etc.items()}
            self._etc_keys.update({k: v for k, v in _EXTRA_ALIASES.items() if v in etc})
            self._muni_keys = munis
            self._etc = etc

    @property
    def options(self) -> list[EtcOption]:
        self._load()
        return sorted(self._etc.values(), key=lambda o: fold(o.name))

    def get(self, code: str) -> EtcOption | None:
        self._load()
        return self._etc.get(_int_code(str(code)))

    def resolve(self, text: str) -> EtcResolution:
        self._load()
        key = _key(text or "")
        if not key:
            return EtcResolution()
        if key.isdigit() and key in self._etc:
            return EtcResolution(match=self._etc[key])
        if key in self._etc_keys:
            return EtcResolution(match=self._etc[self._etc_keys[key]])
        if key in self._muni_keys:
            code, muni = self._muni_keys[key]
            return EtcResolution(match=self._etc[code], via_municipality=muni)
        return self._fuzzy(key)

    def _fuzzy(self, key: str) -> EtcResolution:
        etc_hits = process.extract(key, list(self._etc_keys), scorer=fuzz.WRatio, limit=5, score_cutoff=75)
        muni_hits = process.extract(key, list(self._muni_keys), scorer=fuzz.ratio, limit=3, score_cutoff=85)
        scored: dict[str, float] = {}
        for name, score, _ in etc_hits:
            code = self._etc_keys[name]
            scored[code] = max(scored.get(code, 0), score)
        for name, score, _ in muni_hits:
            code = self._muni_keys[name][0]
            scored[code] = max(scored.get(code, 0), score - 5)
        ranked = sorted(scored.items(), key=lambda kv: -kv[1])
        if not ranked:
            return EtcResolution()
        best_code, best = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0
        if best >= 90 and best - runner_up >= 8:
            return EtcResolution(match=self._etc[best_code])
        return EtcResolution(candidates=tuple(self._etc[c] for c, _ in ranked[:3]))


def _etc_code(key: str | None) -> str | None:
    return key.split(":", 1)[1] if key and key.startswith("etc:") else None


class IndicatorsEtcResolver:
    """Adapter over the indicators feature's place resolver (``bot.places.PlaceResolver``):
    the same names, aliases and typo tolerance as the indicator questions, answered as an ETC."""

    def __init__(self, places) -> None:
        self._places = places

    def _etc_of(self, place) -> tuple[EtcOption, str | None] | None:
        """The ETC that runs the schools of ``place`` and, for a non-certified municipality, its name."""
        if place.etc_key:  # a municipal ETC (its municipality) or Bogotá
            etc_place = self._places.get(place.etc_key)
            return EtcOption(_etc_code(place.etc_key) or "", (etc_place or place).name), None
        if place.kind == "departamento":
            etc = self._places.departmental_etc_of(place)
            return (EtcOption(_etc_code(etc.key) or "", etc.name), None) if etc else None
        if place.kind == "municipio" and place.department_name:
            dept = self._places.resolve(place.department_name, prefer_kind="departamento")
            if dept.ok and dept.place.kind == "departamento":
                found = self._etc_of(dept.place)
                return (found[0], place.name) if found else None
        return None

    def resolve(self, text: str) -> EtcResolution:
        res = self._places.resolve(_key(text or "") or (text or ""), prefer_kind="departamento")
        if res.ok:
            found = self._etc_of(res.place)
            if found:
                return EtcResolution(match=found[0], via_municipality=found[1])
            return EtcResolution()
        options: list[EtcOption] = []
        for place in (*res.candidates, *res.suggestions):
            found = self._etc_of(place)
            if found and found[0] not in options:
                options.append(found[0])
        return EtcResolution(candidates=tuple(options[:3]))

    def get(self, code: str) -> EtcOption | None:
        place = self._places.get(f"etc:{code}")
        return EtcOption(str(code), place.name) if place else None


_default: EtcResolver | None = None
_default_lock = threading.Lock()


def _indicators_resolver(database_url: str) -> EtcResolver | None:
    """The indicators place resolver when its tables are loaded in ``database_url``, else ``None``."""
    try:
        from bot.places import get_resolver

        places = get_resolver(database_url)
    except Exception:  # indicators not loaded (or not installed): the CSV list is the fallback
        return None
    return IndicatorsEtcResolver(places) if places.all_places() else None


def default_etc_resolver(database_url: str | None = None) -> EtcResolver:
    """The indicators resolver when its data are loaded, else the 96 ETC of the municipal CSV."""
    global _default
    with _default_lock:
        if _default is None:
            if database_url is None:
                from bot.settings import get_settings

                database_url = get_settings().database_url
            _default = _indicators_resolver(database_url) or CsvEtcResolver()
        return _default
