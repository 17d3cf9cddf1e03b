"""Alembic environment: metadata from ``bot.db.Base``, URL from ``bot.migrate`` or the settings.

Each feature keeps its revisions on its own branch (``branch_labels``); migrate with
``alembic upgrade heads``. A revision that needs another feature's tables declares ``depends_on``.
"""

from __future__ import annotations

import importlib
import logging.config

from alembic import context
from sqlalchemy import engine_from_config, pool

from bot.db import Base

# Model modules of every feature, imported so that Base.metadata knows their tables (autogenerate).
MODEL_MODULES = ("bot.tickets.models", "bot.agents.models", "bot.catalog.models", "bot.encuentros.models", "bot.delivery.models",
                 "bot.agents.review.models")

config = context.config
if config.config_file_name and not config.attributes.get("skip_logging"):
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)


def _import_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)


def _url() -> str:
    url = config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url")
    if url:
        return url
    from bot.settings import get_settings

    return get_settings().database_url


_import_models()
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    url = _url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with(connection)
        return
    engine = engine_from_config({"sqlalchemy.url": _url()}, prefix="sqlalchemy.", poolclass=pool.NullPool, future=True)
    with engine.connect() as conn:
        _run_with(conn)


def _run_with(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
