"""Business days in Colombia (Monday to Friday, without national holidays) and Spanish dates.

Holidays follow Ley 51 de 1983 ("ley Emiliani"): some fall on their date, others move to the next
Monday, and the Easter-based ones are counted from Easter Sunday. Colombia has no daylight saving:
local time is UTC-5 all year.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

from bot.dates_es import MONTHS as _MONTHS
from bot.dates_es import WEEKDAYS as _WEEKDAYS

BOGOTA = timezone(timedelta(hours=-5), "America/Bogota")

_FIXED = ((1, 1), (5, 1), (7, 20), (8, 7), (12, 8), (12, 25))
_MOVED_TO_MONDAY = ((1, 6), (3, 19), (6, 29), (8, 15), (10, 12), (11, 1), (11, 11))
# Offsets from Easter Sunday: Jueves y Viernes Santo on their day; Ascensión, Corpus Christi and
# Sagrado Corazón already land on a Monday with these offsets.
_EASTER_OFFSETS = (-3, -2, 43, 64, 71)



def easter_sunday(year: int) -> date:
    """Anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def _next_monday(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7)


@lru_cache(maxsize=64)
def colombian_holidays(year: int) -> frozenset[date]:
    days = {date(year, m, d) for m, d in _FIXED}
    days |= {_next_monday(date(year, m, d)) for m, d in _MOVED_TO_MONDAY}
    easter = easter_sunday(year)
    days |= {easter + timedelta(days=n) for n in _EASTER_OFFSETS}
    return frozenset(days)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in colombian_holidays(day.year)


def add_business_days(start: date, days: int) -> date:
    """The ``days``-th business day after ``start`` (``start`` itself is not counted)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current


def due_at(created_at: datetime, business_days: int) -> datetime:
    """End of the local (Bogotá) day that is ``business_days`` business days after creation, in UTC."""
    local_day = created_at.astimezone(BOGOTA).date()
    last_day = add_business_days(local_day, business_days)
    return datetime.combine(last_day, time(23, 59, 59), tzinfo=BOGOTA).astimezone(timezone.utc)


def format_date_es(moment: datetime | date) -> str:
    """``martes 8 de diciembre de 2026`` (local Bogotá date for datetimes)."""
    day = moment.astimezone(BOGOTA).date() if isinstance(moment, datetime) else moment
    return f"{_WEEKDAYS[day.weekday()]} {day.day} de {_MONTHS[day.month - 1]} de {day.year}"


def format_datetime_es(moment: datetime) -> str:
    """``8 de diciembre de 2026, 3:05 p. m.`` in Bogotá time."""
    local = moment.astimezone(BOGOTA)
    hour = local.hour % 12 or 12
    suffix = "a. m." if local.hour < 12 else "p. m."
    return f"{local.day} de {_MONTHS[local.month - 1]} de {local.year}, {hour}:{local.minute:02d} {suffix}"
