"""The agents' API end to end (login, queue, ticket, reply delivered to a fake Rasa, metrics), the console
page (no CDN, no HTML sinks) and the committed OpenAPI file."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from webapp.agents import OPENAPI_FILE, openapi_yaml
from webapp.app import STATIC_DIR

from .api_support import build_api
from .conftest import NOW, XSS, make_ticket

CONSOLE = STATIC_DIR / "agentes"


@pytest.fixture
def api(tmp_path, db_url, team, clock, hasher, fake_rasa):
    return build_api(tmp_path, db_url, team, clock, hasher, fake_rasa.url, metrics_token="token-prometheus")


def test_login_errors_and_session(api, team) -> None:
    bad = api.client.post("/api/agentes/sesion", json={"email": team.emails["ana"], "clave": "equivocada-123"})
    assert bad.status_code == 401 and bad.json()["detail"]["motivo"] == "credenciales_invalidas"
    assert bad.headers["www-authenticate"] == "Bearer"
    assert api.client.get("/api/agentes/yo").status_code == 401
    assert api.client.get("/api/agentes/yo", headers={"Authorization": "Bearer inventado"}).status_code == 401
    me = api.get("ana", "/api/agentes/yo")
    assert me.json() == {"id": team["ana"].id, "email": "ana@mineducacion.gov.co", "nombre": "Ana", "rol": "agente",
                         "areas": ["DFGT-SRH"], "activo": True, "ultimo_ingreso": None}
    assert me.headers["cache-control"] == "no-store"
    areas = {a["codigo"]: a["propia"] for a in api.get("ana", "/api/agentes/areas").json()}
    assert len(areas) == 15 and areas["DFGT-SRH"] and not areas["OTSI"]
    assert api.client.delete("/api/agentes/sesion", headers=api.headers("ana")).status_code == 204
    assert api.get("ana", "/api/agentes/yo").status_code == 401


def test_queue_ticket_reply_and_delivery(api, db_url, fake_rasa, clock) -> None:
    late = make_ticket(db_url, created=NOW - timedelta(days=30), sla_days=3, conversation_id="chat-viejo", key="a")
    code = make_ticket(db_url, description=XSS, conversation_id="chat-123", channel="socketio", key="b")
    queue = api.get("ana", "/api/agentes/casos").json()
    assert [c["codigo"] for c in queue["casos"]] == [late, code] and queue["casos"][0]["vencido"] is True
    assert queue["casos"][1]["resumen"] == XSS

    ticket = api.get("ana", f"/api/agentes/casos/{code}").json()
    assert ticket["descripcion"] == XSS and ticket["transcripcion"][0]["texto"] == XSS
    assert ticket["solicitante"]["email"] == "marta.perez@example.org"
    assert ticket["acciones"] == ["tomar", "transferir"] and ticket["eventos"][0]["tipo"] == "creado"

    assert api.post("ana", f"/api/agentes/casos/{code}/tomar").json()["caso"]["estado"] == "asignado"
    clock.advance(minutes=30)
    result = api.post("ana", f"/api/agentes/casos/{code}/responder", {"texto": "Ya revisamos su planta."}).json()
    assert len(result["avisos"]) == 1
    # the background task ran: the fake Rasa took the notice for conversation chat-123 on the web chat channel
    assert fake_rasa.requests[-1]["conversation"] == "chat-123"
    assert fake_rasa.requests[-1]["query"]["output_channel"] == "socketio"
    assert fake_rasa.uttered[-1].body == "Ya revisamos su planta." and fake_rasa.uttered[-1].ticket_code == code
    after = api.get("ana", f"/api/agentes/casos/{code}").json()
    assert after["avisos_pendientes"] == 0 and [a["estado"] for a in after["avisos"]] == ["enviado"]
    # the web chat showed it and acknowledged it (chat.js): the console shows it delivered
    assert api.client.post("/api/avisos/acuse", json={"aviso": fake_rasa.uttered[-1].token}).status_code == 204
    after = api.get("ana", f"/api/agentes/casos/{code}").json()
    assert [a["estado"] for a in after["avisos"]] == ["entregado"] and after["eventos"][-1]["tipo"] == "aviso_entregado"
    assert after["primera_respuesta"].startswith("2026-03-02T15:30:00")

    resolved = api.post("ana", f"/api/agentes/casos/{code}/resolver", {"texto": None}).json()
    assert resolved["caso"]["estado"] == "resuelto" and fake_rasa.uttered[-1].kind == "resuelto"
    assert fake_rasa.uttered[-1].body is None

    metrics = api.get("ana", "/api/agentes/metricas").json()
    assert metrics["vencidos"] == 1 and metrics["mediana_primera_respuesta_horas"] == 0.5


def test_invalid_bodies(api, db_url) -> None:
    code = make_ticket(db_url)
    api.post("ana", f"/api/agentes/casos/{code}/tomar")
    empty = api.post("ana", f"/api/agentes/casos/{code}/responder", {"texto": "  "})
    assert empty.status_code == 422 and empty.json()["detail"]["motivo"] == "texto_vacio"
    shape = api.post("ana", f"/api/agentes/casos/{code}/responder", {"mensaje": "hola"})
    assert shape.status_code == 422 and isinstance(shape.json()["detail"], list)
    bad_filter = api.get("ana", "/api/agentes/casos", params={"estado": "inventado"})
    assert bad_filter.status_code == 422


def test_prometheus_endpoint(api, db_url) -> None:
    make_ticket(db_url)
    assert api.client.get("/api/agentes/metricas/prometheus").status_code == 401
    for headers in ({"Authorization": "Bearer token-prometheus"}, api.headers("coord")):
        response = api.client.get("/api/agentes/metricas/prometheus", headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
        assert 'men_tickets{area="DFGT-SRH",estado="nuevo"} 1' in response.text
    own = api.get("olga", "/api/agentes/metricas/prometheus").text
    assert 'area="DFGT-SRH"' not in own and 'men_tickets{area="OTSI",estado="nuevo"} 0' in own


def test_console_page_is_local_and_never_renders_html(api) -> None:
    page = api.client.get("/agentes")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    html = page.text
    assert '<html lang="es">' in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # no CDN, nothing external
    assert "<script>" not in html and not re.search(r"\son[a-z]+\s*=", html)  # no inline code
    for name in ("console.js", "console.css"):
        assert api.client.get(f"/static/agentes/{name}").status_code == 200
    source = (CONSOLE / "console.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in source
    labels = set(re.findall(r'<label for="([^"]+)"', html))
    assert labels and all(f'id="{i}"' in html for i in labels)  # every field has its label


def test_committed_openapi_matches_the_app(api) -> None:
    committed = Path(OPENAPI_FILE).read_text(encoding="utf-8")
    assert committed == openapi_yaml(api.client.app), "run: python -m webapp.agents"
    for path in ("/api/agentes/casos/{codigo}/tomar", "/api/agentes/metricas/prometheus", "/api/agentes/cuentas"):
        assert f"  {path}:" in committed


def test_background_delivery_rounds_run_with_the_app_lifespan(api) -> None:
    import time as _time

    calls: list[float] = []

    class CountingDispatcher:
        def deliver_due(self, *args, **kwargs):
            calls.append(_time.monotonic())

    services = api.client.app.state.agents
    services.dispatcher, services.retry_seconds = CountingDispatcher(), 0.05
    with TestClient(api.client.app):  # runs the startup and shutdown events
        deadline = _time.monotonic() + 5
        while len(calls) < 2 and _time.monotonic() < deadline:
            _time.sleep(0.02)
    assert len(calls) >= 2
    stopped = len(calls)
    _time.sleep(0.2)
    assert len(calls) == stopped  # the loop ends with the app
