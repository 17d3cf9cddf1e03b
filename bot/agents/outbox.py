"""Delivery of agents' notices to the requester's conversation (transactional outbox).

1. An agent's reply, request for information or resolution is stored in ``ticket_outbox`` in the
   same transaction as the ticket's event (nothing is lost if anything later fails).
2. :class:`OutboxDispatcher` claims due rows (``pendiente`` -> ``enviando`` with a lease, by a
   conditional UPDATE) and calls Rasa:
   ``POST {rasa_url}/conversations/{conversation_id}/trigger_intent?output_channel=<ticket channel>``
   with the intent ``respuesta_caso`` and the entity ``entrega`` = the row's random token.
3. In the Rasa conversation the action ``action_entregar_aviso`` reads the notice with that token
   (:meth:`NoticeInbox.take_by_token`), checks the conversation, utters the domain response
   ("Respuesta del MEN a su caso MEN-…: …") and marks the row ``entregado`` — that mark, not the
   HTTP status, is the proof of delivery. A row still ``enviando`` after a 200 goes back to
   ``pendiente``.
4. When Rasa is unreachable (connection error, timeout, 5xx) the row stays ``pendiente`` with a
   growing delay. It is delivered by whichever comes first: the dispatcher's next round (the web
   app runs one every ``AGENT_DELIVERY_RETRY_SECONDS``; ``python -m bot agentes entregar`` runs one
   from cron), or the user's own conversation — a new session (``action_session_start``), asking
   for the case, or any action that calls :meth:`NoticeInbox.take_for_conversation`.

Each notice is uttered at most once: every path marks it ``entregado`` with a conditional UPDATE
and only the winner utters. The text is blanked from the outbox once delivered (the ticket's
event log keeps it, and the retention command redacts it there).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.agents.models import TicketOutbox
from bot.agents.security import new_token
from bot.db import session_scope
from bot.tickets import repository as tickets_repo
from bot.tickets.models import Ticket, utcnow

logger = logging.getLogger(__name__)

TRIGGER_INTENT = "respuesta_caso"
TOKEN_ENTITY = "entrega"
LEASE_SECONDS = 60
BACKOFF_BASE_SECONDS = 15
BACKOFF_MAX_SECONDS = 600
AVISO_ENTREGADO = "aviso_entregado"  # event kind logged on delivery (actor: sistema)


class DeliveryError(RuntimeError):
    """Rasa did not take the notice (unreachable, timeout, error status)."""


@dataclass(frozen=True)
class Notice:
    """What the Rasa action needs to tell the requester."""

    outbox_id: int
    ticket_code: str
    kind: str  # respuesta | solicitud_informacion | resuelto
    body: str | None


@dataclass
class DeliveryReport:
    delivered: list[int] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)


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
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


def purge_ticket_notices(*, session: Session, ticket_id: int) -> int:
    """Cancel the undelivered notices of a ticket and blank the text and conversation of all its notices.

    For the retention command of the tickets feature (before the personal data of a closed ticket
    are removed): returns how many undelivered notices were cancelled."""
    cancelled = session.execute(
        update(TicketOutbox)
        .where(TicketOutbox.ticket_id == ticket_id, TicketOutbox.status.in_(("pendiente", "enviando")))
        .values(status="cancelado")
        .execution_options(synchronize_session=False)
    ).rowcount
    session.execute(
        update(TicketOutbox).where(TicketOutbox.ticket_id == ticket_id).values(body=None, conversation_id="")
        .execution_options(synchronize_session=False)
    )
    return cancelled


class RasaNotifier:
    """Calls Rasa's ``trigger_intent`` endpoint with a timeout (``requests``)."""

    def __init__(self, *, rasa_url: str, token: str = "", timeout: float = 10.0, session=None) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._session = session

    def trigger(self, *, conversation_id: str, channel: str | None, notice_token: str) -> dict:
        import requests

        http = self._session or requests
        params = {"output_channel": channel or "latest"}
        if self.token:
            params["token"] = self.token
        url = f"{self.rasa_url}/conversations/{quote(conversation_id, safe='')}/trigger_intent"
        body = {"name": TRIGGER_INTENT, "entities": {TOKEN_ENTITY: notice_token}}
        try:
            response = http.post(url, params=params, json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            raise DeliveryError(f"sin_conexion: {type(exc).__name__}") from exc
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"http_{response.status_code}")
        try:
            return response.json()
        except ValueError:
            return {}


