"""Fixtures of the agents tests: the PostgreSQL database ``agents_test`` and a fake Rasa server. The
tickets, the four accounts (two agents of different areas, a coordinator, an admin) and the fixed
clock come from the shared database fixtures (tests/db_fixtures.py), re-exported here."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.agents.outbox import NoticeInbox
from tests.db_fixtures import NOW, PASSWORD, Clock, Team, build_team, make_ticket, migrated_postgres  # noqa: F401

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The ``agents_test`` database on the local server, emptied and migrated once per session."""
    return migrated_postgres("agents_test")


# ----------------------------------------------------------------------------- fake Rasa
@dataclass
class FakeRasa:
    """Rasa's ``trigger_intent`` endpoint on 127.0.0.1. ``mode``: ``ok`` runs the action (takes the
    notice by its token, as ``action_entregar_aviso`` does), ``no_action`` answers 200 without running
    it, ``error`` answers 500, ``slow`` sleeps longer than the client's timeout."""

    inbox: NoticeInbox
    mode: str = "ok"
    requests: list[dict] = field(default_factory=list)
    uttered: list = field(default_factory=list)
    url: str = ""

    def handle(self, path: str, query: dict, body: dict) -> tuple[int, dict]:
        # as Rasa 3.6 (Sanic 21.12, route "/conversations/<conversation_id:path>/trigger_intent"):
        # the raw path between the two, *not* percent-decoded
        raw = urlsplit(path).path
        conversation = raw[len("/conversations/"):-len("/trigger_intent")] if raw.endswith("/trigger_intent") else ""
        self.requests.append({"path": urlsplit(path).path, "conversation": conversation, "query": query, "body": body})
        if self.mode == "error":
            return 500, {"message": "boom"}
        if self.mode == "slow":
            import time

            time.sleep(1.5)
        if self.mode == "ok":
            notice = self.inbox.take_by_token(token=body["entities"]["entrega"], conversation_id=conversation)
            if notice is not None:
                self.uttered.append(notice)
        return 200, {"tracker": {"sender_id": conversation}}


@pytest.fixture
def fake_rasa(db_url, clock) -> Iterator[FakeRasa]:
    fake = FakeRasa(inbox=NoticeInbox(database_url=db_url, clock=clock))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            status, payload = fake.handle(self.path, query, body)
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                pass

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    """A local URL where nothing listens (Rasa down)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
