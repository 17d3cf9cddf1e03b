"""Tables of the agents feature (managed by the Alembic revision ``agents_0001``).

- ``agents``: MEN staff who work the tickets; the password is a bcrypt hash (never the password).
- ``agent_areas``: the MEN area codes an ``agente`` works (``coordinador`` and ``admin`` have none).
- ``agent_tokens``: console/API sessions; only the SHA-256 of the bearer token is stored.
- ``ticket_outbox``: notices for the requester's conversation (a reply, a request for information,
  a resolution) with their delivery state (``bot.delivery``); the text is blanked once the channel
  reported it delivered (the event log keeps it).
- ``ticket_ratings``: the 1–5 satisfaction answer of a resolved ticket (one per ticket).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)

from bot.db import Base
from bot.tickets.models import UTCDateTime, utcnow

ROLES = ("agente", "coordinador", "admin", "curador")  # curador: review_0001
OUTBOX_KINDS = ("respuesta", "solicitud_informacion", "resuelto")
# pendiente -> enviando (leased) -> enviado (the channel took it) -> entregado / leido (the channel
# reported it); fallido after DELIVERY_MAX_ATTEMPTS; cancelado by the retention command.
OUTBOX_STATUSES = ("pendiente", "enviando", "enviado", "entregado", "leido", "fallido", "cancelado")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Agent(Base):
    __tablename__ = "agents"

    id = Column(Integer, primary_key=True)
    email = Column(String(254), nullable=False, unique=True)  # stored lower-case
    name = Column(String(120), nullable=False)
    role = Column(String(16), nullable=False)
    password_hash = Column(String(255), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    failed_logins = Column(Integer, nullable=False, default=0)
    locked_until = Column(UTCDateTime, nullable=True)
    last_login_at = Column(UTCDateTime, nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    def __repr__(self) -> str:
        return f"<Agent {self.id} {self.role}>"


class AgentArea(Base):
    __tablename__ = "agent_areas"

    agent_id = Column(Integer, ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True)
    area_code = Column(String(16), primary_key=True)

    __table_args__ = (Index("ix_agent_areas_area_code", "area_code"),)


class AgentToken(Base):
    __tablename__ = "agent_tokens"

    id = Column(Integer, primary_key=True)
    agent_id = Column(Integer, ForeignKey("agents.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime, nullable=False)
    revoked_at = Column(UTCDateTime, nullable=True)


class TicketOutbox(Base):
    __tablename__ = "ticket_outbox"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="RESTRICT"), nullable=False, index=True)
    event_id = Column(Integer, ForeignKey("ticket_events.id", ondelete="SET NULL"), nullable=True)
    kind = Column(String(24), nullable=False)
    # Random, unguessable handle sent to Rasa as an entity: the action reads the text with it.
    token = Column(String(64), nullable=False, unique=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(40), nullable=True)
    body = Column(Text, nullable=True)
    status = Column(String(12), nullable=False, default="pendiente", index=True)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False, default=utcnow)
    lease_until = Column(UTCDateTime, nullable=True)
    last_error = Column(String(255), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    delivered_at = Column(UTCDateTime, nullable=True)
    delivered_via = Column(String(16), nullable=True)
    # Delivery states (revision delivery_0001, see bot/delivery/__init__.py)
    uttered_at = Column(UTCDateTime, nullable=True)  # the Rasa action gave the text to the channel
    sent_at = Column(UTCDateTime, nullable=True)  # the channel (or a fallback) sent it
    read_at = Column(UTCDateTime, nullable=True)
    failed_at = Column(UTCDateTime, nullable=True)
    channel_message_id = Column(String(128), nullable=True, index=True)  # e.g. WhatsApp's wamid
    fallback = Column(String(16), nullable=True)  # correo | plantilla | sin_correo
    fallback_at = Column(UTCDateTime, nullable=True)

    __table_args__ = (
        CheckConstraint(_in("kind", OUTBOX_KINDS), name="kind"),
        CheckConstraint(_in("status", OUTBOX_STATUSES), name="status"),
        Index("ix_ticket_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )


class TicketRating(Base):
    __tablename__ = "ticket_ratings"

    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="RESTRICT"), primary_key=True)
    score = Column(Integer, nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (CheckConstraint("score >= 1 AND score <= 5", name="score"),)
