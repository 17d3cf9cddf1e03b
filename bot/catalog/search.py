"""Spanish search over the catalog: BM25 over weighted fields, synonyms, typo correction, filters.

The index is built once from the active items and cached in the :class:`CatalogSearchService`
instance; it is rebuilt only when the catalog changes (count or last update differ).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.catalog.analysis import STOPWORDS, analyze, query_words, stem, words
from bot.catalog.models import CONTENT_TYPES, CatalogItem
from bot.settings import PROJECT_ROOT

DEFAULT_SYNONYMS_FILE = PROJECT_ROOT / "data" / "catalog" / "sinonimos.yml"

# Field weights of the BM25F-like scoring: a word in the title counts three times.
FIELD_WEIGHTS: dict[str, float] = {"title": 3.0, "tags": 2.0, "summary": 1.0, "type": 1.0, "themes": 0.5}
SYNONYM_WEIGHT = 0.5  # weight of a term added by a synonym, relative to a typed term
TYPO_MIN_LENGTH = 4
TYPO_MIN_SCORE = 80.0
RELATIVE_CUTOFF = 0.2  # results under 20 % of the best score are noise
TITLE_BONUS = 1.0  # a query that names the whole title ("quiero aprender") doubles that item's score
PAGE_SIZE = 3


@dataclass(frozen=True)
class CatalogEntry:
    """A catalog item as the assistant shows it (detached from the database session)."""

    id: int
    key: str
    title: str
    summary: str
    type: str
    themes: tuple[str, ...]
    url: str = ""
    audience: str = ""
    published_on: date | None = None
    tags: tuple[str, ...] = ()
    source: str = ""
    is_sample: bool = False
    evidence: str = ""
    topics: tuple[str, ...] = ()
    territories: tuple[str, ...] = ()

    @property
    def type_label(self) -> str:
        return CONTENT_TYPES.get(self.type, self.type)

    @property
    def is_placeholder(self) -> bool:
        """A sample entry without a link (the starter catalog before the MEN's real resources)."""
        return self.is_sample and not self.url

    @classmethod
    def from_row(cls, item: CatalogItem) -> CatalogEntry:
        return cls(
            id=item.id,
            key=item.key,
            title=item.title,
            summary=item.summary or "",
            type=item.type,
            themes=tuple(item.theme_codes),
            url=item.url or "",
            audience=item.audience or "",
            published_on=item.published_on,
            tags=tuple(item.tags or ()),
            source=item.source or "",
            is_sample=bool(item.is_sample),
            evidence=item.evidence or "",
            topics=tuple(item.topics or ()),
            territories=tuple(item.territories or ()),
        )


@dataclass(frozen=True)
class SearchHit:
    entry: CatalogEntry
    score: float


@dataclass(frozen=True)
class SearchPage:
    """One page of results plus what the assistant needs to offer "ver más"."""

    query: str
    hits: tuple[SearchHit, ...]
    total: int
    offset: int
    limit: int
    tipo: str | None = None
    tema: str | None = None
    corrections: dict[str, str] = field(default_factory=dict)

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.hits) < self.total

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.hits)

    @property
    def any_sample(self) -> bool:
        return any(h.entry.is_sample for h in self.hits)


def phrase_tokens(text: str) -> list[str]:
    """Every word of ``text``: stop words as they are ("como"), the others stemmed ("comida" → "com")."""
    return [w if w in STOPWORDS else stem(w) for w in words(text)]


class SynonymTable:
    """Groups of equivalent words/phrases, compared as sequences of stems."""

    def __init__(self, groups: Iterable[Sequence[str]]):
        self.groups: list[list[tuple[tuple[str, ...], tuple[str, ...]]]] = []
        self.words: set[str] = set()
        self.stems: set[str] = set()
        for group in groups:
            # (stems of every word, to recognise the phrase; stems of its content words, to add)
            phrases = [(tuple(phrase_tokens(str(p))), tuple(analyze(str(p)))) for p in group]
            phrases = [p for p in phrases if p[0] and p[1]]
            if len(phrases) > 1:
                self.groups.append(phrases)
            self.stems.update(t for _, content in phrases for t in content)
            for p in group:
                self.words.update(words(str(p)))

    @classmethod
    def from_file(cls, path: Path | str | None = None) -> SynonymTable:
        file = Path(path) if path else DEFAULT_SYNONYMS_FILE
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        return cls(data.get("grupos", []))

    def expand(self, stems: Sequence[str]) -> dict[str, float]:
        """Extra terms (stem -> weight) implied by the phrases found in ``stems``.

        ``stems`` are the :func:`phrase_tokens` of the query (stop words kept, unstemmed), so that
        "todos a aprender" is recognised as a phrase but "aprender" alone is not.
        """
        text = " " + " ".join(stems) + " "
        present = set(stems)
        extra: dict[str, float] = {}
        for group in self.groups:
            if not any(" " + " ".join(full) + " " in text for full, _ in group):
                continue
            for _, content in group:
                weight = SYNONYM_WEIGHT / len(content)
                for term in content:
                    if term not in present:
                        extra[term] = max(extra.get(term, 0.0), weight)
        return extra


