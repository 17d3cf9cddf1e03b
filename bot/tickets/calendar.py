"""Business days in Colombia: Monday to Friday, without national holidays.

The holidays (Ley 51 de 1983, "ley Emiliani": some on their date, others moved to the next Monday,
the Easter-based ones counted from Easter Sunday) come from the maintained ``holidays`` package.
Colombia has no daylight saving: local time is UTC-5 all year.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

import holidays

from bot.formatting import BOGOTA, to_bogota


@lru_cache(maxsize=64)
def colombian_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("CO", years=year))


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
    local_day = to_bogota(created_at).date()
    last_day = add_business_days(local_day, business_days)
    return datetime.combine(last_day, time(23, 59, 59), tzinfo=BOGOTA).astimezone(timezone.utc)
