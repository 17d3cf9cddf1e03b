"""Tables of the catalog feature: contents and tools, events (encuentros) and event subscriptions.

Managed by Alembic (revision ``catalog_0001``, branch ``catalog``). Times are stored in UTC
(naive in SQLite, aware in PostgreSQL); :func:`as_utc` normalises what comes back.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from bot.db import Base

# Content types: code -> label. The first seven are those of the Escuela Virtual ("Quiero
# aprender"); the last four describe what the starter catalog really holds (sections, micrositios,
# MEN programmes, the book). Data, not prose: the assistant shows the label next to a result.
CONTENT_TYPES: dict[str, str] = {
    "guia": "Guía",
    "curso": "Curso",
    "grabacion_encuentro": "Grabación de encuentro",
    "herramienta": "Herramienta",
    "documento_estrategico": "Documento estratégico",
    "indicador": "Indicador",
    "enlace_aliado": "Enlace con aliado",
    "seccion": "Sección de la Escuela Virtual",
    "micrositio": "Micrositio",
    "programa": "Programa",
    "publicacion": "Publicación",
    # Types of the MEN resources file (data/catalog/recursos-men.yml, issue 16).
    "norma": "Norma",
    "datos": "Datos",
    "noticia": "Noticia",
}

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


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """An aware UTC datetime from what the database returns (SQLite drops the zone)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class CatalogItem(Base):
    """One content or tool of the Escuela Virtual."""

    __tablename__ = "catalog_items"

    id = Column(Integer, primary_key=True)
    key = Column(String(120), nullable=False, unique=True)  # stable key of the MEN export
    title = Column(String(300), nullable=False)
    summary = Column(Text, nullable=False, default="")
    type = Column(String(40), nullable=False, index=True)
    audience = Column(String(300), nullable=False, default="")
    url = Column(String(1000), nullable=False, default="")
    published_on = Column(Date, nullable=True)
    tags = Column(JSON, nullable=False, default=list)
    source = Column(String(500), nullable=False, default="")
    # Issue 16: the short quote that shows what the page is, the file's own topics (slugs of
    # data/catalog/temas.yml) and the territories the entry names (bot/places.py).
    evidence = Column(Text, nullable=False, default="", server_default="")
    topics = Column(JSON, nullable=False, default=list, server_default="[]")
    territories = Column(JSON, nullable=False, default=list, server_default="[]")
    is_sample = Column(Boolean, nullable=False, default=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)

    themes = relationship(
        "CatalogItemTheme", cascade="all, delete-orphan", order_by="CatalogItemTheme.area_code", lazy="selectin"
    )

    @property
    def theme_codes(self) -> list[str]:
        return [t.area_code for t in self.themes]


class CatalogItemTheme(Base):
    """Theme of an item: one MEN area code (shared/spec/men-areas.yml) per row."""

    __tablename__ = "catalog_item_themes"
    __table_args__ = (UniqueConstraint("item_id", "area_code"),)

    id = Column(Integer, primary_key=True)
    item_id = Column(Integer, ForeignKey("catalog_items.id", ondelete="CASCADE"), nullable=False, index=True)
    area_code = Column(String(20), nullable=False, index=True)


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

    Only the channel and the channel's conversation id are stored: no name, phone or e-mail.
    Cancelling deletes the row.
    """

    __tablename__ = "catalog_event_subscriptions"
    __table_args__ = (UniqueConstraint("channel", "conversation_id", "topic"),)

    id = Column(Integer, primary_key=True)
    channel = Column(String(40), nullable=False)
    conversation_id = Column(String(200), nullable=False)
    topic = Column(String(40), nullable=False, default="encuentros")
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    notified_at = Column(DateTime(timezone=True), nullable=True)


__all__ = [
    "CONTENT_TYPES",
    "EVENT_MODES",
    "EVENT_TYPES",
    "CatalogEvent",
    "CatalogItem",
    "CatalogItemTheme",
    "EventSubscription",
    "as_utc",
    "utcnow",
]
