"""review: indexes for the agents' queue by urgency (keyset pages) and the dashboard's case figures (issue 15)

Measured with ``scripts/bench_dashboard.py`` on PostgreSQL (100 000 cases, ``docs/benchmarks.md``):
- ``ix_tickets_open_urgency`` (partial, open cases): ``(priority, due_at, id)``. The queue's default
  order (overdue first, then priority, then due date) is read as six index ranges (overdue or not ×
  priority) instead of sorting every open case; the total of open cases is an index-only count.
- ``ix_tickets_created_area_status``: ``(created_at, area_code, status, id)``: cases by area and
  status, and the joins of ratings and notices to the cases of a date range, read the index only.
- ``ix_tickets_open_created`` (partial, open cases): ``(created_at, area_code, due_at,
  sla_business_days)``: the open cases against their response time, from the index only.

Revision ID: review_0002
Revises: review_0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "review_0002"
down_revision = "review_0001"
branch_labels = None
depends_on = None

# the open statuses of bot.tickets.workflow.OPEN_STATUSES (written out: a migration never imports
# code that may change after it)
OPEN = "status IN ('nuevo', 'asignado', 'en_curso', 'esperando_respuesta')"
INDEXES = (
    ("ix_tickets_open_urgency", ["priority", "due_at", "id"], OPEN),
    ("ix_tickets_created_area_status", ["created_at", "area_code", "status", "id"], None),
    ("ix_tickets_open_created", ["created_at", "area_code", "due_at", "sla_business_days"], OPEN),
)


def upgrade() -> None:
    for name, columns, where in INDEXES:
        predicate = {"postgresql_where": sa.text(where), "sqlite_where": sa.text(where)} if where else {}
        op.create_index(name, "tickets", columns, **predicate)


def downgrade() -> None:
    for name, _, _ in reversed(INDEXES):
        op.drop_index(name, table_name="tickets")
