"""The embedded default's tracker store: Rasa's SQL store (same events table) on a pooled WAL SQLite file."""

from __future__ import annotations

import sqlite3
import time

import pytest
import yaml

from rasa_addons.tracker_store import SQLiteTrackerStore

rasa_events = pytest.importorskip("rasa.shared.core.events")
Domain = pytest.importorskip("rasa.shared.core.domain").Domain
DialogueStateTracker = pytest.importorskip("rasa.shared.core.trackers").DialogueStateTracker

DOMAIN = Domain.from_dict({"intents": ["saludo"], "slots": {"lugar": {"type": "text", "mappings": [{"type": "custom"}]}},
                           "responses": {"utter_hola": [{"text": "Hola."}]}})


def _conversation(sender: str) -> DialogueStateTracker:
    """As Rasa logs a new session: action_session_start is logged after the SessionStarted it returned."""
    t0 = time.time()
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for event in (
        rasa_events.ActionExecuted("action_session_start", timestamp=t0 + 0.001),
        rasa_events.SessionStarted(timestamp=t0),
        rasa_events.ActionExecuted("action_listen", timestamp=t0 + 0.002),
        rasa_events.UserUttered("hola", {"name": "saludo", "confidence": 0.9}, timestamp=t0 + 0.003),
        rasa_events.SlotSet("lugar", "Cartagena", timestamp=t0 + 0.004),
        rasa_events.BotUttered("Hola.", timestamp=t0 + 0.005),
    ):
        tracker.update(event)
    return tracker


async def test_round_trip_and_incremental_save(tmp_path):
    db = tmp_path / "tracker.db"
    store = SQLiteTrackerStore(domain=DOMAIN, db=str(db))
    tracker = _conversation("u-1")
    await store.save(tracker)
    tracker.update(rasa_events.UserUttered("gracias", {"name": "saludo", "confidence": 0.8}))
    await store.save(tracker)  # only the new event is appended
    again = await SQLiteTrackerStore(domain=DOMAIN, db=str(db)).retrieve("u-1")  # another process: the table
    assert again is not None
    assert [e.as_dict() for e in again.events] == [e.as_dict() for e in tracker.events]
    assert again.get_slot("lugar") == "Cartagena"
    assert await store.retrieve("nadie") is None
    # Rasa's own table, readable by anyone (the review inbox reads it)
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT type_name, intent_name FROM events WHERE sender_id = 'u-1' ORDER BY id").fetchall()
        assert rows.count(("user", "saludo")) == 2 and len(rows) == 7
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        indexes = {r[1] for r in conn.execute("PRAGMA index_list('events')")}
        assert "ix_events_sender_type_ts" in indexes


def test_endpoints_of_the_embedded_default_name_it():
    from tests.conftest import ROOT

    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    assert endpoints["tracker_store"]["type"] == "rasa_addons.tracker_store.SQLiteTrackerStore"
    assert endpoints["tracker_store"]["db"] == "var/rasa_tracker.db"


async def test_the_saved_tracker_is_handed_back_once_and_only_while_unchanged(tmp_path):
    store = SQLiteTrackerStore(domain=DOMAIN, db=str(tmp_path / "tracker.db"))
    tracker = _conversation("u-2")
    await store.save(tracker)
    assert await store.retrieve("u-2") is tracker  # no read, no replay
    again = await store.retrieve("u-2")  # handed out once: now from the table
    assert again is not tracker and [e.as_dict() for e in again.events] == [e.as_dict() for e in tracker.events]

    await store.save(again)
    again.update(rasa_events.UserUttered("sin guardar", {"name": "saludo", "confidence": 0.5}))
    fresh = await store.retrieve("u-2")  # changed after its save: the table is the truth
    assert fresh is not again and "sin guardar" not in [getattr(e, "text", None) for e in fresh.events]

    # a second session in the same object: the table decides what the latest session is
    fresh.update(rasa_events.ActionExecuted("action_session_start", timestamp=time.time() + 1.001))
    fresh.update(rasa_events.SessionStarted(timestamp=time.time() + 1))
    await store.save(fresh)
    assert await store.retrieve("u-2") is not fresh
