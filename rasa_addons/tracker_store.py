"""Rasa's SQL tracker store for the embedded default (one SQLite file, one Rasa process), cheaper per message.

Same class, same ``events`` table as Rasa's ``SQL`` store (the review inbox reads it), but:

* one pooled connection instead of a new SQLite connection for every query (SQLAlchemy 1.4 gives
  file databases a ``NullPool``: connect, read the schema, close, several times per message);
* write-ahead log (``journal_mode=WAL``, ``synchronous=NORMAL``): a commit appends to the log
  instead of rewriting and syncing the database file and its journal; readers (the web app, the
  review inbox) no longer block the writer; ``busy_timeout`` waits instead of failing when they do;
* an index on ``(sender_id, type_name, timestamp)`` for the "latest session start" subquery that Rasa
  runs at every retrieve and save.

``synchronous=NORMAL`` in WAL mode survives a crash of the process; a power cut can lose the last
commits, never corrupt the file. Production uses PostgreSQL (config/endpoints.production.yml).

endpoints.yml::

    tracker_store:
      type: rasa_addons.tracker_store.SQLiteTrackerStore
      db: var/rasa_tracker.db
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy.pool import QueuePool

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
