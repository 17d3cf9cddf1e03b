"""The Alembic revision of the catalog branch creates exactly the tables of the models."""

from __future__ import annotations

import shutil

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, inspect

from bot.catalog import models
from bot.encuentros import models as _encuentros_models  # noqa: F401  (its tables are on the catalog branch)
from bot.settings import PROJECT_ROOT

REVISIONS = sorted((PROJECT_ROOT / "migrations" / "versions").glob("catalog_*.py"))
CATALOG_TABLES = {"catalog_items", "catalog_item_themes", "catalog_events", "catalog_event_subscriptions"}

ENV_PY = """
from alembic import context
from sqlalchemy import create_engine

engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
"""


def _alembic(tmp_path) -> tuple[Config, str]:
    """A throw-away Alembic environment holding only the catalog revision."""
    script = tmp_path / "migrations"
    (script / "versions").mkdir(parents=True)
    (script / "env.py").write_text(ENV_PY)
    (script / "script.py.mako").write_text("")
    for revision in REVISIONS:
        shutil.copy(revision, script / "versions" / revision.name)
    url = f"sqlite:///{tmp_path / 'm.db'}"
    cfg = Config()
    cfg.set_main_option("script_location", str(script))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg, url


def test_upgrade_matches_models_and_downgrade_removes_tables(tmp_path):
    cfg, url = _alembic(tmp_path)
    command.upgrade(cfg, "catalog@head")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) >= CATALOG_TABLES

    catalog_only = MetaData(naming_convention=models.Base.metadata.naming_convention)
    for name in CATALOG_TABLES:
        models.Base.metadata.tables[name].to_metadata(catalog_only)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), catalog_only)
    assert [d for d in diffs if d[0] != "remove_table"] == []

    command.downgrade(cfg, "catalog@base")
    assert not CATALOG_TABLES & set(inspect(engine).get_table_names())
