"""Fixtures of the delivery tests (the database, the agents' team and the clock come from
tests/db_fixtures.py): a real SMTP server in the process (aiosmtpd), a fake WhatsApp Cloud API and a fake Rasa that runs the real action
``action_entregar_aviso`` — all on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.db_fixtures import make_ticket as make_ticket  # noqa: PLC0414 - re-exported for the tests


# ----------------------------------------------------------------------------- HTTP helpers
class _Server:
    def __init__(self, handle) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) or b"{}"
                status, payload = handle(self.path, dict(self.headers), json.loads(raw))
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        outer.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class FakeGraph:
    """WhatsApp Cloud API ``POST /{version}/{phone_number_id}/messages`` (Meta's documented JSON).
    ``mode``: ``ok`` answers the message id, ``down`` answers 500 (code 2, service unavailable)."""

    mode: str = "ok"
    requests: list[dict] = field(default_factory=list)
    url: str = ""

    def handle(self, path: str, headers: dict, body: dict) -> tuple[int, dict]:
        self.requests.append({"path": path, "auth": headers.get("Authorization"), "body": body})
        if self.mode == "down":
            return 500, {"error": {"message": "Service temporarily unavailable", "type": "OAuthException",
                                   "code": 2, "fbtrace_id": "A"}}
        wamid = f"wamid.HBgM{len(self.requests):04d}"
        return 200, {"messaging_product": "whatsapp",
                     "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                     "messages": [{"id": wamid}]}


@pytest.fixture
def fake_graph() -> Iterator[FakeGraph]:
    fake = FakeGraph()
    server = _Server(fake.handle)
    fake.url = server.url
    yield fake
    server.close()


@dataclass
class RasaWithAction:
    """Rasa's ``trigger_intent`` on 127.0.0.1: runs the real ``action_entregar_aviso`` and, like the
    output channels of ``channels/``, records each message uttered with ``aviso=<token>`` as sent
    (``connected=False``: a web chat nobody has open — the socket.io room is empty)."""

    database_url: str
    clock: Any
    mode: str = "ok"
    requests: list[dict] = field(default_factory=list)
    uttered: list[tuple[str, dict]] = field(default_factory=list)  # (conversation, message)
    url: str = ""
    delay: float = 0.0

    def handle(self, path: str, headers: dict, body: dict) -> tuple[int, dict]:
        from rasa_sdk import Tracker
        from rasa_sdk.executor import CollectingDispatcher

        from actions.agents import ActionEntregarAviso
        from bot.agents.outbox import NoticeInbox
        from bot.delivery.receipts import Receipts

        parts = urlsplit(path).path.split("/")
        conversation = unquote(parts[2])
        query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        self.requests.append({"conversation": conversation, "query": query, "body": body})
        if self.mode == "down":
            return 500, {"message": "boom"}
        entities = [{"entity": k, "value": v} for k, v in (body.get("entities") or {}).items()]
        tracker = Tracker(conversation, {}, {"intent": {"name": body["name"]}, "entities": entities}, [], False,
                          None, {}, "action_listen")
        dispatcher = CollectingDispatcher()
        ActionEntregarAviso(NoticeInbox(database_url=self.database_url, clock=self.clock)).run(dispatcher, tracker, {})
        receipts = Receipts(database_url=self.database_url, clock=self.clock)
        for message in dispatcher.messages:
            self.uttered.append((conversation, message))
            if message.get("aviso"):
                receipts.record_sent(message["aviso"])
        if self.delay:
            import time

            time.sleep(self.delay)
        return 200, {"tracker": {"sender_id": conversation}}


@pytest.fixture
def rasa(db_url, clock) -> Iterator[RasaWithAction]:
    fake = RasaWithAction(database_url=db_url, clock=clock)
    server = _Server(fake.handle)
    fake.url = server.url
    yield fake
    server.close()


# ----------------------------------------------------------------------------- SMTP
@dataclass
class Mailbox:
    host: str
    port: int
    messages: list = field(default_factory=list)


@pytest.fixture
def smtp_server() -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""
    from aiosmtpd.controller import Controller

    box = Mailbox(host="127.0.0.1", port=0)

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
            box.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                 message_from_bytes(envelope.content, policy=policy.default)))
            return "250 Message accepted for delivery"

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        box.port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
