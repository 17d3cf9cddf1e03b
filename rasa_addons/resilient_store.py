"""Rasa's SQL tracker store, able to survive a database restart without manual steps.

Rasa 3.6 builds its engine without ``pool_pre_ping`` and gives up at the first database error: after
PostgreSQL restarts, pooled connections are dead, and while it is down a turn is answered but not
stored (the REST channel still returns the bot's messages). Here:

- every connection is checked when it leaves the pool, and replaced if dead (``pool_pre_ping``);
- reads and writes that fail because the database is unreachable are retried for up to
  ``TRACKER_DB_RETRY_SECONDS`` (30) seconds, so a turn waits for the database instead of being lost
  (a write is one transaction: nothing is stored twice; events already published to the broker
  before a failed write may be published again);
- SQL errors never carry bound values (personal data) into logs (``hide_parameters``).

Configured in ``config/endpoints.production.yml`` with
``type: rasa_addons.resilient_store.ResilientSQLTrackerStore`` and the same keys as ``type: SQL``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)
T = TypeVar("T")


def retry_seconds() -> float:
    return float(os.environ.get("TRACKER_DB_RETRY_SECONDS") or 30)


def _unreachable(err: BaseException) -> bool:
    return isinstance(err, (sa.exc.OperationalError, sa.exc.InterfaceError)) or bool(
        isinstance(err, sa.exc.DBAPIError) and err.connection_invalidated
    )


class ResilientSQLTrackerStore(SQLTrackerStore):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, hide_parameters=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def _retrying(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        deadline = time.monotonic() + retry_seconds()
        delay = 0.5
        while True:
            try:
                return await call()
            except sa.exc.DBAPIError as err:
                if not _unreachable(err) or time.monotonic() + delay > deadline:
                    raise
                logger.warning("tracker store: database unreachable during %s (%s); retrying", what, type(err).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 4)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self._retrying("save", lambda: super(ResilientSQLTrackerStore, self).save(tracker))

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        return await self._retrying("retrieve", lambda: super(ResilientSQLTrackerStore, self).retrieve(sender_id))

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        parent = super()
        return await self._retrying("retrieve", lambda: parent.retrieve_full_tracker(conversation_id))

    async def keys(self) -> Iterable[str]:
        return await self._retrying("keys", lambda: super(ResilientSQLTrackerStore, self).keys())
