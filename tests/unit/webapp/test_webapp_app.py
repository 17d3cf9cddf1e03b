"""The web app skeleton: chat page, charts (no path traversal), health, security headers, feature routers."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.settings import load_settings
from webapp.app import STATIC_DIR, create_app

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.fixture
def settings(tmp_path: Path):
    charts = tmp_path / "charts"
    charts.mkdir()
    (charts / "cobertura_boyaca-2022.png").write_bytes(PNG)
    (tmp_path / "secret.png").write_bytes(b"not a chart")
    return load_settings({"APP_VAR_DIR": str(tmp_path), "RASA_PUBLIC_URL": "https://chat.example.gov.co/"})


@pytest.fixture
def client(settings) -> TestClient:
    return TestClient(create_app(settings))


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_chat_page_points_to_the_public_rasa_socket(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="es">' in html
    assert '<meta name="chat-socket-url" content="https://chat.example.gov.co">' in html
    assert '<meta name="chat-socket-path" content="/socket.io">' in html
    assert 'src="/static/vendor/socket.io.min.js"' in html
    assert "//cdn" not in html and "unpkg" not in html and "jsdelivr" not in html


def test_security_headers_allow_the_rasa_socket_only(client: TestClient) -> None:
    csp = client.get("/").headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "connect-src 'self' https://chat.example.gov.co wss://chat.example.gov.co" in csp
    assert "frame-ancestors 'none'" in csp
    assert client.get("/health").headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("url", "shown"),
    [("https://www.mineducacion.gov.co/privacidad", True), ("javascript:alert(1)", False), ("", False)],
)
def test_privacy_link_only_for_http_urls(settings, url: str, shown: bool) -> None:
    html = TestClient(create_app(replace(settings, privacy_policy_url=url))).get("/").text
    assert ("Política de tratamiento de datos personales" in html) is shown
    assert "javascript:" not in html


def test_chart_is_served_as_png(client: TestClient) -> None:
    response = client.get("/charts/cobertura_boyaca-2022.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == PNG


@pytest.mark.parametrize(
    "path",
    [
        "/charts/missing.png",
        "/charts/..%2Fsecret.png",
        "/charts/%2E%2E%2Fsecret.png",
        "/charts/..%5Csecret.png",
        "/charts/.hidden.png",
        "/charts/a..b.png",
        "/charts/cobertura_boyaca-2022.png.txt",
        "/charts/cobertura_boyaca-2022",
        "/charts/%00.png",
    ],
)
def test_unsafe_or_unknown_chart_names_are_not_found(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.content != b"not a chart"


def test_symlink_out_of_the_charts_dir_is_refused(settings, client: TestClient) -> None:
    link = settings.charts_dir / "escape.png"
    os.symlink(settings.var_dir / "secret.png", link)
    assert client.get("/charts/escape.png").status_code == 404


def test_vendored_socket_io_client_is_served(client: TestClient) -> None:
    response = client.get("/static/vendor/socket.io.min.js")
    assert response.status_code == 200
    assert b"Socket.IO v4." in response.content[:200]


def test_widget_never_inserts_html() -> None:
    source = (STATIC_DIR / "chat.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source


def test_the_agents_api_and_console_are_mounted(settings) -> None:
    paths = {getattr(route, "path", "") for route in create_app(settings).routes}
    assert "/agentes" in paths and any(p.startswith("/api/agentes/") for p in paths)
