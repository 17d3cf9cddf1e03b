"""100 tickets created in parallel: 100 distinct codes, none lost; one key -> one ticket."""

import threading

import pytest
from sqlalchemy import func, select

from bot.db import session_factory, session_scope
from bot.tickets.models import Ticket
from bot.tickets.service import TicketService

from .conftest import NOW, FakeRouter, make_request


def _run_parallel(service: TicketService, keys: list[str]) -> list[str]:
    barrier = threading.Barrier(len(keys))
    codes: list[str | None] = [None] * len(keys)
    errors: list[BaseException] = []

    def work(i: int, key: str) -> None:
        try:
            barrier.wait(timeout=30)
            codes[i] = service.open_ticket(make_request(idempotency_key=key, conversation_id=f"c-{key}")).code
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i, k)) for i, k in enumerate(keys)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    return codes


def _count(url: str) -> int:
    with session_scope(url) as s:
        return s.execute(select(func.count(Ticket.id))).scalar_one()


def _check_hundred_distinct(url: str) -> None:
    service = TicketService(sessions=session_factory(url), router=FakeRouter(), clock=lambda: NOW)
    codes = _run_parallel(service, [f"key-{i}" for i in range(100)])
    assert len(set(codes)) == 100 and None not in codes
    assert _count(url) == 100
    numbers = sorted(int(c.split("-")[2]) for c in codes)
    assert numbers == list(range(1, 101))


def _check_same_key(url: str) -> None:
    service = TicketService(sessions=session_factory(url), router=FakeRouter(), clock=lambda: NOW)
    codes = _run_parallel(service, ["double-click"] * 20)
    assert len(set(codes)) == 1
    assert _count(url) == 1


def test_hundred_parallel_tickets_sqlite(db_url):
    _check_hundred_distinct(db_url)


def test_parallel_double_submit_sqlite(db_url):
    _check_same_key(db_url)


@pytest.mark.postgres
def test_hundred_parallel_tickets_postgres(pg_clean):
    _check_hundred_distinct(pg_clean)


@pytest.mark.postgres
def test_parallel_double_submit_postgres(pg_clean):
    _check_same_key(pg_clean)
