"""catalog: contents and tools, events, event subscriptions

Own branch of the catalog feature: ``alembic upgrade heads`` (or ``alembic upgrade catalog@head``).

Revision ID: catalog_0001
Revises:
Create Date: 2025-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "catalog_0001"
down_revision = None
branch_labels = ("catalog",)
depends_on = None


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "catalog_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("audience", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_items")),
        sa.UniqueConstraint("key", name=op.f("uq_catalog_items_key")),
    )
    op.create_index(op.f("ix_catalog_items_type"), "catalog_items", ["type"], unique=False)

    op.create_table(
        "catalog_item_themes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["catalog_items.id"],
            name=op.f("fk_catalog_item_themes_item_id_catalog_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_item_themes")),
        sa.UniqueConstraint("item_id", "area_code", name=op.f("uq_catalog_item_themes_item_id")),
    )
    op.create_index(op.f("ix_catalog_item_themes_item_id"), "catalog_item_themes", ["item_id"], unique=False)
    op.create_index(op.f("ix_catalog_item_themes_area_code"), "catalog_item_themes", ["area_code"], unique=False)

    op.create_table(
        "catalog_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("audience", sa.String(length=300), nullable=False),
        sa.Column("registration_url", sa.String(length=1000), nullable=False),
        sa.Column("recording_url", sa.String(length=1000), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_events")),
        sa.UniqueConstraint("key", name=op.f("uq_catalog_events_key")),
    )
    op.create_index("ix_catalog_events_active_starts", "catalog_events", ["active", "starts_at"], unique=False)

    op.create_table(
        "catalog_event_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_event_subscriptions")),
        sa.UniqueConstraint("channel", "conversation_id", "topic", name=op.f("uq_catalog_event_subscriptions_channel")),
    )


def downgrade() -> None:
    op.drop_table("catalog_event_subscriptions")
    op.drop_index("ix_catalog_events_active_starts", table_name="catalog_events")
    op.drop_table("catalog_events")
    op.drop_index(op.f("ix_catalog_item_themes_area_code"), table_name="catalog_item_themes")
    op.drop_index(op.f("ix_catalog_item_themes_item_id"), table_name="catalog_item_themes")
    op.drop_table("catalog_item_themes")
    op.drop_index(op.f("ix_catalog_items_type"), table_name="catalog_items")
    op.drop_table("catalog_items")
