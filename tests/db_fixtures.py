"""The database fixtures of the tests, in one module (imported by tests/unit/conftest.py, so every
unit test package has them, and by the packages that use the helpers directly).

- ``db_url``: a fresh SQLite file migrated with the real ``alembic upgrade heads`` (copied from a
  session template, ``migrated_template``);
- :func:`postgres_database` / :func:`migrated_postgres`: a database of its own on the local PostgreSQL
  (each test package names its own in a ``pg_url`` fixture, since other test runs use the server at
  the same time) and ``pg_clean``, which empties the tables of the package's ``pg_url``. A missing
  server fails the test.
- The agents' team written in that database: ``clock`` (a settable :class:`Clock` at :data:`NOW`),
  ``hasher``, ``team`` (:data:`TEAM_SPEC`), ``desk``, and :func:`make_ticket`.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.agents.accounts import AgentAccounts
from bot.agents.desk import AgentDesk
from bot.agents.permissions import Principal, Role
from bot.agents.security import PasswordHasher
from bot.db import session_scope
from bot.migrate import upgrade
from bot.tickets import repository as tickets_repo
from bot.tickets.calendar import due_at

PG_SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("migrated") / "app.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def db_url(tmp_path, migrated_template) -> str:
    """A fresh SQLite file migrated with ``alembic upgrade heads``."""
    path = tmp_path / "app.db"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


def checkout_database_name(name: str) -> str:
    """``name`` with a suffix of this checkout's path: work trees of the same repository (and CI's
    clone) test on one server at the same time, and must not empty each other's databases."""
    digest = hashlib.sha1(str(Path(__file__).resolve().parents[1]).encode()).hexdigest()[:6]
    return f"{name}_{digest}"


def postgres_database(name: str) -> str:
    """The URL of database ``name`` on the local PostgreSQL, created if missing."""
    name = checkout_database_name(name)
    try:
        admin = create_engine(f"{PG_SERVER}/postgres", future=True, isolation_level="AUTOCOMMIT",
                              connect_args={"connect_timeout": 2})
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": name}).scalar():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # the tests that need it must not pass without it
        pytest.fail(f"PostgreSQL 127.0.0.1:5432 no disponible: {exc}")
    return f"{PG_SERVER}/{name}"


def migrated_postgres(name: str) -> str:
    """Database ``name`` emptied and migrated with ``alembic upgrade heads``."""
    url = postgres_database(name)
    engine = create_engine(url, future=True, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)
    return url


@pytest.fixture
def pg_clean(pg_url) -> str:
    """The package's migrated PostgreSQL database (``pg_url``) with every table emptied."""
    engine = create_engine(pg_url, future=True)
    with engine.begin() as conn:
        tables = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
        ).scalars().all()
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return pg_url


# ----------------------------------------------------------------------------- the agents' team
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)  # lunes 2 de marzo de 2026, 10:00 a. m. en Bogotá
PASSWORD = "clave-segura-123"


class Clock:
    """A settable clock shared by the services of a test."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now = self.now + timedelta(**delta)


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
