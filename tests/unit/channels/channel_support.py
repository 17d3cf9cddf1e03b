"""Test doubles for the channel tests: a fake HTTP API (Graph or Telegram), a fake Rasa agent, a Sanic server."""

from __future__ import annotations

import json
import socket
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class FakeApi:
    """An HTTP server on 127.0.0.1 that records every request and answers from a script.

    ``responses`` is a queue of ``(status, json_body, headers)``; when it is empty ``default`` answers.
    ``handler`` (optional) computes the answer for a request instead.
    """

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.responses: deque[tuple[int, Any, dict[str, str]]] = deque()
        self.default: tuple[int, Any, dict[str, str]] = (200, {"messages": [{"id": "wamid.OUT"}]}, {})
        self.handler: Any = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        recorded = Recorded(request.method, request.path_qs, dict(request.headers), await request.read())
        self.requests.append(recorded)
        if self.handler is not None:
            status, body, headers = self.handler(recorded)
        else:
            status, body, headers = self.responses.popleft() if self.responses else self.default
        return web.json_response(body, status=status, headers=headers)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@dataclass
class FakeAgent:
    """Stands for Rasa's agent: records user messages and answers each with ``replies``."""

    replies: list[dict[str, Any]] = field(default_factory=list)
    messages: list[UserMessage] = field(default_factory=list)

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        for reply in self.replies:
            await message.output_channel.send_response(message.sender_id, dict(reply))


class RasaChannelServer:
    """Rasa's channel routes (``/webhooks/<name>/...``) on a real Sanic server at 127.0.0.1."""

    def __init__(self, channels: list[Any], agent: Any) -> None:
        Sanic.test_mode = True  # several apps in one process (Sanic's TouchUp would fail on the second)
        self.app = Sanic(f"channels_test_{uuid.uuid4().hex}", configure_logging=False)
        self.app.ctx.agent = agent
        register(channels, self.app, route="/webhooks/")
        self._server: Any = None

    async def start(self) -> str:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))  # Sanic reads port=0 as 8000: bind a free port ourselves
        self._server = await self.app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
        await self._server.startup()
        await self._server.before_start()
        await self._server.after_start()
        port = self._server.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.before_stop()
            self._server.close()
            await self._server.wait_closed()
            await self._server.after_stop()
