"""A Redis lock store for several Rasa replicas, without the race of Rasa 3.6's ``RedisLockStore``.

Rasa 3.6 keeps a conversation's ticket queue as one JSON value and updates it with GET, change in
Python, SET: two replicas issuing a ticket for the same conversation at the same instant both read
the same queue, both get the same ticket number (two messages processed at once) and one queue
overwrites the other (a ticket lost); ``cleanup`` can also delete a ticket issued between its
"is someone waiting?" check and its DEL.

Here every operation on the queue is one Lua script, which Redis runs atomically:

- ``<prefix>lock:<conversation>``: a hash, ticket number -> expiry (Redis server time, ms);
- ``<prefix>lock:<conversation>:seq``: the last ticket number (INCR; it outlives the tickets by a
  minute, so a number is never issued twice).

Expiry uses the Redis server's clock (``TIME``), so replicas with skewed clocks still agree.
Configured in ``config/endpoints.production.yml``::

    lock_store:
      type: rasa_addons.lock_store.AtomicRedisLockStore
      url: ${REDIS_HOST}
      port: ${REDIS_PORT}
      db: ${REDIS_DB}
      key_prefix: asistenteescuela

Loading this class also installs :mod:`rasa_addons.resilience` (a Spanish message instead of
silence when the action server is down, and the retry of a case being submitted).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

DEFAULT_POLL_SECONDS = 0.05

# KEYS[1] queue hash, KEYS[2] sequence; ARGV[1] lifetime (ms). Returns the new ticket number.
_ISSUE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if tonumber(all[i + 1]) <= now then redis.call('HDEL', KEYS[1], all[i]) end
end
local n = redis.call('INCR', KEYS[2])
local lifetime = tonumber(ARGV[1])
redis.call('HSET', KEYS[1], n, now + lifetime)
local ttl = lifetime + 60000
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
return n
"""

# KEYS[1] queue hash; ARGV[1] ticket. 1: this ticket is served now; 0: wait; -1: it expired.
_TRY_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local all = redis.call('HGETALL', KEYS[1])
local first = nil
local mine = false
for i = 1, #all, 2 do
  local number = tonumber(all[i])
  if tonumber(all[i + 1]) <= now then
    redis.call('HDEL', KEYS[1], all[i])
  else
    if number == tonumber(ARGV[1]) then mine = true end
    if first == nil or number < first then first = number end
  end
end
if not mine then return -1 end
if first == tonumber(ARGV[1]) then return 1 end
return 0
"""

# KEYS[1] queue hash, KEYS[2] sequence; ARGV[1] ticket. Removes the ticket, and the lock when empty.
_FINISH = """
redis.call('HDEL', KEYS[1], ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if tonumber(all[i + 1]) <= now then redis.call('HDEL', KEYS[1], all[i]) end
end
if redis.call('HLEN', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1])  -- the sequence expires by itself: numbers are never reused meanwhile
  return 1
end
return 0
"""

# KEYS[1] queue hash. Returns the live tickets as a flat list: number, expiry (ms), ...
_LIVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local all = redis.call('HGETALL', KEYS[1])
local live = {}
for i = 1, #all, 2 do
  if tonumber(all[i + 1]) <= now then
    redis.call('HDEL', KEYS[1], all[i])
  else
    table.insert(live, all[i]); table.insert(live, all[i + 1])
  end
end
return live
"""


