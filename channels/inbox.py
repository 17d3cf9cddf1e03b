"""Incoming messages processed from the database store (``bot.delivery.inbox``), in the Rasa process.

The webhook stores the message and answers at once; :class:`InboxProcessor` hands the stored
messages to Rasa, oldest first, one at a time. A message whose handling raises goes back to the
store with back-off. Before each batch the action server's ``/health`` is checked: while it is
down (or Rasa's own handling fails) nothing is consumed. After a crash of Rasa, the next start
processes what was stored (``after_server_start``), and every ``poll_seconds`` the store is read
again (messages stored by another replica, retries that became due).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bot.delivery.inbox import MessageStore

logger = logging.getLogger(__name__)

Handler = Callable[[str, dict], Awaitable[Any]]


def default_health_url() -> str | None:
    """``ACTION_SERVER_HEALTH_URL`` (``off``: no check), or the ``/health`` next to ``ACTION_SERVER_URL``
    (default localhost:5055)."""
    explicit = (os.environ.get("ACTION_SERVER_HEALTH_URL") or "").strip()
    if explicit:
        return None if explicit.lower() == "off" else explicit
    url = (os.environ.get("ACTION_SERVER_URL") or f"http://localhost:{os.environ.get('ACTIONS_PORT', '5055')}/webhook")
    return url.rstrip("/").rsplit("/", 1)[0] + "/health"


class InboxProcessor:
    def __init__(self, channel: str, store: MessageStore, *, health_url: str | None = None,
                 poll_seconds: float = 5.0) -> None:
        self.channel = channel
        self.store = store
        self.health_url = health_url
        self.poll_seconds = poll_seconds
        self._handler: Handler | None = None
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task] = set()
        self._poller: asyncio.Task | None = None

    def bind(self, handler: Handler) -> None:
        self._handler = handler

    async def accept(self, external_id: str, sender: str, payload: dict) -> bool:
        """Store one message (raises when the database is down: the webhook must not acknowledge).

        ``sender`` is the platform's bare id (WhatsApp phone, Telegram chat id), never ``wa:``/``tg:``:
        the handlers add the prefix once, and ``bot.delivery.core.last_inbound_at`` (WhatsApp's
        24-hour window) compares it with the conversation id stripped of ``wa:``."""
        return await asyncio.to_thread(self.store.store, channel=self.channel, external_id=external_id,
                                       sender=sender, payload=payload)

    def kick(self) -> None:
        task = asyncio.get_running_loop().create_task(self.drain())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def ready(self) -> bool:
        if not self.health_url:
            return True
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session, \
                    session.get(self.health_url) as resp:
                return resp.status < 500
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
            return False

    async def drain(self) -> int:
        """Process every due stored message; returns how many were handled."""
        if self._handler is None:
            return 0
        handled = 0
        async with self._lock:
            while True:
                if not await self.ready():
                    logger.warning("Servidor de acciones no disponible: los mensajes de %s esperan", self.channel)
                    return handled
                rows = await asyncio.to_thread(self.store.claim_due, self.channel, 20)
                if not rows:
                    return handled
                for row_id, sender, payload in rows:
                    try:
                        await self._handler(sender, payload)
                    except Exception as exc:  # Rasa failed: keep it for a retry
                        logger.exception("Mensaje de %s #%s no procesado; se reintentará", self.channel, row_id)
                        await asyncio.to_thread(self.store.retry, row_id, type(exc).__name__)
                        continue
                    await asyncio.to_thread(self.store.done, row_id)
                    handled += 1

    async def wait_idle(self, timeout: float | None = None) -> None:
        """Wait for the background drains (tests, shutdown)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    def start_polling(self) -> None:
        async def poll() -> None:
            while True:
                try:
                    await self.drain()
                except Exception:  # database hiccup: try again next time
                    logger.exception("Lectura de los mensajes guardados de %s fallida", self.channel)
                await asyncio.sleep(self.poll_seconds)

        if self._poller is None:
            self._poller = asyncio.get_running_loop().create_task(poll())

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        await self.wait_idle(timeout=10)
