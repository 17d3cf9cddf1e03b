"""Dates and times in Colombian Spanish, in Colombian time (America/Bogota, UTC−5, no DST).

Formatting of data, not prose: ``jueves 5 de marzo de 2026`` and ``9:00 a. m.``.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from bot.dates_es import MONTHS, WEEKDAYS

BOGOTA = ZoneInfo("America/Bogota")



def to_bogota(value: datetime) -> datetime:
    """``value`` in Colombian time; naive values are taken as UTC (as stored)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(BOGOTA)


def format_date(value: date | datetime, *, weekday: bool = True) -> str:
    """``jueves 5 de marzo de 2026`` (a datetime is first converted to Colombian time)."""
    day = to_bogota(value).date() if isinstance(value, datetime) else value
    text = f"{day.day} de {MONTHS[day.month - 1]} de {day.year}"
    return f"{WEEKDAYS[day.weekday()]} {text}" if weekday else text


def format_time(value: datetime) -> str:
    """``9:00 a. m.`` / ``3:30 p. m.`` / ``12:00 m.`` in Colombian time."""
    local = to_bogota(value)
    if local.hour == 12 and local.minute == 0:
        return "12:00 m."
    hour = local.hour % 12 or 12
    suffix = "a. m." if local.hour < 12 else "p. m."
    return f"{hour}:{local.minute:02d} {suffix}"


def format_datetime(value: datetime) -> str:
    """``jueves 5 de marzo de 2026, 9:00 a. m.`` (hora de Colombia)."""
    return f"{format_date(value)}, {format_time(value)}"
