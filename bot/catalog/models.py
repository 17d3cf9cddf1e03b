"""Tables of the catalog: contents, tools and news of the MEN, with their themes.

Managed by Alembic (revisions ``catalog_0001`` and ``catalog_0002``, branch ``catalog``; the same
branch creates the encuentros' tables of :mod:`bot.encuentros.models`). Times are stored in UTC.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from bot.db import Base, utcnow

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
    # Types of the MEN resources file (data/catalog/recursos-men.yml).
    "norma": "Norma",
    "datos": "Datos",
    "noticia": "Noticia",
}


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
    # The short quote that shows what the page is, the file's own topics (slugs of
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


__all__ = ["CONTENT_TYPES", "CatalogItem", "CatalogItemTheme"]
