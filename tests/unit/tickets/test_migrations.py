"""The Alembic revision creates exactly what the models declare, on SQLite and PostgreSQL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from bot.db import Base
from bot.migrate import upgrade
from bot.tickets import models  # noqa: F401

TICKET_TABLES = {"tickets", "ticket_events", "ticket_counters"}


def _ticket_diffs(url: str) -> list:
    engine = create_engine(url, future=True)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diffs = compare_metadata(ctx, Base.metadata)
    engine.dispose()

    def table_of(diff) -> str | None:
        item = diff[0] if isinstance(diff, list) else diff
        for obj in item[1:]:
            name = getattr(obj, "name", None) if not isinstance(obj, str) else None
            table = getattr(obj, "table", None)
            if table is not None:
                return table.name
            if name in TICKET_TABLES:
                return name
        return item[2] if len(item) > 2 and isinstance(item[2], str) else None

    return [d for d in diffs if table_of(d) in TICKET_TABLES]


def test_sqlite_migration_matches_models(db_url):
    tables = set(inspect(create_engine(db_url, future=True)).get_table_names())
    assert tables >= TICKET_TABLES and "alembic_version" in tables
    assert _ticket_diffs(db_url) == []


def test_upgrade_is_repeatable(db_url):
    upgrade(db_url)  # already at heads: nothing to do, no error


def test_foreign_key_and_indexes_exist(db_url):
    insp = inspect(create_engine(db_url, future=True))
    fks = insp.get_foreign_keys("ticket_events")
    assert fks[0]["referred_table"] == "tickets" and fks[0]["constrained_columns"] == ["ticket_id"]
    indexed = {tuple(i["column_names"]) for i in insp.get_indexes("tickets")}
    assert {("status",), ("area_code",), ("area_code", "status"), ("conversation_id",), ("due_at",)} <= indexed


@pytest.mark.postgres
def test_postgres_migration_matches_models(pg_url):
    assert _ticket_diffs(pg_url) == []
