"""tickets: escalated cases, their per-year counter and the append-only event log

Own branch of the tickets feature: ``alembic upgrade heads`` (or ``alembic upgrade tickets@head``).
The agents feature adds its tables (and the foreign key of ``tickets.assigned_agent_id``) in a
revision with ``depends_on = "tickets_0001"``.
Datetimes are stored as naive UTC (``bot.tickets.models.UTCDateTime``).

Revision ID: tickets_0001
Revises:
Create Date: 2025-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "tickets_0001"
down_revision = None
branch_labels = ("tickets",)
depends_on = None

STATUSES = "'nuevo', 'asignado', 'en_curso', 'esperando_respuesta', 'resuelto', 'cerrado'"


def upgrade() -> None:
    op.create_table(
        "ticket_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_ticket_counters")),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("code_year", sa.Integer(), nullable=False),
        sa.Column("code_number", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("area_code", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("sla_business_days", sa.Integer(), nullable=False),
        sa.Column("needs_triage", sa.Boolean(), nullable=False),
        sa.Column("routing_confidence", sa.Float(), nullable=False),
        sa.Column("routing_method", sa.String(length=24), nullable=False),
        sa.Column("routing_candidates", sa.JSON(), nullable=True),
        sa.Column("escalation_reason", sa.String(length=32), nullable=True),
        sa.Column("requester_name", sa.String(length=120), nullable=True),
        sa.Column("requester_cargo", sa.String(length=120), nullable=True),
        sa.Column("requester_email", sa.String(length=254), nullable=True),
        sa.Column("requester_phone", sa.String(length=20), nullable=True),
        sa.Column("etc_code", sa.String(length=16), nullable=True),
        sa.Column("etc_name", sa.String(length=120), nullable=True),
        sa.Column("consent_given_at", sa.DateTime(), nullable=False),
        sa.Column("consent_policy_url", sa.String(length=500), nullable=True),
        sa.Column("consent_policy_version", sa.String(length=40), nullable=True),
        sa.Column("channel", sa.String(length=40), nullable=True),
        sa.Column("conversation_id", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("transcript", sa.JSON(), nullable=True),
        sa.Column("assigned_agent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("first_response_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("personal_data_removed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("priority IN ('alta', 'media', 'baja')", name=op.f("ck_tickets_priority")),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f("ck_tickets_status")),
        sa.CheckConstraint(
            "routing_confidence >= 0 AND routing_confidence <= 1", name=op.f("ck_tickets_routing_confidence")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("code", name=op.f("uq_tickets_code")),
        sa.UniqueConstraint("code_year", "code_number", name="uq_tickets_code_year_number"),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_tickets_idempotency_key")),
    )
    for column in (
        "area_code",
        "assigned_agent_id",
        "closed_at",
        "conversation_id",
        "created_at",
        "due_at",
        "etc_code",
        "needs_triage",
        "status",
    ):
        op.create_index(op.f(f"ix_tickets_{column}"), "tickets", [column], unique=False)
    op.create_index("ix_tickets_area_status", "tickets", ["area_code", "status"], unique=False)

    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=255), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=True),
        sa.Column("to_status", sa.String(length=24), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("visible_to_requester", sa.Boolean(), nullable=False),
        sa.CheckConstraint("actor_type IN ('usuario', 'sistema', 'agente')", name=op.f("ck_ticket_events_actor_type")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_events_ticket_id_tickets"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
    )
    op.create_index("ix_ticket_events_kind", "ticket_events", ["kind"], unique=False)
    op.create_index("ix_ticket_events_ticket_id_created_at", "ticket_events", ["ticket_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_table("ticket_events")
    op.drop_table("tickets")
    op.drop_table("ticket_counters")
