"""Fixtures shared by the unit tests.

- ``loaded_db``/``resolver``: the real MEN files loaded once per session into a temporary SQLite file,
  and the one place resolver built on it (indicators, cases and peers use the same);
- ``db_url``: a fresh SQLite file migrated with the real ``alembic upgrade heads`` (copied from a
  session template);
- ``postgres_database``/``migrated_postgres``: a database of its own on the local PostgreSQL (each test
  package names its own and the name carries a suffix of the checkout, since other test runs, also of
  other work trees, use the server at the same time) and ``pg_clean``,
  which empties the tables of the package's ``pg_url``. A missing server fails the test.
- ``make_services``: the composition root with test settings and fakes.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.indicators.loader import load
from bot.indicators.sources import DEFAULT_DATA_DIR
from bot.migrate import upgrade

PG_SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432"


@pytest.fixture(scope="session")
def loaded_db(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('indicators') / 'ind.db'}"
    report = load(url, DEFAULT_DATA_DIR)
    assert not report.skipped
    return url


@pytest.fixture(scope="session")
def resolver(loaded_db):
    from bot.places import get_resolver

    return get_resolver(loaded_db)


def make_services(env: dict[str, str] | None = None, **ready):
    """The composition root with the settings of ``env`` (not the environment) and the given fakes."""
    from bot.services import Services
    from bot.settings import load_settings

    return Services(load_settings(env or {}), **ready)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("migrated") / "app.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def db_url(tmp_path, migrated_template) -> str:
    """A fresh SQLite file migrated with ``alembic upgrade heads``."""
    path = tmp_path / "app.db"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


def checkout_database_name(name: str) -> str:
    """``name`` with a suffix of this checkout's path: work trees of the same repository (and CI's
    clone) test on one server at the same time, and must not empty each other's databases."""
    digest = hashlib.sha1(str(Path(__file__).resolve().parents[2]).encode()).hexdigest()[:6]
    return f"{name}_{digest}"


def postgres_database(name: str) -> str:
    """The URL of database ``name`` (suffixed for this checkout) on the local PostgreSQL, created if missing."""
    name = checkout_database_name(name)
    try:
        admin = create_engine(f"{PG_SERVER}/postgres", future=True, isolation_level="AUTOCOMMIT",
                              connect_args={"connect_timeout": 2})
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": name}).scalar():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # the tests that need it must not pass without it
        pytest.fail(f"PostgreSQL 127.0.0.1:5432 no disponible: {exc}")
    return f"{PG_SERVER}/{name}"


def migrated_postgres(name: str) -> str:
    """Database ``name`` emptied and migrated with ``alembic upgrade heads``."""
    url = postgres_database(name)
    engine = create_engine(url, future=True, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)
    return url


@pytest.fixture
def pg_clean(pg_url) -> str:
    """The package's migrated PostgreSQL database (``pg_url``) with every table emptied."""
    engine = create_engine(pg_url, future=True)
    with engine.begin() as conn:
        tables = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
        ).scalars().all()
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return pg_url
