"""Fixtures of the tickets tests: migrated SQLite files (the real Alembic revision), an optional
PostgreSQL database ``tickets_test``, a fake router and a fixed clock."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, text

from bot.db import session_factory
from bot.migrate import upgrade
from bot.tickets.routing.router import RoutingDecision
from bot.tickets.service import TicketRequest, TicketService, TranscriptTurn

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)  # lunes 2 de marzo de 2026, 10:00 a. m. en Bogotá
PG_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/tickets_test"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("template") / "tickets.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def db_url(tmp_path, migrated_template) -> str:
    """A fresh SQLite file migrated with ``alembic upgrade heads`` (copied from a session template)."""
    path = tmp_path / "tickets.db"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


def _postgres_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, future=True, connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The ``tickets_test`` database on the local server, emptied and migrated once per session."""
    if not _postgres_available():
        pytest.skip("PostgreSQL 127.0.0.1:5432 is not reachable")
    admin = create_engine(PG_ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = 'tickets_test'")).scalar()
        if not exists:
            conn.execute(text("CREATE DATABASE tickets_test"))
    admin.dispose()
    engine = create_engine(PG_URL, future=True, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(PG_URL)
    return PG_URL


@pytest.fixture
def pg_clean(pg_url) -> str:
    engine = create_engine(pg_url, future=True)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE ticket_events, tickets, ticket_counters RESTART IDENTITY CASCADE"))
    engine.dispose()
    return pg_url


class FakeRouter:
    """Routes every text to ``area`` with ``confidence`` (the real router is tested on its own)."""

    def __init__(self, area: str = "DFGT-SRH", confidence: float = 0.8, default: str = "SG-SRC", threshold=0.35):
        self.area, self.confidence, self.default, self.threshold = area, confidence, default, threshold
        self.calls: list[str] = []

    def route(self, text: str) -> RoutingDecision:
        self.calls.append(text)
        low = self.confidence < self.threshold
        return RoutingDecision(
            area_code=self.default if low else self.area,
            confidence=self.confidence,
            needs_triage=low,
            method="defecto" if low else "clasificador",
            predicted_area=self.area,
            candidates=((self.area, self.confidence),),
        )


@pytest.fixture
def router() -> FakeRouter:
    return FakeRouter()


@pytest.fixture
def service(db_url, router) -> TicketService:
    return TicketService(sessions=session_factory(db_url), router=router, clock=lambda: NOW)


def make_request(**overrides) -> TicketRequest:
    values = dict(
        idempotency_key="conv-1:solicitud-1",
        name="Marta Lucía Pérez",
        cargo="Profesional de talento humano",
        etc_code="3759",
        etc_name="Medellín",
        email="marta.perez@example.org",
        phone=None,
        description="Necesitamos ampliar la planta docente de la secretaría para 2026.",
        consent_given_at=NOW,
        channel="rest",
        conversation_id="conv-1",
        transcript=(
            TranscriptTurn("usuario", "necesito hablar con alguien del ministerio", NOW),
            TranscriptTurn("asistente", "Con gusto le ayudo a abrir un caso.", NOW),
        ),
        escalation_reason="contactar_humano",
        policy_url="https://example.org/politica",
        policy_version="2025-01",
    )
    values.update(overrides)
    return TicketRequest(**values)


@pytest.fixture
def request_factory():
    return make_request
