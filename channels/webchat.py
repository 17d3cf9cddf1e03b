"""Rasa's socket.io channel (web chat), able to run on several Rasa replicas; still named ``socketio``.

With one Rasa process, the built-in ``socketio`` channel is used as is. With several replicas
(``config/endpoints.production.yml``), the browser's socket lives on one replica while a reply may
be produced by another: e.g. a MEN agent's answer sent through ``trigger_intent`` on replica B to a
user connected to replica A. With ``redis_url`` the socket.io server shares its events through
Redis (python-socketio's ``AsyncRedisManager``), so every replica reaches every browser.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import socketio
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint

DEFAULT_REDIS_CHANNEL = "asistente-escuela-socketio"


class SocketIOInput(RasaSocketIOInput):
    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        channel = super().from_credentials(credentials)
        channel.redis_url = str(credentials.get("redis_url") or "") or None
        channel.redis_channel = str(credentials.get("redis_channel") or DEFAULT_REDIS_CHANNEL)
        return channel

    def __init__(
        self, *args: Any, redis_url: str | None = None, redis_channel: str = DEFAULT_REDIS_CHANNEL, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.redis_url = redis_url
        self.redis_channel = redis_channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        if self.redis_url and self.sio is not None:
            # Swapped before any client connects: python-socketio initialises its manager lazily.
            sio = self.sio
            manager = socketio.AsyncRedisManager(self.redis_url, channel=self.redis_channel)
            manager.set_server(sio)
            sio.manager = manager

            @webhook.listener("after_server_start")
            async def listen_to_other_replicas(_app: Any, _loop: Any) -> None:
                # Subscribe now rather than at the first connection, so no event published before it is lost.
                if not sio.manager_initialized:
                    sio.manager_initialized = True
                    sio.manager.initialize()

        return webhook
