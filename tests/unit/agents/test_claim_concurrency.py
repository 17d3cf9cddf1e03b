"""Atomic claim: agents claiming one ticket at the same moment -> exactly one wins (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from bot.agents.desk import AgentDesk
from bot.agents.permissions import Conflict, Principal, Role
from bot.db import session_scope
from bot.tickets.models import Ticket, TicketEvent

from .conftest import PASSWORD, make_ticket

CLAIMANTS = 6
ROUNDS = 10


def _agents(accounts, n: int) -> list[Principal]:
    people = []
    for i in range(n):
        info = accounts.create_agent(email=f"a{i}@mineducacion.gov.co", name=f"Agente {i}", role="agente",
                                     password=PASSWORD, areas=["DFGT-SRH"])
        people.append(Principal(id=info.id, email=info.email, name=info.name, role=Role.AGENTE,
                                areas=frozenset(info.areas)))
    return people


def _race(desk: AgentDesk, code: str, people: list[Principal]) -> tuple[list[int], list[BaseException]]:
    barrier = threading.Barrier(len(people))
    winners: list[int] = []
    errors: list[BaseException] = []

    def claim(p: Principal) -> None:
        barrier.wait(timeout=30)
        try:
            desk.claim(p, code)
            winners.append(p.id)
        except Conflict:
            pass
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion
            errors.append(exc)

    threads = [threading.Thread(target=claim, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return winners, errors


def _check_exactly_one_wins(url: str, accounts) -> None:
    people = _agents(accounts, CLAIMANTS)
    desk = AgentDesk(database_url=url)
    for round_ in range(ROUNDS):
        code = make_ticket(url, key=f"race-{round_}")
        winners, errors = _race(desk, code, people)
        assert errors == []
        assert len(winners) == 1, winners
        with session_scope(url) as session:
            ticket = session.execute(select(Ticket).where(Ticket.code == code)).scalar_one()
            assert ticket.assigned_agent_id == winners[0] and ticket.status == "asignado"
            claims = session.execute(
                select(func.count(TicketEvent.id)).where(TicketEvent.ticket_id == ticket.id,
                                                         TicketEvent.kind == "asignacion")
            ).scalar_one()
            assert claims == 1


def test_concurrent_claim_sqlite(db_url, hasher) -> None:
    from bot.agents.accounts import AgentAccounts

    _check_exactly_one_wins(db_url, AgentAccounts(database_url=db_url, hasher=hasher))


@pytest.mark.postgres
def test_concurrent_claim_postgres(pg_clean, hasher) -> None:
    from bot.agents.accounts import AgentAccounts

    _check_exactly_one_wins(pg_clean, AgentAccounts(database_url=pg_clean, hasher=hasher))
