"""Fixtures shared by the unit tests.

- ``loaded_db``/``resolver``: the real MEN files loaded once per session into a temporary SQLite file,
  and the one place resolver built on it (indicators, cases and peers use the same);
- the database fixtures of ``tests/db_fixtures.py`` (``db_url``, ``pg_clean``, the agents' ``team``
  with its ``clock``, ``hasher`` and ``desk``), registered here for every package;
- ``make_services``: the composition root with test settings and fakes.
"""

from __future__ import annotations

import pytest

from bot.indicators.loader import load
from bot.indicators.sources import DEFAULT_DATA_DIR
from tests.db_fixtures import clock, db_url, desk, hasher, migrated_template, pg_clean, team  # noqa: F401


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
