"""The one place resolver of the assistant: free text -> department, municipality, ETC or the nation.

Used by the indicators, the cases (the user's secretaría) and the peer finder. Two ways in:

- :meth:`PlaceResolver.resolve` reads a text that *is* a place ("del Huila", "Armenia Quindío",
  "el departamento de Bolívar"): accent- and case-insensitive, typo tolerant (rapidfuzz).
- :meth:`PlaceResolver.mentions` is the gazetteer: it finds every place named inside a sentence
  ("tasa de deserción de Santa Rosa de Osos, Antioquia en 2019 frente a Medellín") over the official
  names and their usual variants (articles, missing accents, typos); the longest name wins;
  "el departamento de X" / "el municipio de X" / "la ETC X" decide the level; "X, Y", "X (Y)",
  "X en Y" with Y a department that contains a municipality X mean that municipality.

Curated aliases (Bogotá / Distrito Capital, Cartagena de Indias, San Andrés, Tumaco, Valle, Buga...)
give the usual meaning. Ambiguous names return the candidates ("Armenia": Quindío's capital or the
municipality of Antioquia; "Córdoba": the department or a municipality) instead of guessing;
unknown names return suggestions. The index is built from the database once per URL, on first use
(:func:`get_resolver`).
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz, process
from sqlalchemy import select

from bot.db import get_engine
from bot.indicators import models as m
from bot.text import fold as normalize

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
    "meta", "cesar", "bello", "soledad", "turbo", "florencia", "sucre", "valle", "el valle", "apartado", "jardin",
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
    variants: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # gazetteer name -> keys
    by_first: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # first word -> names
    max_words: int = 1
    by_words: dict[int, list[str]] = field(default_factory=dict)  # word count -> names


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
        _build_gazetteer(ix)
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
        """Places named in a sentence, in order: a :class:`Place` when clear, else its :class:`Resolution`."""
        return [m.resolution.place if m.resolution.ok else m.resolution for m in self.mentions(text)[:limit]]

    def mentions(self, text: str) -> list[Mention]:
        """The gazetteer: every place named in ``text``, in order (see the module docstring)."""
        toks = _tokenize(text)
        if not toks:
            return []
        words = [t.norm for t in toks]
        spans = self._exact_spans(toks, words)
        spans += self._fuzzy_spans(toks, words, spans)
        spans.sort(key=lambda sp: sp[0])
        out: list[Mention] = []
        k = 0
        while k < len(spans):
            i, j, keys = spans[k]
            kind = _kind_before(words, i)
            etc_after = j < len(words) and words[j] == "etc" or (
                j + 2 < len(words) + 1 and words[j : j + 3] == ["(", "etc", ")"])
            if etc_after:
                kind = ETC
            elif kind is None:
                kind = _kind_after(words, j)  # "Boyacá departamento", "Bolívar (departamento)"
            # "Granada, Meta", "Granada (Meta)", "La Unión en Nariño": a municipality of that department
            if k + 1 < len(spans) and kind != DEPARTAMENTO:
                ni, nj, nkeys = spans[k + 1]
                gap = words[j:ni]
                if _is_qualifier_gap(gap):
                    inside = self._inside(keys, nkeys)
                    if inside:
                        end = nj + 1 if nj < len(words) and words[nj] == ")" else nj
                        res = (Resolution("ok", inside[0]) if len(inside) == 1
                               else Resolution("ambiguous", candidates=tuple(sorted(inside, key=_sort_key))))
                        out.append(Mention(_surface(toks, i, end), i, end, res, MUNICIPIO))
                        k += 2
                        continue
            res = self._pick(keys, kind, kind is not None)
            if kind == ETC and res.status == "ambiguous":  # "la ETC Bolívar": only places that are (or have) an ETC
                certified = [p for p in res.candidates if p.etc_key or self.departmental_etc_of(p)]
                if len(certified) == 1:
                    res = Resolution("ok", certified[0])
            if kind == ETC and res.ok:
                res = self._as_etc(res)
            out.append(Mention(_surface(toks, i, j), i, j, Resolution(res.status, res.place, res.candidates,
                                                                       res.suggestions, _surface(toks, i, j)), kind))
            k += 1
        return [replace(m, gap=tuple(words[out[n - 1].end : m.start]) if n else tuple(words[: m.start]))
                for n, m in enumerate(out)]

    def name_spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of every place name in ``text`` (the gazetteer's matches, before reading
        "X, Y" as one municipality): what the NLU marks as ``lugar`` entities."""
        toks = _tokenize(text)
        if not toks:
            return []
        words = [t.norm for t in toks]
        spans = self._exact_spans(toks, words)
        spans += self._fuzzy_spans(toks, words, spans)
        return sorted((toks[i].start, toks[j - 1].end) for i, j, _ in spans)

    # the requester's ETC (cases, peers) -------------------------------------------------------------
    def etc_of(self, place: Place) -> tuple[EtcOption, str | None] | None:
        """The ETC that runs the schools of ``place`` and, for a non-certified municipality, its name."""
        if place.etc_key:  # a municipal ETC (its municipality), Bogotá, or a departmental ETC itself
            etc_place = self.get(place.etc_key)
            return EtcOption(_etc_code(place.etc_key) or "", (etc_place or place).name), None
        if place.kind == DEPARTAMENTO:
            etc = self.departmental_etc_of(place)
            return (EtcOption(_etc_code(etc.key) or "", etc.name), None) if etc else None
        if place.kind == MUNICIPIO and place.department_name:
            dept = self.resolve(place.department_name, prefer_kind=DEPARTAMENTO)
            if dept.ok and dept.place.kind == DEPARTAMENTO:
                found = self.etc_of(dept.place)
                return (found[0], place.name) if found else None
        return None

    def resolve_etc(self, text: str) -> EtcResolution:
        """The secretaría a user names ("SED Cauca", "Abejorral" -> Antioquia (ETC), "3759")."""
        raw = (text or "").strip()
        if raw.isdigit():
            option = self.etc_option(raw)
            return EtcResolution(match=option) if option else EtcResolution()
        core = _ETC_PREFIXES.sub("", normalize(raw.replace("(ETC)", "")) + " ").strip()
        res = self.resolve(core or raw, prefer_kind=DEPARTAMENTO)
        if res.ok:
            found = self.etc_of(res.place)
            return EtcResolution(match=found[0], via_municipality=found[1]) if found else EtcResolution()
        options: list[EtcOption] = []
        for place in (*res.candidates, *res.suggestions):
            found = self.etc_of(place)
            if found and found[0] not in options:
                options.append(found[0])
        return EtcResolution(candidates=tuple(options[:3]))

    def etc_option(self, code: str) -> EtcOption | None:
        place = self.get(f"etc:{code}")
        if place is None:  # a municipal ETC is kept as its municipality
            place = next((p for p in self._ix.places.values() if p.etc_key == f"etc:{code}"), None)
        return EtcOption(str(code), place.name) if place else None

    # gazetteer internals --------------------------------------------------------------------------
    def _keys_of(self, name: str) -> set[str]:
        return self._exact(name) or self._ix.variants.get(name, set())

    def _exact_spans(self, toks: list[_Tok], words: list[str]) -> list[tuple[int, int, set[str]]]:
        """Longest exact names first, left to right, never overlapping; common words need a cue."""
        used = [t.punct for t in toks]
        spans: list[tuple[int, int, set[str]]] = []
        short_message = sum(not t.punct for t in toks) <= 3
        for n in range(min(self._ix.max_words, len(words)), 0, -1):
            for i in range(0, len(words) - n + 1):
                if any(used[i : i + n]):
                    continue
                gram = " ".join(words[i : i + n])
                keys = self._keys_of(gram)
                if not keys:
                    continue
                if (gram in _FREE_TEXT_STOPWORDS or (n == 1 and len(gram) < 4)) and not (
                    _cued(words, i) or toks[i].upper or short_message or _year_after(words, i + n)
                ):
                    continue
                if n == 1 and len(gram) < 4 and not toks[i].upper and not short_message:
                    continue
                if gram == "nacional" and i > 0 and words[i - 1] == "educacion":
                    continue  # "Ministerio de Educación Nacional"
                i2, j2, keys2 = self._extend_fuzzy(words, i, i + n, keys)
                if any(used[i2:j2]):
                    i2, j2, keys2 = i, i + n, keys
                for x in range(i2, j2):
                    used[x] = True
                spans.append((i2, j2, keys2))
        return spans

    def _extend_fuzzy(self, words: list[str], i: int, j: int, keys: set[str]) -> tuple[int, int, set[str]]:
        """"San José del Guaviar": a longer name almost written wins over the exact shorter one."""
        best = None
        for extra in (3, 2, 1):
            if j + extra > len(words):
                continue
            longer = " ".join(words[i : j + extra])
            if any(not w.isalnum() for w in words[j : j + extra]):
                continue
            for name in self._ix.by_first.get(words[i], ()):
                if len(name.split()) <= j - i:
                    continue
                score = fuzz.ratio(longer, name)
                if score >= 90 and (best is None or score > best[0]):
                    best = (score, j + extra, name)
        if best:
            return i, best[1], self._keys_of(best[2])
        return i, j, keys

    def _fuzzy_spans(self, toks, words, spans) -> list[tuple[int, int, set[str]]]:
        """Typos ("Medelin", "Barranquila"): a cued window of 1-3 words close to one name."""
        used = [t.punct for t in toks]
        for i, j, _ in spans:
            for x in range(i, j):
                used[x] = True
        short_message = sum(not t.punct for t in toks) <= 3
        found: list[tuple[int, int, set[str]]] = []
        for n in (3, 2, 1):
            for i in range(0, len(words) - n + 1):
                if any(used[i : i + n]):
                    continue
                window = words[i : i + n]
                if any(w in NOT_PLACE_WORDS or w.isdigit() for w in window):
                    continue
                gram = " ".join(window)
                if len(gram) < 5 or not (_cued(words, i) or toks[i].upper or short_message):
                    continue
                hit = process.extractOne(gram, self._ix.by_words.get(n, ()), scorer=fuzz.ratio, score_cutoff=87)
                if hit is None:
                    continue
                keys = self._keys_of(hit[0])
                if hit[0] in _FREE_TEXT_STOPWORDS or not keys:
                    continue
                for x in range(i, i + n):
                    used[x] = True
                found.append((i, i + n, keys))
        return found

    def _inside(self, keys: set[str], dept_keys: set[str]) -> list[Place]:
        """Municipalities (or ETC) among ``keys`` that lie in the department named by ``dept_keys``."""
        depts = [self._ix.places[k] for k in dept_keys if self._ix.places[k].kind == DEPARTAMENTO]
        if len(depts) != 1:
            return []
        dept = depts[0]
        inside = [self._ix.places[k] for k in keys
                  if self._ix.places[k].kind in (MUNICIPIO, ETC) and self._ix.places[k].department_name == dept.name]
        return [p for p in inside if p.kind == MUNICIPIO] or inside


