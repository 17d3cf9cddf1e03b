"""Support of the web chat browser tests: uvicorn in a thread, a fake Rasa socket.io channel, axe-core.

Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

import socketio
import uvicorn


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class ThreadedUvicorn:
    """Serve an ASGI app on 127.0.0.1 (a free port) in a background thread."""

    def __init__(self, app: Any) -> None:
        self._sock = free_socket()
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="websockets")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    def __enter__(self) -> ThreadedUvicorn:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()


def tiny_png(width: int = 40, height: int = 20, rgb: tuple[int, int, int] = (0, 72, 132)) -> bytes:
    """A valid solid-colour PNG, built without any imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


@dataclass
class FakeRasa:
    """Rasa 3.6's socket.io channel protocol (session_persistence: true) with scripted answers.

    ``replies`` maps a user message (text or payload) to the list of ``bot_uttered`` payloads
    to emit; ``delay`` seconds pass before the first one (the typing indicator shows meanwhile).
    Unknown messages are echoed back as text.
    """

    replies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    delay: float = 0.4
    confirm_delay: float = 0.0
    session_requests: list[Any] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)

    def asgi_app(self) -> Any:
        sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*")

        @sio.on("session_request")
        async def session_request(sid: str, data: Any) -> None:
            self.session_requests.append(data)
            session_id = (data or {}).get("session_id") or f"fake-{len(self.session_requests)}"
            sio.enter_room(sid, session_id)
            await asyncio.sleep(self.confirm_delay)
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on("user_uttered")
        async def user_uttered(sid: str, data: dict[str, Any]) -> None:
            self.received.append(data)
            message = data.get("message", "")
            answers = self.replies.get(message, [{"text": f"Eco: {message}"}])
            await asyncio.sleep(self.delay)
            for answer in answers:
                await sio.emit("bot_uttered", answer, room=data.get("session_id"))

        return socketio.ASGIApp(sio, socketio_path="socket.io")


def axe_violations(page: object, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) and return the violations of the given impacts."""
    result = page.evaluate(  # type: ignore[attr-defined]
        """async () => await axe.run(document, {
              runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
              resultTypes: ['violations']})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]
