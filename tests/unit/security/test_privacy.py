"""Ley 1581: resolved tickets close by themselves, the scheduled job removes expired personal data from
tickets and from Rasa's tracker store, and ``python -m bot datos exportar|borrar`` answer a person's
request (bot/privacy.py). The tracker store is Rasa's own ``SQLTrackerStore`` on SQLite."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import select

from bot.cli import main as cli
from bot.db import session_scope
from bot.privacy import autoclose_resolved, run_privacy_job, tracker_events
from bot.settings import load_settings
from bot.tickets.models import Ticket, TicketEvent
from tests.db_fixtures import NOW, make_ticket

DAY = timedelta(days=1)


@pytest.fixture
def tracker_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'rasa_tracker.db'}"


async def save_conversation(tracker_url: str, sender: str, when, text: str) -> None:
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=tracker_url.split("///", 1)[1])
    events = [UserUttered(text, timestamp=when.timestamp()), BotUttered("Gracias.", timestamp=when.timestamp() + 1)]
    await store.save(DialogueStateTracker.from_events(sender, events))


def _set(db_url: str, code: str, **values) -> None:
    with session_scope(db_url) as session:
        ticket = session.execute(select(Ticket).where(Ticket.code == code)).scalar_one()
        for key, value in values.items():
            setattr(ticket, key, value)


def _ticket(db_url: str, code: str) -> Ticket:
    with session_scope(db_url) as session:
        return session.execute(select(Ticket).where(Ticket.code == code)).scalar_one()


def test_resolved_tickets_close_after_the_configured_days(db_url) -> None:
    old = make_ticket(db_url, key="old", conversation_id="wa:1")
    recent = make_ticket(db_url, key="recent", conversation_id="wa:2")
    _set(db_url, old, status="resuelto", resolved_at=NOW - 16 * DAY)
    _set(db_url, recent, status="resuelto", resolved_at=NOW - 2 * DAY)
    assert autoclose_resolved(database_url=db_url, after_days=15, now=NOW) == [old]
    assert _ticket(db_url, old).status == "cerrado" and _ticket(db_url, old).closed_at == NOW
    assert _ticket(db_url, recent).status == "resuelto"
    with session_scope(db_url) as session:
        last = session.execute(select(TicketEvent).order_by(TicketEvent.id.desc())).scalars().first()
    assert (last.actor_type, last.from_status, last.to_status) == ("sistema", "resuelto", "cerrado")


async def test_privacy_job_removes_expired_personal_data_everywhere(db_url, tracker_url, tmp_path) -> None:
    expired = make_ticket(db_url, key="expired", conversation_id="wa:573001112233")
    kept = make_ticket(db_url, key="kept", conversation_id="web:reciente")
    _set(db_url, expired, status="cerrado", closed_at=NOW - 400 * DAY)
    await save_conversation(tracker_url, "wa:573001112233", NOW - 2 * DAY, "mi correo es marta.perez@example.org")
    await save_conversation(tracker_url, "web:reciente", NOW - 2 * DAY, "mi teléfono es 3001234567")
    await save_conversation(tracker_url, "web:abandonada", NOW - 400 * DAY, "me llamo Pedro, pedro@example.org")
    await save_conversation(tracker_url, "web:sin-caso", NOW - 3 * DAY, "hola")
    settings = replace(load_settings({"APP_VAR_DIR": str(tmp_path), "DATABASE_URL": db_url,
                                      "TRACKER_STORE_URL": tracker_url}), ticket_retention_days=365)

    report = run_privacy_job(settings, now=NOW)

    assert report.purged == [expired] and report.conversations_deleted == 2
    gone = _ticket(db_url, expired)
    assert gone.requester_email is None and gone.description is None and gone.personal_data_removed_at == NOW
    assert _ticket(db_url, kept).requester_email == "marta.perez@example.org"
    left = tracker_events(tracker_url, ["wa:573001112233", "web:reciente", "web:abandonada", "web:sin-caso"])
    assert set(left) == {"web:reciente", "web:sin-caso"}
    assert run_privacy_job(settings, now=NOW).purged == []  # nothing twice


async def test_export_and_delete_on_request(db_url, tracker_url, capsys) -> None:
    first = make_ticket(db_url, key="a", conversation_id="tg:42")
    second = make_ticket(db_url, key="b", conversation_id="web:otra")
    other = make_ticket(db_url, key="c", conversation_id="wa:999")
    _set(db_url, other, requester_email="otra.persona@example.org")
    await save_conversation(tracker_url, "tg:42", NOW, "mi correo es marta.perez@example.org")
    await save_conversation(tracker_url, "wa:999", NOW, "soy otra persona")
    urls = ["--database-url", db_url, "--tracker-url", tracker_url]
    from bot.encuentros.subscriptions import SubscriptionService

    subs = SubscriptionService(db_url)
    subs.subscribe("telegram", "tg:42")
    subs.subscribe("whatsapp", "wa:999")

    assert cli(["datos", "exportar", "--email", "MARTA.PEREZ@example.org", *urls]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert [c["codigo"] for c in exported["casos"]] == [first, second]
    assert exported["casos"][0]["email"] == "marta.perez@example.org" and exported["casos"][0]["historial"]
    assert any(e.get("text") == "mi correo es marta.perez@example.org" for e in exported["conversaciones"]["tg:42"])

    assert cli(["datos", "borrar", "--email", "marta.perez@example.org", *urls]) == 2  # needs --confirmar
    assert _ticket(db_url, first).requester_email == "marta.perez@example.org"
    assert cli(["datos", "borrar", "--email", "marta.perez@example.org", "--confirmar", *urls]) == 0
    for code in (first, second):
        ticket = _ticket(db_url, code)
        assert ticket.status == "cerrado" and ticket.requester_name is None and ticket.transcript is None
    assert set(tracker_events(tracker_url, ["tg:42", "wa:999"])) == {"wa:999"}
    assert _ticket(db_url, other).requester_email == "otra.persona@example.org"
    assert not subs.is_subscribed("telegram", "tg:42") and subs.is_subscribed("whatsapp", "wa:999")

    capsys.readouterr()
    assert cli(["datos", "exportar", "--caso", other.lower(), *urls]) == 0
    assert [c["codigo"] for c in json.loads(capsys.readouterr().out)["casos"]] == [other]
    assert cli(["datos", "exportar", "--caso", "MEN-2026-999999-ZZZZ", *urls]) == 1


def test_web_app_schedules_the_privacy_job(tmp_path, db_url, tracker_url, monkeypatch) -> None:
    import asyncio
    import time

    from fastapi.testclient import TestClient

    from webapp.app import create_app

    resolved = make_ticket(db_url, key="sched", conversation_id=None)
    _set(db_url, resolved, status="resuelto", resolved_at=NOW - 30 * DAY)
    settings = replace(load_settings({"APP_VAR_DIR": str(tmp_path), "DATABASE_URL": db_url,
                                      "TRACKER_STORE_URL": tracker_url}), privacy_job_minutes=1,
                       agent_delivery_retry_seconds=0, review_ingest_seconds=0)  # only the privacy job sleeps
    app = create_app(settings)
    waits = []
    real_sleep = asyncio.sleep

    async def short_first_wait(seconds):  # the job waits a minute after start-up: not in a test
        waits.append(seconds)
        await real_sleep(0 if len(waits) == 1 else 3600)

    monkeypatch.setattr(asyncio, "sleep", short_first_wait)
    with TestClient(app):
        deadline = time.monotonic() + 20
        while _ticket(db_url, resolved).status != "cerrado" and time.monotonic() < deadline:
            time.sleep(0.05)
    assert _ticket(db_url, resolved).status == "cerrado"
    assert waits[0] == 60  # first run a minute after start-up, then every PRIVACY_JOB_MINUTES


PG_TRACKER_DB = "privacy_12a_test"


@pytest.fixture
def pg_tracker_url() -> str:
    """Rasa's tracker store on the machine's PostgreSQL (as in production), in a database of its own."""
    from sqlalchemy import create_engine, text

    admin = create_engine("postgresql+psycopg2://postgres@127.0.0.1:5432/postgres", future=True,
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text(f"SELECT 1 FROM pg_database WHERE datname = '{PG_TRACKER_DB}'")).scalar():
            conn.execute(text(f"CREATE DATABASE {PG_TRACKER_DB}"))
    admin.dispose()
    url = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{PG_TRACKER_DB}"
    engine = create_engine(url, future=True, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP TABLE IF EXISTS events"))
    engine.dispose()
    return url


@pytest.mark.postgres
async def test_privacy_job_on_a_postgresql_tracker_store(db_url, pg_tracker_url, tmp_path) -> None:
    store = SQLTrackerStore(Domain.empty(), dialect="postgresql", host="127.0.0.1", port=5432, db=PG_TRACKER_DB,
                            username="postgres")
    settings = replace(load_settings({"APP_VAR_DIR": str(tmp_path), "DATABASE_URL": db_url,
                                      "TRACKER_STORE_URL": pg_tracker_url}), ticket_retention_days=365)
    assert run_privacy_job(settings, now=NOW).conversations_deleted == 0  # empty store
    expired = make_ticket(db_url, key="pg-expired", conversation_id="wa:573001112233")
    _set(db_url, expired, status="cerrado", closed_at=NOW - 400 * DAY)
    for sender, when in (("wa:573001112233", NOW - DAY), ("web:abandonada", NOW - 400 * DAY), ("web:activa", NOW)):
        events = [UserUttered("mi correo es ana@example.org", timestamp=when.timestamp())]
        await store.save(DialogueStateTracker.from_events(sender, events))

    report = run_privacy_job(settings, now=NOW)

    assert report.purged == [expired] and report.conversations_deleted == 2
    assert set(tracker_events(pg_tracker_url, ["wa:573001112233", "web:abandonada", "web:activa"])) == {"web:activa"}
