"""Retention: personal data of tickets closed more than N days ago are removed (anonymous rows stay)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.db import session_scope
from bot.tickets import repository as repo
from bot.tickets.models import utcnow


@dataclass(frozen=True)
class PurgeReport:
    cutoff: datetime
    codes: tuple[str, ...]
    dry_run: bool

    @property
    def count(self) -> int:
        return len(self.codes)


def purge_closed_tickets(
    *, database_url: str, retention_days: int, now: datetime | None = None, dry_run: bool = False
) -> PurgeReport:
    """Remove personal data of tickets whose status is ``cerrado`` since before ``now - retention_days``."""
    if retention_days < 0:
        raise ValueError("retention_days must be >= 0")
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days)
    with session_scope(database_url) as session:
        tickets = repo.closed_tickets_to_purge(session=session, closed_before=cutoff)
        codes = tuple(t.code for t in tickets)
        if not dry_run:
            from bot.agents.outbox import purge_ticket_notices  # agent replies waiting for the chat

            for ticket in tickets:
                purge_ticket_notices(session=session, ticket_id=ticket.id)
                repo.purge_personal_data(session=session, ticket=ticket, now=now)
    return PurgeReport(cutoff=cutoff, codes=codes, dry_run=dry_run)
