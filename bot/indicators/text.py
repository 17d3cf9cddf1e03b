"""Colombian number formatting.

Numbers are written the Colombian way: thousands with a dot, decimals with a comma
(``1.288.473``, ``93,85 %``). These helpers format data only; sentences live in the
Rasa domain responses.
"""

from __future__ import annotations


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
