"""Rasa's socket.io channel (web chat), with server-issued sessions and able to run on several Rasa
replicas; still named ``socketio``.

Sessions: the conversation id is a signed ``web:`` id (:func:`bot.identity.new_web_session`,
``session_secret`` = ``WEB_SESSION_SECRET``, shared with the web app that issues it to the page).
On ``session_request`` an id that is missing or not signed by this server is replaced by a new one
(``session_confirm`` tells the browser which); a ``user_uttered`` with an id that is not signed is
ignored. Typed ``/intent`` payloads are screened and each session is rate limited
(:mod:`channels.guard`); metadata that is not an object is dropped.

Replicas: with one Rasa process the events stay in memory. With several replicas
(``config/endpoints.production.yml``), the browser's socket lives on one replica while a reply may
be produced by another: e.g. a MEN agent's answer sent through ``trigger_intent`` on replica B to a
user connected to replica A. With ``redis_url`` the socket.io server shares its events through
Redis (python-socketio's ``AsyncRedisManager``), so every replica reaches every browser.

Delivery states: :class:`WebChatOutput` adds ``"aviso": <token>`` to the last message of
a notice uttered with ``aviso=<token>`` (an agent's reply, an encuentro notice) and records it
``enviado``; the chat page (``webapp/static/chat.js``) acknowledges it with
``POST /api/avisos/acuse`` once shown, which makes it ``entregado``. This channel is always used
for the web chat (``credentials.yml``); it replaces the output of Rasa's socket.io module so that
replies produced by the user's own messages carry the token too.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import rasa.core.channels.socketio as rasa_socketio
import socketio
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from rasa.core.channels.socketio import SocketIOOutput
from sanic import Blueprint

from bot.identity import new_web_session, valid_web_session
from channels.guard import InboundGuard

logger = logging.getLogger(__name__)

DEFAULT_REDIS_CHANNEL = "asistente-escuela-socketio"


def _default_receipts() -> Any:
    from bot.services import get_services

    return get_services().receipts


class WebChatOutput(SocketIOOutput):
    """Rasa's socket.io output; a notice's last message carries its token and is recorded ``enviado``."""

    def __init__(self, sio: Any, bot_message_evt: str, receipts: Any = None) -> None:
        super().__init__(sio, bot_message_evt)
        self.receipts = receipts

    async def _record(self, aviso: Any) -> None:
        if not aviso:
            return
        try:
            await asyncio.to_thread((self.receipts or _default_receipts()).record_sent, str(aviso), None)
        except Exception:  # the database may be down: the sender retries and the chat still acknowledges
            logger.exception("Estado 'enviado' de un aviso no registrado")

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        aviso = kwargs.get("aviso")
        parts = text.strip().split("\n\n")
        for i, part in enumerate(parts):
            message: dict[str, Any] = {"text": part}
            if aviso and i == len(parts) - 1:
                message["aviso"] = str(aviso)
            await self._send_message(recipient_id, message)
        await self._record(aviso)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        aviso = kwargs.get("aviso")
        messages: list[dict[str, Any]] = [{"text": m, "quick_replies": []} for m in (text.strip().split("\n\n") or [text])]
        messages[-1]["quick_replies"] = [
            {"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons
        ]
        if aviso:
            messages[-1]["aviso"] = str(aviso)
        for message in messages:
            await self._send_message(recipient_id, message)
        await self._record(aviso)


class SocketIOInput(RasaSocketIOInput):
    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        channel = super().from_credentials(credentials)
        channel.redis_url = str(credentials.get("redis_url") or "") or None
        channel.redis_channel = str(credentials.get("redis_channel") or DEFAULT_REDIS_CHANNEL)
        channel.session_secret = str(credentials.get("session_secret") or "")
        return channel

    def __init__(
        self, *args: Any, redis_url: str | None = None, redis_channel: str = DEFAULT_REDIS_CHANNEL, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.redis_url = redis_url
        self.redis_channel = redis_channel
        self.session_secret = ""
        self.guard = InboundGuard()

    def _secret(self) -> str:
        if not self.session_secret:
            logger.warning("WEB_SESSION_SECRET not set: web sessions last only while this process runs")
            self.session_secret = secrets.token_urlsafe(32)
        return self.session_secret

    def get_output_channel(self) -> WebChatOutput | None:
        if self.sio is None:
            return super().get_output_channel()
        return WebChatOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Rasa's handler builds `SocketIOOutput(...)` from its module for each user message: use ours.
        rasa_socketio.SocketIOOutput = WebChatOutput
        webhook = super().blueprint(on_new_message)
        self._secure_sessions()
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

    def _secure_sessions(self) -> None:
        """Replace Rasa's ``session_request`` and wrap its ``user_uttered`` handler (see the module doc)."""
        sio = self.sio
        namespace = self.namespace or "/"
        rasa_handle_message = sio.handlers[namespace][self.user_message_evt]
        secret = self._secret()

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if not valid_web_session(secret, session_id):
                session_id = new_web_session(secret)
            if self.session_persistence:
                sio.enter_room(sid, session_id, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            if not isinstance(data, dict):
                return
            session_id = data.get("session_id") if self.session_persistence else sid
            if self.session_persistence and not valid_web_session(secret, session_id):
                logger.warning("Web chat message with a session id not issued by this server: ignored")
                return
            if not self.guard.admit(str(session_id)):
                return
            clean = {"session_id": session_id, "message": self.guard.screen(data.get("message"))}
            metadata = data.get(self.metadata_key)
            if isinstance(metadata, dict):
                clean[self.metadata_key] = metadata
            await rasa_handle_message(sid, clean)
