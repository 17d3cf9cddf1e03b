"""Cost of the tracker store per message: Rasa's ``SQL`` store on SQLite against the embedded default's
``rasa_addons.tracker_store.SQLiteTrackerStore`` (and, for reference, in memory and PostgreSQL).

    python scripts/bench_tracker_store.py [--conversations 8] [--turns 20] [--postgres]

Each turn does what Rasa does for one message: retrieve the tracker, add the events of a typical
turn (user message, two actions, a slot, a bot message, listen) and save it. Printed: ms per turn
(p50/p95, and for the last turns, when the conversation is long), SQL statements and new database
connections per turn.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def domain():
    from rasa.shared.core.domain import Domain

    return Domain.from_dict({
        "intents": ["consultar_indicador", "saludo"],
        "slots": {"lugar": {"type": "text", "mappings": [{"type": "custom"}]},
                  "indicador": {"type": "text", "mappings": [{"type": "custom"}]}},
        "responses": {"utter_hola": [{"text": "Hola."}]},
        "actions": ["action_preparar_indicador", "action_responder_indicador"],
    })


def turn_events(i: int) -> list:
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

    parse = {"intent": {"name": "consultar_indicador", "confidence": 0.93}, "entities": [], "text": f"pregunta {i}",
             "intent_ranking": [{"name": "consultar_indicador", "confidence": 0.93}]}
    return [
        UserUttered(f"cual fue la desercion en cartagena en {2000 + i % 20}?", parse["intent"], [], parse),
        ActionExecuted("action_preparar_indicador"),
        SlotSet("lugar", "Cartagena"),
        SlotSet("indicador", "desercion"),
        ActionExecuted("action_responder_indicador"),
        BotUttered(f"La tasa de deserción de Cartagena en {2000 + i % 20} fue 3,1 %.", {"elements": None}),
        ActionExecuted("action_listen"),
    ]


def counted(store) -> dict:
    counts = {"sql": 0, "connect": 0}
    engine = getattr(store, "engine", None)
    if engine is not None:
        sa.event.listen(engine, "before_cursor_execute", lambda *a, **k: counts.__setitem__("sql", counts["sql"] + 1))
        sa.event.listen(engine, "connect", lambda *a, **k: counts.__setitem__("connect", counts["connect"] + 1))
    return counts


async def run(store, conversations: int, turns: int) -> dict:
    from rasa.shared.core.events import ActionExecuted, SessionStarted
    from rasa.shared.core.trackers import DialogueStateTracker

    counts = counted(store)
    per_turn: list[float] = []
    late: list[float] = []
    senders = [f"bench-{i}" for i in range(conversations)]
    for t in range(turns):
        for sender in senders:
            start = time.perf_counter()
            tracker = await store.retrieve(sender)
            if tracker is None:
                tracker = DialogueStateTracker(sender, store.domain.slots)
                now = time.time()
                tracker.update(SessionStarted(timestamp=now))
                tracker.update(ActionExecuted("action_session_start", timestamp=now + 0.001))
                tracker.update(ActionExecuted("action_listen", timestamp=now + 0.002))
            for event in turn_events(t):
                tracker.update(event)
            await store.save(tracker)
            elapsed = (time.perf_counter() - start) * 1000
            per_turn.append(elapsed)
            if t >= turns - 3:
                late.append(elapsed)
    n = conversations * turns
    q = statistics.quantiles(per_turn, n=20)
    return {"p50": statistics.median(per_turn), "p95": q[18], "late_p50": statistics.median(late),
            "sql": counts["sql"] / n, "connect": counts["connect"] / n}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--conversations", type=int, default=8)
    ap.add_argument("--turns", type=int, default=20)
    ap.add_argument("--postgres", action="store_true", help="also Rasa's SQL store on PostgreSQL (127.0.0.1)")
    args = ap.parse_args()
    from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore

    from rasa_addons.tracker_store import SQLiteTrackerStore

    dom = domain()
    tmp = Path(tempfile.mkdtemp(prefix="bench-tracker-"))
    stores = {
        "Rasa SQL + SQLite (antes)": lambda: SQLTrackerStore(dom, dialect="sqlite", db=str(tmp / "rasa.db")),
        "SQLiteTrackerStore (ahora)": lambda: SQLiteTrackerStore(dom, db=str(tmp / "wal.db")),
        "en memoria (referencia)": lambda: InMemoryTrackerStore(dom),
    }
    if args.postgres:
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("DROP DATABASE IF EXISTS bench_tracker_store_11")
            cur.execute("CREATE DATABASE bench_tracker_store_11")
        conn.close()
        stores["Rasa SQL + PostgreSQL (producción)"] = lambda: SQLTrackerStore(
            dom, dialect="postgresql", host="127.0.0.1", port=5432, db="bench_tracker_store_11", username="postgres")
    print(f"{args.conversations} conversaciones × {args.turns} turnos (7 eventos por turno)")
    print("| almacén | ms/turno p50 | p95 | p50 últimos 3 turnos | SQL por turno | conexiones nuevas por turno |")
    print("|---|---|---|---|---|---|")
    for name, make in stores.items():
        r = asyncio.run(run(make(), args.conversations, args.turns))
        print(f"| {name} | {r['p50']:.1f} | {r['p95']:.1f} | {r['late_p50']:.1f} | {r['sql']:.1f} | {r['connect']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
