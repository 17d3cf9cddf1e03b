"""Offer to connect: the VPBM-ESC case created through the tickets feature's repository."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.catalog.connect import AREA_CODE, PeerConnectionService, Requester, connection_description
from bot.catalog.peers import CsvPeerData, PeerFinder
from bot.db import Base, get_engine, session_scope
from bot.tickets.models import Ticket
from bot.tickets.service import ConsentRequired, TicketValidationError

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
ANA = Requester("Ana Pérez", "Profesional de cobertura", "ana.perez@example.org", NOW)


@pytest.fixture(scope="module")
def tunja():
    finder = PeerFinder(CsvPeerData())
    return finder.find(finder.resolve("Tunja"))


@pytest.fixture
def tickets_db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'tickets.db'}"
    Base.metadata.create_all(get_engine(url))
    return url


def test_description_states_peers_figures_criteria_and_source(tunja):
    text = connection_description(tunja, "Nos interesa su estrategia.")
    assert "Tunja" in text and "Facatativá y Piedecuesta" in text
    assert "2,68 % → 2,00 %" in text and "entre 2017 y 2021" in text
    assert "Región Centro Oriente" in text and "nudc-7mev" in text and text.endswith("Nos interesa su estrategia.")


def test_case_goes_to_vpbm_esc_once(tunja, tickets_db):
    service = PeerConnectionService(tickets_db, clock=lambda: NOW)
    first = service.request(tunja, ANA, idempotency_key="c1:pares", channel="web", conversation_id="c1")
    again = service.request(tunja, ANA, idempotency_key="c1:pares", channel="web", conversation_id="c1")
    assert first.created and not again.created and first.code == again.code
    assert first.area_code == AREA_CODE and first.code.startswith("MEN-2026-")
    with session_scope(tickets_db) as session:
        ticket = session.execute(select(Ticket)).scalar_one()
        assert (ticket.area_code, ticket.etc_name, ticket.routing_method) == ("VPBM-ESC", "Tunja", "pares")
        assert not ticket.needs_triage and ticket.conversation_id == "c1"


def test_consent_and_valid_email_are_required(tunja, tickets_db):
    service = PeerConnectionService(tickets_db, clock=lambda: NOW)
    with pytest.raises(ConsentRequired):
        service.request(tunja, Requester("Ana", "Cargo", "ana@example.org", None), idempotency_key="k1")
    with pytest.raises(TicketValidationError) as info:
        service.request(tunja, Requester("Ana Pérez", "Cargo", "no-es-correo", NOW), idempotency_key="k2")
    assert info.value.field == "email"
    with session_scope(tickets_db) as session:
        assert session.execute(select(Ticket)).first() is None


def test_nothing_to_connect_without_peers(tickets_db):
    finder = PeerFinder(CsvPeerData())
    departmental = finder.find(finder.resolve("antioquia"))
    with pytest.raises(ValueError):
        connection_description(departmental)