@dataclass(frozen=True)
class EtcOption:
    """One of the 96 ETC (entidades territoriales certificadas): its MEN code and name."""

    code: str
    name: str


@dataclass(frozen=True)
class EtcResolution:
    """The requester's ETC: a match, or the candidates to offer."""

    match: EtcOption | None = None
    via_municipality: str | None = None  # set when a non-certified municipality led to its ETC
    candidates: tuple[EtcOption, ...] = ()


# How people name their secretaría before the place ("secretaría de educación del Cauca", "SED Bogotá").
_ETC_PREFIXES = re.compile(
    r"^(?:(?:la|el)\s+)?(?:secretaria\s+(?:de\s+)?(?:educacion\s+)?(?:departamental\s+|municipal\s+|distrital\s+)?"
    r"(?:de\s+|del\s+)?|sec\s+(?:de\s+)?(?:educacion\s+)?(?:de\s+|del\s+)?|sed\s+|sem\s+|gobernacion\s+(?:de\s+|del\s+)?"
    r"|alcaldia\s+(?:de\s+|del\s+)?|departamento\s+(?:de\s+|del\s+)?|municipio\s+(?:de\s+)?|distrito\s+(?:de\s+)?"
    r"|etc\s+)+"
)


def _etc_code(key: str | None) -> str | None:
    return key.split(":", 1)[1] if key and key.startswith("etc:") else None


