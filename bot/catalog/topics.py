"""Topics and territories of catalog entries: topics from ``data/catalog/temas.yml``, territories
from the one place resolver of the assistant (:mod:`bot.places`).

* :func:`territories_in` — the territories a text names ("Nota de la Alcaldía de Buenaventura…" →
  ``["Buenaventura", "Valle del Cauca"]``), found by the gazetteer of :mod:`bot.places`.
* :func:`topics_in` — the topic slugs a request asks for ("noticias sobre el PAE" → ``["alimentacion"]``).
Loaded once per process; nothing is read at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.catalog.analysis import stem, words
from bot.places import territory_named
from bot.settings import PROJECT_ROOT

TOPICS_FILE = PROJECT_ROOT / "data" / "catalog" / "temas.yml"



@dataclass(frozen=True)
class Topic:
    slug: str
    name: str
    area: str
    words: tuple[str, ...]


@lru_cache(maxsize=4)
def load_topics(path: str | None = None) -> dict[str, Topic]:
    data = yaml.safe_load(Path(path or TOPICS_FILE).read_text(encoding="utf-8")) or {}
    return {
        slug: Topic(slug, str(t["nombre"]), str(t.get("area") or ""), tuple(str(w) for w in t.get("palabras", [])))
        for slug, t in (data.get("temas") or {}).items()
    }


def _default_resolver():
    """The one place resolver of the assistant (bot/places.py), from the composition root."""
    from bot.services import get_services

    return get_services().places


def territories_in(text: str, *, resolver=None) -> list[str]:
    """Territories named in ``text`` (each municipality followed by its departamento), in order.

    The gazetteer of :mod:`bot.places` finds them (official names, variants, typos); a name shared by a
    department and towns is the department; one shared by several towns ("La Unión") is left out.
    """
    resolver = resolver or _default_resolver()
    names: list[str] = []
    for mention in resolver.mentions(text or ""):
        place = territory_named(mention)
        if place is None:
            continue
        for name in (place.name.replace(" (ETC)", ""), place.department_name):
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
