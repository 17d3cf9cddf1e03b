"""Tables of the review inbox and the service dashboard (Alembic revision ``review_0001``).

- ``review_cursors``: the watermark of each incremental source (Rasa's ``events`` table by id, the
  tickets' ``ticket_events`` by id): ingestion reads only what came after it.
- ``review_conversations``: per conversation (sender id stored as a SHA-256, never raw) the small
  state ingestion needs between runs: the last user messages (masked), the form being filled, the
  items still waiting for their following turns, the last day it was counted.
- ``review_groups``: one row per inquiry (normalised text, similar texts clustered) with its count
  and the curator's decision (intent, entities, out of scope, discarded) and export state.
- ``review_items``: each flagged user message, masked, with predicted intent, confidence, entities,
  reasons and its conversation context (previous and next turns).
- ``routing_reviews``: a case transferred by an agent: its (masked) description and final area, to
  be accepted as a labelled routing example.
- ``dashboard_counts``: pre-aggregated daily counters (day, channel, kind, key) updated by
  ingestion, so the dashboard reads a few thousand rows, never the raw messages.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from bot.agents import models as _agents_models  # noqa: F401  (the agents table of the foreign keys)
from bot.db import Base
from bot.tickets.models import UTCDateTime, utcnow

GROUP_STATUSES = ("pendiente", "aceptado", "fuera_de_alcance", "descartado")
ROUTING_STATUSES = ("pendiente", "aceptado", "descartado")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ReviewCursor(Base):
    __tablename__ = "review_cursors"

    name = Column(String(40), primary_key=True)
    position = Column(BigInteger, nullable=False, default=0)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)


class ReviewConversation(Base):
    __tablename__ = "review_conversations"

    # natural key: new conversations are inserted in batches (no id to fetch back)
    sender_key = Column(String(64), primary_key=True)
    channel = Column(String(40), nullable=True)
    last_day = Column(Date, nullable=True)
    area_code = Column(String(16), nullable=True)
    state = Column(JSON, nullable=True)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)


class ReviewGroup(Base):
    __tablename__ = "review_groups"

    id = Column(Integer, primary_key=True)
    key = Column(String(500), nullable=False)
    text = Column(Text, nullable=False)  # masked representative text
    count = Column(Integer, nullable=False, default=0)
    reasons = Column(JSON, nullable=True)  # {"fallback": 3, "quiso_decir": 1, ...}
    predicted_intent = Column(String(120), nullable=True)
    confidence = Column(Float, nullable=True)
    first_seen = Column(UTCDateTime, nullable=False, default=utcnow)
    last_seen = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    status = Column(String(20), nullable=False, default="pendiente")
    intent = Column(String(120), nullable=True)  # the curator's intent
    example_text = Column(Text, nullable=True)  # the text to train on (the curator may rewrite it)
    entities = Column(JSON, nullable=True)  # [{"start", "end", "entity", "value"}] on example_text
    reviewer_id = Column(Integer, ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    reviewer_name = Column(String(120), nullable=True)
    reviewed_at = Column(UTCDateTime, nullable=True)
    exported_at = Column(UTCDateTime, nullable=True)
    export_file = Column(String(200), nullable=True)

    __table_args__ = (
        CheckConstraint(_in("status", GROUP_STATUSES), name="status"),
        Index("ix_review_groups_status_count", "status", "count"),
        Index("ix_review_groups_key", "key"),
    )


class ReviewItem(Base):
    __tablename__ = "review_items"

    id = Column(BigInteger, primary_key=True, autoincrement=False)  # the id of the user event in Rasa's events
    group_id = Column(Integer, ForeignKey("review_groups.id", ondelete="CASCADE"), nullable=False, index=True)
    conversation_key = Column(String(64), ForeignKey("review_conversations.sender_key", ondelete="CASCADE"),
                              nullable=False, index=True)
    channel = Column(String(40), nullable=True)
    area_code = Column(String(16), nullable=True, index=True)
    text = Column(Text, nullable=False)  # masked
    intent = Column(String(120), nullable=True)
    confidence = Column(Float, nullable=True)
    entities = Column(JSON, nullable=True)
    reasons = Column(JSON, nullable=False)  # ["fallback", "baja_confianza", ...]
    suggested_intent = Column(String(120), nullable=True)  # the option the user chose after «¿Quiso decir…?»
    context_before = Column(JSON, nullable=True)
    context_after = Column(JSON, nullable=True)
    sent_at = Column(UTCDateTime, nullable=False)

    group = relationship(ReviewGroup)
    conversation = relationship(ReviewConversation)


class RoutingReview(Base):
    __tablename__ = "routing_reviews"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, unique=True)
    text = Column(Text, nullable=False)  # masked description
    from_area = Column(String(16), nullable=True)
    area_code = Column(String(16), nullable=False, index=True)  # final area
    transferred_at = Column(UTCDateTime, nullable=False)
    status = Column(String(20), nullable=False, default="pendiente", index=True)
    reviewer_id = Column(Integer, ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    reviewer_name = Column(String(120), nullable=True)
    reviewed_at = Column(UTCDateTime, nullable=True)
    exported_at = Column(UTCDateTime, nullable=True)

    __table_args__ = (CheckConstraint(_in("status", ROUTING_STATUSES), name="status"),)


class DashboardCount(Base):
    __tablename__ = "dashboard_counts"

    id = Column(Integer, primary_key=True)
    day = Column(Date, nullable=False)
    channel = Column(String(40), nullable=False, default="")
    kind = Column(String(24), nullable=False)
    key = Column(String(120), nullable=False, default="")
    n = Column(BigInteger, nullable=False, default=0)

    __table_args__ = (
        UniqueConstraint("day", "channel", "kind", "key", name="uq_dashboard_counts_day_channel_kind_key"),
        Index("ix_dashboard_counts_kind_day", "kind", "day"),
    )
