"""Parsing of the other parts of a question: years, ranking words, and a whole sentence.

``parse_query`` is a fallback used by the actions when the NLU misses an entity; it never
guesses a place (places go through :mod:`places`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.indicators.definitions import parse_indicator, parse_level
from bot.text import fold

_YEAR = re.compile(r"\b(19[5-9]\d|20\d{2})\b")
_SHORT_YEAR = re.compile(r"\b(?:del|en el|año|ano)\s+(?:'|’)?(\d{2})\b")
_NUMBER_WORDS = {
    "uno": 1, "un": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
    "nueve": 9, "diez": 10, "quince": 15, "veinte": 20,
}


@dataclass(frozen=True)
class YearMatch:
    year: int | None
    relative: bool = False  # "el año pasado"
    latest: bool = False  # "el último año", "más reciente"


def parse_year(text: str, *, today: date | None = None) -> YearMatch:
    """``"en 2019"`` -> 2019; ``"el año pasado"`` -> today.year - 1; none -> ``YearMatch(None)``."""
    raw = text or ""
    m = _YEAR.search(raw)
    if m:
        return YearMatch(int(m.group(1)))
    norm = fold(raw)
    today = today or date.today()
    if re.search(r"\b(ano|anio) (pasado|anterior)\b", norm):
        return YearMatch(today.year - 1, relative=True)
    if re.search(r"\b(ano|anio) antepasado\b", norm):
        return YearMatch(today.year - 2, relative=True)
    if re.search(r"\b(este|presente) (ano|anio)\b|\b(ano|anio) (actual|en curso)\b", norm):
        return YearMatch(today.year, relative=True)
    m = re.search(r"\bhace (\w+) (anos|anios|ano)\b", norm)
    if m:
        n = int(m.group(1)) if m.group(1).isdigit() else _NUMBER_WORDS.get(m.group(1))
        if n:
            return YearMatch(today.year - n, relative=True)
    m = _SHORT_YEAR.search(norm)
    if m:
        return YearMatch(2000 + int(m.group(1)))
    if re.search(r"\b(ultimo|ultima|mas reciente|reciente|actual|actualmente|hoy)\b", norm):
        return YearMatch(None, latest=True)
    return YearMatch(None)


def parse_years_range(text: str) -> tuple[int, int] | None:
    """``"de 2015 a 2020"`` / ``"entre 2015 y 2020"`` -> (2015, 2020)."""
    years = [int(y) for y in _YEAR.findall(text or "")]
    if len(years) >= 2:
        return min(years[:2]), max(years[:2])
    return None


@dataclass(frozen=True)
class RankingRequest:
    order: str  # "desc" (highest first) | "asc"
    n: int
    scope: str  # departamentos | etc | municipios
    by_quality: str | None = None  # "mejores" / "peores": depends on the indicator's direction


def parse_ranking(text: str, *, default_n: int = 5) -> RankingRequest:
    """``"los 10 departamentos con mayor deserción"`` -> desc, 10, departamentos."""
    norm = fold(text)
    order = "desc"
    by_quality = None
    if re.search(r"\b(menor|menores|mas baj[ao]s?|menos|minim[ao]s?|inferior(es)?|ultimos|bottom)\b", norm):
        order = "asc"
    if re.search(r"\b(peor|peores)\b", norm):
        by_quality = "peores"
    elif re.search(r"\b(mejor|mejores)\b", norm):
        by_quality = "mejores"
    n = default_n
    m = re.search(r"\b(?:top|los|las|primeros|primeras|ultimos|ultimas)\s+(\d{1,2}|\w+)\b", norm)
    if m:
        word = m.group(1)
        n = int(word) if word.isdigit() else _NUMBER_WORDS.get(word, default_n)
    else:
        m = re.search(r"\b(\d{1,2})\s+(departamentos|municipios|etc|entidades|secretarias|ciudades)\b", norm)
        if m:
            n = int(m.group(1))
    scope = "departamentos"
    if re.search(r"\b(etc|secretarias|entidades territoriales|certificadas|ciudades)\b", norm):
        scope = "etc"
    elif re.search(r"\b(municipios|municipio)\b", norm):
        scope = "municipios"
    return RankingRequest(order, max(1, min(n, 20)), scope, by_quality)


@dataclass(frozen=True)
class ParsedQuery:
    indicator: str | None
    indicator_candidates: tuple[str, ...]
    level: str | None
    year: YearMatch


def parse_query(text: str, *, today: date | None = None) -> ParsedQuery:
    ind = parse_indicator(text)
    return ParsedQuery(ind.key, ind.candidates, parse_level(text), parse_year(text, today=today))