@dataclass(frozen=True)
class _Doc:
    entry: CatalogEntry
    tf: dict[str, float]
    length: float
    title_stems: frozenset[str]


class CatalogIndex:
    """An in-memory BM25 index (Lucene IDF, k1=1.2, b=0.75) over the weighted fields of the items."""

    engine = "bm25"

    def __init__(
        self,
        entries: Iterable[CatalogEntry],
        synonyms: SynonymTable | None = None,
        area_names: dict[str, str] | None = None,
        k1: float = 1.2,
        b: float = 0.75,
    ):
        self.synonyms = synonyms or SynonymTable([])
        self.area_names = area_names or {}
        self.k1, self.b = k1, b
        self.docs: list[_Doc] = []
        self.vocabulary: set[str] = set()  # plain words, for typo correction
        df: Counter[str] = Counter()
        entries = list(entries)
        if any(e.url and not e.is_sample for e in entries):  # never a placeholder next to real entries
            entries = [e for e in entries if not e.is_placeholder]
        self.entries: tuple[CatalogEntry, ...] = tuple(entries)
        for entry in entries:
            doc = self._document(entry)
            self.docs.append(doc)
            df.update(doc.tf.keys())
        n = len(self.docs)
        self.avg_length = (sum(d.length for d in self.docs) / n) if n else 0.0
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self.vocabulary |= self.synonyms.words
        self._vocab_list = sorted(self.vocabulary)

    def _fields(self, entry: CatalogEntry) -> dict[str, str]:
        return {
            "title": entry.title,
            "tags": " ".join(entry.tags),
            "summary": entry.summary,
            "type": CONTENT_TYPES.get(entry.type, entry.type),
            "themes": " ".join(
                [self.area_names.get(code, "") for code in entry.themes] + [_topic_name(t) for t in entry.topics]
            ),
        }

    def _document(self, entry: CatalogEntry) -> _Doc:
        tf: Counter[str] = Counter()
        length = 0.0
        for name, text in self._fields(entry).items():
            weight = FIELD_WEIGHTS[name]
            self.vocabulary.update(words(text))
            for term in analyze(text):
                tf[term] += weight
                length += weight
        return _Doc(entry=entry, tf=dict(tf), length=length, title_stems=frozenset(analyze(entry.title)))

    def __len__(self) -> int:
        return len(self.docs)

    # -- query side -------------------------------------------------------------------------
    def correct(self, word: str) -> str:
        """The closest indexed word when ``word`` is unknown (a typo), else ``word``."""
        known = word in self.vocabulary or stem(word) in self.idf or stem(word) in self.synonyms.stems
        if len(word) < TYPO_MIN_LENGTH or word.isdigit() or known:
            return word
        match = process.extractOne(word, self._vocab_list, scorer=fuzz.ratio, score_cutoff=TYPO_MIN_SCORE)
        return match[0] if match else word

    def query_terms(self, query: str) -> tuple[dict[str, float], dict[str, str]]:
        """Weighted stems of ``query`` (typed terms 1.0, synonyms less) and the corrections made."""
        corrections: dict[str, str] = {}
        for word in query_words(query):
            fixed = self.correct(word)
            if fixed != word:
                corrections[word] = fixed
        terms = {stem(corrections.get(w, w)): 1.0 for w in query_words(query)}
        every_word = phrase_tokens(" ".join(corrections.get(w, w) for w in words(query)))
        for term, weight in self.synonyms.expand(every_word).items():
            terms.setdefault(term, weight)
        return terms, corrections

    def _score(self, doc: _Doc, terms: dict[str, float], typed: frozenset[str]) -> float:
        score = 0.0
        norm = self.k1 * (1 - self.b + self.b * doc.length / self.avg_length) if self.avg_length else self.k1
        for term, weight in terms.items():
            tf = doc.tf.get(term)
            if tf:
                score += weight * self.idf[term] * tf * (self.k1 + 1) / (tf + norm)
        if score and doc.title_stems and doc.title_stems <= typed:
            score *= 1 + TITLE_BONUS
        return score

    def _scored(self, candidates: list[_Doc], terms: dict[str, float], typed: frozenset[str]) -> list[SearchHit]:
        return [SearchHit(d.entry, self._score(d, terms, typed)) for d in candidates]

    def search(self, query: str, *, tipo: str | None = None, tema: str | None = None) -> tuple[list[SearchHit], dict]:
        """All matching entries, best first, and the typo corrections applied."""
        candidates = [d for d in self.docs if _passes(d.entry, tipo, tema)]
        terms, corrections = self.query_terms(query or "")
        if not terms:
            ordered = sorted(candidates, key=lambda d: (-(d.entry.published_on or date.min).toordinal(), d.entry.title))
            return [SearchHit(d.entry, 0.0) for d in ordered], corrections
        typed = frozenset(stem(self.correct(w)) for w in words(query))
        scored = [h for h in self._scored(candidates, terms, typed) if h.score > 0]
        if scored:
            best = max(h.score for h in scored)
            scored = [h for h in scored if h.score >= RELATIVE_CUTOFF * best]
        scored.sort(key=lambda h: (-h.score, h.entry.title))
        return scored, corrections


