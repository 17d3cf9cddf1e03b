"""agents: MEN agents, their areas and sessions, the delivery outbox, satisfaction ratings

Own branch of the agents feature (``alembic upgrade heads`` or ``alembic upgrade agents@head``);
it needs the tickets tables, hence ``depends_on = "tickets_0001"``.
Datetimes are stored as naive UTC (``bot.tickets.models.UTCDateTime``).

Revision ID: agents_0001
Revises:
Create Date: 2025-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "agents_0001"
down_revision = None
branch_labels = ("agents",)
depends_on = "tickets_0001"


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("role IN ('agente', 'coordinador', 'admin')", name=op.f("ck_agents_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("email", name=op.f("uq_agents_email")),
    )
    op.create_table(
        "agent_areas",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_areas_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("agent_id", "area_code", name=op.f("pk_agent_areas")),
    )
    op.create_index("ix_agent_areas_area_code", "agent_areas", ["area_code"], unique=False)
    op.create_table(
        "agent_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_tokens_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_agent_tokens_token_hash")),
    )
    op.create_index(op.f("ix_agent_tokens_agent_id"), "agent_tokens", ["agent_id"], unique=False)
    op.create_table(
        "ticket_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("delivered_via", sa.String(length=16), nullable=True),
        sa.CheckConstraint(
            "kind IN ('respuesta', 'solicitud_informacion', 'resuelto')", name=op.f("ck_ticket_outbox_kind")
        ),
        sa.CheckConstraint(
            "status IN ('pendiente', 'enviando', 'entregado', 'cancelado')", name=op.f("ck_ticket_outbox_status")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["ticket_events.id"], name=op.f("fk_ticket_outbox_event_id_ticket_events"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_outbox_ticket_id_tickets"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_outbox")),
        sa.UniqueConstraint("token", name=op.f("uq_ticket_outbox_token")),
    )
    op.create_index(op.f("ix_ticket_outbox_conversation_id"), "ticket_outbox", ["conversation_id"], unique=False)
    op.create_index(op.f("ix_ticket_outbox_status"), "ticket_outbox", ["status"], unique=False)
    op.create_index(op.f("ix_ticket_outbox_ticket_id"), "ticket_outbox", ["ticket_id"], unique=False)
    op.create_index(
        "ix_ticket_outbox_status_next_attempt_at", "ticket_outbox", ["status", "next_attempt_at"], unique=False
    )
    op.create_table(
        "ticket_ratings",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("score >= 1 AND score <= 5", name=op.f("ck_ticket_ratings_score")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_ratings_ticket_id_tickets"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_ratings")),
    )


def downgrade() -> None:
    op.drop_table("ticket_ratings")
    op.drop_index("ix_ticket_outbox_status_next_attempt_at", table_name="ticket_outbox")
    op.drop_table("ticket_outbox")
    op.drop_table("agent_tokens")
    op.drop_index("ix_agent_areas_area_code", table_name="agent_areas")
    op.drop_table("agent_areas")
    op.drop_table("agents")
