"""Ticket tables (SQLAlchemy 1.4, 2.0-style; managed by the Alembic revision ``tickets_0001``).

- ``tickets``: one escalated case; personal fields are nullable because the retention command
  blanks them while the row stays for anonymous statistics.
- ``ticket_events``: append-only log (who, when, what). The ORM refuses updates and deletes of an
  event; only the retention command redacts event bodies, with a Core statement, and logs it.
- ``ticket_counters``: one row per year, the source of the readable case number.

``assigned_agent_id`` is a plain column, with no foreign key to ``agents``: that table belongs to the
agents' Alembic branch, which depends on this one and not the other way round.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import relationship
from sqlalchemy.types import TypeDecorator

from bot.db import Base, utcnow
from bot.tickets.workflow import OPEN_STATUSES, TicketStatus

MAX_DESCRIPTION_CHARS = 5000
PRIORITIES = ("alta", "media", "baja")
ACTOR_TYPES = ("usuario", "sistema", "agente")


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every engine (SQLite drops the offset, so store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


_OPEN_CASES = _in("status", [s.value for s in TicketStatus if s in OPEN_STATUSES])  # same as migration review_0002


class TicketCounter(Base):
    __tablename__ = "ticket_counters"

    year = Column(Integer, primary_key=True, autoincrement=False)
    last_number = Column(Integer, nullable=False, default=0)


class Ticket(Base):
    __tablename__ = "tickets"

    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False, unique=True)
    code_year = Column(Integer, nullable=False)
    code_number = Column(Integer, nullable=False)
    idempotency_key = Column(String(128), nullable=False, unique=True)

    status = Column(String(24), nullable=False, default=TicketStatus.NUEVO.value, index=True)
    area_code = Column(String(16), nullable=False, index=True)
    priority = Column(String(8), nullable=False, default="media")
    due_at = Column(UTCDateTime, nullable=False, index=True)
    sla_business_days = Column(Integer, nullable=False)

    needs_triage = Column(Boolean, nullable=False, default=False, index=True)
    routing_confidence = Column(Float, nullable=False)
    routing_method = Column(String(24), nullable=False)
    routing_candidates = Column(JSON, nullable=True)
    escalation_reason = Column(String(32), nullable=True)

    # Requester (personal data: blanked by the retention command)
    requester_name = Column(String(120), nullable=True)
    requester_cargo = Column(String(120), nullable=True)
    requester_email = Column(String(254), nullable=True)
    requester_phone = Column(String(20), nullable=True)
    # The ETC is an institution, not a person: kept for statistics.
    etc_code = Column(String(16), nullable=True, index=True)
    etc_name = Column(String(120), nullable=True)

    consent_given_at = Column(UTCDateTime, nullable=False)
    consent_policy_url = Column(String(500), nullable=True)
    consent_policy_version = Column(String(40), nullable=True)

    channel = Column(String(40), nullable=True)
    conversation_id = Column(String(255), nullable=True, index=True)
    description = Column(Text, nullable=True)
    transcript = Column(JSON, nullable=True)

    assigned_agent_id = Column(Integer, nullable=True, index=True)

    created_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    first_response_at = Column(UTCDateTime, nullable=True)
    resolved_at = Column(UTCDateTime, nullable=True)
    closed_at = Column(UTCDateTime, nullable=True, index=True)
    personal_data_removed_at = Column(UTCDateTime, nullable=True)

    events = relationship("TicketEvent", back_populates="ticket", order_by="TicketEvent.id", passive_deletes="all")

    __table_args__ = (
        UniqueConstraint("code_year", "code_number", name="uq_tickets_code_year_number"),
        CheckConstraint(_in("status", [s.value for s in TicketStatus]), name="status"),
        CheckConstraint(_in("priority", PRIORITIES), name="priority"),
        CheckConstraint("routing_confidence >= 0 AND routing_confidence <= 1", name="routing_confidence"),
        Index("ix_tickets_area_status", "area_code", "status"),
        # Search and sort of the agents' queue (migration review_0001); the *_trgm
        # indexes are trigram GIN indexes on PostgreSQL (ILIKE '%…%'), plain indexes on SQLite.
        Index("ix_tickets_priority", "priority"),
        Index("ix_tickets_etc_name", "etc_name"),
        Index("ix_tickets_requester_email", "requester_email"),
        Index("ix_tickets_status_due_at", "status", "due_at"),
        Index("ix_tickets_status_created_at", "status", "created_at"),
        *(Index(f"ix_tickets_{c}_trgm", c, postgresql_using="gin", postgresql_ops={c: "gin_trgm_ops"})
          for c in ("description", "code", "requester_email", "etc_name")),
        # The queue by urgency read as index ranges (keyset pages), and the dashboard's case figures
        # from the index only (migration review_0002); partial indexes: open cases only.
        Index("ix_tickets_open_urgency", "priority", "due_at", "id",
              postgresql_where=text(_OPEN_CASES), sqlite_where=text(_OPEN_CASES)),
        Index("ix_tickets_created_area_status", "created_at", "area_code", "status", "id"),
        Index("ix_tickets_open_created", "created_at", "area_code", "due_at", "sla_business_days",
              postgresql_where=text(_OPEN_CASES), sqlite_where=text(_OPEN_CASES)),
    )

    def __repr__(self) -> str:  # no personal data in logs
        return f"<Ticket {self.code} {self.status} {self.area_code}>"


class TicketEvent(Base):
    __tablename__ = "ticket_events"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="RESTRICT"), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    actor_type = Column(String(16), nullable=False)
    actor_id = Column(String(255), nullable=True)
    kind = Column(String(40), nullable=False)
    from_status = Column(String(24), nullable=True)
    to_status = Column(String(24), nullable=True)
    body = Column(Text, nullable=True)
    data = Column(JSON, nullable=True)
    visible_to_requester = Column(Boolean, nullable=False, default=False)

    ticket = relationship("Ticket", back_populates="events")

    __table_args__ = (
        CheckConstraint(_in("actor_type", ACTOR_TYPES), name="actor_type"),
        Index("ix_ticket_events_ticket_id_created_at", "ticket_id", "created_at"),
        Index("ix_ticket_events_kind", "kind"),
    )


class AppendOnlyViolation(RuntimeError):
    pass


@event.listens_for(TicketEvent, "before_update")
def _refuse_event_update(_mapper, _connection, target: TicketEvent) -> None:
    raise AppendOnlyViolation(f"ticket event {target.id} is append-only")


@event.listens_for(TicketEvent, "before_delete")
def _refuse_event_delete(_mapper, _connection, target: TicketEvent) -> None:
    raise AppendOnlyViolation(f"ticket event {target.id} is append-only")
