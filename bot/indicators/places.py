"""Place resolver: free text -> department, municipality, ETC or the nation.

Accent- and case-insensitive, typo tolerant (rapidfuzz), with curated aliases (Bogotá / Distrito
Capital, Cartagena de Indias, San Andrés, Tumaco, Valle, Buga...). Ambiguous names return the
candidates ("Armenia": Quindío's capital or the municipality of Antioquia; "Córdoba": the
department or a municipality) instead of guessing; unknown names return suggestions.

The index is built from the database once per URL, on first use (:func:`get_resolver`).
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlalchemy import select

from bot.db import get_engine
from bot.indicators import models as m
from bot.indicators.text import normalize

DEPARTAMENTO, MUNICIPIO, ETC, NACIONAL = "departamento", "municipio", "etc", "nacional"

# Curated aliases: the usual meaning wins over other places with the same name.
CURATED_ALIASES: dict[str, str] = {
    "bogota": "dep:11", "bogota dc": "dep:11", "bogota d c": "dep:11", "distrito capital": "dep:11",
    "santa fe de bogota": "dep:11", "santafe de bogota": "dep:11", "bogota distrito capital": "dep:11",
    "cartagena": "mun:13001", "cartagena de indias": "mun:13001", "cartagena bolivar": "mun:13001",
    "san andres": "dep:88", "san andres islas": "dep:88", "san andres y providencia": "dep:88",
    "archipielago de san andres": "dep:88", "san andres providencia y santa catalina": "dep:88",
    "archipielago": "dep:88",
    "tumaco": "mun:52835", "san andres de tumaco": "mun:52835",
    "valle": "dep:76", "el valle": "dep:76", "valle del cauca": "dep:76",
    "buga": "mun:76111", "guadalajara de buga": "mun:76111",
    "guajira": "dep:44", "norte santander": "dep:54", "nte de santander": "dep:54", "n de santander": "dep:54",
    "mompox": "mun:13468", "mompos": "mun:13468", "barranca": "mun:68081", "villavo": "mun:50001",
    "cucuta": "mun:54001", "san jose de cucuta": "mun:54001",
    "colombia": "nac:0", "nacional": "nac:0", "total nacional": "nac:0", "todo el pais": "nac:0",
    "el pais": "nac:0", "pais": "nac:0", "nivel nacional": "nac:0",
}

KIND_LABELS = {DEPARTAMENTO: "departamento", ETC: "ETC", NACIONAL: "total nacional"}

_ETC_MARKERS = re.compile(
    r"\b(etc|e t c|entidad territorial certificada|secretaria de educacion( departamental| municipal)?( de| del)?"
    r"|secretaria( de| del)?|sed|certificada)\b"
)
_DEPT_MARKERS = re.compile(r"\b(departamento|depto|dpto|dep)\b( de| del)?")
_MUNI_MARKERS = re.compile(r"\b(municipio|ciudad|distrito|mpio|pueblo)\b( de| del)?")
_LEADING_FILLER = re.compile(r"^((en|de|del|para|y|e|o|a|que tal|y en|y para) )+")
_ARTICLE = re.compile(r"^(el|la|los|las) ")
_TRAILING_FILLER = re.compile(r"( (en|de|del|para|por favor|porfa|pls|gracias))+$")

# Single words that are also municipality names but usually mean something else in a question.
_FREE_TEXT_STOPWORDS = {
    "une", "toca", "pesca", "cota", "gama", "mani", "paya", "hato", "tena", "sora", "tota", "guaca", "chita",
    "union", "la union", "paz", "la paz", "victoria", "la victoria", "providencia", "florida", "concordia",
    "esperanza", "la esperanza", "libertad", "medina", "granada", "belen", "betania", "argelia", "venecia",
    "valencia", "toledo", "anza", "cerrito", "el cerrito", "la cruz", "el paso", "el carmen", "buenavista",
    "campamento", "mercaderes", "recetor", "olaya", "ricaurte", "restrepo", "pais", "el pais", "colombia",
    "nacional", "sed", "media", "caicedo", "la vega", "vega", "la plata", "plata", "el tambo", "tambo",
}


@dataclass(frozen=True)
class Place:
    key: str
    kind: str
    name: str
    department_name: str | None
    data_key: str  # entity whose rows hold the figures
    etc_key: str | None = None  # the ETC this place *is* (municipal ETC) or the departmental ETC
    etc_type: str | None = None

    @property
    def label(self) -> str:
        """Short unambiguous label, also resolvable back: ``Armenia (Quindío)``, ``Córdoba (departamento)``."""
        if self.kind == MUNICIPIO and self.department_name:
            return f"{self.name} ({self.department_name})"
        if self.kind == DEPARTAMENTO and self.key == "dep:11" or self.kind == NACIONAL:
            return self.name
        if self.kind in KIND_LABELS and not self.name.endswith("(ETC)"):
            return f"{self.name} ({KIND_LABELS[self.kind]})"
        return self.name

    @property
    def display(self) -> str:
        """Name used in answers: municipalities carry their department (``Armenia (Quindío)``)."""
        if self.kind == MUNICIPIO and self.department_name:
            return f"{self.name} ({self.department_name})"
        return self.name

    @property
    def is_departmental_etc(self) -> bool:
        return self.kind == ETC and self.etc_type == "departamental"


@dataclass(frozen=True)
class Resolution:
    status: str  # ok | ambiguous | unknown | empty
    place: Place | None = None
    candidates: tuple[Place, ...] = ()
    suggestions: tuple[Place, ...] = ()
    query: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class _Index:
    places: dict[str, Place] = field(default_factory=dict)
    names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # norm name -> place keys
    dept_by_norm: dict[str, str] = field(default_factory=dict)
    dept_etc: dict[str, str] = field(default_factory=dict)  # dep key -> departmental ETC key
    curated: dict[str, str] = field(default_factory=dict)  # curated alias -> place key
    choices: list[str] = field(default_factory=list)


class PlaceResolver:
    """Resolve place names against the entities loaded by the indicators loader."""

    def __init__(self, rows: list[dict], aliases: list[tuple[str, str]]):
        self._ix = self._build(rows, aliases)

    @classmethod
    def from_database(cls, database_url: str) -> PlaceResolver:
        engine = get_engine(database_url)
        with engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(select(m.entity))]
            aliases = [(r.entity_key, r.alias) for r in conn.execute(select(m.entity_alias))]
        return cls(rows, aliases)

    # building ---------------------------------------------------------------------------------
    @staticmethod
    def _build(rows: list[dict], aliases: list[tuple[str, str]]) -> _Index:
        ix = _Index()
        by_key = {r["key"]: r for r in rows}
        municipal_etc = {r["data_key"]: r["key"] for r in rows if r["kind"] == ETC and r["etc_type"] == "municipal"}
        for r in rows:
            if r["kind"] == ETC and r["etc_type"] == "departamental":
                ix.dept_etc[r["department_key"]] = r["key"]
        for r in rows:
            dept = by_key.get(r["department_key"] or "")
            dept_name = dept["name"] if dept else None
            if r["kind"] == ETC and r["etc_type"] == "municipal":
                continue  # a municipal ETC is answered as its municipality
            etc = municipal_etc.get(r["key"]) or (r["key"] if r["kind"] == ETC else None)
            ix.places[r["key"]] = Place(r["key"], r["kind"], r["name"], dept_name, r["key"], etc, r["etc_type"])
            if r["kind"] == DEPARTAMENTO:
                ix.dept_by_norm[normalize(r["name"])] = r["key"]
        bogota_muni = "mun:11001"
        name_pairs = [(r["key"], r["name"]) for r in rows] + list(aliases)
        for key, name in name_pairs:
            row = by_key.get(key)
            if row is None:
                continue
            target = key
            if row["kind"] == ETC and row["etc_type"] == "municipal":
                target = row["data_key"] if row["data_key"] in ix.places else key
            if target == bogota_muni:
                target = "dep:11"  # Bogotá's municipal row equals its department row
            norm = normalize(name)
            if target in ix.places and norm:
                if row["kind"] == ETC:
                    norm = normalize(re.sub(r"\(ETC\)", "", name))
                    if ix.places[target].kind == ETC:
                        continue  # departmental ETC names are reached through an ETC marker
                ix.names[norm].add(target)
        ix.curated = {alias: key for alias, key in CURATED_ALIASES.items() if key in ix.places}
        ix.choices = sorted(set(ix.names) | set(ix.curated))
        # keep Bogotá's ETC on the department
        if bogota_muni in ix.places:
            del ix.places[bogota_muni]
        return ix

    # public API -------------------------------------------------------------------------------
    def get(self, key: str) -> Place | None:
        return self._ix.places.get(key)

    def departmental_etc_of(self, place: Place) -> Place | None:
        key = self._ix.dept_etc.get(place.key)
        return self._ix.places.get(key) if key else None

    def all_places(self) -> list[Place]:
        return list(self._ix.places.values())

    def resolve(self, text: str, *, prefer_kind: str | None = None) -> Resolution:
        """Resolve one place mention; ``prefer_kind`` settles a department/municipality tie from context."""
        norm = _TRAILING_FILLER.sub("", _LEADING_FILLER.sub("", normalize(text))).strip()
        if not norm:
            return Resolution("empty", query=text)
        for variant in (norm, _ARTICLE.sub("", norm)):
            keys = self._exact(variant)  # "Ciudad Bolívar" is a name, not a marker
            if keys:
                res = self._pick(keys, prefer_kind, False)
                return Resolution(res.status, res.place, res.candidates, res.suggestions, text)
        qualified = self._qualified(norm)
        if qualified is not None:
            return Resolution(qualified.status, qualified.place, qualified.candidates, qualified.suggestions, text)
        want_etc = bool(_ETC_MARKERS.search(norm))
        kind = DEPARTAMENTO if _DEPT_MARKERS.search(norm) else MUNICIPIO if _MUNI_MARKERS.search(norm) else None
        core = _MUNI_MARKERS.sub(" ", _DEPT_MARKERS.sub(" ", _ETC_MARKERS.sub(" ", norm)))
        core = _LEADING_FILLER.sub("", " ".join(core.split())).strip()
        if not core:
            return Resolution("empty", query=text)
        res = self._resolve_core(core, kind or prefer_kind, strict_kind=kind is not None)
        if want_etc and res.status == "ambiguous":  # "Bolívar (ETC)": only places that are (or have) an ETC
            certified = [p for p in res.candidates if p.etc_key or self.departmental_etc_of(p)]
            if len(certified) == 1:
                res = Resolution("ok", certified[0])
        if res.ok and want_etc:
            res = self._as_etc(res)
        return Resolution(res.status, res.place, res.candidates, res.suggestions, text)

    def _as_etc(self, res: Resolution) -> Resolution:
        place = res.place
        if place and place.kind == DEPARTAMENTO:
            etc = self.departmental_etc_of(place)
            if etc is not None:
                return Resolution("ok", etc)
        return res

    def _resolve_core(self, core: str, kind: str | None, *, strict_kind: bool) -> Resolution:
        exact = self._exact(core) or self._exact(_ARTICLE.sub("", core))
        if exact:
            return self._pick(exact, kind, strict_kind)
        qualified = self._qualified(core)
        if qualified is not None:
            return qualified
        return self._fuzzy(core, kind, strict_kind)

    def _exact(self, norm: str) -> set[str]:
        if norm in self._ix.curated:
            return {self._ix.curated[norm]}
        return self._ix.names.get(norm, set())

    def _pick(self, keys: set[str], kind: str | None, strict_kind: bool) -> Resolution:
        places = sorted((self._ix.places[k] for k in keys), key=_sort_key)
        if kind:
            same = [p for p in places if p.kind == kind]
            if same and (len(same) == 1 or strict_kind):
                places = same
        if len(places) == 1:
            return Resolution("ok", places[0])
        return Resolution("ambiguous", candidates=tuple(places))

    def _qualified(self, core: str) -> Resolution | None:
        """``armenia quindio``, ``bolivar cauca``, ``la union de narino``: a name plus its department."""
        tokens = core.split()
        for cut in range(len(tokens) - 1, 0, -1):
            name = re.sub(r" (de|del|en)$", "", " ".join(tokens[:cut]))
            dept_text = re.sub(r"^(el|la) ", "", " ".join(tokens[cut:]))
            dept_key = self._ix.dept_by_norm.get(dept_text) or (
                CURATED_ALIASES.get(dept_text) if CURATED_ALIASES.get(dept_text, "").startswith("dep:") else None
            )
            if not dept_key:
                continue
            keys = self._ix.names.get(name) or set()
            if not keys:
                best = process.extractOne(name, self._ix.choices, scorer=fuzz.ratio, score_cutoff=85)
                keys = self._ix.names.get(best[0], set()) if best else set()
            inside = [self._ix.places[k] for k in keys if self._ix.places[k].department_name == self._ix.places[dept_key].name]
            inside = [p for p in inside if p.kind == MUNICIPIO] or inside
            if len(inside) == 1:
                return Resolution("ok", inside[0])
            if len(inside) > 1:
                return Resolution("ambiguous", candidates=tuple(sorted(inside, key=_sort_key)))
        return None

    def _fuzzy(self, core: str, kind: str | None, strict_kind: bool) -> Resolution:
        """Typos: accept a clear best match (score >= 86, or >= 78 well ahead of the next name)."""
        hits = process.extract(core, self._ix.choices, scorer=fuzz.ratio, limit=8)
        if hits:
            top = hits[0][1]
            near = [name for name, score, _ in hits if score >= top - 2]
            keys = set().union(*(self._exact(n) for n in near))
            runner_up = next((score for name, score, _ in hits if name not in near), 0)
            if top >= 86 or (top >= 78 and len(core) >= 6 and top - runner_up >= 8):
                return self._pick(keys, kind, strict_kind)
        return Resolution("unknown", suggestions=self.suggest(core))

    def suggest(self, text: str, limit: int = 4) -> tuple[Place, ...]:
        """Closest names for a "¿Quiso decir...?" (whole-name similarity first)."""
        norm = normalize(text)
        hits = process.extract(norm, self._ix.choices, scorer=fuzz.ratio, limit=limit * 3, score_cutoff=60)
        if not hits:
            hits = process.extract(norm, self._ix.choices, scorer=fuzz.WRatio, limit=limit * 3, score_cutoff=70)
        seen: dict[str, Place] = {}
        for name, _score, _ in hits:
            for key in sorted(self._exact(name)):
                seen.setdefault(key, self._ix.places[key])
        return tuple(list(seen.values())[:limit])

    def find_in_text(self, text: str, limit: int = 5) -> list[Place | Resolution]:
        """Place mentions in a sentence (exact names only, longest first): used for comparisons.

        An ambiguous name followed by its department ("armenia quindio") is read as one place.
        """
        tokens = normalize(text).split()
        found: list[tuple[int, int, Resolution]] = []  # (start, end, resolution)
        used = [False] * len(tokens)
        for n in range(min(8, len(tokens)), 0, -1):
            for i in range(0, len(tokens) - n + 1):
                if any(used[i : i + n]):
                    continue
                gram = " ".join(tokens[i : i + n])
                if gram in _FREE_TEXT_STOPWORDS or (n == 1 and len(gram) < 4):
                    continue
                keys = self._exact(gram)
                if keys:
                    for j in range(i, i + n):
                        used[j] = True
                    found.append((i, i + n, self._pick(keys, None, False)))
        found.sort(key=lambda t: t[0])
        merged: list[Resolution] = []
        k = 0
        while k < len(found):
            start, end, res = found[k]
            if res.status == "ambiguous" and k + 1 < len(found):
                nstart, nend, nres = found[k + 1]
                gap = tokens[end:nstart]
                if nres.ok and nres.place.kind == DEPARTAMENTO and all(t in {"de", "del", "en"} for t in gap):
                    qualified = self._qualified(" ".join(tokens[start:end] + tokens[nstart:nend]))
                    if qualified is not None and qualified.ok:
                        merged.append(qualified)
                        k += 2
                        continue
            merged.append(res)
            k += 1
        return [res.place if res.ok else res for res in merged[:limit]]


def _sort_key(p: Place) -> tuple:
    order = {NACIONAL: 0, DEPARTAMENTO: 1, ETC: 2, MUNICIPIO: 3}
    return (order.get(p.kind, 9), p.department_name or "", p.name)


_lock = threading.Lock()
_cache: dict[str, PlaceResolver] = {}


def get_resolver(database_url: str) -> PlaceResolver:
    """The resolver for ``database_url``, built on first use and kept for the process."""
    with _lock:
        if database_url not in _cache:
            _cache[database_url] = PlaceResolver.from_database(database_url)
        return _cache[database_url]


def clear_resolver_cache() -> None:
    """Forget built resolvers (after a reload of the tables)."""
    with _lock:
        _cache.clear()
