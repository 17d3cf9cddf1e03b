"""Spanish text as secretaría staff really type it: the one place where text is normalised.

- :func:`fold` is the matching key for names and phrases: lower case, no accents, ``ñ`` -> ``n``
  (people type "Narino", "ano"), punctuation turned into spaces, single spaces
  (``"¿Bogotá, D.C.?"`` -> ``"bogota d c"``).
- :func:`normalize_token` / :func:`normalize` are the token-level normaliser of the NLU tokenizer
  (``nlu_components/tokenizer.py``): punctuation tokens kept and chat abbreviations expanded
  ("xq" -> "porque"). Its output is a feature of the trained model: changing it means retraining
  (``tests/unit/core/test_text.py`` pins it).
- :data:`STOPWORDS` (Spanish function words), :func:`stem` (Snowball) and :func:`stems` for the
  word-based matchers (case routing, priority phrases).
- :func:`title_es` writes an upper-case official place name the way a person does.

Nothing here is shown to the user as a sentence; sentences live in ``domain.yml``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

# Chat abbreviations seen in Colombian messaging ("q", "xq", "pq", "tb"...), token -> expansion.
ABBREVIATIONS: dict[str, str] = {
    "q": "que",
    "k": "que",
    "xq": "porque",
    "pq": "porque",
    "porq": "porque",
    "xfa": "por favor",
    "xfavor": "por favor",
    "porfa": "por favor",
    "pf": "por favor",
    "tb": "tambien",
    "tmb": "tambien",
    "tbn": "tambien",
    "d": "de",
    "dl": "del",
    "x": "por",
    "sr": "senor",
    "sra": "senora",
    "info": "informacion",
    "inf": "informacion",
    "grax": "gracias",
    "grs": "gracias",
    "msj": "mensaje",
    "cdo": "cuando",
    "qn": "quien",
    "hla": "hola",
    "ola": "hola",
    "bn": "bien",
    "mn": "ministerio",
    "secre": "secretaria",
}

# Spanish function words and greetings/courtesy words that say nothing about the topic, as
# :func:`fold` writes them.
STOPWORDS = frozenset(
    ["a", "al", "algo", "algun", "alguna", "algunas", "alguno", "algunos", "ante", "antes", "aqui", "asi", "aun", "bajo", "bien", "cada", "como", "con", "contra", "cual", "cuales", "cuando", "de", "del", "desde", "donde", "dos", "e", "el", "ella", "ellas", "ellos", "en", "entre", "era", "es", "esa", "esas", "ese", "eso", "esos", "esta", "estan", "estas", "este", "esto", "estos", "fue", "ha", "hace", "hay", "la", "las", "le", "les", "lo", "los", "mas", "me", "mi", "mis", "mucho", "muy", "nada", "ni", "no", "nos", "nuestra", "nuestras", "nuestro", "nuestros", "o", "otra", "otras", "otro", "otros", "para", "pero", "poco", "por", "porque", "que", "quien", "se", "sea", "ser", "si", "sin", "sino", "sobre", "son", "su", "sus", "tal", "tambien", "tan", "te", "tiene", "tienen", "todo", "todos", "tras", "tu", "tus", "u", "un", "una", "uno", "unos", "usted", "ustedes", "y", "ya", "yo", "hola", "buenas", "buenos", "dias", "tardes", "noches", "favor", "gracias", "necesito", "quiero", "queremos", "tenemos", "hemos"]
)

_TOKEN_RE = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_SPACES = re.compile(r"\s+")
_LOWER_PARTICLES = {"de", "del", "la", "las", "los", "el", "y", "e"}


def strip_accents(text: str) -> str:
    """Remove diacritics (á→a, ü→u, ñ→n); case and punctuation are kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str | None) -> str:
    """Matching key: lower case, no accents, ``ñ``→``n``, only letters and digits, single spaces."""
    return _NON_ALNUM.sub(" ", strip_accents((text or "").lower())).strip()


def normalize_token(token: str) -> str:
    """Normalise one NLU token: lower case, no accents, abbreviation expanded (punctuation kept)."""
    plain = strip_accents(token.lower())
    return ABBREVIATIONS.get(plain, plain)


def normalize(text: str | None) -> str:
    """A whole message as the NLU tokenizer sees it, tokens joined by spaces."""
    return " ".join(normalize_token(tok) for tok in _TOKEN_RE.findall(text or ""))


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("spanish")


@lru_cache(maxsize=20000)
def stem(word: str) -> str:
    """Snowball stem of a folded word (``traslados`` and ``traslado`` -> ``trasl``); numbers kept."""
    return word if word.isdigit() else _stemmer().stemWord(word)


def stems(text: str | None) -> list[str]:
    """The stems of the folded words of ``text``, stop words included."""
    return [stem(w) for w in fold(text).split()]


def title_es(text: str) -> str:
    """Title-case an upper-case Spanish place name (``SAN JOSÉ DE CÚCUTA`` -> ``San José de Cúcuta``)."""
    words = _SPACES.sub(" ", text.strip()).split(" ")
    out = []
    for i, word in enumerate(words):
        low = word.lower()
        if "." in word and len(word) <= 5:  # abbreviations such as D.C.
            out.append(word.upper())
        elif i > 0 and low in _LOWER_PARTICLES:
            out.append(low)
        else:
            out.append("-".join(part[:1].upper() + part[1:] for part in low.split("-")))
    return " ".join(out)
