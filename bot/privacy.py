"""Personal data under Ley 1581 de 2012: automatic closing, retention, export and deletion on request.

- :func:`autoclose_resolved`: a ticket ``resuelto`` for more than ``TICKET_AUTOCLOSE_DAYS`` days
  (default 15) moves to ``cerrado`` (logged as a status change by ``sistema``).
- :func:`run_privacy_job` (run by the web app every ``PRIVACY_JOB_MINUTES``, or once by
  ``python -m bot datos tarea`` from cron): closes resolved tickets, removes the personal data of
  tickets closed more than ``TICKET_RETENTION_DAYS`` ago (:mod:`bot.tickets.retention`), deletes
  their conversations from Rasa's tracker store once no ticket with personal data uses them, and
  deletes every conversation idle for longer than the retention period (a form left half-way
  holds personal data too).
- :func:`export_person` / :func:`delete_person`: ``python -m bot datos exportar|borrar --email X | --caso CODE``.

Rasa's tracker store is its SQL table ``events`` (``sender_id``, ``timestamp``, ``data`` …) at
``TRACKER_STORE_URL`` (see :func:`bot.settings.tracker_store_url`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, delete, func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from bot.db import get_engine, session_scope
from bot.tickets import repository as repo
from bot.tickets.models import Ticket, TicketEvent, utcnow
from bot.tickets.workflow import TicketStatus

logger = logging.getLogger(__name__)

_tracker_meta = MetaData()
EVENTS = Table(
    "events", _tracker_meta,
    Column("id", Integer, primary_key=True), Column("sender_id", String(255)), Column("type_name", String(255)),
    Column("timestamp", Float), Column("intent_name", String(255)), Column("action_name", String(255)),
    Column("data", Text),
)


@dataclass
class PrivacyReport:
    closed: list[str] = field(default_factory=list)
    purged: list[str] = field(default_factory=list)
    conversations_deleted: int = 0


# ----------------------------------------------------------------------------- tracker store
def _tracker_missing(exc: Exception) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "no such table" in text or "does not exist" in text


def tracker_events(tracker_url: str, conversation_ids: Iterable[str]) -> dict[str, list[dict]]:
    ids = sorted({c for c in conversation_ids if c})
    if not ids:
        return {}
    try:
        with get_engine(tracker_url).connect() as conn:
            rows = conn.execute(
                select(EVENTS.c.sender_id, EVENTS.c.data).where(EVENTS.c.sender_id.in_(ids)).order_by(EVENTS.c.id)
            ).all()
    except (OperationalError, ProgrammingError) as exc:
        if _tracker_missing(exc):
            return {}
        raise
    found: dict[str, list[dict]] = {}
    for sender, data in rows:
        try:
            found.setdefault(sender, []).append(json.loads(data) if data else {})
        except ValueError:
            found.setdefault(sender, []).append({"data": data})
    return found


def delete_conversations(tracker_url: str, conversation_ids: Iterable[str]) -> int:
    """Delete every tracker event of these conversations; returns how many conversations had events."""
    ids = sorted({c for c in conversation_ids if c})
    if not ids:
        return 0
    try:
        with get_engine(tracker_url).begin() as conn:
            present = conn.execute(
                select(func.count(func.distinct(EVENTS.c.sender_id))).where(EVENTS.c.sender_id.in_(ids))
            ).scalar_one()
            conn.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(ids)))
            return int(present)
    except (OperationalError, ProgrammingError) as exc:
        if _tracker_missing(exc):
            return 0
        raise


def delete_idle_conversations(tracker_url: str, idle_before: datetime) -> int:
    """Delete the conversations whose last event is older than ``idle_before``."""
    try:
        with get_engine(tracker_url).begin() as conn:
            idle = select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id).having(
                func.max(EVENTS.c.timestamp) < idle_before.timestamp()
            )
            senders = list(conn.execute(idle).scalars())
            for start in range(0, len(senders), 500):
                conn.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(senders[start:start + 500])))
            return len(senders)
    except (OperationalError, ProgrammingError) as exc:
        if _tracker_missing(exc):
            return 0
        raise


# ----------------------------------------------------------------------------- scheduled job
def autoclose_resolved(*, database_url: str, after_days: int, now: datetime | None = None) -> list[str]:
    """Close the tickets resolved more than ``after_days`` days ago; returns their codes."""
    now = now or utcnow()
    cutoff = now - timedelta(days=after_days)
    closed = []
    with session_scope(database_url) as session:
        stmt = select(Ticket).where(Ticket.status == TicketStatus.RESUELTO.value, Ticket.resolved_at < cutoff,
                                    Ticket.personal_data_removed_at.is_(None)).order_by(Ticket.id)
        for ticket in session.execute(stmt).scalars():
            repo.change_status(session=session, ticket=ticket, to=TicketStatus.CERRADO, actor_type="sistema",
                               note="Cierre automático tras la resolución", now=now)
            closed.append(ticket.code)
    return closed


def _conversations_still_needed(database_url: str, conversation_ids: set[str]) -> set[str]:
    if not conversation_ids:
        return set()
    with session_scope(database_url) as session:
        stmt = select(Ticket.conversation_id).where(
            Ticket.conversation_id.in_(sorted(conversation_ids)), Ticket.personal_data_removed_at.is_(None)
        )
        return set(session.execute(stmt).scalars())


def run_privacy_job(settings, *, now: datetime | None = None) -> PrivacyReport:
    from bot.tickets.retention import purge_closed_tickets

    now = now or utcnow()
    report = PrivacyReport()
    report.closed = autoclose_resolved(database_url=settings.database_url, after_days=settings.ticket_autoclose_days,
                                       now=now)
    with session_scope(settings.database_url) as session:
        cutoff = now - timedelta(days=settings.ticket_retention_days)
        due = repo.closed_tickets_to_purge(session=session, closed_before=cutoff)
        conversations = {t.conversation_id for t in due if t.conversation_id}
    purged = purge_closed_tickets(database_url=settings.database_url, retention_days=settings.ticket_retention_days,
                                  now=now)
    report.purged = list(purged.codes)
    free = conversations - _conversations_still_needed(settings.database_url, conversations)
    report.conversations_deleted = delete_conversations(settings.tracker_store_url, free)
    report.conversations_deleted += delete_idle_conversations(
        settings.tracker_store_url, now - timedelta(days=settings.ticket_retention_days)
    )
    if report.closed or report.purged or report.conversations_deleted:
        logger.info("Privacy job: %d closed, %d purged, %d conversations deleted",
                    len(report.closed), len(report.purged), report.conversations_deleted)
    return report


# ----------------------------------------------------------------------------- requests of a person
def _tickets_of(session, *, email: str | None, code: str | None) -> list[Ticket]:
    if code:
        stmt = select(Ticket).where(Ticket.code == code.strip().upper())
    elif email:
        stmt = select(Ticket).where(func.lower(Ticket.requester_email) == email.strip().lower())
    else:
        raise ValueError("email or code required")
    return list(session.execute(stmt.order_by(Ticket.id)).scalars())


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_person(*, database_url: str, tracker_url: str, email: str | None = None, code: str | None = None) -> dict:
    """Everything kept about the person: their tickets (with the event log) and their conversations."""
    with session_scope(database_url) as session:
        tickets = _tickets_of(session, email=email, code=code)
        out = []
        for t in tickets:
            events = session.execute(select(TicketEvent).where(TicketEvent.ticket_id == t.id).order_by(TicketEvent.id))
            out.append({
                "codigo": t.code, "estado": t.status, "area": t.area_code, "creado": _iso(t.created_at),
                "nombre": t.requester_name, "cargo": t.requester_cargo, "email": t.requester_email,
                "telefono": t.requester_phone, "etc": t.etc_name, "canal": t.channel,
                "conversacion": t.conversation_id, "descripcion": t.description, "transcripcion": t.transcript,
                "consentimiento": {"fecha": _iso(t.consent_given_at), "politica": t.consent_policy_url,
                                   "version": t.consent_policy_version},
                "datos_borrados": _iso(t.personal_data_removed_at),
                "historial": [{"fecha": _iso(e.created_at), "tipo": e.kind, "actor": e.actor_type, "texto": e.body}
                              for e in events.scalars()],
            })
    conversations = tracker_events(tracker_url, [t["conversacion"] for t in out])
    return {"solicitud": {"email": email, "caso": code}, "generado": _iso(utcnow()), "casos": out,
            "conversaciones": conversations}


def delete_person(*, database_url: str, tracker_url: str, email: str | None = None, code: str | None = None,
                  now: datetime | None = None) -> dict:
    """Remove the person's personal data: tickets closed and purged, notices cancelled, event
    subscriptions and conversations deleted."""
    from bot.agents.outbox import purge_ticket_notices

    now = now or utcnow()
    codes, conversations = [], set()
    with session_scope(database_url) as session:
        for ticket in _tickets_of(session, email=email, code=code):
            if ticket.conversation_id:
                conversations.add(ticket.conversation_id)
            if ticket.personal_data_removed_at is not None:
                continue
            if ticket.status != TicketStatus.CERRADO.value:  # a deletion request ends the case
                previous = ticket.status
                ticket.status, ticket.closed_at, ticket.updated_at = TicketStatus.CERRADO.value, now, now
                repo.add_event(session=session, ticket=ticket, kind=repo.EventKind.CAMBIO_ESTADO, actor_type="sistema",
                               from_status=previous, to_status=TicketStatus.CERRADO.value, at=now)
            purge_ticket_notices(session=session, ticket_id=ticket.id)
            repo.purge_personal_data(session=session, ticket=ticket, now=now)
            codes.append(ticket.code)
        if conversations:  # their subscriptions to event notices hold the conversation id (a phone on WhatsApp)
            from bot.encuentros.models import EventSubscription

            session.execute(delete(EventSubscription).where(EventSubscription.conversation_id.in_(sorted(conversations)))
                            .execution_options(synchronize_session=False))
    deleted = delete_conversations(tracker_url, conversations)
    return {"casos": codes, "conversaciones_borradas": deleted}
