"""Case codes: ``MEN-2026-000123-K7QX``.

``MEN-<year>-<6-digit number>`` is the readable part (agents can say "caso 123 de 2026"). The
number comes from a per-year counter, so it tells roughly how many cases exist and a neighbour's
number is easy to guess. The 4-character suffix is drawn with :mod:`secrets` from Crockford's
base-32 alphabet (no I, L, O, U: nothing to confuse when read aloud or over WhatsApp): about one
million possibilities per number, so a guessed number alone never reaches someone else's case.
Looking a case up from another conversation also needs the e-mail on file (see ``service``).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

PREFIX = "MEN"
SUFFIX_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SUFFIX_LENGTH = 4
NUMBER_DIGITS = 6

# Crockford decoding: the letters people confuse with digits map to the digit.
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEP = r"[\s\-_.:/#]*"
_CODE_RE = re.compile(
    rf"\bMEN{_SEP}(?P<year>\d{{4}}){_SEP}(?P<number>\d{{1,{NUMBER_DIGITS}}})"
    rf"(?:{_SEP}(?P<suffix>[0-9A-Za-z]{{{SUFFIX_LENGTH}}}))?(?![0-9A-Za-z])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CaseCode:
    year: int
    number: int
    suffix: str | None = None

    @property
    def base(self) -> str:
        return f"{PREFIX}-{self.year:04d}-{self.number:0{NUMBER_DIGITS}d}"

    @property
    def complete(self) -> bool:
        return self.suffix is not None

    def __str__(self) -> str:
        return f"{self.base}-{self.suffix}" if self.suffix else self.base


def new_suffix() -> str:
    return "".join(secrets.choice(SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))


def format_code(*, year: int, number: int, suffix: str) -> str:
    return str(CaseCode(year=year, number=number, suffix=suffix))


def _normalise_suffix(raw: str | None) -> str | None:
    if raw is None:
        return None
    suffix = raw.upper().translate(_CONFUSABLE)
    return suffix if all(c in SUFFIX_ALPHABET for c in suffix) else None


def parse_code(text: str | None) -> CaseCode | None:
    """Find a case code in free text ("como va mi caso men 2026-123 k7qx?"), tolerant of spacing,
    lowercase and Crockford look-alikes. A missing or malformed suffix gives ``suffix=None``."""
    if not text:
        return None
    match = _CODE_RE.search(text)
    if not match:
        return None
    number = int(match.group("number"))
    if number <= 0:
        return None
    return CaseCode(year=int(match.group("year")), number=number, suffix=_normalise_suffix(match.group("suffix")))
