"""The MEN's real resources in conversation: news of the sector, and the entries related
to the programmes and systems that an answer mentions.

* :func:`latest_news` — ``noticia`` entries, newest first (undated ones last), optionally only those
  of some topics (``data/catalog/temas.yml``) or naming a territory (bot/places.py);
  :func:`parse_news_request` reads those filters from the user's words.
* :func:`related_resources` — entries about the programmes (``data/catalog/programas.yml``) that a
  text names: «¿cómo registro la matrícula en el SIMAT?» → the SIMAT help and manual first, then
  the newest news about it. A plain function, usable by any action (FAQ, indicators).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

from bot.catalog.analysis import fold_plural, words
from bot.catalog.search import CatalogEntry
from bot.catalog.topics import territories_in, topics_in
from bot.settings import PROJECT_ROOT

PROGRAMS_FILE = PROJECT_ROOT / "data" / "catalog" / "programas.yml"
NEWS_TYPE = "noticia"
# Order of the non-news entries offered for a programme: what helps to act first.
TYPE_ORDER = ("herramienta", "guia", "programa", "micrositio", "norma", "datos", "curso")
RELATED_LIMIT = 3


# --------------------------------------------------------------------------- news
@dataclass(frozen=True)
class NewsRequest:
    topics: tuple[str, ...] = ()
    territory: str | None = None


def parse_news_request(text: str) -> NewsRequest:
    """Topic and territory filters named in a request for news."""
    places = territories_in(text or "")
    return NewsRequest(topics=tuple(topics_in(text or "")), territory=places[0] if places else None)


def _newest_first(entry: CatalogEntry) -> tuple:
    day = entry.published_on
    return (day is None, -(day or date.min).toordinal(), entry.title)


def latest_news(
    entries: Iterable[CatalogEntry], *, topics: Sequence[str] = (), territory: str | None = None
) -> list[CatalogEntry]:
    """News entries, newest first; with ``topics``, those of any of them; with ``territory``, those naming it."""
    news = [e for e in entries if e.type == NEWS_TYPE]
    if topics:
        news = [e for e in news if set(topics) & set(e.topics)]
    if territory:
        news = [e for e in news if territory in e.territories]
    return sorted(news, key=_newest_first)


# --------------------------------------------------------------------------- related resources
@dataclass(frozen=True)
class Program:
    name: str
    phrases: tuple[tuple[str, ...], ...]  # normalised words of each name


def _stems(text: str) -> tuple[str, ...]:
    """Normalised words with plurals folded (not stemmed: "EDUC" must not match "educación")."""
    return tuple(fold_plural(w) for w in words(text))


@lru_cache(maxsize=4)
def load_programs(path: str | None = None) -> tuple[Program, ...]:
    data = yaml.safe_load(Path(path or PROGRAMS_FILE).read_text(encoding="utf-8")) or {}
    return tuple(
        Program(str(p["programa"]), tuple(s for s in (_stems(str(n)) for n in p.get("nombres", [])) if s))
        for p in data.get("programas", [])
    )


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def programs_in(text: str, *, path: str | None = None) -> list[Program]:
    """The programmes ``text`` names, in the order of the programmes file."""
    stems = _stems(text or "")
    return [p for p in load_programs(path) if any(_contains(stems, phrase) for phrase in p.phrases)]


def is_about(entry: CatalogEntry, program: Program) -> bool:
    stems = _stems(f"{entry.title}. {entry.summary}")
    return any(_contains(stems, phrase) for phrase in program.phrases)


def _related_order(entry: CatalogEntry) -> tuple:
    if entry.type == NEWS_TYPE:
        return (1, *_newest_first(entry))
    rank = TYPE_ORDER.index(entry.type) if entry.type in TYPE_ORDER else len(TYPE_ORDER)
    return (0, rank, entry.title)


def related_resources(
    text: str, entries: Iterable[CatalogEntry] | None = None, *, limit: int = RELATED_LIMIT
) -> list[CatalogEntry]:
    """Catalog entries (with a link) about the programmes and systems that ``text`` mentions.

    For each programme named, in order: its tools, guides, programmes, norms and data first, then
    its news, newest first. ``entries`` defaults to the active catalog of the configured database.
    """
    programs = programs_in(text)
    if not programs or limit <= 0:
        return []
    if entries is None:
        entries = _catalog_entries()
    pool = [e for e in entries if e.url]
    found: list[CatalogEntry] = []
    for program in programs:
        for entry in sorted((e for e in pool if is_about(e, program)), key=_related_order):
            if entry not in found:
                found.append(entry)
    # One programme must not hide the others: the best entry of each comes first.
    firsts = []
    for program in programs:
        first = next((e for e in found if is_about(e, program)), None)
        if first is not None and first not in firsts:
            firsts.append(first)
    ordered = firsts + [e for e in found if e not in firsts]
    return ordered[:limit]


def _catalog_entries() -> list[CatalogEntry]:
    from bot.catalog.search import load_entries
    from bot.db import session_scope

    with session_scope() as session:
        return load_entries(session)