@dataclass(frozen=True)
class Mention:
    """A place named in a sentence: what was written, where (token positions) and what it means."""

    text: str
    start: int
    end: int
    resolution: Resolution
    kind: str | None = None  # level decided by the sentence ("el departamento de ...")
    gap: tuple[str, ...] = ()  # words between the previous mention (or the start) and this one


@dataclass(frozen=True)
class _Tok:
    raw: str
    norm: str
    punct: bool
    upper: bool
    start: int = 0  # character offsets of the raw token in the text
    end: int = 0


_RAW_TOKEN = re.compile(r"\w+|[,;()/]|-(?=\s)|(?<=\s)-", re.UNICODE)
_CUES = {"en", "de", "del", "para", "y", "e", "vs", "versus", "con", "entre", "contra", "desde", "a", "frente",
         "municipio", "ciudad", "departamento", "depto", "dpto", "etc", "secretaria", "sed", ",", "(", "-", "/"}
_KIND_WORDS = {
    "departamento": DEPARTAMENTO, "depto": DEPARTAMENTO, "dpto": DEPARTAMENTO, "dep": DEPARTAMENTO,
    "departamental": DEPARTAMENTO, "gobernacion": DEPARTAMENTO,
    "municipio": MUNICIPIO, "mpio": MUNICIPIO, "muni": MUNICIPIO, "ciudad": MUNICIPIO, "pueblo": MUNICIPIO,
    "alcaldia": MUNICIPIO, "municipal": MUNICIPIO,
    "etc": ETC, "secretaria": ETC, "sed": ETC, "certificada": ETC, "entidad": ETC,
}
_SKIP_BACK = {"de", "del", "el", "la", "educacion", "territorial", "certificada", "todo", "toda"}
_QUALIFIER_GAPS = {(), (",",), ("(",), ("-",), ("/",), ("en",), ("en", "el"), ("de",), ("del",), (",", "en"),
                   ("departamento", "de"), ("departamento", "del"), ("depto",), ("dpto",), (",", "departamento", "de"),
                   ("en", "el", "departamento", "de"), ("del", "departamento", "de"), ("(", "departamento", "de")}
