"""Fixtures of the indicators tests (the loaded database and the place resolver are in tests/unit/conftest.py)."""

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
def load_report(loaded_db):
    """A second load of the same files: must be skipped (idempotent)."""
    return load(loaded_db, DATA_DIR)


@pytest.fixture
def charts_dir(tmp_path) -> Path:
    return tmp_path / "charts"


@pytest.fixture
def service(loaded_db, charts_dir) -> IndicatorService:
    return IndicatorService(loaded_db, charts_dir=charts_dir, live_enabled=False, today=TODAY)
