"""The same importer, search, events and subscriptions on the PostgreSQL server of the machine."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from bot.catalog import models
from bot.catalog.importer import import_file
from bot.catalog.search import CatalogSearchService
from bot.db import get_engine, session_scope
from bot.encuentros import models as encuentros_models
from bot.encuentros.events import EventService
from bot.encuentros.subscriptions import SubscriptionService, due_notifications

from .conftest import STARTER_CATALOG

pytestmark = pytest.mark.postgres

SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432"
DATABASE = "catalog"
CATALOG_TABLES = [
    models.CatalogItem.__table__,
    models.CatalogItemTheme.__table__,
    encuentros_models.CatalogEvent.__table__,
    encuentros_models.EventSubscription.__table__,
]


@pytest.fixture(scope="module")
def pg_url() -> str:
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT", future=True)
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": DATABASE}).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"PostgreSQL no disponible: {exc}")
    finally:
        admin.dispose()
    return f"{SERVER}/{DATABASE}"


@pytest.fixture
def pg(pg_url) -> str:
    engine = get_engine(pg_url)
    models.Base.metadata.drop_all(engine, tables=CATALOG_TABLES)
    models.Base.metadata.create_all(engine, tables=CATALOG_TABLES)
    return pg_url


def test_import_reimport_and_search(pg, areas):
    for _ in range(2):
        with session_scope(pg) as session:
            result = import_file(session, STARTER_CATALOG, "catalogo", valid_themes=areas)
    assert (result.created, result.unchanged) == (0, 48)
    page = CatalogSearchService(pg, area_names=areas).search("sistema de alertas simpade")
    assert page.hits[0].entry.key == "simpade"
    assert page.hits[0].entry.territories == () and page.hits[0].entry.topics == ("permanencia", "datos")


def test_events_and_subscriptions_keep_time_zones(pg, tmp_path):
    path = tmp_path / "ev.csv"
    path.write_text("clave,titulo,tipo,modalidad,inicio\ne1,Encuentro,encuentro_secretarios,virtual,2099-03-05 09:00\n")
    SubscriptionService(pg).subscribe("web", "conv-1")
    with session_scope(pg) as session:
        import_file(session, path, "eventos")
    now = datetime.now(timezone.utc) + timedelta(minutes=1)
    event = EventService(pg, clock=lambda: now).next_event()
    assert event.starts_at == datetime(2099, 3, 5, 14, 0, tzinfo=timezone.utc)
    assert event.when_text == "jueves 5 de marzo de 2099, 9:00 a. m."
    with session_scope(pg) as session:
        assert [n.event.key for n in due_notifications(session, now=now)] == ["e1"]