# Words of a question that are never a typo of a place name.
NOT_PLACE_WORDS = {
    "desercion", "cobertura", "neta", "bruta", "aprobacion", "reprobacion", "repitencia", "matricula",
    "matriculacion", "poblacion", "primaria", "secundaria", "media", "transicion", "preescolar", "tasa", "indicador",
    "indicadores", "municipio", "municipios", "departamento", "departamentos", "ciudad", "secretaria", "secretarias",
    "educacion", "ministerio", "escuela", "escolar", "colegio", "colegios", "estudiantes", "docentes", "ranking",
    "evolucion", "comparar", "compare", "comparacion", "grafica", "datos", "dato", "cuanto", "cuanta", "cual", "cuales",
    "como", "donde", "cuando", "quiero", "necesito", "saber", "consultar", "ultimo", "anterior", "pasado", "entre",
    "frente", "versus", "diferencia", "gracias", "favor", "buenos", "buenas", "tardes", "noches", "dias", "hola",
    "sobre", "desde", "hasta", "total", "general", "oficial", "sector", "rural", "urbana", "urbano", "nacional",
    "porque", "tambien", "ahora", "mismo", "misma", "otro", "otra", "quise", "decir", "perdon", "sino", "mejor",
    "plan", "contratacion", "contrato", "oficina", "juridica", "concepto", "servicio", "norma", "proceso",
}


