"""Fixtures of the catalog tests: on the migrated database of each test (tests/db_fixtures.py), the
MEN's real resources (what `python -m bot preparar` loads) and, for the project's own format, the former placeholder sample."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.catalog.importer import import_file
from bot.catalog.search import CatalogSearchService
from bot.catalog.themes import area_names
from bot.db import session_scope
from bot.settings import PROJECT_ROOT

STARTER_CATALOG = PROJECT_ROOT / "data" / "catalog" / "recursos-men.yml"
SAMPLE_CATALOG = Path(__file__).parent / "fixtures" / "catalogo_muestra.yml"  # placeholders, no links
STARTER_EVENTS = PROJECT_ROOT / "data" / "catalog" / "eventos_inicial.yml"
FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 3, 1, 15, 0, tzinfo=timezone.utc)  # domingo 1 de marzo de 2026, 10:00 a. m. en Bogotá


@pytest.fixture(scope="session")
def areas() -> dict[str, str]:
    return area_names()


@pytest.fixture
def catalog_db(db_url, areas) -> str:
    """A database holding the MEN's real resources (48 entries)."""
    with session_scope(db_url) as session:
        import_file(session, STARTER_CATALOG, "catalogo", valid_themes=areas)
    return db_url


@pytest.fixture
def sample_db(db_url, areas) -> str:
    """A database holding only the former placeholder catalog (27 entries without links)."""
    with session_scope(db_url) as session:
        import_file(session, SAMPLE_CATALOG, "catalogo", valid_themes=areas)
    return db_url


@pytest.fixture
def sample_search(sample_db, areas) -> CatalogSearchService:
    return CatalogSearchService(sample_db, area_names=areas)


@pytest.fixture
def search(catalog_db, areas) -> CatalogSearchService:
    return CatalogSearchService(catalog_db, area_names=areas)


@pytest.fixture(autouse=True)
def _places_of_the_loaded_data(resolver, monkeypatch):
    """Territories come from the one place resolver, built here on the real MEN data."""
    from bot.catalog import topics

    monkeypatch.setattr(topics, "_default_resolver", lambda: resolver)
