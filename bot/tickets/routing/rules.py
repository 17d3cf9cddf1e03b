"""Keyword rules: phrases that point to one area.

Two sources, both data: (1) the words of each area's ``topics`` in ``men-areas.yml`` that appear in
no other area's topics (e.g. "permutas", "minutas", "FFIE"); (2) curated phrases in
``data/routing/keywords.yml`` (synonyms and the way secretaría staff write). Words shared by
several areas ("SIMAT", "Humano", "SGP") are left to the classifier.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from bot.text import STOPWORDS, fold, stem, stems
from bot.tickets.areas import AreaCatalog

# Words of the topics that say nothing about the area (as stems).
GENERIC = frozenset(
    stem(w)
    for w in ["educacion", "educativo", "educativa", "educativos", "educativas", "escolar", "escolares", "sector", "secretaria", "secretario", "sistema", "gestion", "etc", "proceso", "procesos", "punto", "vista", "equipo", "general", "informacion", "plan", "programa", "estrategia", "seguimiento", "servicio", "recurso", "territorial", "nivel", "tecnico", "tecnica", "atencion", "acompanamiento", "calidad", "apoyo", "ministerio", "men", "solicitud"]
)


def content_stems(text: str) -> list[str]:
    """Stems of the words of ``text`` that are not Spanish function words."""
    return [stem(w) for w in fold(text).split() if w not in STOPWORDS]


@dataclass(frozen=True)
class Keyword:
    area: str
    tokens: tuple[str, ...]
    weight: float


def _topic_keywords(areas: AreaCatalog) -> list[Keyword]:
    per_area = {a.code: {t for t in content_stems(a.topics) if len(t) > 1} for a in areas.areas}
    counts = Counter(t for toks in per_area.values() for t in toks)
    acronyms = {
        a.code: {t for t in (stems(w)[0] for w in re.findall(r"\b[A-ZÁÉÍÓÚ]{2,}\b", a.topics)) if t}
        for a in areas.areas
    }
    found: list[Keyword] = []
    for code, toks in per_area.items():
        for tok in sorted(toks):
            if counts[tok] == 1 and tok not in GENERIC and len(tok) >= 4 and not tok.isdigit():
                weight = 2.0 if tok in acronyms[code] else 1.0
                found.append(Keyword(area=code, tokens=(tok,), weight=weight))
    return found


def _curated_keywords(curated: dict[str, list[str]], areas: AreaCatalog) -> list[Keyword]:
    found: list[Keyword] = []
    for code, phrases in curated.items():
        areas.require(code)
        for phrase in phrases:
            toks = tuple(content_stems(phrase))
            if toks:
                found.append(Keyword(area=code, tokens=toks, weight=1.0 + 0.5 * (len(toks) - 1)))
    return found


def _contains(haystack: list[str], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    if n == 1:
        return needle[0] in haystack
    return any(tuple(haystack[i : i + n]) == needle for i in range(len(haystack) - n + 1))


class KeywordRules:
    def __init__(self, keywords: list[Keyword]) -> None:
        self.keywords = keywords

    @classmethod
    def build(cls, areas: AreaCatalog, curated: dict[str, list[str]]) -> KeywordRules:
        return cls(_topic_keywords(areas) + _curated_keywords(curated, areas))

    def scores(self, text: str) -> dict[str, float]:
        """Sum of the weights of the keywords found in ``text``, per area (areas with no hit absent)."""
        toks = content_stems(text)
        result: dict[str, float] = {}
        for kw in self.keywords:
            if _contains(toks, kw.tokens):
                result[kw.area] = result.get(kw.area, 0.0) + kw.weight
        return result

    def matches(self, text: str) -> list[Keyword]:
        toks = content_stems(text)
        return [kw for kw in self.keywords if _contains(toks, kw.tokens)]
