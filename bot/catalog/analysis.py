"""Spanish text analysis for the catalog search: normalise, drop stop words, fold plurals, stem.

``deserción``, ``Desercion`` and ``DESERCIONES`` all become ``desercion``; ``escolares`` and
``escolar`` both become ``escol``. Plurals are folded *before* the Snowball stemmer because
Snowball is inconsistent on unaccented input ("escolares" → "escolar" but "escolar" → "escol").
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

from bot.text import STOPWORDS, normalize


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that only frame a request ("quiero ver guías sobre..."): dropped from a query when
# something else is left.
QUERY_FILLER = _word_set(
    """
    busco buscar buscando necesito necesitamos quiero queremos quisiera gustaria ver encontrar
    informacion info material materiales recurso recursos tema temas favor puede podria dar
    muestreme muestrame mostrar ensename ayuda ayudar hola tienen hay algo acerca respecto
    """
)

_WORD_RE = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("spanish")


def fold_plural(word: str) -> str:
    """Singular of an unaccented Spanish word, good enough for matching."""
    if len(word) <= 3:
        return word
    if word.endswith("ciones"):
        return word[:-2]
    if word.endswith("ces") and len(word) > 4:
        return word[:-3] + "z"
    if word.endswith("es") and len(word) > 4 and word[-3] in "lrndjz":
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@lru_cache(maxsize=20000)
def stem(word: str) -> str:
    """Stem of an unaccented lower-case word."""
    if word.isdigit():
        return word
    return _stemmer().stemWord(fold_plural(word))


def words(text: str) -> list[str]:
    """Normalised words (lower case, no accents, chat abbreviations expanded), stop words kept."""
    return _WORD_RE.findall(normalize(text))


def content_words(text: str) -> list[str]:
    """Normalised words without stop words."""
    return [w for w in words(text) if w not in STOPWORDS]


def query_words(text: str) -> list[str]:
    """Content words of a query, without the framing words when something else is left."""
    kept = content_words(text)
    core = [w for w in kept if w not in QUERY_FILLER]
    return core or kept


def analyze(text: str) -> list[str]:
    """Stems of the content words of ``text`` (used for documents)."""
    return [stem(w) for w in content_words(text)]


_DISPLAY_WORD_RE = re.compile(r"[\w'-]+", re.UNICODE)


def display_query(text: str) -> str:
    """The topic of a request, for showing it back: "busco material sobre deserción escolar" →
    "deserción escolar" (leading framing and function words dropped, the user's spelling kept)."""
    tokens = _DISPLAY_WORD_RE.findall(text or "")
    start = 0
    while (
        start < len(tokens)
        and words(tokens[start])
        and all(w in STOPWORDS or w in QUERY_FILLER for w in words(tokens[start]))
    ):
        start += 1
    return " ".join(tokens[start:]) or " ".join(tokens)
