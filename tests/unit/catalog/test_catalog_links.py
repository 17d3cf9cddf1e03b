"""Link checker against a local HTTP server (never the internet): 200, 301, 404, HEAD refused, timeout."""

from __future__ import annotations

import contextlib
import csv
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.catalog.links import BROKEN, ERROR, MOVED, OK, TIMEOUT, Link, check_link, check_links, write_report

SLOW_SECONDS = 2.0


class Handler(BaseHTTPRequestHandler):
    requests_seen: list[tuple[str, str]] = []

    def log_message(self, *args):  # keep test output clean
        pass

    def _answer(self, body: bool) -> None:
        Handler.requests_seen.append((self.command, self.path))
        if self.path == "/ok":
            self._send(200, body)
        elif self.path == "/movido":
            self.send_response(301)
            self.send_header("Location", "/nuevo")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/nuevo":
            self._send(200, body)
        elif self.path == "/sin-head" and self.command == "HEAD":
            self._send(405, body)
        elif self.path == "/sin-head":
            self._send(200, body)
        elif self.path == "/lento":
            time.sleep(SLOW_SECONDS)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the checker gave up (timeout)
                self._send(200, body)
        else:
            self._send(404, body)

    def _send(self, status: int, body: bool) -> None:
        payload = b"<html>hola</html>"
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if body:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the checker gave up (timeout)
                self.wfile.write(payload)

    def do_HEAD(self):  # noqa: N802
        self._answer(body=False)

    def do_GET(self):  # noqa: N802
        self._answer(body=True)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def link(base: str, path: str) -> Link:
    return Link(path.strip("/") or "raiz", f"Página {path}", base + path)


def test_ok_with_head_only(server):
    Handler.requests_seen.clear()
    result = check_link(link(server, "/ok"), timeout=5)
    assert (result.outcome, result.status, result.method) == (OK, 200, "HEAD")
    assert Handler.requests_seen == [("HEAD", "/ok")]


def test_redirect_followed_and_reported(server):
    result = check_link(link(server, "/movido"), timeout=5)
    assert result.outcome == MOVED and result.status == 200
    assert result.final_url == server + "/nuevo"
    assert result.redirects == [(301, "/nuevo")]


def test_not_found_is_broken_after_trying_get(server):
    Handler.requests_seen.clear()
    result = check_link(link(server, "/no-existe"), timeout=5)
    assert (result.outcome, result.status, result.method) == (BROKEN, 404, "GET")
    assert Handler.requests_seen == [("HEAD", "/no-existe"), ("GET", "/no-existe")]


def test_head_refused_then_get_works(server):
    result = check_link(link(server, "/sin-head"), timeout=5)
    assert (result.outcome, result.status, result.method) == (OK, 200, "GET")


def test_timeout(server):
    start = time.monotonic()
    result = check_link(link(server, "/lento"), timeout=0.3)
    assert result.outcome == TIMEOUT and result.status is None
    assert time.monotonic() - start < SLOW_SECONDS * 2  # HEAD and GET each gave up after the timeout


def test_connection_refused_is_an_error():
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = check_link(Link("x", "X", f"http://127.0.0.1:{port}/"), timeout=1)
    assert result.outcome == ERROR and "Connection" in result.detail


def test_report_lists_broken_and_moved(server, tmp_path):
    links = [link(server, p) for p in ("/ok", "/movido", "/no-existe", "/lento")]
    results = check_links(links, timeout=0.3, workers=2)
    assert [r.outcome for r in results] == [OK, MOVED, BROKEN, TIMEOUT]  # input order kept
    md, csv_path = write_report(results, tmp_path)
    text = md.read_text(encoding="utf-8")
    assert "Enlaces revisados: 4." in text
    assert "| movido | movido (redirige) | 200 |" in text and server + "/nuevo" in text
    assert "| no-existe | roto | 404 |" in text and "| lento | sin respuesta" in text
    assert "| ok |" not in text  # working links are only counted
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert [r["resultado"] for r in rows] == [OK, MOVED, BROKEN, TIMEOUT]
    assert rows[1]["redirecciones"] == "301 /nuevo"


def test_cli_checks_a_file_and_writes_the_report(server, tmp_path):
    from bot.cli import main

    data = tmp_path / "recursos.yml"
    data.write_text(
        "recursos:\n"
        f"- {{id: uno, titulo: Uno, tipo: guia, temas: [calidad], url: '{server}/ok', fuente_consultada: null}}\n"
        f"- {{id: dos, titulo: Dos, tipo: noticia, temas: [datos], url: '{server}/no-existe', fuente_consultada: null}}\n",
        encoding="utf-8",
    )
    code = main(["catalogo", "verificar-enlaces", "--archivo", str(data), "--salida", str(tmp_path), "--tiempo", "2"])
    assert code == 3
    report = (tmp_path / "enlaces-catalogo.md").read_text(encoding="utf-8")
    assert "| dos | roto | 404 |" in report


def test_nothing_checks_links_at_start_up():
    """preparar and the catalog modules never import the checker (no network at start-up)."""
    import ast

    from bot.settings import PROJECT_ROOT

    for path in ("bot/prepare.py", "actions/catalog.py", "bot/catalog/search.py", "bot/catalog/importer.py"):
        tree = ast.parse((PROJECT_ROOT / path).read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert "bot.catalog.links" not in imported, path