class AtomicRedisLockStore(LockStore):
    """Ticket lock per conversation in Redis; issue, acquire and release are atomic (Lua)."""

    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        *,
        host: str = "localhost",
        port: int = 6379,
        db: int = 1,
        username: str | None = None,
        password: str | None = None,
        use_ssl: bool = False,
        key_prefix: str | None = None,
        socket_timeout: float = 10,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        install_resilience: bool = True,
    ) -> None:
        import redis

        if endpoint_config is not None:
            kwargs = dict(endpoint_config.kwargs)
            host = endpoint_config.url or host
            port = int(kwargs.get("port", port))
            db = int(kwargs.get("db", db))
            username = kwargs.get("username", username)
            password = kwargs.get("password", password)
            use_ssl = bool(kwargs.get("use_ssl", use_ssl))
            key_prefix = kwargs.get("key_prefix", key_prefix)
            socket_timeout = float(kwargs.get("socket_timeout", socket_timeout))
            poll_seconds = float(kwargs.get("poll_seconds", poll_seconds))
        self.red = redis.StrictRedis(
            host=host, port=int(port), db=int(db), username=username, password=password or None,
            ssl=use_ssl, socket_timeout=socket_timeout,
        )
        prefix = str(key_prefix or "")
        if prefix and not prefix.isalnum():
            raise ValueError(f"key_prefix must be alphanumeric: {prefix!r}")
        self.key_prefix = f"{prefix}:lock:" if prefix else "lock:"
        self.poll_seconds = poll_seconds
        self._issue = self.red.register_script(_ISSUE)
        self._try_acquire = self.red.register_script(_TRY_ACQUIRE)
        self._finish = self.red.register_script(_FINISH)
        self._live = self.red.register_script(_LIVE)
        super().__init__()
        if install_resilience:
            from rasa_addons import resilience

            resilience.install(redis_client=self.red, key_prefix=prefix or "rasa")

    # --- keys
    def _keys(self, conversation_id: str) -> list[str]:
        queue = self.key_prefix + conversation_id
        return [queue, queue + ":seq"]

    # --- the atomic operations
    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return int(self._issue(keys=self._keys(conversation_id), args=[int(lock_lifetime * 1000)]))
        except Exception as err:  # noqa: BLE001 - Rasa expects LockError
            raise LockError(f"Error while acquiring lock. Error:\n{err}") from err

    async def _acquire_lock(self, conversation_id: str, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        keys = self._keys(conversation_id)[:1]
        poll = min(wait_time_in_seconds, self.poll_seconds) if wait_time_in_seconds > 0 else self.poll_seconds
        while True:
            state = int(self._try_acquire(keys=keys, args=[ticket]))
            if state == 1:
                return self.get_lock(conversation_id) or TicketLock(conversation_id)
            if state == -1:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(poll)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._finish(keys=self._keys(conversation_id), args=[ticket_number])

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Release ``ticket_number``; the lock disappears with its last ticket (one atomic step)."""
        deleted = bool(self._finish(keys=self._keys(conversation_id), args=[ticket_number]))
        self._log_deletion(conversation_id, deleted)

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncGenerator[TicketLock, None]:
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            self.cleanup(conversation_id, ticket)

    # --- reads (a TicketLock snapshot, for Rasa code that inspects locks)
    def get_lock(self, conversation_id: str) -> TicketLock | None:
        flat = self._live(keys=self._keys(conversation_id)[:1])
        if not flat:
            return None
        pairs = sorted((int(flat[i]), int(flat[i + 1])) for i in range(0, len(flat), 2))
        # Ticket expiries are in local seconds for TicketLock; convert from the Redis clock
        offset = time.time() - self._redis_now_ms() / 1000
        tickets = deque(Ticket(number, expires_ms / 1000 + offset) for number, expires_ms in pairs)
        return TicketLock(conversation_id, tickets)

    def _redis_now_ms(self) -> float:
        seconds, micros = self.red.time()
        return seconds * 1000 + micros / 1000

    def is_someone_waiting(self, conversation_id: str) -> bool:
        return bool(self._live(keys=self._keys(conversation_id)[:1]))

    def update_lock(self, conversation_id: str) -> None:
        self._live(keys=self._keys(conversation_id)[:1])  # drops expired tickets

    def delete_lock(self, conversation_id: str) -> None:
        deleted = self.red.delete(*self._keys(conversation_id))
        self._log_deletion(conversation_id, bool(deleted))

    def save_lock(self, lock: TicketLock) -> None:
        """Replace the whole queue (not used by Rasa's message handling; kept for the interface)."""
        queue, seq = self._keys(lock.conversation_id)
        offset = self._redis_now_ms() / 1000 - time.time()
        pipe = self.red.pipeline(transaction=True)
        pipe.delete(queue)
        for ticket in lock.tickets:
            pipe.hset(queue, ticket.number, int((ticket.expires + offset) * 1000))
        pipe.set(seq, lock.last_issued)
        pipe.pexpire(queue, 3_600_000)
        pipe.pexpire(seq, 3_600_000)
        pipe.execute()


class LocalLockStore(InMemoryLockStore):
    """Rasa's in-memory lock store (one process, `make run`), plus :mod:`rasa_addons.resilience`."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **_: Any) -> None:
        super().__init__()
        from rasa_addons import resilience

        resilience.install(redis_client=None, key_prefix="local")