class FtsCatalogIndex(CatalogIndex):
    """The same search with SQLite FTS5's BM25 as the scoring engine.

    The documents are the Spanish analysis of :class:`CatalogIndex` (accents folded, plurals folded,
    Snowball stems), one FTS5 column per field, ranked with ``bm25()`` and the field weights of
    ``FIELD_WEIGHTS``. Typed terms and synonym terms are two queries whose scores are added (the
    synonyms' at ``SYNONYM_WEIGHT``); filters, typo correction, title bonus and cut-off are shared.
    An in-memory database per index, rebuilt with it; nothing on disk.
    """

    engine = "fts5"

    def __init__(self, entries: Iterable[CatalogEntry], synonyms: SynonymTable | None = None, **kwargs):
        import sqlite3
        import threading

        super().__init__(entries, synonyms, **kwargs)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        columns = list(FIELD_WEIGHTS)
        self._db.execute(f"CREATE VIRTUAL TABLE docs USING fts5({', '.join(columns)}, tokenize='unicode61')")
        rows = []
        for rowid, doc in enumerate(self.docs):
            fields = self._fields(doc.entry)
            rows.append((rowid, *(" ".join(analyze(fields[c])) for c in columns)))
        marks = ", ".join("?" * (len(columns) + 1))
        self._db.executemany(f"INSERT INTO docs(rowid, {', '.join(columns)}) VALUES ({marks})", rows)
        self._rowid = {id(doc): rowid for rowid, doc in enumerate(self.docs)}
        self._weights = ", ".join(f"{w:g}" for w in FIELD_WEIGHTS.values())

    def _bm25(self, terms: Iterable[str]) -> dict[int, float]:
        terms = [t for t in terms if t]
        if not terms:
            return {}
        match = " OR ".join(f'"{t}"' for t in terms)  # stems are [a-z0-9]+: nothing to escape
        sql = f"SELECT rowid, -bm25(docs, {self._weights}) FROM docs WHERE docs MATCH ?"
        with self._lock:
            return dict(self._db.execute(sql, (match,)).fetchall())

    def _scored(self, candidates: list[_Doc], terms: dict[str, float], typed: frozenset[str]) -> list[SearchHit]:
        main = self._bm25(t for t, w in terms.items() if w >= 1.0)
        extra = self._bm25(t for t, w in terms.items() if w < 1.0)
        hits = []
        for doc in candidates:
            rowid = self._rowid[id(doc)]
            score = main.get(rowid, 0.0) + SYNONYM_WEIGHT * extra.get(rowid, 0.0)
            if score > 0 and doc.title_stems and doc.title_stems <= typed:
                score *= 1 + TITLE_BONUS
            hits.append(SearchHit(doc.entry, score))
        return hits


ENGINES: dict[str, type[CatalogIndex]] = {"bm25": CatalogIndex, "fts5": FtsCatalogIndex}


