"""Numbers, dates and times as Colombians write them (Babel, locale ``es_CO``), in Colombian time.

Formatting of data, not prose (sentences live in ``domain.yml``):

- numbers: thousands with a dot, decimals with a comma, trailing zeros dropped unless asked
  (``1.288.473``, ``93,85``, ``27``; with ``keep_zeros`` ``5,00``); changes with their sign (``+0,35``);
- dates: ``jueves 5 de marzo de 2026`` (or without the weekday);
- times: ``9:00 a. m.``, ``3:30 p. m.``, ``12:00 m.`` (noon as Colombians write it).

Datetimes are shown in America/Bogota time (UTC−5, no daylight saving); naive values are taken as UTC,
as they are stored. Rounding is Python's (the exact binary value, half to even), done before Babel
groups the digits, so every figure reads as it did before Babel.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_date
from babel.dates import format_time as _babel_time
from babel.numbers import format_decimal

LOCALE = "es_CO"
BOGOTA = ZoneInfo("America/Bogota")

_DATE_PATTERN = "d 'de' MMMM 'de' y"
_WEEKDAY_DATE_PATTERN = "EEEE " + _DATE_PATTERN


def format_number(value: float, decimals: int = 2, *, keep_zeros: bool = False) -> str:
    """``1288473`` -> ``1.288.473``; ``93.85`` -> ``93,85``; ``27.0`` -> ``27`` (``27,00`` with keep_zeros)."""
    rounded = Decimal(f"{value:.{decimals}f}")
    if rounded == 0:
        rounded = abs(rounded)  # no "-0"
    fraction = ("0" if keep_zeros else "#") * decimals
    pattern = "#,##0" + ("." + fraction if decimals else "")
    return format_decimal(rounded, format=pattern, locale=LOCALE, decimal_quantization=True)


def format_signed(value: float, decimals: int = 2) -> str:
    """A change with its sign: ``+0,35``, ``-1,2``, ``0``."""
    text = format_number(value, decimals)
    if text.startswith("-") or text == "0":
        return text
    return "+" + text


def to_bogota(value: datetime) -> datetime:
    """``value`` in Colombian time; naive values are taken as UTC (as stored)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(BOGOTA)


def format_date(value: date | datetime, *, weekday: bool = True) -> str:
    """``jueves 5 de marzo de 2026`` (a datetime is first converted to Colombian time)."""
    day = to_bogota(value).date() if isinstance(value, datetime) else value
    return _babel_date(day, _WEEKDAY_DATE_PATTERN if weekday else _DATE_PATTERN, locale=LOCALE)


def format_time(value: datetime) -> str:
    """``9:00 a. m.`` / ``3:30 p. m.`` / ``12:00 m.`` in Colombian time."""
    local = to_bogota(value)
    # CLDR's "b" day period is "m." exactly at noon; "a" is "a. m."/"p. m." (with a narrow no-break space).
    pattern = "h:mm b" if (local.hour, local.minute) == (12, 0) else "h:mm a"
    return _babel_time(local.time(), pattern, locale=LOCALE).replace("\u202f", " ").replace("\xa0", " ")


def format_datetime(value: datetime, *, weekday: bool = True) -> str:
    """``jueves 5 de marzo de 2026, 9:00 a. m.`` (hora de Colombia)."""
    return f"{format_date(value, weekday=weekday)}, {format_time(value)}"
