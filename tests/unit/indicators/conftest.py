"""Fixtures of the indicators tests: the real MEN files loaded once per session into a temporary SQLite file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.indicators.loader import load
from bot.indicators.service import IndicatorService
from bot.indicators.sources import DEFAULT_DATA_DIR

DATA_DIR = DEFAULT_DATA_DIR
TODAY = date(2026, 11, 24)


@pytest.fixture(scope="session")
def loaded_db(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('indicators') / 'ind.db'}"
    report = load(url, DATA_DIR)
    assert not report.skipped
    return url


@pytest.fixture(scope="session")
def load_report(loaded_db):
    """A second load of the same files: must be skipped (idempotent)."""
    return load(loaded_db, DATA_DIR)


@pytest.fixture
def charts_dir(tmp_path) -> Path:
    return tmp_path / "charts"


@pytest.fixture
def service(loaded_db, charts_dir) -> IndicatorService:
    return IndicatorService(loaded_db, charts_dir=charts_dir, live_enabled=False, today=TODAY)


@pytest.fixture(scope="session")
def resolver(loaded_db):
    from bot.places import get_resolver

    return get_resolver(loaded_db)
