"""review: role curador, review inbox, routing reviews, dashboard counters, queue search indexes

Own branch ``review`` (``alembic upgrade heads``); it needs the agents and tickets tables.
- ``agents.role`` accepts ``curador`` (the check constraint is recreated).
- Tables of ``bot.agents.review.models``.
- Indexes for the agents' queue search and sort (code, e-mail, ETC, free text, priority). On
  PostgreSQL the free-text, code and e-mail searches (``ILIKE '%…%'``) use trigram GIN indexes
  (extension ``pg_trgm``, trusted since PostgreSQL 13; skipped with a warning if it cannot be created).

Revision ID: review_0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "review_0001"
down_revision = None
branch_labels = ("review",)
depends_on = ("agents_0001", "tickets_0001")

logger = logging.getLogger("alembic.runtime.migration")
OLD_ROLES = "role IN ('agente', 'coordinador', 'admin')"
NEW_ROLES = "role IN ('agente', 'coordinador', 'admin', 'curador')"
TRGM_INDEXES = (
    ("ix_tickets_description_trgm", "description"),
    ("ix_tickets_code_trgm", "code"),
    ("ix_tickets_requester_email_trgm", "requester_email"),
    ("ix_tickets_etc_name_trgm", "etc_name"),
)


def _roles(check: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_agents_role"), "agents", type_="check")
        op.create_check_constraint("role", "agents", check)
        return
    # SQLite cannot alter a CHECK constraint, and recreating ``agents`` (batch mode) would delete the
    # rows that reference it (ON DELETE CASCADE with foreign keys on). A CHECK constraint does not
    # change the stored data, so the table definition is edited in place, as the SQLite manual
    # describes for this case (lang_altertable.html, "making other kinds of table schema changes").
    old = OLD_ROLES if check == NEW_ROLES else NEW_ROLES
    sql = bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'agents'")).scalar()
    if old not in sql:
        raise RuntimeError("unexpected definition of the agents table")
    version = bind.execute(sa.text("PRAGMA schema_version")).scalar()
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    bind.execute(sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'agents'"),
                 {"sql": sql.replace(old, check)})
    bind.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))


def upgrade() -> None:
    _roles(NEW_ROLES)
    op.create_table(
        "review_cursors",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_review_cursors")),
    )
    op.create_table(
        "review_conversations",
        sa.Column("sender_key", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("area_code", sa.String(length=16), nullable=True),
        sa.Column("state", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sender_key", name=op.f("pk_review_conversations")),
    )
    op.create_table(
        "review_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=True),
        sa.Column("predicted_intent", sa.String(length=120), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("intent", sa.String(length=120), nullable=True),
        sa.Column("example_text", sa.Text(), nullable=True),
        sa.Column("entities", sa.JSON(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("reviewer_name", sa.String(length=120), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("exported_at", sa.DateTime(), nullable=True),
        sa.Column("export_file", sa.String(length=200), nullable=True),
        sa.CheckConstraint("status IN ('pendiente', 'aceptado', 'fuera_de_alcance', 'descartado')",
                           name=op.f("ck_review_groups_status")),
        sa.ForeignKeyConstraint(["reviewer_id"], ["agents.id"], name=op.f("fk_review_groups_reviewer_id_agents"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_groups")),
    )
    op.create_index("ix_review_groups_last_seen", "review_groups", ["last_seen"])
    op.create_index("ix_review_groups_status_count", "review_groups", ["status", "count"])
    op.create_index("ix_review_groups_key", "review_groups", ["key"])
    op.create_table(
        "review_items",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("conversation_key", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=True),
        sa.Column("area_code", sa.String(length=16), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(length=120), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("entities", sa.JSON(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("suggested_intent", sa.String(length=120), nullable=True),
        sa.Column("context_before", sa.JSON(), nullable=True),
        sa.Column("context_after", sa.JSON(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["review_groups.id"], name=op.f("fk_review_items_group_id_review_groups"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["conversation_key"], ["review_conversations.sender_key"],
                                name=op.f("fk_review_items_conversation_key_review_conversations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_items")),
    )
    op.create_index("ix_review_items_group_id", "review_items", ["group_id"])
    op.create_index("ix_review_items_conversation_key", "review_items", ["conversation_key"])
    op.create_index("ix_review_items_area_code", "review_items", ["area_code"])
    op.create_table(
        "routing_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("from_area", sa.String(length=16), nullable=True),
        sa.Column("area_code", sa.String(length=16), nullable=False),
        sa.Column("transferred_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("reviewer_name", sa.String(length=120), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("exported_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('pendiente', 'aceptado', 'descartado')", name=op.f("ck_routing_reviews_status")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_routing_reviews_ticket_id_tickets"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewer_id"], ["agents.id"], name=op.f("fk_routing_reviews_reviewer_id_agents"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_reviews")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_routing_reviews_ticket_id")),
    )
    op.create_index("ix_routing_reviews_area_code", "routing_reviews", ["area_code"])
    op.create_index("ix_routing_reviews_status", "routing_reviews", ["status"])
    op.create_table(
        "dashboard_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_counts")),
        sa.UniqueConstraint("day", "channel", "kind", "key", name="uq_dashboard_counts_day_channel_kind_key"),
    )
    op.create_index("ix_dashboard_counts_kind_day", "dashboard_counts", ["kind", "day"])
    _queue_indexes()


def _queue_indexes() -> None:
    op.create_index("ix_tickets_priority", "tickets", ["priority"])
    op.create_index("ix_tickets_etc_name", "tickets", ["etc_name"])
    op.create_index("ix_tickets_requester_email", "tickets", ["requester_email"])
    op.create_index("ix_tickets_status_due_at", "tickets", ["status", "due_at"])
    op.create_index("ix_tickets_status_created_at", "tickets", ["status", "created_at"])
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        # Same names as on PostgreSQL so that the models match every engine (plain indexes here).
        for name, column in TRGM_INDEXES:
            op.create_index(name, "tickets", [column])
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except Exception:  # no permission: the searches still work, with a sequential scan
        logger.warning("pg_trgm no disponible: la búsqueda libre de la cola no tendrá índice trigram")
        return
    for name, column in TRGM_INDEXES:
        op.execute(sa.text(f"CREATE INDEX {name} ON tickets USING gin ({column} gin_trgm_ops)"))


def downgrade() -> None:
    for name, _ in TRGM_INDEXES:
        op.execute(sa.text(f"DROP INDEX IF EXISTS {name}"))
    for name in ("ix_tickets_requester_email", "ix_tickets_status_created_at", "ix_tickets_status_due_at",
                 "ix_tickets_etc_name", "ix_tickets_priority"):
        op.drop_index(name, table_name="tickets")
    op.drop_table("dashboard_counts")
    op.drop_table("routing_reviews")
    op.drop_table("review_items")
    op.drop_table("review_groups")
    op.drop_table("review_conversations")
    op.drop_table("review_cursors")
    op.execute(sa.text("DELETE FROM agents WHERE role = 'curador'"))
    _roles(OLD_ROLES)