class OutboxDispatcher:
    """Sends due notices through a notifier; safe to run from several processes at once."""

    def __init__(self, *, database_url: str, notifier: RasaNotifier, clock: Callable[[], datetime] = utcnow) -> None:
        self.database_url = database_url
        self.notifier = notifier
        self.clock = clock

    def due_ids(self, limit: int = 50, only: list[int] | None = None) -> list[int]:
        now = self.clock()
        stmt = (
            select(TicketOutbox.id)
            .where(
                or_(
                    (TicketOutbox.status == "pendiente") & (TicketOutbox.next_attempt_at <= now),
                    (TicketOutbox.status == "enviando") & (TicketOutbox.lease_until < now),
                )
            )
            .order_by(TicketOutbox.next_attempt_at, TicketOutbox.id)
            .limit(limit)
        )
        if only is not None:
            stmt = stmt.where(TicketOutbox.id.in_(only))
        with session_scope(self.database_url) as session:
            return list(session.execute(stmt).scalars())

    def deliver_due(self, limit: int = 50, only: list[int] | None = None) -> DeliveryReport:
        report = DeliveryReport()
        for outbox_id in self.due_ids(limit, only):
            self._deliver_one(outbox_id, report)
        return report

    def _lease(self, outbox_id: int) -> TicketOutbox | None:
        now = self.clock()
        with session_scope(self.database_url) as session:
            won = session.execute(
                update(TicketOutbox)
                .where(
                    TicketOutbox.id == outbox_id,
                    or_(
                        (TicketOutbox.status == "pendiente") & (TicketOutbox.next_attempt_at <= now),
                        (TicketOutbox.status == "enviando") & (TicketOutbox.lease_until < now),
                    ),
                )
                .values(status="enviando", lease_until=now + timedelta(seconds=LEASE_SECONDS),
                        attempts=TicketOutbox.attempts + 1)
                .execution_options(synchronize_session=False)
            ).rowcount
            if won != 1:
                return None
            return session.get(TicketOutbox, outbox_id)

    def _deliver_one(self, outbox_id: int, report: DeliveryReport) -> None:
        row = self._lease(outbox_id)
        if row is None:  # another process took it
            return
        try:
            self.notifier.trigger(conversation_id=row.conversation_id, channel=row.channel, notice_token=row.token)
            error = None
        except DeliveryError as exc:
            error = str(exc)
        with session_scope(self.database_url) as session:
            current = session.get(TicketOutbox, outbox_id)
            if current.status == "entregado":
                report.delivered.append(outbox_id)
                return
            if error is None:
                error = "rasa_no_ejecuto_la_accion"
            if current.status == "enviando":
                current.status = "pendiente"
                current.lease_until = None
                current.last_error = error[:255]
                current.next_attempt_at = self.clock() + backoff(current.attempts)
            logger.warning("Aviso %s no entregado: %s", outbox_id, error)
            report.pending.append(outbox_id)
            report.errors[outbox_id] = error


class NoticeInbox:
    """The Rasa side: take the notices of a conversation and mark them delivered (at most once)."""

    def __init__(self, *, database_url: str | None = None, clock: Callable[[], datetime] = utcnow) -> None:
        self._database_url = database_url
        self.clock = clock

    @property
    def database_url(self) -> str:
        if self._database_url is None:
            from bot.settings import get_settings

            self._database_url = get_settings().database_url
        return self._database_url

    def take_by_token(self, *, token: str, conversation_id: str) -> Notice | None:
        """The notice sent with ``trigger_intent``; ``None`` if unknown, already delivered or for
        another conversation (a user typing the intent by hand gets nothing)."""
        if not token or not conversation_id:
            return None
        with session_scope(self.database_url) as session:
            row = session.execute(select(TicketOutbox).where(TicketOutbox.token == token)).scalar_one_or_none()
            if row is None or row.conversation_id != conversation_id:
                return None
            return self._take(session, row, via="rasa")

    def take_for_conversation(self, *, conversation_id: str, limit: int = 5) -> list[Notice]:
        """Every undelivered notice of the conversation, oldest first (delivery in-band)."""
        if not conversation_id:
            return []
        with session_scope(self.database_url) as session:
            rows = session.execute(
                select(TicketOutbox)
                .where(TicketOutbox.conversation_id == conversation_id,
                       TicketOutbox.status.in_(("pendiente", "enviando")))
                .order_by(TicketOutbox.created_at, TicketOutbox.id)
                .limit(limit)
            ).scalars().all()
            notices = [self._take(session, row, via="conversacion") for row in rows]
            return [n for n in notices if n is not None]

    def _take(self, session: Session, row: TicketOutbox, *, via: str) -> Notice | None:
        body, kind, outbox_id, ticket_id = row.body, row.kind, row.id, row.ticket_id
        now = self.clock()
        won = session.execute(
            update(TicketOutbox)
            .where(TicketOutbox.id == outbox_id, TicketOutbox.status.in_(("pendiente", "enviando")))
            .values(status="entregado", body=None, delivered_at=now, delivered_via=via, lease_until=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won != 1:
            return None
        ticket = session.get(Ticket, ticket_id)
        tickets_repo.add_event(
            session=session, ticket=ticket, kind=AVISO_ENTREGADO, actor_type="sistema", actor_id=via,
            data={"tipo": kind, "aviso": outbox_id}, at=now,
        )
        return Notice(outbox_id=outbox_id, ticket_code=ticket.code, kind=kind, body=body)
