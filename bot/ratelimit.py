"""Rate limits kept in memory (per process): a sliding-window counter per key, and the back-off
of failed logins per (account, IP).

The proxy in front (nginx ``limit_req``, see ``docs/security.md``) enforces the same kind of limit
for all replicas together; these limits protect each process even without it.

- :class:`RateLimiter`: at most ``limit`` hits per ``window`` seconds per key (an IP, a sender id).
  Two fixed windows weighted by overlap (the "sliding window counter" of Cloudflare / nginx):
  O(1) memory per key, keys idle for two windows are dropped.
- :class:`LoginThrottle`: after ``free_failures`` failed logins for one (account, IP), that pair
  must wait ``base_seconds * 2**k`` (at most ``max_seconds``) before trying again; a success clears
  it. The account itself is never locked: an attacker on another IP cannot lock an agent out.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass
class _Window:
    start: float
    current: int
    previous: int


class RateLimiter:
    def __init__(self, limit: int, window: float, *, clock: Clock = time.monotonic, max_keys: int = 100_000) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit >= 1 and window > 0")
        self.limit = limit
        self.window = float(window)
        self.clock = clock
        self.max_keys = max_keys
        self._keys: dict[str, _Window] = {}
        self._lock = threading.Lock()
        self._last_sweep = clock()

    def _state(self, key: str, now: float) -> _Window:
        start = math.floor(now / self.window) * self.window
        state = self._keys.get(key)
        if state is None:
            state = self._keys[key] = _Window(start, 0, 0)
        elif state.start != start:
            state.previous = state.current if start - state.start == self.window else 0
            state.current, state.start = 0, start
        return state

    def _estimate(self, state: _Window, now: float) -> float:
        elapsed = (now - state.start) / self.window
        return state.previous * (1.0 - elapsed) + state.current

    def hit(self, key: str) -> bool:
        """Count one hit for ``key``; ``False`` (not counted) when the limit is reached."""
        with self._lock:
            now = self.clock()
            self._sweep(now)
            state = self._state(key, now)
            if self._estimate(state, now) + 1 > self.limit:
                return False
            state.current += 1
            return True

    def retry_after(self, key: str) -> int:
        """Seconds after which a hit of ``key`` may pass again (an upper bound, at least 1)."""
        with self._lock:
            now = self.clock()
            state = self._keys.get(key)
            if state is None:
                return 1
            return max(1, math.ceil(state.start + self.window - now))

    def _sweep(self, now: float) -> None:
        if now - self._last_sweep < self.window and len(self._keys) < self.max_keys:
            return
        self._last_sweep = now
        stale = [k for k, s in self._keys.items() if now - s.start >= 2 * self.window]
        for k in stale:
            del self._keys[k]
        if len(self._keys) >= self.max_keys:  # flood of distinct keys: forget the oldest
            for k, _ in sorted(self._keys.items(), key=lambda kv: kv[1].start)[: len(self._keys) // 2]:
                del self._keys[k]


@dataclass
class _Failures:
    count: int
    blocked_until: float
    last: float


class LoginThrottle:
    def __init__(
        self,
        *,
        free_failures: int = 5,
        base_seconds: float = 30.0,
        max_seconds: float = 900.0,
        forget_after: float = 3600.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self.free_failures = free_failures
        self.base_seconds = base_seconds
        self.max_seconds = max_seconds
        self.forget_after = forget_after
        self.clock = clock
        self._pairs: dict[tuple[str, str], _Failures] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(account: str, ip: str) -> tuple[str, str]:
        return (account.strip().lower()[:254], ip)

    def wait_seconds(self, account: str, ip: str) -> int:
        """0 when the pair may try now, else the seconds to wait."""
        with self._lock:
            entry = self._pairs.get(self._key(account, ip))
            now = self.clock()
            if entry is None or entry.blocked_until <= now:
                return 0
            return max(1, math.ceil(entry.blocked_until - now))

    def failure(self, account: str, ip: str) -> None:
        with self._lock:
            now = self.clock()
            if len(self._pairs) > 100_000:
                self._pairs = {k: v for k, v in self._pairs.items() if now - v.last < self.forget_after}
            key = self._key(account, ip)
            entry = self._pairs.get(key)
            if entry is None or now - entry.last >= self.forget_after:
                entry = self._pairs[key] = _Failures(0, 0.0, now)
            entry.count += 1
            entry.last = now
            over = entry.count - self.free_failures
            if over >= 0:
                entry.blocked_until = now + min(self.base_seconds * 2**over, self.max_seconds)

    def success(self, account: str, ip: str) -> None:
        with self._lock:
            self._pairs.pop(self._key(account, ip), None)
