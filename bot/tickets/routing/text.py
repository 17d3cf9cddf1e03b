"""Text normalisation shared by the keyword rules and the classifier."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9ñ]+")

STOPWORDS = frozenset(
    """a al algo algun alguna algunas alguno algunos ante antes asi aun bien cada como con contra cual
    cuando de del desde donde dos el ella ellas ellos en entre era es esa esas ese eso esos esta estan
    estas este esto estos fue ha hace hay la las le les lo los mas me mi mis muy nos o otra otro para
    pero por porque que se sea ser si sin sobre son su sus tambien tiene todo tras un una uno unos y ya
    yo usted ustedes nuestra nuestro nuestras nuestros buenas buenos dias tardes hola favor gracias
    necesito quiero queremos tenemos hemos""".split()  # noqa: SIM905
)


def fold(text: str) -> str:
    """Lowercase without accents (ñ kept), only letters and digits separated by single spaces."""
    lowered = unicodedata.normalize("NFD", text.lower())
    no_marks = "".join(ch for ch in lowered if unicodedata.category(ch) != "Mn" or ch == "\u0303")
    no_marks = unicodedata.normalize("NFC", no_marks).replace("n\u0303", "ñ").replace("\u0303", "")
    return _NON_ALNUM.sub(" ", no_marks).strip()


def stem(token: str) -> str:
    """A very light Spanish plural stripper: ``traslados`` -> ``traslado``, ``sedes`` -> ``sede``."""
    if len(token) >= 5 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def tokens(text: str) -> list[str]:
    return [stem(t) for t in fold(text).split()]


def content_tokens(text: str) -> list[str]:
    return [t for t in tokens(text) if t not in STOPWORDS and len(t) > 1]
