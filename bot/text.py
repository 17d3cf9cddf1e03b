"""Normalisation of Spanish text as secretaría staff really type it.

Lower-case, accents removed (``ñ`` becomes ``n``: people type "ano" for "año"), and the
chat abbreviations of :data:`ABBREVIATIONS` expanded token by token.
"""

from __future__ import annotations

import re
import unicodedata

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

_TOKEN_RE = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def strip_accents(text: str) -> str:
    """Remove diacritics (á→a, ü→u, ñ→n)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_token(token: str) -> str:
    """Normalise one token: lower case, no accents, abbreviation expanded."""
    plain = strip_accents(token.lower())
    return ABBREVIATIONS.get(plain, plain)


def normalize(text: str) -> str:
    """Normalise a whole message (used for matching, never shown to the user)."""
    return " ".join(normalize_token(tok) for tok in _TOKEN_RE.findall(text or ""))
