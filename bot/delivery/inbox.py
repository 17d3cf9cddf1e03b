"""The store of incoming WhatsApp/Telegram messages (``channel_inbox``): written before the webhook
is acknowledged, processed from here, so a crash of Rasa or of the action server loses nothing.

- :meth:`MessageStore.store` inserts (channel, external id) once: a re-delivered WhatsApp message or
  Telegram update (same ``update_id``) is not stored twice (``False``).
- :meth:`MessageStore.claim_due` leases the due rows, oldest first (conditional UPDATE: one
  process wins a row); :meth:`done` marks one processed and blanks its text; :meth:`retry` puts it
  back with back-off (``fallido`` after ``max_attempts``, logged; the text stays for an operator).
- :meth:`last_received_at`: when a person last wrote on a channel (WhatsApp's 24-hour window).
- :meth:`purge`: processed rows older than two days are deleted (by the sender worker).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.db import session_scope
from bot.delivery.models import ChannelInbox
from bot.tickets.models import utcnow

logger = logging.getLogger(__name__)

LEASE_SECONDS = 120


class MessageStore:
    def __init__(self, *, database_url: str, clock: Callable[[], datetime] = utcnow,
                 max_attempts: int = 50, backoff_seconds: float = 5.0, backoff_max_seconds: float = 300.0) -> None:
        self.database_url = database_url
        self.clock = clock
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.backoff_max_seconds = backoff_max_seconds

    def store(self, *, channel: str, external_id: str, sender: str, payload: dict[str, Any]) -> bool:
        """True when stored now; False when this message was stored before (a re-delivery)."""
        now = self.clock()
        try:
            with session_scope(self.database_url) as session:
                session.add(ChannelInbox(
                    channel=channel, external_id=str(external_id)[:128], sender=str(sender)[:255],
                    payload=json.dumps(payload, ensure_ascii=False), status="pendiente", attempts=0,
                    next_attempt_at=now, received_at=now,
                ))
        except IntegrityError:
            return False
        return True

    def claim_due(self, channel: str, limit: int = 20) -> list[tuple[int, str, dict]]:
        now = self.clock()
        due = or_(
            and_(ChannelInbox.status == "pendiente", ChannelInbox.next_attempt_at <= now),
            and_(ChannelInbox.status == "procesando", ChannelInbox.lease_until < now),
        )
        claimed: list[tuple[int, str, dict]] = []
        with session_scope(self.database_url) as session:
            ids = list(session.execute(
                select(ChannelInbox.id).where(ChannelInbox.channel == channel, due)
                .order_by(ChannelInbox.received_at, ChannelInbox.id).limit(limit)
            ).scalars())
            for row_id in ids:
                won = session.execute(
                    update(ChannelInbox).where(ChannelInbox.id == row_id, due)
                    .values(status="procesando", lease_until=now + timedelta(seconds=LEASE_SECONDS),
                            attempts=ChannelInbox.attempts + 1)
                    .execution_options(synchronize_session=False)
                ).rowcount
                if won == 1:
                    row = session.get(ChannelInbox, row_id)
                    claimed.append((row_id, row.sender, json.loads(row.payload or "{}")))
        return claimed

    def done(self, row_id: int) -> None:
        with session_scope(self.database_url) as session:
            row = session.get(ChannelInbox, row_id)
            row.status, row.processed_at, row.payload, row.lease_until = "procesado", self.clock(), None, None

    def retry(self, row_id: int, error: str) -> str:
        now = self.clock()
        with session_scope(self.database_url) as session:
            row = session.get(ChannelInbox, row_id)
            row.lease_until = None
            row.last_error = error[:255]
            if row.attempts >= self.max_attempts:
                row.status = "fallido"
                logger.error("Mensaje entrante %s #%s sin procesar tras %s intentos: %s",
                             row.channel, row_id, row.attempts, error)
            else:
                row.status = "pendiente"
                delay = min(self.backoff_seconds * 2 ** max(row.attempts - 1, 0), self.backoff_max_seconds)
                row.next_attempt_at = now + timedelta(seconds=delay)
            return row.status

    def purge(self, *, keep: timedelta = timedelta(days=2)) -> int:
        """Delete processed rows older than ``keep`` (the 24-hour window needs only the last day)."""
        from sqlalchemy import delete

        with session_scope(self.database_url) as session:
            return session.execute(
                delete(ChannelInbox).where(ChannelInbox.status == "procesado",
                                           ChannelInbox.received_at < self.clock() - keep)
                .execution_options(synchronize_session=False)
            ).rowcount

    def last_received_at(self, channel: str, sender: str) -> datetime | None:
        with session_scope(self.database_url) as session:
            return session.execute(
                select(func.max(ChannelInbox.received_at))
                .where(ChannelInbox.channel == channel, ChannelInbox.sender == sender)
            ).scalar_one_or_none()
