"""encuentros: a subscription may ask only for one theme (MEN area code) and one region (department)

Revision ID: catalog_0003
Revises: catalog_0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "catalog_0003"
down_revision = "catalog_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_event_subscriptions") as batch:
        batch.add_column(sa.Column("theme", sa.String(40), nullable=True))
        batch.add_column(sa.Column("region", sa.String(120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("catalog_event_subscriptions") as batch:
        batch.drop_column("region")
        batch.drop_column("theme")
