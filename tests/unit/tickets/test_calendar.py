from datetime import date, datetime, timezone

import pytest

from bot.formatting import format_date, format_datetime
from bot.tickets.calendar import add_business_days, colombian_holidays, due_at, is_business_day


@pytest.mark.parametrize(
    ("year", "days"),
    [
        (2025, [(1, 1), (1, 6), (3, 24), (4, 17), (4, 18), (5, 1), (6, 2), (6, 23), (6, 30), (7, 20), (8, 7),
                (8, 18), (10, 13), (11, 3), (11, 17), (12, 8), (12, 25)]),
        (2027, [(1, 1), (1, 11), (3, 22), (3, 25), (3, 26), (5, 1), (5, 10), (5, 31), (6, 7), (7, 5), (7, 20),
                (8, 7), (8, 16), (10, 18), (11, 1), (11, 15), (12, 8), (12, 25)]),
    ],
)  # fmt: skip
def test_colombian_holidays_are_those_of_ley_51_de_1983(year, days):
    """The dates the hand-written Emiliani/Easter rules gave before the ``holidays`` package replaced them."""
    assert colombian_holidays(year) == {date(year, m, d) for m, d in days}


def test_colombian_holidays_2026_include_moved_and_easter_based_days():
    holidays = colombian_holidays(2026)
    expected = {
        date(2026, 1, 1), date(2026, 1, 12), date(2026, 3, 23), date(2026, 4, 2), date(2026, 4, 3),
        date(2026, 5, 1), date(2026, 5, 18), date(2026, 6, 8), date(2026, 6, 15), date(2026, 6, 29),
        date(2026, 7, 20), date(2026, 8, 7), date(2026, 8, 17), date(2026, 10, 12), date(2026, 11, 2),
        date(2026, 11, 16), date(2026, 12, 8), date(2026, 12, 25),
    }  # fmt: skip
    assert holidays == expected


def test_business_days_skip_weekends_and_holidays():
    assert not is_business_day(date(2026, 3, 21))  # sábado
    assert not is_business_day(date(2026, 3, 23))  # San José, lunes festivo
    # viernes 20 de marzo + 1 día hábil: salta sábado, domingo y el lunes festivo
    assert add_business_days(date(2026, 3, 20), 1) == date(2026, 3, 24)
    # Semana Santa 2026: jueves 2 y viernes 3 de abril
    assert add_business_days(date(2026, 3, 30), 5) == date(2026, 4, 8)


def test_due_at_is_the_end_of_the_local_day_in_utc():
    created = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)  # lunes 10:00 en Bogotá
    assert due_at(created, 10) == datetime(2026, 3, 17, 4, 59, 59, tzinfo=timezone.utc)


def test_local_date_is_used_near_midnight():
    late = datetime(2026, 3, 3, 3, 0, tzinfo=timezone.utc)  # lunes 2 de marzo, 10 p. m. en Bogotá
    assert format_date(late) == "lunes 2 de marzo de 2026"


def test_spanish_formats():
    assert format_date(date(2026, 12, 8)) == "martes 8 de diciembre de 2026"
    assert format_datetime(datetime(2026, 12, 8, 20, 5, tzinfo=timezone.utc), weekday=False) == (
        "8 de diciembre de 2026, 3:05 p. m."
    )
