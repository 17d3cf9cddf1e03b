"""What the channels report about a notice, recorded on its row (``ticket_outbox`` or ``event_notices``).

Called by the output channels in the Rasa process (``channels/``) and by the web app:

- :func:`record_sent`: the channel sent the message uttered with ``aviso=<token>`` (WhatsApp: with
  its message id, to match the status webhooks later).
- :func:`record_channel_failure`: the channel could not send it: retried with back-off, ``fallido``
  after the last attempt.
- :func:`record_status`: a WhatsApp status webhook (``delivered``, ``read``, ``failed``) for a
  message id; states only move forward.
- :func:`record_ack`: the web chat showed the message (``POST /api/avisos/acuse``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.delivery.core import OUT_OF_WINDOW, DeliveryConfig, mark_sent, retry_or_fail
from bot.tickets.models import utcnow

logger = logging.getLogger(__name__)

WHATSAPP_OUT_OF_WINDOW_CODES = {131047}
_ORDER = {"enviando": 0, "pendiente": 0, "fallido": 0, "enviado": 1, "entregado": 2, "leido": 3}


def _models():
    from bot.agents.models import TicketOutbox
    from bot.delivery.models import EventNotice

    return (TicketOutbox, EventNotice)


def _hooks(row):
    from bot.agents import outbox

    if row.__tablename__ == "ticket_outbox":
        return outbox.on_delivered, outbox.on_failed
    return (lambda *_: None), (lambda *_: None)


def _by_token(session: Session, token: str):
    for model in _models():
        row = session.execute(select(model).where(model.token == token)).scalar_one_or_none()
        if row is not None:
            return row
    return None


class Receipts:
    def __init__(self, *, database_url: str, clock: Callable[[], datetime] = utcnow,
                 config: DeliveryConfig | None = None) -> None:
        self.database_url = database_url
        self.clock = clock
        self.config = config or DeliveryConfig()

    def record_sent(self, token: str, message_id: str | None = None) -> bool:
        if not token:
            return False
        now = self.clock()
        with session_scope(self.database_url) as session:
            row = _by_token(session, token)
            if row is None or row.status == "cancelado" or row.uttered_at is None:
                return False
            mark_sent(row, now, message_id=message_id)
            return True

    def record_channel_failure(self, token: str, error: str) -> str | None:
        if not token:
            return None
        now = self.clock()
        with session_scope(self.database_url) as session:
            row = _by_token(session, token)
            if row is None or row.status in ("cancelado", "entregado", "leido"):
                return None
            _, on_failed = _hooks(row)
            if row.status == "fallido":
                row.uttered_at = None
                return "fallido"
            return retry_or_fail(session, row, error, now, self.config, on_failed)

    def record_ack(self, token: str) -> bool:
        """The web chat showed the message: ``entregado`` (the text leaves the outbox)."""
        if not token:
            return False
        now = self.clock()
        with session_scope(self.database_url) as session:
            row = _by_token(session, token)
            if row is None or row.uttered_at is None or row.status not in ("enviando", "enviado"):
                return False
            self._delivered(session, row, now)
            return True

    def record_status(self, message_id: str, status: str, *, error_code: int | None = None,
                      error_title: str = "") -> bool:
        """A WhatsApp status webhook: ``sent`` | ``delivered`` | ``read`` | ``failed``."""
        if not message_id:
            return False
        now = self.clock()
        with session_scope(self.database_url) as session:
            found = False
            for model in _models():
                for row in session.execute(select(model).where(model.channel_message_id == message_id)).scalars():
                    found = True
                    self._apply_status(session, row, status, error_code, error_title, now)
            return found

    def _apply_status(self, session: Session, row, status: str, code: int | None, title: str, now: datetime) -> None:
        if row.status == "cancelado":
            return
        if status == "failed":
            if code in WHATSAPP_OUT_OF_WINDOW_CODES:  # outside the 24-hour window: a template next time
                row.status, row.uttered_at, row.lease_until = "pendiente", None, None
                row.last_error, row.next_attempt_at = OUT_OF_WINDOW, now
                return
            _, on_failed = _hooks(row)
            retry_or_fail(session, row, f"whatsapp_{code or 'error'}", now, self.config, on_failed)
            return
        target = {"delivered": "entregado", "read": "leido"}.get(status)
        if target is None or _ORDER.get(row.status, 0) >= _ORDER[target]:
            return
        if target == "leido":
            row.read_at = now
        self._delivered(session, row, now, status=target)

    @staticmethod
    def _delivered(session: Session, row, now: datetime, status: str = "entregado") -> None:
        first = row.status not in ("entregado", "leido")
        row.status = status
        row.lease_until = None
        if row.delivered_at is None:
            row.delivered_at = now
        if hasattr(row, "body") and row.uttered_at is not None:
            row.body = None  # the person has the text; the ticket's event log keeps it
        if first and row.uttered_at is not None:
            on_delivered, _ = _hooks(row)
            on_delivered(session, row, now)
