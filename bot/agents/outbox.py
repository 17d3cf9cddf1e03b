"""Delivery of agents' notices to the requester's conversation (transactional outbox).

1. An agent's reply, request for information or resolution is stored in ``ticket_outbox`` in the
   same transaction as the ticket's event (nothing is lost if anything later fails).
2. :class:`OutboxDispatcher` (``bot.delivery.core.Dispatcher``) leases due rows (``pendiente`` ->
   ``enviando``, conditional UPDATE) and calls Rasa:
   ``POST {rasa_url}/conversations/{conversation_id}/trigger_intent?output_channel=<ticket channel>``
   with the intent ``respuesta_caso`` and the entity ``entrega`` = the row's random token.
   A WhatsApp user who has not written for 24 hours gets the approved template instead
   (``WHATSAPP_TEMPLATE_RESPUESTA``, parameter: the case code); the text waits for their next message.
3. In the Rasa conversation ``action_entregar_aviso`` takes the notice with that token at most once
   (:meth:`NoticeInbox.take_by_token`, ``uttered_at``) and utters it with ``aviso=<token>``. The
   output channel records ``enviado`` (WhatsApp: with the message id), the web chat acknowledges
   (``entregado``), WhatsApp status webhooks say ``entregado``/``leido`` (``bot.delivery.receipts``).
4. Unreachable Rasa or a channel error: back to ``pendiente`` with a growing delay
   (``DELIVERY_BACKOFF_*``), ``fallido`` after ``DELIVERY_MAX_ATTEMPTS`` — logged as the ticket event
   ``aviso_fallido``, shown in the console and the metrics. A web-chat reply not acknowledged within
   ``DELIVERY_WEBCHAT_ACK_SECONDS`` (tab closed) is announced by e-mail to the case's address.
5. The person still gets every notice they have not seen in their own conversation: a new session
   (``action_session_start``), asking for the case, or :meth:`NoticeInbox.take_for_conversation`.

The text is blanked from the outbox once the channel reports it delivered (or sent, on channels
that report nothing more); the ticket's event log keeps it and the retention command redacts it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from bot.agents.models import TicketOutbox
from bot.agents.security import new_token
from bot.db import session_scope
from bot.delivery.core import (
    LEASE_SECONDS,
    RECEIPT_CHANNELS,
    TOKEN_ENTITY,
    TRIGGER_INTENT,
    DeliveryConfig,
    DeliveryError,
    DeliveryReport,
    Dispatcher,
    RasaNotifier,
    inband_condition,
    retry_or_fail,
)
from bot.tickets import repository as tickets_repo
from bot.tickets.models import Ticket, utcnow

logger = logging.getLogger(__name__)

__all__ = [
    "AVISO_ENTREGADO", "AVISO_FALLIDO", "TOKEN_ENTITY", "TRIGGER_INTENT", "DeliveryError", "DeliveryReport",
    "Notice", "NoticeInbox", "OutboxDispatcher", "RasaNotifier", "backoff", "enqueue", "purge_ticket_notices",
]

BACKOFF_BASE_SECONDS = 15
BACKOFF_MAX_SECONDS = 600
AVISO_ENTREGADO = "aviso_entregado"  # event kind logged when the channel reports it delivered (actor: sistema)
AVISO_FALLIDO = "aviso_fallido"  # event kind logged when the attempts are exhausted (actor: sistema)
AVISO_CORREO = "aviso_correo"  # event kind logged when the e-mail fallback was sent


@dataclass(frozen=True)
class Notice:
    """What the Rasa action needs to tell the requester."""

    outbox_id: int
    ticket_code: str
    kind: str  # respuesta | solicitud_informacion | resuelto
    body: str | None
    token: str = ""


def enqueue(
    *, session: Session, ticket: Ticket, kind: str, body: str | None, event_id: int | None, now: datetime
) -> TicketOutbox | None:
    """Store a notice for the ticket's conversation (``None`` when the ticket has no conversation)."""
    if not ticket.conversation_id:
        return None
    row = TicketOutbox(
        ticket_id=ticket.id, event_id=event_id, kind=kind, token=new_token(), conversation_id=ticket.conversation_id,
        channel=ticket.channel, body=body, status="pendiente", attempts=0, next_attempt_at=now, created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def backoff(attempts: int) -> timedelta:
    """The default back-off (``DELIVERY_BACKOFF_SECONDS`` 15 s doubling, at most 600 s)."""
    return DeliveryConfig(backoff_seconds=BACKOFF_BASE_SECONDS, backoff_max_seconds=BACKOFF_MAX_SECONDS).backoff(attempts)


def purge_ticket_notices(*, session: Session, ticket_id: int) -> int:
    """Cancel the undelivered notices of a ticket and blank the text and conversation of all its notices.

    For the retention command of the tickets feature (before the personal data of a closed ticket
    are removed): returns how many undelivered notices were cancelled."""
    cancelled = session.execute(
        update(TicketOutbox)
        .where(TicketOutbox.ticket_id == ticket_id,
               or_(TicketOutbox.status.in_(("pendiente", "enviando", "fallido")),
                   and_(TicketOutbox.status == "enviado", TicketOutbox.channel.in_(RECEIPT_CHANNELS),
                        TicketOutbox.delivered_at.is_(None))))
        .values(status="cancelado")
        .execution_options(synchronize_session=False)
    ).rowcount
    session.execute(
        update(TicketOutbox).where(TicketOutbox.ticket_id == ticket_id).values(body=None, conversation_id="")
        .execution_options(synchronize_session=False)
    )
    return cancelled


# ----------------------------------------------------------------------------- hooks (bot.delivery.receipts)
def on_delivered(session: Session, row: TicketOutbox, now: datetime) -> None:
    ticket = session.get(Ticket, row.ticket_id)
    tickets_repo.add_event(
        session=session, ticket=ticket, kind=AVISO_ENTREGADO, actor_type="sistema", actor_id=row.channel or "canal",
        data={"tipo": row.kind, "aviso": row.id}, at=now,
    )


def on_failed(session: Session, row: TicketOutbox, now: datetime) -> None:
    """The agent and the coordinator see it: ticket event (history, console) and the metrics."""
    ticket = session.get(Ticket, row.ticket_id)
    tickets_repo.add_event(
        session=session, ticket=ticket, kind=AVISO_FALLIDO, actor_type="sistema", actor_id=row.channel or "canal",
        data={"tipo": row.kind, "aviso": row.id, "intentos": row.attempts, "motivo": row.last_error}, at=now,
    )


# ----------------------------------------------------------------------------- dispatcher
class OutboxDispatcher(Dispatcher):
    """Sends due agent notices; e-mails the case's address when the web chat did not acknowledge."""

    model = TicketOutbox

    def on_failed(self, session: Session, row, now: datetime) -> None:
        on_failed(session, row, now)

    def template_for(self, session: Session, row) -> tuple[str, list[str]] | None:
        name = self.whatsapp.config.reply_template if self.whatsapp is not None else ""
        if not name:
            return None
        return name, [session.get(Ticket, row.ticket_id).code]

    def follow_up(self, report: DeliveryReport) -> None:
        now = self.clock()
        waited = now - timedelta(seconds=self.config.ack_seconds)
        with session_scope(self.database_url) as session:
            ids = list(session.execute(
                select(TicketOutbox.id).where(
                    TicketOutbox.channel == "socketio", TicketOutbox.status == "enviado",
                    TicketOutbox.fallback.is_(None), TicketOutbox.sent_at <= waited,
                    TicketOutbox.next_attempt_at <= now,
                ).order_by(TicketOutbox.id).limit(50)
            ).scalars())
        for row_id in ids:
            self._email(row_id, report)

    def _email(self, row_id: int, report: DeliveryReport) -> None:
        from bot.delivery.fallbacks import FallbackError

        now = self.clock()
        with session_scope(self.database_url) as session:
            won = session.execute(
                update(TicketOutbox)
                .where(TicketOutbox.id == row_id, TicketOutbox.fallback.is_(None), TicketOutbox.status == "enviado")
                .values(fallback="correo", fallback_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if won != 1:
                return
            row = session.get(TicketOutbox, row_id)
            ticket = session.get(Ticket, row.ticket_id)
            address, code = ticket.requester_email, ticket.code
            if not address or self.mailer is None:
                row.fallback = "sin_correo"
                row.last_error = "sin_correo" if not address else "smtp_no_configurado"
                report.fallbacks[row_id] = "sin_correo"
                return
        error = None
        try:
            self.mailer.reply_waiting(to=address, code=code)
        except FallbackError as exc:
            error = str(exc)
        except Exception as exc:  # never leave the row claimed without an e-mail
            logger.exception("Correo del aviso %s: error inesperado", row_id)
            error = f"correo: {type(exc).__name__}"
        with session_scope(self.database_url) as session:
            row = session.get(TicketOutbox, row_id)
            if error is None:
                row.sent_at, row.last_error = self.clock(), None
                tickets_repo.add_event(
                    session=session, ticket=session.get(Ticket, row.ticket_id), kind=AVISO_CORREO,
                    actor_type="sistema", actor_id="correo", data={"tipo": row.kind, "aviso": row.id}, at=self.clock(),
                )
                report.fallbacks[row_id] = "correo"
                return
            row.fallback, row.fallback_at = None, None
            row.attempts += 1
            logger.warning("Correo del aviso %s no enviado: %s", row_id, error)
            if row.attempts >= self.config.max_attempts:
                row.status = "enviando"  # retry_or_fail moves it from here
                retry_or_fail(session, row, error, self.clock(), self.config, self.on_failed)
                report.failed.append(row_id)
            else:
                row.last_error = error[:255]
                row.next_attempt_at = self.clock() + self.config.backoff(row.attempts)
            report.errors[row_id] = error


# ----------------------------------------------------------------------------- the Rasa side
class NoticeInbox:
    """The Rasa side: take the notices of a conversation (each one uttered at most once per attempt)."""

    def __init__(self, *, database_url: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.database_url = database_url
        self.clock = clock

    def take_by_token(self, *, token: str, conversation_id: str) -> Notice | None:
        """The notice sent with ``trigger_intent``; ``None`` if unknown, already given to the channel
        or for another conversation (a user typing the intent by hand gets nothing)."""
        if not token or not conversation_id:
            return None
        with session_scope(self.database_url) as session:
            row = session.execute(select(TicketOutbox).where(TicketOutbox.token == token)).scalar_one_or_none()
            if row is None or row.conversation_id != conversation_id:
                return None
            return self._take(session, row, via="rasa")

    def take_for_conversation(self, *, conversation_id: str, limit: int = 5) -> list[Notice]:
        """Every notice of the conversation the person has not been given, oldest first (in-band)."""
        if not conversation_id:
            return []
        with session_scope(self.database_url) as session:
            rows = session.execute(
                select(TicketOutbox)
                .where(TicketOutbox.conversation_id == conversation_id, inband_condition(TicketOutbox))
                .order_by(TicketOutbox.created_at, TicketOutbox.id)
                .limit(limit)
            ).scalars().all()
            notices = [self._take(session, row, via="conversacion") for row in rows]
            return [n for n in notices if n is not None]

    def _take(self, session: Session, row: TicketOutbox, *, via: str) -> Notice | None:
        body, kind, outbox_id, ticket_id, token = row.body, row.kind, row.id, row.ticket_id, row.token
        now = self.clock()
        values = {"uttered_at": now, "delivered_via": via}
        if row.status in ("pendiente", "fallido"):
            values.update(status="enviando", lease_until=now + timedelta(seconds=LEASE_SECONDS))
        won = session.execute(
            update(TicketOutbox)
            .where(TicketOutbox.id == outbox_id, inband_condition(TicketOutbox),
                   and_(TicketOutbox.status == row.status))
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won != 1:
            return None
        ticket = session.get(Ticket, ticket_id)
        return Notice(outbox_id=outbox_id, ticket_code=ticket.code, kind=kind, body=body, token=token)