def _tokenize(text: str) -> list[_Tok]:
    out = []
    for match in _RAW_TOKEN.finditer(text or ""):
        raw, start, end = match.group(), match.start(), match.end()
        if raw in ",;()/-":
            out.append(_Tok(raw, {";": ","}.get(raw, raw), True, False, start, end))
            continue
        norm = normalize(raw)
        if norm:
            for part in norm.split():
                out.append(_Tok(raw, part, False, raw[:1].isupper(), start, end))
    return out


def _surface(toks: list[_Tok], i: int, j: int) -> str:
    return " ".join(t.raw for t in toks[i:j]).replace(" ,", ",").replace("( ", "(").replace(" )", ")")


def _cued(words: list[str], i: int) -> bool:
    return i > 0 and words[i - 1] in _CUES or i > 1 and words[i - 1] in {"el", "la"} and words[i - 2] in _CUES


def _kind_before(words: list[str], i: int) -> str | None:
    """ "el departamento de Bolívar", "municipio de Granada", "la ETC Cartagena", "secretaría de educación de"."""
    k = i - 1
    steps = 0
    while k >= 0 and steps < 5:
        w = words[k]
        if w in _KIND_WORDS:
            return _KIND_WORDS[w]
        if w not in _SKIP_BACK:
            return None
        k -= 1
        steps += 1
    return None


def _year_after(words: list[str], j: int) -> bool:
    """"cobertura neta la union 2019": a year right after a common-word name makes it the place asked."""
    return j < len(words) and len(words[j]) == 4 and words[j].isdigit() and words[j][:2] in {"19", "20"}


def _kind_after(words: list[str], j: int) -> str | None:
    """"Boyacá departamento: …", "Bolívar (departamento)", "Córdoba municipio": the level written after
    the name (not "Medellín departamento de Antioquia", a qualifier read elsewhere)."""
    k = j + 1 if j < len(words) and words[j] == "(" else j
    if k >= len(words) or words[k] not in _KIND_WORDS or _KIND_WORDS[words[k]] == ETC:
        return None
    if k + 1 < len(words) and words[k + 1] in {"de", "del"}:
        return None
    return _KIND_WORDS[words[k]]


def _is_qualifier_gap(gap: list[str]) -> bool:
    return tuple(gap) in _QUALIFIER_GAPS


def _build_gazetteer(ix: _Index) -> None:
    """Names and their usual variants for the sentence scanner (articles dropped from long names)."""
    for name, keys in list(ix.names.items()) + [(a, {k}) for a, k in ix.curated.items()]:
        ix.variants[name] |= set(keys)
        parts = name.split()
        if len(parts) >= 3 and parts[0] in {"el", "la", "los", "las"}:
            ix.variants[" ".join(parts[1:])] |= set(keys)  # "Carmen de Bolívar"
        if len(parts) >= 2 and parts[-1] in {"dc", "d c"}:
            ix.variants[" ".join(parts[:-1])] |= set(keys)
    ix.by_words = defaultdict(list)
    for name in ix.variants:
        parts = name.split()
        ix.max_words = max(ix.max_words, len(parts))
        ix.by_first[parts[0]].append(name)
        ix.by_words[len(parts)].append(name)


def _sort_key(p: Place) -> tuple:
    order = {NACIONAL: 0, DEPARTAMENTO: 1, ETC: 2, MUNICIPIO: 3}
    return (order.get(p.kind, 9), p.department_name or "", p.name)


_lock = threading.Lock()
_cache: dict[str, PlaceResolver] = {}


def territory_named(mention: Mention) -> Place | None:
    """The territory a mention names outside an indicator question (news, encuentro notices): the place,
    or the department when the name is shared by a department and towns ("Nariño", "Boyacá"); None for
    the nation or a name shared by several towns ("La Unión")."""
    res = mention.resolution
    departments = [c for c in res.candidates if c.kind == DEPARTAMENTO]
    place = res.place if res.ok else departments[0] if len(departments) == 1 else None
    return None if place is None or place.kind == NACIONAL else place


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
