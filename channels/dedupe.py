"""Process a re-delivered webhook message once: remember message ids for a bounded time.

:class:`MemoryDeduper` keeps ids in this process (bounded count, TTL); it is enough for one Rasa
process. With several Rasa replicas behind a load balancer Meta may deliver the copy to another
replica: use :class:`RedisDeduper` (``SET key NX EX ttl``) so that all replicas share the ids.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

logger = logging.getLogger(__name__)


class Deduper(Protocol):
    async def first_time(self, message_id: str) -> bool:
        """True the first time ``message_id`` is seen (within the TTL), False for a repeat."""
        ...


class MemoryDeduper:
    """Ids seen in the last ``ttl_seconds``, at most ``max_entries`` (oldest dropped first)."""

    def __init__(
        self, ttl_seconds: float = 86_400, max_entries: int = 50_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def _expire(self, now: float) -> None:
        while self._seen:
            oldest_id, seen_at = next(iter(self._seen.items()))
            if now - seen_at < self.ttl_seconds and len(self._seen) <= self.max_entries:
                break
            del self._seen[oldest_id]

    def first_time_sync(self, message_id: str) -> bool:
        now = self._clock()
        self._expire(now)
        if message_id in self._seen:
            return False
        self._seen[message_id] = now
        self._expire(now)
        return True

    async def first_time(self, message_id: str) -> bool:
        return self.first_time_sync(message_id)


class RedisDeduper:
    """Ids shared by every replica through Redis; falls back to memory while Redis is unreachable."""

    def __init__(self, url: str, ttl_seconds: int = 86_400, prefix: str = "whatsapp:seen:", client: Any = None) -> None:
        self.url = url
        self.ttl_seconds = int(ttl_seconds)
        self.prefix = prefix
        self._client = client
        self._fallback = MemoryDeduper(ttl_seconds=ttl_seconds)

    def _redis(self) -> Any:
        if self._client is None:
            import redis.asyncio as aioredis

            self._client = aioredis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2)
        return self._client

    async def first_time(self, message_id: str) -> bool:
        try:
            created = await self._redis().set(self.prefix + message_id, "1", nx=True, ex=self.ttl_seconds)
        except Exception as exc:  # Redis down: keep working, dedupe in this process only
            logger.error("Redis dedupe unavailable (%s); using this process' memory", exc.__class__.__name__)
            return self._fallback.first_time_sync(message_id)
        return bool(created)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
