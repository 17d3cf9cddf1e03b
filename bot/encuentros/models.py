"""Tables of the encuentros: events (encuentros, talleres, virtual sessions) and the conversations
subscribed to hear about the next one.

Table names keep their first prefix (``catalog_events``, ``catalog_event_subscriptions``): they are
created by the Alembic revision ``catalog_0001`` (branch ``catalog``), where they were born with the
catalog. Times are stored in UTC (naive in SQLite, aware in PostgreSQL); :func:`bot.db.as_utc`
normalises what comes back.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, Index, Integer, String, Text, UniqueConstraint

from bot.db import Base, utcnow

EVENT_TYPES: dict[str, str] = {
    "encuentro_secretarios": "Encuentro de secretarios y secretarias",
    "encuentro_regional": "Encuentro regional",
    "taller": "Taller",
    "sesion_virtual": "Sesión virtual",
    "otro": "Evento",
}

EVENT_MODES: dict[str, str] = {
    "presencial": "Presencial",
    "virtual": "Virtual",
    "hibrida": "Híbrida",
}

SUBSCRIPTION_TOPICS = ("encuentros",)


class CatalogEvent(Base):
    """An encuentro, taller or virtual session of the Escuela."""

    __tablename__ = "catalog_events"
    __table_args__ = (Index("ix_catalog_events_active_starts", "active", "starts_at"),)

    id = Column(Integer, primary_key=True)
    key = Column(String(120), nullable=False, unique=True)
    title = Column(String(300), nullable=False)
    summary = Column(Text, nullable=False, default="")
    type = Column(String(40), nullable=False)
    mode = Column(String(20), nullable=False)
    starts_at = Column(DateTime(timezone=True), nullable=False)
    ends_at = Column(DateTime(timezone=True), nullable=True)
    place = Column(String(300), nullable=False, default="")
    audience = Column(String(300), nullable=False, default="")
    registration_url = Column(String(1000), nullable=False, default="")
    recording_url = Column(String(1000), nullable=False, default="")
    themes = Column(JSON, nullable=False, default=list)
    is_sample = Column(Boolean, nullable=False, default=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)


class EventSubscription(Base):
    """A conversation that asked to be told about the next encuentro.

    Only the channel, the channel's conversation id and, when asked, a theme and a region are stored:
    no name, phone or e-mail. Cancelling deletes the row.
    """

    __tablename__ = "catalog_event_subscriptions"
    __table_args__ = (UniqueConstraint("channel", "conversation_id", "topic"),)

    id = Column(Integer, primary_key=True)
    channel = Column(String(40), nullable=False)
    conversation_id = Column(String(200), nullable=False)
    topic = Column(String(40), nullable=False, default="encuentros")
    theme = Column(String(40), nullable=True)  # a MEN area code (the events' `temas`); None: every theme
    region = Column(String(120), nullable=True)  # a department name; None: every region
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    notified_at = Column(DateTime(timezone=True), nullable=True)


__all__ = ["EVENT_MODES", "EVENT_TYPES", "SUBSCRIPTION_TOPICS", "CatalogEvent", "EventSubscription"]
