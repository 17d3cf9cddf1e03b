"""Text helpers: accent-insensitive normalisation and Colombian number formatting.

Numbers are written the Colombian way: thousands with a dot, decimals with a comma
(``1.288.473``, ``93,85 %``). These helpers format data only; sentences live in the
Rasa domain responses.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-zñ]+")
_LOWER_PARTICLES = {"de", "del", "la", "las", "los", "el", "y", "e"}


def strip_accents(text: str) -> str:
    """Remove diacritics but keep ``ñ`` (``Nariño`` stays ``nariño``, ``Bogotá`` -> ``bogota``)."""
    out = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.category(ch) == "Mn":
            if ch == "\u0303" and out and out[-1] in "nN":  # n + combining tilde = ñ
                out[-1] = "ñ" if out[-1] == "n" else "Ñ"
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def normalize(text: str) -> str:
    """Lower-case, accent-free, punctuation-free text with single spaces.

    ``ñ`` is folded to ``n`` too, since people often type ``Narino``.
    """
    text = strip_accents(text or "").lower().replace("ñ", "n")
    return _SPACES.sub(" ", _NON_WORD.sub(" ", text)).strip()


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


def _group_thousands(integer_digits: str) -> str:
    rev = integer_digits[::-1]
    groups = [rev[i : i + 3] for i in range(0, len(rev), 3)]
    return ".".join(groups)[::-1]


def format_number(value: float, decimals: int = 2, *, keep_zeros: bool = False) -> str:
    """``1288473`` -> ``1.288.473``; ``93.85`` -> ``93,85``; ``27.0`` -> ``27`` (unless keep_zeros)."""
    negative = value < 0
    text = f"{abs(value):.{decimals}f}"
    integer, _, frac = text.partition(".")
    if frac and not keep_zeros:
        frac = frac.rstrip("0")
    out = _group_thousands(integer) + ("," + frac if frac else "")
    return ("-" if negative and out.strip("0,.") else "") + out


def format_signed(value: float, decimals: int = 2) -> str:
    """A change with its sign: ``+0,35``, ``-1,2``, ``0``."""
    text = format_number(value, decimals)
    if text.startswith("-") or text == "0":
        return text
    return "+" + text
