"""Fixtures of the review inbox tests: a migrated app database (SQLite copy of a template), a
Rasa tracker store written in Rasa 3.6's ``events`` format, the agents of the agents tests plus two
curators (one for every area, one scoped to DFGT-SRH)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from bot.agents.permissions import Principal, Role
from bot.agents.review.ingest import RASA_EVENTS
from bot.agents.security import PasswordHasher
from bot.migrate import upgrade
from tests.unit.agents.conftest import NOW, PASSWORD, Clock, Team, build_team, make_ticket  # noqa: F401
from tests.unit.conftest import checkout_database_name

PG_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
PG_DB = checkout_database_name("review_issue15_test")


@pytest.fixture(scope="session")
def review_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("review-template") / "app.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def db_url(tmp_path, review_template) -> str:
    path = tmp_path / "app.db"
    shutil.copy(review_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def hasher() -> PasswordHasher:
    return PasswordHasher(rounds=4)


@pytest.fixture
def team(db_url, hasher, clock) -> Team:
    team = build_team(db_url, hasher, clock)
    for name, areas in (("cura", []), ("curasrh", ["DFGT-SRH"])):
        email = f"{name}@mineducacion.gov.co"
        info = team.accounts.create_agent(email=email, name=name.capitalize(), role="curador", password=PASSWORD,
                                          areas=areas)
        team.principals[name] = Principal(id=info.id, email=info.email, name=info.name, role=Role.CURADOR,
                                          areas=frozenset(info.areas))
        team.emails[name] = email
    return team


@dataclass
class Tracker:
    """Rasa's SQL tracker store table ``events`` (same columns and JSON as Rasa 3.6 writes)."""

    url: str
    t: float = field(default_factory=lambda: NOW.timestamp())

    def __post_init__(self) -> None:
        RASA_EVENTS.metadata.create_all(create_engine(self.url, future=True))

    def _add(self, sender: str, event: dict, *, intent: str | None = None, action: str | None = None) -> int:
        self.t += 1.0
        event = {**event, "timestamp": self.t}
        engine = create_engine(self.url, future=True)
        with engine.begin() as conn:
            result = conn.execute(RASA_EVENTS.insert().values(
                sender_id=sender, type_name=event["event"], timestamp=self.t, intent_name=intent,
                action_name=action, data=json.dumps(event),
            ))
            eid = result.inserted_primary_key[0]
        engine.dispose()
        return eid

    def user(self, sender: str, text_: str, intent: str, confidence: float = 0.95, entities=(),
             channel: str = "socketio") -> int:
        parse = {"text": text_, "intent": {"name": intent, "confidence": confidence}, "entities": list(entities),
                 "intent_ranking": [{"name": intent, "confidence": confidence}]}
        return self._add(sender, {"event": "user", "text": text_, "parse_data": parse, "input_channel": channel,
                                  "message_id": f"m{self.t}", "metadata": {}}, intent=intent)

    def bot(self, sender: str, text_: str) -> int:
        return self._add(sender, {"event": "bot", "text": text_, "data": {}, "metadata": {}})

    def action(self, sender: str, name: str) -> int:
        return self._add(sender, {"event": "action", "name": name, "policy": "RulePolicy", "confidence": 1.0},
                         action=name)

    def slot(self, sender: str, name: str, value) -> int:
        return self._add(sender, {"event": "slot", "name": name, "value": value})

    def loop(self, sender: str, name: str | None) -> int:
        return self._add(sender, {"event": "active_loop", "name": name})


@pytest.fixture
def tracker(tmp_path) -> Tracker:
    return Tracker(f"sqlite:///{tmp_path / 'rasa_tracker.db'}")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """Database ``review_issue15_test_<checkout>`` on the local PostgreSQL (required: the test fails without it)."""
    admin = create_engine(PG_ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {PG_DB}"))
        conn.execute(text(f"CREATE DATABASE {PG_DB}"))
    admin.dispose()
    url = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{PG_DB}"
    upgrade(url)
    yield url


def later(clock: Clock, **delta) -> datetime:
    clock.advance(**(delta or {"minutes": 1}))
    return clock.now


__all__ = ["NOW", "PASSWORD", "Tracker", "later", "make_ticket", "timedelta"]
