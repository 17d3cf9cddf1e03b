"""Entities found by lexicons, not learnt: places, indicators, levels and years in a message.

The NLU's ``lugar``, ``indicador``, ``nivel`` and ``anio`` come from here (through
``nlu_components/gazetteer.py``): the place gazetteer of :mod:`bot.places` over the 1.122
municipios, 33 departamentos and 96 ETC, the indicator and level synonyms of
:mod:`bot.indicators.definitions` (typos allowed) and a year pattern. A learnt extractor only knows the
names it was shown; these know every official name. Plain Python: no Rasa import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from bot.indicators.definitions import GENERAL_WORDS, _indicator_phrases, _level_phrases
from bot.places import NOT_PLACE_WORDS, PlaceResolver
from bot.text import fold

LUGAR, INDICADOR, NIVEL, ANIO = "lugar", "indicador", "nivel", "anio"
TYPES = (LUGAR, INDICADOR, NIVEL, ANIO)

_WORD = re.compile(r"\w+", re.UNICODE)
_YEAR = re.compile(r"(?<![\d.,/])(?:19[5-9]\d|20[0-4]\d)(?![\d.,/]\d)")
_CASE_CODE = re.compile(r"\b[A-Za-z]{2,5}[- ]\d{4}[- ]\d{3,}\w*")  # MEN-2026-000905-RT4C: not a year
_RELATIVE_YEAR = re.compile(r"\b(?:este|el|del|al)\s+(?:a[nñ]o\s+(?:pasado|anterior|antepasado|siguiente|posterior)|(?:ultimo|último)\s+a[nñ]o)\b"
                            r"|\beste\s+a[nñ]o\b|\bun\s+a[nñ]o\s+(?:antes|despu[eé]s)\b", re.IGNORECASE)
# "media" is a level only beside a word of education; alone it is too common ("media hora", "la media").
_WEAK_LEVEL_WORDS = {"media", "total", "general", "global"}
_LEVEL_CONTEXT = {"educacion", "basica", "primaria", "secundaria", "transicion", "nivel", "en", "de", "y", "la"}


@dataclass(frozen=True)
class Found:
    entity: str
    start: int
    end: int
    text: str

    def as_dict(self, extractor: str) -> dict:
        return {"entity": self.entity, "start": self.start, "end": self.end, "value": self.text,
                "confidence_entity": 1.0, "extractor": extractor}


def _tokens(text: str) -> list[tuple[str, int, int]]:
    out = []
    for m in _WORD.finditer(text):
        norm = fold(m.group())
        if norm:
            out.append((norm, m.start(), m.end()))
    return out


@lru_cache(maxsize=1)
def _phrase_table() -> tuple[tuple[tuple[str, ...], str], ...]:
    """(phrase words, entity type), longest first."""
    pairs = [(tuple(p.split()), INDICADOR) for p, _keys in _indicator_phrases()]
    pairs += [(tuple(p.split()), NIVEL) for p, (level,) in _level_phrases() if level != "total"]
    return tuple(sorted(set(pairs), key=lambda p: (-len(p[0]), p[0])))


_AGE_RANGE = (("de", "5", "a", "16", "anos"), ("5", "a", "16", "anos"), ("de", "5", "a", "16"), ("5", "a", "16"),
              ("5", "16", "anos"), ("5", "16"))


def _age_range_end(words: list[str], j: int) -> int:
    """"población 5 a 16", "tasa de matriculación 5-16 años": the age range belongs to the indicator."""
    for tail in _AGE_RANGE:
        if tuple(words[j : j + len(tail)]) == tail:
            return j + len(tail)
    return j


def _lexicon_spans(text: str, toks: list[tuple[str, int, int]]) -> list[Found]:
    words = [t[0] for t in toks]
    used = [False] * len(toks)
    found: list[Found] = []

    def take(i: int, j: int, kind: str) -> None:
        if kind == INDICADOR:
            j = _age_range_end(words, j)
        for x in range(i, j):
            used[x] = True
        start, end = toks[i][1], toks[j - 1][2]
        found.append(Found(kind, start, end, text[start:end]))

    for phrase, kind in _phrase_table():  # exact, longest first
        n = len(phrase)
        for i in range(0, len(words) - n + 1):
            if any(used[i : i + n]) or tuple(words[i : i + n]) != phrase:
                continue
            if kind == NIVEL and n == 1 and phrase[0] in _WEAK_LEVEL_WORDS:
                before = words[i - 1] if i else ""
                if before not in _LEVEL_CONTEXT and not any(f.entity == INDICADOR for f in found):
                    continue
            take(i, i + n, kind)
    for phrase, kind in _phrase_table():  # typos ("desercíon", "reprobasion", "covertura neta")
        n = len(phrase)
        joined = " ".join(phrase)
        if n == 1 and len(joined) < 6:
            continue
        for i in range(0, len(words) - n + 1):
            if any(used[i : i + n]):
                continue
            window = " ".join(words[i : i + n])
            if window in GENERAL_WORDS or abs(len(window) - len(joined)) > 3:
                continue
            if fuzz.ratio(window, joined) >= 86:
                take(i, i + n, kind)
    return found


def find_entities(text: str, resolver: PlaceResolver | None, *, indicators: bool = True) -> list[Found]:
    """Every lexicon entity of ``text`` in order; places never overlap an indicator or a level.

    ``indicators=False`` (a message that is not an indicator question: a case, a catalog search)
    keeps only places: there "matrícula" or "deserción" is the topic, not the figure asked for, and a
    year is a date, not the year of a figure.
    """
    text = text or ""
    lexicon = _lexicon_spans(text, _tokens(text))
    found = list(lexicon) if indicators else []
    if indicators:
        masked = _CASE_CODE.sub(lambda m: "#" * len(m.group()), text)
        found += [Found(ANIO, m.start(), m.end(), m.group()) for m in _YEAR.finditer(masked)]
        for m in _RELATIVE_YEAR.finditer(text):
            first = m.group().split()[0]
            start = m.start() + len(first) + 1 if first.lower() in {"el", "del", "al"} else m.start()
            found.append(Found(ANIO, start, m.end(), text[start : m.end()]))
    if resolver is not None:
        taken = [(f.start, f.end) for f in lexicon]
        for start, end in resolver.name_spans(text):
            if any(start < e and s < end for s, e in taken):
                continue
            if fold(text[start:end]) in NOT_PLACE_WORDS:
                continue
            found.append(Found(LUGAR, start, end, text[start:end]))
    return sorted(found, key=lambda f: f.start)


# --------------------------------------------------------------------------- intent from the lexicons
_INQUIRY_WORDS = re.compile(
    r"\b(tramite|procedimiento|requisito|requisitos|solicitud|solicitar|solicitamos|queja|reclamo|problema|"
    r"auditoria|recursos|plata|dinero|sgp|pae|simat|apelar|ayuda|ayudar|orientacion|norma|decreto|ley|contrato|"
    r"radicar|caso|funcionario|asesor|ministerio|men|como hago|como hacemos|que hacemos|estrategia|estrategias|"
    r"programa|programas|guia|guias|material|curso|cursos|reducir|bajar|mejorar|prevenir)\b")
_SERIES = re.compile(r"\b(evolucion|tendencia|historico|serie|grafic\w*|comportamiento|como ha|ano a ano|"
                     r"ultimos \d+ anos|desde)\b")
_RANK = re.compile(r"\b(ranking|top|mayor(?:es)?|menor(?:es)?|mas alt[oa]s?|mas baj[oa]s?|peor(?:es)?|mejor(?:es)?)\b")
_COMPARE = re.compile(r"\b(vs|versus|frente a|compar\w*|diferencia|contra)\b")
_FOLLOW = re.compile(r"^(y|e|ahora|tambien|igual|lo mismo|que tal|q tal|perdon|no era|quise decir)\b")


def sounds_like_inquiry(text: str) -> bool:
    """Words of a procedure, money, a programme or a request to the Ministry: an inquiry, not a figure."""
    return bool(_INQUIRY_WORDS.search(fold(text or "")))


def lexicon_intent(text: str, found: list[Found]) -> str | None:
    """The indicator intent a message shows by its words alone, for a message the classifier could not
    place (``nlu_fallback``): "desercion en buenavista 2018" is a question for a figure, "y en 2019?" a
    follow-up, "Pasto" an answer. None when the words suggest an inquiry or nothing of an indicator."""
    norm = fold(text)
    words = norm.split()
    if not words or _INQUIRY_WORDS.search(norm):
        return None
    kinds = [f.entity for f in found]
    has_indicator = INDICADOR in kinds
    has_where_or_when = LUGAR in kinds or ANIO in kinds
    if has_indicator and has_where_or_when and len(words) <= 16:
        if _COMPARE.search(norm) or kinds.count(LUGAR) >= 2:
            return "comparar_indicador"
        if _RANK.search(norm):
            return "ranking_indicador"
        if _SERIES.search(norm):
            return "evolucion_indicador"
        return "consultar_indicador"
    if found and len(words) <= 8 and _FOLLOW.match(norm):
        return "ajustar_consulta_indicador"  # "y como estaba un año antes?"
    covered = sum(len(fold(f.text).split()) for f in found)
    if found and len(words) <= 6 and covered >= len(words) - 3:
        return "informar_dato_indicador"
    return None
