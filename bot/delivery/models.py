"""Tables of the delivery feature (Alembic revision ``delivery_0001``, branch ``delivery``).

- ``event_notices``: one row per (encuentro, subscribed conversation): the notice that an
  encuentro was published, with the same delivery states as ``ticket_outbox``. The unique key
  (event, channel, conversation) makes planning idempotent; sending claims a row atomically.
- ``channel_inbox``: every incoming WhatsApp/Telegram message, stored before the webhook is
  acknowledged and processed from here (unique (channel, external id): a re-delivered message or
  Telegram update is stored once). The text is blanked once processed.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint

from bot.agents.models import OUTBOX_STATUSES
from bot.db import Base
from bot.tickets.models import UTCDateTime, utcnow

NOTICE_STATUSES = OUTBOX_STATUSES
INBOX_STATUSES = ("pendiente", "procesando", "procesado", "fallido")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class EventNotice(Base):
    __tablename__ = "event_notices"

    id = Column(Integer, primary_key=True)
    event_id = Column(Integer, ForeignKey("catalog_events.id", ondelete="CASCADE"), nullable=False)
    subscription_id = Column(Integer, nullable=True)  # the subscription may be cancelled later
    channel = Column(String(40), nullable=False)
    conversation_id = Column(String(255), nullable=False)
    token = Column(String(64), nullable=False, unique=True)
    status = Column(String(12), nullable=False, default="pendiente")
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False, default=utcnow)
    lease_until = Column(UTCDateTime, nullable=True)
    last_error = Column(String(255), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    uttered_at = Column(UTCDateTime, nullable=True)
    sent_at = Column(UTCDateTime, nullable=True)
    delivered_at = Column(UTCDateTime, nullable=True)
    read_at = Column(UTCDateTime, nullable=True)
    failed_at = Column(UTCDateTime, nullable=True)
    channel_message_id = Column(String(128), nullable=True, index=True)
    fallback = Column(String(16), nullable=True)
    fallback_at = Column(UTCDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("event_id", "channel", "conversation_id", name="uq_event_notices_subscriber"),
        CheckConstraint(_in("status", NOTICE_STATUSES), name="status"),
        Index("ix_event_notices_status_next_attempt_at", "status", "next_attempt_at"),
    )


class ChannelInbox(Base):
    __tablename__ = "channel_inbox"

    id = Column(Integer, primary_key=True)
    channel = Column(String(40), nullable=False)
    external_id = Column(String(128), nullable=False)  # WhatsApp message id, Telegram update_id
    sender = Column(String(255), nullable=False, index=True)
    payload = Column(Text, nullable=True)  # JSON of the message; blanked once processed
    status = Column(String(12), nullable=False, default="pendiente")
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False, default=utcnow)
    lease_until = Column(UTCDateTime, nullable=True)
    last_error = Column(String(255), nullable=True)
    received_at = Column(UTCDateTime, nullable=False, default=utcnow)
    processed_at = Column(UTCDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_channel_inbox_message"),
        CheckConstraint(_in("status", INBOX_STATUSES), name="status"),
        Index("ix_channel_inbox_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_channel_inbox_channel_sender_received", "channel", "sender", "received_at"),
    )
