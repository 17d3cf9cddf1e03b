"""The same on PostgreSQL (production): migration (role curador, trigram indexes), ingestion from a
PostgreSQL tracker store with the counters' upserts, the dashboard and the queue search."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, inspect, text

from bot.agents.desk import AgentDesk, QueueFilters
from bot.agents.review.dashboard import Dashboard, default_filters
from bot.agents.review.inbox import ReviewInbox
from bot.agents.review.ingest import TrackerIngestor

from .conftest import NOW, Tracker, build_team, make_ticket


@pytest.fixture
def pg(pg_url, hasher, clock):
    engine = create_engine(pg_url, future=True)
    with engine.begin() as conn:
        tables = ", ".join(t for t in inspect(conn).get_table_names() if t != "alembic_version")
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    team = build_team(pg_url, hasher, clock)
    info = team.accounts.create_agent(email="cura@mineducacion.gov.co", name="Cura", role="curador",
                                      password="clave-segura-123", areas=["OTSI"])
    assert info.role == "curador" and info.areas == ("OTSI",)
    return pg_url, team


def test_migration_creates_trigram_indexes(pg) -> None:
    url, _ = pg
    engine = create_engine(url, future=True)
    with engine.connect() as conn:
        defs = dict(conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tickets'")).all())
    engine.dispose()
    assert "gin_trgm_ops" in defs["ix_tickets_description_trgm"] and "gin_trgm_ops" in defs["ix_tickets_code_trgm"]
    assert "ix_tickets_status_due_at" in defs


def test_ingestion_dashboard_and_queue_on_postgres(pg, clock) -> None:
    url, team = pg
    tracker = Tracker(url)  # Rasa's events table in PostgreSQL (the production tracker store)
    tracker.t = (NOW - timedelta(hours=3)).timestamp()
    for i in range(3):
        tracker.user(f"s{i}", "como va lo de la plataforma de matricula", "nlu_fallback", 0.2, channel="telegram")
        tracker.user(f"s{i}", "desercion en pasto", "consultar_indicador", 0.9,
                     entities=[{"entity": "lugar", "value": "pasto", "start": 12, "end": 17}], channel="telegram")
    ingestor = TrackerIngestor(database_url=url, tracker_url=url, clock=clock, batch_size=4)
    assert ingestor.run().events == 6
    tracker.user("s9", "hola", "saludar", 0.99, channel="telegram")
    assert ingestor.run().events == 1
    page = ReviewInbox(database_url=url).groups(team["coord"])
    assert page.total == 1 and page.groups[0].count == 3
    data = Dashboard(database_url=url, clock=clock).collect(team["coord"], default_filters(clock))
    assert data["totales"]["mensajes"] == 7 and data["totales"]["conversaciones"] == 4
    assert data["consultas_territorio"] == [{"clave": "Pasto", "cantidad": 3}]

    code = make_ticket(url, area="DFGT-SRH", description="Solicitud sobre traslado de una rectora")
    make_ticket(url, area="DFGT-SRH", description="Otra cosa", key="otra")
    desk = AgentDesk(database_url=url, clock=clock)
    assert [i.code for i in desk.queue(team["ana"], QueueFilters(text="RECTORA")).items] == [code]
    assert desk.queue(team["ana"], QueueFilters(code=code.split("-")[2])).total == 1
    assert desk.queue(team["ana"], QueueFilters(email="marta.perez@example.org", sort="creado",
                                                descending=True)).total == 2