def engine_from_env() -> str:
    """``CATALOG_SEARCH_ENGINE`` (``bm25``, the default, or ``fts5``)."""
    import os

    name = (os.environ.get("CATALOG_SEARCH_ENGINE") or "bm25").strip().lower()
    if name not in ENGINES:
        raise ValueError(f"CATALOG_SEARCH_ENGINE='{name}' no válido (use: {', '.join(ENGINES)})")
    return name


def _topic_name(slug: str) -> str:
    from bot.catalog.topics import topic_name

    return topic_name(slug)


# Everyday words for the content types, besides their codes and labels.
TYPE_WORDS: dict[str, str] = {
    "ley": "norma",
    "decreto": "norma",
    "resolucion": "norma",
    "normatividad": "norma",
    "normativa": "norma",
    "noticia": "noticia",
    "comunicado": "noticia",
    "estadisticas": "datos",
    "microdatos": "datos",
    "video": "grabacion_encuentro",
    "grabacion": "grabacion_encuentro",
    "webinar": "grabacion_encuentro",
    "documento": "documento_estrategico",
    "enlace": "enlace_aliado",
    "aliado": "enlace_aliado",
    "libro": "publicacion",
    "capacitacion": "curso",
    "manual": "guia",
    "cartilla": "guia",
    "guia": "guia",
    "curso": "curso",
    "herramienta": "herramienta",
    "indicador": "indicador",
    "seccion": "seccion",
    "micrositio": "micrositio",
    "programa": "programa",
    "publicacion": "publicacion",
}


def _stem_key(text: str) -> str:
    return " ".join(stem(w) for w in words(text.replace("_", " ")))


def content_type_from(value: str | None) -> str | None:
    """A content type code from an entity value or label: "guías", "Grabación de encuentro", "videos"."""
    key = _stem_key(value or "")
    if not key:
        return None
    table = {_stem_key(w): code for w, code in TYPE_WORDS.items()}
    for code, label in CONTENT_TYPES.items():
        table[_stem_key(code)] = code
        table[_stem_key(label)] = code
    return table.get(key)


def _passes(entry: CatalogEntry, tipo: str | None, tema: str | None) -> bool:
    return (not tipo or entry.type == tipo) and (not tema or tema in entry.themes)


def load_entries(session: Session) -> list[CatalogEntry]:
    rows = session.execute(select(CatalogItem).where(CatalogItem.active.is_(True)).order_by(CatalogItem.id)).scalars()
    return [CatalogEntry.from_row(r) for r in rows]


def catalog_version(session: Session) -> tuple:
    """Cheap fingerprint of the active catalog: changes whenever an import changes it."""
    row = session.execute(
        select(func.count(CatalogItem.id), func.max(CatalogItem.updated_at)).where(CatalogItem.active.is_(True))
    ).one()
    return tuple(row)


class CatalogSearchService:
    """Search entry point for actions and the CLI: one session per call, cached index."""

    def __init__(
        self,
        database_url: str | None = None,
        *,
        synonyms: SynonymTable | None = None,
        area_names: dict[str, str] | None = None,
        engine: str | None = None,
    ):
        self._url = database_url
        self._synonyms = synonyms
        self._area_names = area_names
        self._engine = ENGINES[engine or engine_from_env()]
        self._index: CatalogIndex | None = None
        self._version: tuple | None = None

    def _session(self):
        from bot.db import session_scope

        return session_scope(self._url)

    def _area_name_map(self) -> dict[str, str]:
        if self._area_names is None:
            from bot.catalog.themes import area_names

            self._area_names = area_names()
        return self._area_names

    def index(self) -> CatalogIndex:
        """The index of the current catalog, rebuilt only if the catalog changed."""
        with self._session() as session:
            version = catalog_version(session)
            if self._index is None or version != self._version:
                if self._synonyms is None:
                    self._synonyms = SynonymTable.from_file()
                self._index = self._engine(load_entries(session), self._synonyms, area_names=self._area_name_map())
                self._version = version
        return self._index

    def search(
        self,
        query: str,
        *,
        tipo: str | None = None,
        tema: str | None = None,
        offset: int = 0,
        limit: int = PAGE_SIZE,
    ) -> SearchPage:
        hits, corrections = self.index().search(query, tipo=tipo, tema=tema)
        offset = max(0, offset)
        return SearchPage(
            query=query,
            hits=tuple(hits[offset : offset + limit]),
            total=len(hits),
            offset=offset,
            limit=limit,
            tipo=tipo,
            tema=tema,
            corrections=corrections,
        )
