"""Fixtures of the tickets tests (the shared database fixtures are in tests/db_fixtures.py): the
PostgreSQL database ``tickets_test``, a fake router and a fixed clock."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.db import session_factory
from bot.tickets.routing.router import RoutingDecision
from bot.tickets.service import TicketRequest, TicketService, TranscriptTurn
from tests.db_fixtures import migrated_postgres

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)  # lunes 2 de marzo de 2026, 10:00 a. m. en Bogotá


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The ``tickets_test`` database on the local server, emptied and migrated once per session."""
    return migrated_postgres("tickets_test")


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
