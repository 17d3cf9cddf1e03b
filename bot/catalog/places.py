"""Topics and territories of catalog entries (issue 16): data of ``data/catalog/temas.yml`` and
``data/catalog/territorios.yml``, and the look-ups that use them.

* :func:`territories_in` — the territories a text names ("Nota de la Alcaldía de Buenaventura…" →
  ``["Buenaventura", "Valle del Cauca"]``): longest name first, whole words, accents and case
  ignored. Names that are also ordinary words ("meta", "cesar", "valle", "bello"…) count only
  when written with a capital letter or after "de", "del" or "en".
* :func:`topics_in` — the topic slugs a request asks for ("noticias sobre el PAE" → ``["alimentacion"]``).
Loaded once per process; nothing is read at import time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.catalog.analysis import stem, words
from bot.settings import PROJECT_ROOT

TOPICS_FILE = PROJECT_ROOT / "data" / "catalog" / "temas.yml"
TERRITORIES_FILE = PROJECT_ROOT / "data" / "catalog" / "territorios.yml"

# Names that are also common Spanish words or first names.
AMBIGUOUS = frozenset({"meta", "cesar", "valle", "bello", "soledad", "turbo", "florencia", "armenia", "sucre"})
_CUE_WORDS = frozenset({"de", "del", "en"})


@dataclass(frozen=True)
class Topic:
    slug: str
    name: str
    area: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Territory:
    name: str
    department: str | None  # None for a departamento
    aliases: tuple[str, ...]


@lru_cache(maxsize=4)
def load_topics(path: str | None = None) -> dict[str, Topic]:
    data = yaml.safe_load(Path(path or TOPICS_FILE).read_text(encoding="utf-8")) or {}
    return {
        slug: Topic(slug, str(t["nombre"]), str(t.get("area") or ""), tuple(str(w) for w in t.get("palabras", [])))
        for slug, t in (data.get("temas") or {}).items()
    }


@lru_cache(maxsize=4)
def load_territories(path: str | None = None) -> tuple[Territory, ...]:
    data = yaml.safe_load(Path(path or TERRITORIES_FILE).read_text(encoding="utf-8")) or {}
    out = [
        Territory(str(d["nombre"]), None, tuple(str(a) for a in d.get("otros_nombres", [])))
        for d in data.get("departamentos", [])
    ]
    out += [
        Territory(str(m["nombre"]), str(m["departamento"]), tuple(str(a) for a in m.get("otros_nombres", [])))
        for m in data.get("municipios_certificados", [])
    ]
    return tuple(out)


def _key(text: str) -> tuple[str, ...]:
    return tuple(words(text))


@lru_cache(maxsize=4)
def _name_table(path: str | None = None) -> list[tuple[tuple[str, ...], Territory]]:
    """(normalised words of a name, territory), longest names first."""
    table = []
    for territory in load_territories(path):
        for name in (territory.name, *territory.aliases):
            key = _key(name)
            if key:
                table.append((key, territory))
    table.sort(key=lambda kv: -len(kv[0]))
    return table


_RAW_WORD_RE = re.compile(r"[\w]+", re.UNICODE)


def territories_in(text: str, *, path: str | None = None) -> list[str]:
    """Territories named in ``text`` (each municipality followed by its departamento), in order."""
    raw = _RAW_WORD_RE.findall(text or "")
    norm = [words(w)[0] if words(w) else "" for w in raw]
    taken = [False] * len(norm)
    found: list[tuple[int, Territory]] = []
    for key, territory in _name_table(path):
        n = len(key)
        for i in range(len(norm) - n + 1):
            if any(taken[i : i + n]) or tuple(norm[i : i + n]) != key:
                continue
            if n == 1 and key[0] in AMBIGUOUS and not (raw[i][:1].isupper() or (i and norm[i - 1] in _CUE_WORDS)):
                continue
            for j in range(i, i + n):
                taken[j] = True
            found.append((i, territory))
    names: list[str] = []
    for _, territory in sorted(found, key=lambda f: f[0]):
        for name in (territory.name, territory.department):
            if name and name not in names:
                names.append(name)
    return names


def topics_in(text: str, *, path: str | None = None) -> list[str]:
    """Topic slugs that ``text`` asks for (phrases compared as sequences of stems)."""
    stems = " " + " ".join(stem(w) for w in words(text)) + " "
    found = []
    for slug, topic in load_topics(path).items():
        for phrase in (topic.name, *topic.words):
            key = " ".join(stem(w) for w in words(phrase))
            if key and f" {key} " in stems:
                found.append(slug)
                break
    return found


def topic_name(slug: str) -> str:
    topic = load_topics().get(slug)
    return topic.name if topic else slug
