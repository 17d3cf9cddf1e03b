"""Database functions for tickets: keyword-only, the session passed explicitly, no commit inside
(the caller's ``session_scope`` commits)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.formatting import BOGOTA
from bot.tickets.codes import format_code, new_suffix
from bot.tickets.models import Ticket, TicketCounter, TicketEvent, utcnow
from bot.tickets.workflow import OPEN_STATUSES, TicketStatus, check_transition, reopen_target


class EventKind:
    """Values of ``ticket_events.kind`` (the agents add theirs in the same style: :class:`bot.agents.desk.AgentEventKind`)."""

    CREADO = "creado"
    CAMBIO_ESTADO = "cambio_estado"
    RESPUESTA_AGENTE = "respuesta_agente"  # visible to the requester
    SOLICITUD_INFORMACION = "solicitud_informacion"  # visible to the requester
    MENSAJE_USUARIO = "mensaje_usuario"
    NOTA_INTERNA = "nota_interna"
    CONSULTA_ESTADO = "consulta_estado"
    DATOS_DEPURADOS = "datos_depurados"


# Event data that never holds personal data and survives the retention command.
ANONYMOUS_EVENT_KINDS = frozenset({EventKind.CREADO, EventKind.CAMBIO_ESTADO, EventKind.DATOS_DEPURADOS})


class TicketPurged(RuntimeError):
    """The personal data of this closed ticket were removed: it cannot be reopened."""


@dataclass(frozen=True)
class TicketDraft:
    idempotency_key: str
    area_code: str
    priority: str
    sla_business_days: int
    due_at: datetime
    needs_triage: bool
    routing_confidence: float
    routing_method: str
    routing_candidates: list
    requester_name: str
    requester_cargo: str
    requester_email: str
    requester_phone: str | None
    etc_code: str
    etc_name: str
    consent_given_at: datetime
    consent_policy_url: str | None
    consent_policy_version: str | None
    channel: str | None
    conversation_id: str | None
    description: str
    transcript: list
    created_at: datetime
    escalation_reason: str | None = None


def _insert_for(session: Session):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"unsupported database: {dialect}")
    return insert


def allocate_number(*, session: Session, year: int) -> int:
    """Next case number of ``year``. The UPDATE locks the year's counter row until the caller's
    transaction ends, so concurrent creations are serialised and never share a number."""
    insert = _insert_for(session)
    session.execute(
        insert(TicketCounter).values(year=year, last_number=0).on_conflict_do_nothing(index_elements=["year"])
    )
    session.execute(
        update(TicketCounter)
        .where(TicketCounter.year == year)
        .values(last_number=TicketCounter.last_number + 1)
        .execution_options(synchronize_session=False)
    )
    return session.execute(select(TicketCounter.last_number).where(TicketCounter.year == year)).scalar_one()


def get_ticket_by_key(*, session: Session, idempotency_key: str) -> Ticket | None:
    return session.execute(select(Ticket).where(Ticket.idempotency_key == idempotency_key)).scalar_one_or_none()


def get_ticket_by_code(*, session: Session, code: str) -> Ticket | None:
    return session.execute(select(Ticket).where(Ticket.code == code)).scalar_one_or_none()


def get_ticket_by_number(*, session: Session, year: int, number: int) -> Ticket | None:
    stmt = select(Ticket).where(Ticket.code_year == year, Ticket.code_number == number)
    return session.execute(stmt).scalar_one_or_none()


def list_conversation_tickets(*, session: Session, conversation_id: str, limit: int = 5) -> list[Ticket]:
    """The latest tickets opened from one conversation, open ones first."""
    stmt = (
        select(Ticket)
        .where(Ticket.conversation_id == conversation_id)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(limit)
    )
    tickets = list(session.execute(stmt).scalars())
    return sorted(tickets, key=lambda t: TicketStatus(t.status) not in OPEN_STATUSES)


def add_event(
    *,
    session: Session,
    ticket: Ticket,
    kind: str,
    actor_type: str,
    actor_id: str | None = None,
    body: str | None = None,
    data: dict | None = None,
    visible_to_requester: bool = False,
    from_status: str | None = None,
    to_status: str | None = None,
    at: datetime | None = None,
) -> TicketEvent:
    event = TicketEvent(
        ticket_id=ticket.id,
        created_at=at or utcnow(),
        kind=kind,
        actor_type=actor_type,
        actor_id=actor_id,
        body=body,
        data=data,
        visible_to_requester=visible_to_requester,
        from_status=from_status,
        to_status=to_status,
    )
    session.add(event)
    session.flush()
    return event


def create_ticket(*, session: Session, draft: TicketDraft) -> tuple[Ticket, bool]:
    """Create the ticket of ``draft`` or return the one already created with its idempotency key.

    Returns ``(ticket, created)``. The key is checked again after the counter lock is taken, so two
    concurrent calls with one key create one ticket (the loser's number is left unused).
    """
    existing = get_ticket_by_key(session=session, idempotency_key=draft.idempotency_key)
    if existing is not None:
        return existing, False
    year = draft.created_at.astimezone(BOGOTA).year
    number = allocate_number(session=session, year=year)
    existing = get_ticket_by_key(session=session, idempotency_key=draft.idempotency_key)
    if existing is not None:
        return existing, False
    fields = asdict(draft)
    ticket = Ticket(
        code=format_code(year=year, number=number, suffix=new_suffix()),
        code_year=year,
        code_number=number,
        status=TicketStatus.NUEVO.value,
        updated_at=draft.created_at,
        **fields,
    )
    session.add(ticket)
    session.flush()
    add_event(
        session=session,
        ticket=ticket,
        kind=EventKind.CREADO,
        actor_type="usuario",
        actor_id=draft.conversation_id,
        to_status=TicketStatus.NUEVO.value,
        data={
            "area": draft.area_code,
            "confianza": round(draft.routing_confidence, 4),
            "triage": draft.needs_triage,
            "prioridad": draft.priority,
        },
        at=draft.created_at,
    )
    return ticket, True


def change_status(
    *,
    session: Session,
    ticket: Ticket,
    to: TicketStatus | str,
    actor_type: str,
    actor_id: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> TicketEvent:
    """Move ``ticket`` along the status machine and log it; raises ``InvalidTransition``."""
    target = TicketStatus(to)
    current = TicketStatus(ticket.status)
    check_transition(current, target)
    if ticket.personal_data_removed_at is not None:
        raise TicketPurged(ticket.code)
    now = now or utcnow()
    ticket.status = target.value
    ticket.updated_at = now
    if target is TicketStatus.RESUELTO:
        ticket.resolved_at = now
    elif target is TicketStatus.CERRADO:
        ticket.closed_at = now
    elif current in (TicketStatus.RESUELTO, TicketStatus.CERRADO):  # reopened
        ticket.resolved_at = None
        ticket.closed_at = None
    if target is TicketStatus.NUEVO:
        ticket.assigned_agent_id = None
    return add_event(
        session=session,
        ticket=ticket,
        kind=EventKind.CAMBIO_ESTADO,
        actor_type=actor_type,
        actor_id=actor_id,
        body=note,
        from_status=current.value,
        to_status=target.value,
        at=now,
    )


def reopen_ticket(
    *, session: Session, ticket: Ticket, actor_type: str, actor_id: str | None = None, note: str | None = None
) -> TicketEvent:
    target = reopen_target(has_agent=ticket.assigned_agent_id is not None)
    return change_status(session=session, ticket=ticket, to=target, actor_type=actor_type, actor_id=actor_id, note=note)


def last_reply_to_requester(*, session: Session, ticket: Ticket) -> TicketEvent | None:
    stmt = (
        select(TicketEvent)
        .where(
            TicketEvent.ticket_id == ticket.id,
            TicketEvent.visible_to_requester.is_(True),
            TicketEvent.actor_type == "agente",
            TicketEvent.body.is_not(None),
        )
        .order_by(TicketEvent.created_at.desc(), TicketEvent.id.desc())
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()


def closed_tickets_to_purge(*, session: Session, closed_before: datetime) -> list[Ticket]:
    stmt = (
        select(Ticket)
        .where(
            Ticket.status == TicketStatus.CERRADO.value,
            Ticket.closed_at < closed_before,
            Ticket.personal_data_removed_at.is_(None),
        )
        .order_by(Ticket.id)
    )
    return list(session.execute(stmt).scalars())


def purge_personal_data(*, session: Session, ticket: Ticket, now: datetime | None = None) -> None:
    """Blank the requester's data, the description, the transcript and free text of the log.

    Kept for statistics: code, area, status, priority, dates, ETC, channel, routing figures.
    The event log is redacted with a Core UPDATE (the ORM refuses to change events) and the
    redaction itself is logged.
    """
    now = now or utcnow()
    ticket.requester_name = None
    ticket.requester_cargo = None
    ticket.requester_email = None
    ticket.requester_phone = None
    ticket.conversation_id = None
    ticket.description = None
    ticket.transcript = None
    ticket.personal_data_removed_at = now
    ticket.updated_at = now
    session.flush()
    session.execute(
        update(TicketEvent.__table__).where(TicketEvent.__table__.c.ticket_id == ticket.id).values(body=None)
    )
    session.execute(
        update(TicketEvent.__table__)
        .where(
            TicketEvent.__table__.c.ticket_id == ticket.id,
            TicketEvent.__table__.c.kind.not_in(ANONYMOUS_EVENT_KINDS),
        )
        .values(data=None)
    )
    session.execute(
        update(TicketEvent.__table__)
        .where(TicketEvent.__table__.c.ticket_id == ticket.id, TicketEvent.__table__.c.actor_type == "usuario")
        .values(actor_id=None)
    )
    add_event(session=session, ticket=ticket, kind=EventKind.DATOS_DEPURADOS, actor_type="sistema", at=now)


def count_by_area_and_status(*, session: Session) -> list[tuple[str, str, int]]:
    """Anonymous statistics: number of tickets per (area, status)."""
    stmt = (
        select(Ticket.area_code, Ticket.status, func.count(Ticket.id))
        .group_by(Ticket.area_code, Ticket.status)
        .order_by(Ticket.area_code, Ticket.status)
    )
    return [(a, s, int(n)) for a, s, n in session.execute(stmt)]
