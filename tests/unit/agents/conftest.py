"""Fixtures of the agents tests (the shared database fixtures are in tests/unit/conftest.py): the
PostgreSQL database ``agents_test``, tickets written through the tickets repository, four accounts
(two agents of different areas, a coordinator, an admin), a fixed clock and a fake Rasa server."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.agents.accounts import AgentAccounts
from bot.agents.desk import AgentDesk
from bot.agents.outbox import NoticeInbox
from bot.agents.permissions import Principal, Role
from bot.agents.security import PasswordHasher
from bot.db import session_scope
from bot.tickets import repository as tickets_repo
from bot.tickets.calendar import due_at

from ..conftest import migrated_postgres

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)  # lunes 2 de marzo de 2026, 10:00 a. m. en Bogotá
PASSWORD = "clave-segura-123"


XSS = "<img src=x onerror=alert(1)>"


class Clock:
    """A settable clock shared by the services of a test."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now = self.now + timedelta(**delta)


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The ``agents_test`` database on the local server, emptied and migrated once per session."""
    return migrated_postgres("agents_test")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def hasher() -> PasswordHasher:
    return PasswordHasher(rounds=4)  # bcrypt's minimum cost keeps the tests fast


def make_ticket(
    url: str,
    *,
    area: str = "DFGT-SRH",
    priority: str = "media",
    created: datetime = NOW,
    sla_days: int = 10,
    conversation_id: str | None = "conv-1",
    channel: str | None = "socketio",
    description: str = "Necesitamos ampliar la planta docente de la secretaría para 2026.",
    key: str | None = None,
) -> str:
    """A ticket written with the tickets repository (status ``nuevo``); returns its code."""
    draft = tickets_repo.TicketDraft(
        idempotency_key=key or f"k-{area}-{priority}-{created.isoformat()}-{description[:20]}-{conversation_id}",
        area_code=area, priority=priority, sla_business_days=sla_days, due_at=due_at(created, sla_days),
        needs_triage=False, routing_confidence=0.9, routing_method="reglas", routing_candidates=[[area, 0.9]],
        requester_name="Marta Lucía Pérez", requester_cargo="Profesional de talento humano",
        requester_email="marta.perez@example.org", requester_phone=None, etc_code="05001", etc_name="Medellín",
        consent_given_at=created, consent_policy_url=None, consent_policy_version=None, channel=channel,
        conversation_id=conversation_id, description=description,
        transcript=[{"de": "usuario", "texto": description, "fecha": created.isoformat()},
                    {"de": "asistente", "texto": "Con gusto le ayudo a abrir un caso.", "fecha": created.isoformat()}],
        created_at=created, escalation_reason="contactar_humano",
    )
    with session_scope(url) as session:
        ticket, _ = tickets_repo.create_ticket(session=session, draft=draft)
        return ticket.code


@dataclass
class Team:
    """Accounts of a test: ``principals[name]`` and their e-mails."""

    accounts: AgentAccounts
    principals: dict[str, Principal] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Principal:
        return self.principals[name]


TEAM_SPEC = {
    "ana": ("agente", ["DFGT-SRH"]),  # talento humano
    "beto": ("agente", ["DFGT-SRH", "DCE-ACC"]),  # a second agent of the same area
    "olga": ("agente", ["OTSI"]),  # another area
    "coord": ("coordinador", []),
    "admin": ("admin", []),
}


def build_team(url: str, hasher: PasswordHasher, clock: Callable[[], datetime]) -> Team:
    accounts = AgentAccounts(database_url=url, hasher=hasher, clock=clock)
    team = Team(accounts=accounts)
    for name, (role, areas) in TEAM_SPEC.items():
        email = f"{name}@mineducacion.gov.co"
        info = accounts.create_agent(email=email, name=name.capitalize(), role=role, password=PASSWORD, areas=areas)
        team.principals[name] = Principal(id=info.id, email=info.email, name=info.name, role=Role(role),
                                          areas=frozenset(info.areas))
        team.emails[name] = email
    return team


@pytest.fixture
def team(db_url, hasher, clock) -> Team:
    return build_team(db_url, hasher, clock)


@pytest.fixture
def desk(db_url, clock) -> AgentDesk:
    return AgentDesk(database_url=db_url, clock=clock)


# ----------------------------------------------------------------------------- fake Rasa
@dataclass
class FakeRasa:
    """Rasa's ``trigger_intent`` endpoint on 127.0.0.1. ``mode``: ``ok`` runs the action (takes the
    notice by its token, as ``action_entregar_aviso`` does), ``no_action`` answers 200 without running
    it, ``error`` answers 500, ``slow`` sleeps longer than the client's timeout."""

    inbox: NoticeInbox
    mode: str = "ok"
    requests: list[dict] = field(default_factory=list)
    uttered: list = field(default_factory=list)
    url: str = ""

    def handle(self, path: str, query: dict, body: dict) -> tuple[int, dict]:
        # as Rasa 3.6 (Sanic 21.12, route "/conversations/<conversation_id:path>/trigger_intent"):
        # the raw path between the two, *not* percent-decoded
        raw = urlsplit(path).path
        conversation = raw[len("/conversations/"):-len("/trigger_intent")] if raw.endswith("/trigger_intent") else ""
        self.requests.append({"path": urlsplit(path).path, "conversation": conversation, "query": query, "body": body})
        if self.mode == "error":
            return 500, {"message": "boom"}
        if self.mode == "slow":
            import time

            time.sleep(1.5)
        if self.mode == "ok":
            notice = self.inbox.take_by_token(token=body["entities"]["entrega"], conversation_id=conversation)
            if notice is not None:
                self.uttered.append(notice)
        return 200, {"tracker": {"sender_id": conversation}}


@pytest.fixture
def fake_rasa(db_url, clock) -> Iterator[FakeRasa]:
    fake = FakeRasa(inbox=NoticeInbox(database_url=db_url, clock=clock))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            status, payload = fake.handle(self.path, query, body)
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                pass

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    """A local URL where nothing listens (Rasa down)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
