"""Keyset pages of the queue (issue 15): walking the ``next`` cursors gives exactly the listing of one
big page, in every order, with the filters that change the urgency ranges and with searches (sorted
instead of read as ranges), on SQLite and on PostgreSQL (where NULLs sort differently); the default
order is overdue first, then priority, then due date, then id; a cursor of another order or a forged
one is refused."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.agents.desk import SORT_COLUMNS, AgentDesk, QueueFilters
from bot.agents.permissions import Invalid
from bot.db import session_scope
from bot.tickets.models import PRIORITIES, Ticket
from bot.tickets.workflow import OPEN_STATUSES, TicketStatus

from .conftest import NOW, Clock, build_team, make_ticket

ALL = tuple(s.value for s in TicketStatus)
OPEN = {s.value for s in OPEN_STATUSES}


def fill_queue(url: str, desk: AgentDesk, team) -> None:
    """24 cases: three priorities, overdue or not, ties on the due date (same creation and SLA),
    three claimed, two resolved, four without ETC."""
    codes = [make_ticket(url, priority=PRIORITIES[i % 3], created=NOW - timedelta(days=(i % 4) * 9, hours=i % 3),
                         sla_days=5 if i % 2 else 10, key=f"q{i}") for i in range(24)]
    for code in codes[:3]:
        desk.claim(team["ana"], code)
    for code in codes[3:5]:
        desk.claim(team["ana"], code)
        desk.resolve(team["ana"], code, "Listo.")
    with session_scope(url) as session:
        session.execute(update(Ticket).where(Ticket.code.in_(codes[5:9])).values(etc_name=None))


def walk(desk: AgentDesk, who, filters: QueueFilters, size: int) -> tuple[list[str], set[int]]:
    codes, totals, after = [], set(), None
    for _ in range(100):
        page = desk.queue(who, replace(filters, limit=size, after=after))
        codes += [i.code for i in page.items]
        totals.add(page.total)
        if page.next is None:
            return codes, totals
        assert len(page.items) == size
        after = page.next
    raise AssertionError("the cursors never end")


def urgency_order(url: str, statuses: tuple[str, ...]) -> list[str]:
    with session_scope(url) as session:
        rows = session.execute(select(Ticket.code, Ticket.status, Ticket.priority, Ticket.due_at, Ticket.id)
                               .where(Ticket.status.in_(statuses))).all()
    key = lambda r: (0 if r.status in OPEN and r.due_at < NOW else 1, PRIORITIES.index(r.priority), r.due_at, r.id)  # noqa: E731
    return [r.code for r in sorted(rows, key=key)]


CASES = [
    QueueFilters(),
    QueueFilters(statuses=ALL),
    QueueFilters(priorities=("alta", "baja")),
    QueueFilters(overdue_only=True),
    QueueFilters(statuses=("resuelto",)),
    QueueFilters(assignment="sin_asignar", statuses=ALL),
    # searches: the urgency order sorted over the matches (not read as index ranges)
    QueueFilters(text="planta docente", statuses=ALL),
    QueueFilters(email="marta.perez@", priorities=("media",)),
    *(QueueFilters(sort=sort, descending=desc, statuses=ALL) for sort in SORT_COLUMNS for desc in (False, True)),
]


def check_pages(url: str, desk: AgentDesk, team) -> None:
    who = team["coord"]
    for filters in CASES:
        whole = desk.queue(who, replace(filters, limit=200))
        expected = [i.code for i in whole.items]
        assert whole.next is None and whole.total == len(expected)
        for size in (1, 5, 7):
            codes, totals = walk(desk, who, filters, size)
            assert codes == expected, (filters, size)
            assert totals == {whole.total}
        by_offset = [i.code for n in range(0, len(expected), 5)
                     for i in desk.queue(who, replace(filters, limit=5, offset=n)).items]
        assert by_offset == expected, filters
        # past the end the total still comes (counted on its own); without count there is none
        beyond = desk.queue(who, replace(filters, offset=len(expected) + 3))
        assert beyond.items == [] and beyond.total == whole.total and beyond.next is None
        uncounted = desk.queue(who, replace(filters, limit=3, count=False))
        assert uncounted.total is None and [i.code for i in uncounted.items] == expected[:3]
    assert [i.code for i in desk.queue(who, QueueFilters(limit=200)).items] == urgency_order(url, tuple(OPEN))
    assert [i.code for i in desk.queue(who, QueueFilters(statuses=ALL, limit=200)).items] == urgency_order(url, ALL)
    assert walk(desk, who, QueueFilters(text="planta", statuses=ALL), 4)[0] == urgency_order(url, ALL)
    # a cursor of the index ranges continues a search and the other way round (same keys)
    ranges = desk.queue(who, QueueFilters(statuses=ALL, limit=6))
    search = desk.queue(who, QueueFilters(text="planta", statuses=ALL, limit=6, after=ranges.next))
    assert [i.code for i in search.items] == urgency_order(url, ALL)[6:12]
    back = desk.queue(who, QueueFilters(statuses=ALL, limit=6, after=search.next))
    assert [i.code for i in back.items] == urgency_order(url, ALL)[12:18]
    # cases without ETC come first in ascending order on every engine
    by_etc = desk.queue(who, QueueFilters(sort="etc", statuses=ALL, limit=200)).items
    assert [i.etc_name for i in by_etc[:4]] == [None] * 4 and None not in [i.etc_name for i in by_etc[4:]]


def test_cursor_pages_match_one_big_page(db_url, desk, team) -> None:
    fill_queue(db_url, desk, team)
    check_pages(db_url, desk, team)


@pytest.mark.postgres
def test_cursor_pages_match_one_big_page_on_postgres(pg_clean, hasher) -> None:
    clock = Clock()
    team = build_team(pg_clean, hasher, clock)
    desk = AgentDesk(database_url=pg_clean, clock=clock)
    fill_queue(pg_clean, desk, team)
    check_pages(pg_clean, desk, team)


def test_a_cursor_belongs_to_its_order(db_url, desk, team) -> None:
    fill_queue(db_url, desk, team)
    coord = team["coord"]
    page = desk.queue(coord, QueueFilters(limit=3))
    by_code = desk.queue(coord, QueueFilters(sort="codigo", limit=3))
    assert desk.queue(coord, QueueFilters(limit=3, after=page.next)).items
    for filters in (QueueFilters(sort="codigo", after=page.next), QueueFilters(after=by_code.next),
                    QueueFilters(sort="codigo", descending=True, after=by_code.next)):
        with pytest.raises(Invalid):
            desk.queue(coord, filters)

    def forged(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    naive = {"t": "2026-03-02T10:00:00"}
    for sort, cursor in (("", "%%%"), ("", "bm8"),
                         ("", forged({"o": "", "d": False, "k": [0, 1, naive], "i": 1})),
                         ("", forged({"o": "", "d": False, "k": [2, 1, {"t": "2026-03-02T10:00:00+00:00"}], "i": 1})),
                         ("codigo", forged({"o": "codigo", "d": False, "k": ["2026", 1], "i": 1})),
                         ("", forged({"o": "otra", "d": False, "k": [], "i": 1}))):
        with pytest.raises(Invalid):
            desk.queue(coord, QueueFilters(sort=sort, after=cursor))
