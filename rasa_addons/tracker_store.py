"""Rasa's SQL tracker store for the embedded default (one SQLite file, one Rasa process), cheaper per message.

Same class, same ``events`` table as Rasa's ``SQL`` store (the review inbox reads it), but:

* one pooled connection instead of a new SQLite connection for every query (SQLAlchemy 1.4 gives
  file databases a ``NullPool``: connect, read the schema, close, several times per message);
* write-ahead log (``journal_mode=WAL``, ``synchronous=NORMAL``): a commit appends to the log
  instead of rewriting and syncing the database file and its journal; readers (the web app, the
  review inbox) no longer block the writer; ``busy_timeout`` waits instead of failing when they do;
* an index on ``(sender_id, type_name, timestamp)`` for the "latest session start" subquery that Rasa
  runs at every retrieve and save;
* the tracker just saved is kept in memory (the last ``CACHE_SIZE`` conversations) and handed back,
  once, by the next ``retrieve`` of that conversation, instead of reading and replaying all its
  events again (the cost that grows with the length of the conversation). Every event is still
  written to the table at every save. The cached object is taken out of the cache when handed out,
  so a message that fails before its save leaves nothing stale behind; it is only used when it
  still has exactly the events that were saved and one session (otherwise: the table, as Rasa does).
  Valid because the embedded default is ONE Rasa process (in-memory lock store: Rasa refuses several
  Sanic workers with it); production, with replicas, uses Rasa's own SQL store on PostgreSQL.

``synchronous=NORMAL`` in WAL mode survives a crash of the process; a power cut can lose the last
commits, never corrupt the file. Production uses PostgreSQL (config/endpoints.production.yml).

endpoints.yml::

    tracker_store:
      type: rasa_addons.tracker_store.SQLiteTrackerStore
      db: var/rasa_tracker.db
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.pool import QueuePool

CACHE_SIZE = 256

PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000")
INDEX = "CREATE INDEX IF NOT EXISTS ix_events_sender_type_ts ON events (sender_id, type_name, timestamp)"


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


class SQLiteTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` on a SQLite file with a connection pool, WAL and an index (see module doc)."""

    def __init__(self, domain: Any = None, host: str | None = None, db: str = "var/rasa_tracker.db",
                 event_broker: Any = None, **kwargs: Any) -> None:
        kwargs.pop("dialect", None)
        super().__init__(domain=domain, dialect="sqlite", db=db, event_broker=event_broker, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(
            url, poolclass=QueuePool, pool_size=4, max_overflow=4, connect_args={"check_same_thread": False}
        )
        sa.event.listen(self.engine, "connect", _pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        with self.engine.begin() as conn:
            conn.exec_driver_sql(INDEX)
        self._saved: OrderedDict[str, tuple[DialogueStateTracker, int]] = OrderedDict()
        self.cache_hits = 0

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        cached = self._saved.pop(sender_id, None)
        if cached is not None:
            tracker, saved_events = cached
            if len(tracker.events) == saved_events:
                self.cache_hits += 1
                return tracker
        return await super().retrieve(sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        self._saved.pop(tracker.sender_id, None)
        await super().save(tracker)
        if sum(1 for e in tracker.events if isinstance(e, SessionStarted)) <= 1:
            self._saved[tracker.sender_id] = (tracker, len(tracker.events))
            while len(self._saved) > CACHE_SIZE:
                self._saved.popitem(last=False)
