"""delivery: delivery states of every notice, encuentro notices, inbound message store

Own branch of the delivery feature (``alembic upgrade heads``); it changes ``ticket_outbox``
(agents) and points at ``catalog_events`` (catalog), hence ``depends_on``.

Revision ID: delivery_0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "delivery_0001"
down_revision = None
branch_labels = ("delivery",)
depends_on = ("agents_0001", "catalog_0001")

STATUSES = "('pendiente', 'enviando', 'enviado', 'entregado', 'leido', 'fallido', 'cancelado')"
OLD_STATUSES = "('pendiente', 'enviando', 'entregado', 'cancelado')"
NEW_OUTBOX_COLUMNS = ("uttered_at", "sent_at", "read_at", "failed_at", "fallback_at")


def _delivery_columns() -> list[sa.Column]:
    return [
        sa.Column("uttered_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("failed_at", sa.DateTime(), nullable=True),
        sa.Column("channel_message_id", sa.String(length=128), nullable=True),
        sa.Column("fallback", sa.String(length=16), nullable=True),
        sa.Column("fallback_at", sa.DateTime(), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("ticket_outbox", recreate="auto") as batch:
        for name in NEW_OUTBOX_COLUMNS:
            batch.add_column(sa.Column(name, sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("channel_message_id", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("fallback", sa.String(length=16), nullable=True))
        batch.drop_constraint(op.f("ck_ticket_outbox_status"), type_="check")
        batch.create_check_constraint(op.f("ck_ticket_outbox_status"), f"status IN {STATUSES}")
        batch.create_index("ix_ticket_outbox_channel_message_id", ["channel_message_id"], unique=False)
    op.create_table(
        "event_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        *_delivery_columns(),
        sa.CheckConstraint(f"status IN {STATUSES}", name=op.f("ck_event_notices_status")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["catalog_events.id"], name=op.f("fk_event_notices_event_id_catalog_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_notices")),
        sa.UniqueConstraint("event_id", "channel", "conversation_id", name="uq_event_notices_subscriber"),
        sa.UniqueConstraint("token", name=op.f("uq_event_notices_token")),
    )
    op.create_index("ix_event_notices_status_next_attempt_at", "event_notices", ["status", "next_attempt_at"])
    op.create_index(op.f("ix_event_notices_channel_message_id"), "event_notices", ["channel_message_id"])
    op.create_table(
        "channel_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("sender", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=255), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("processed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pendiente', 'procesando', 'procesado', 'fallido')", name=op.f("ck_channel_inbox_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_inbox")),
        sa.UniqueConstraint("channel", "external_id", name="uq_channel_inbox_message"),
    )
    op.create_index(op.f("ix_channel_inbox_sender"), "channel_inbox", ["sender"])
    op.create_index("ix_channel_inbox_status_next_attempt_at", "channel_inbox", ["status", "next_attempt_at"])
    op.create_index("ix_channel_inbox_channel_sender_received", "channel_inbox", ["channel", "sender", "received_at"])


def downgrade() -> None:
    op.drop_table("channel_inbox")
    op.drop_table("event_notices")
    op.execute(
        "UPDATE ticket_outbox SET status = 'entregado' WHERE status IN ('enviado', 'leido')"
    )
    op.execute("UPDATE ticket_outbox SET status = 'pendiente' WHERE status = 'fallido'")
    with op.batch_alter_table("ticket_outbox", recreate="auto") as batch:
        batch.drop_index("ix_ticket_outbox_channel_message_id")
        batch.drop_constraint(op.f("ck_ticket_outbox_status"), type_="check")
        batch.create_check_constraint(op.f("ck_ticket_outbox_status"), f"status IN {OLD_STATUSES}")
        for name in (*NEW_OUTBOX_COLUMNS, "channel_message_id", "fallback"):
            batch.drop_column(name)
