"""The review inbox, dashboard and queue search through the HTTP API, with the real app."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.agents.api_support import build_api
from webapp.agents.review_api import ReviewServices

from .conftest import NOW, make_ticket


def _api(tmp_path, db_url, team, clock, hasher, tracker):
    api = build_api(tmp_path, db_url, team, clock, hasher, "http://127.0.0.1:9", tracker_store_url=tracker.url,
                    review_ingest_seconds=0)
    api.client.app.state.review = ReviewServices.build(_settings(tmp_path, db_url, tracker), clock=clock)
    return api


def _settings(tmp_path, db_url, tracker):
    from dataclasses import replace

    from bot.settings import load_settings

    return replace(load_settings({"APP_VAR_DIR": str(tmp_path), "DATABASE_URL": db_url}),
                   tracker_store_url=tracker.url, review_ingest_seconds=0)


def test_inbox_flow_and_permissions_over_http(tmp_path, db_url, team, clock, hasher, tracker) -> None:
    api = _api(tmp_path, db_url, team, clock, hasher, tracker)
    tracker.user("c1", "mi cel es 3001234567 y necesito saber lo de los traslados", "nlu_fallback", 0.2)
    assert api.post("cura", "/api/agentes/revision/ingerir").json()["a_revision"] == 1

    page = api.get("cura", "/api/agentes/revision/grupos").json()
    assert page["total"] == 1 and "3001234567" not in page["grupos"][0]["texto"]
    for who in ("ana", "admin"):
        assert api.get(who, "/api/agentes/revision/grupos").status_code == 403
    assert api.get("cura", "/api/agentes/casos").status_code == 403  # a curator never sees cases
    assert api.get("cura", "/api/agentes/tablero").status_code == 403
    assert api.get("ana", "/api/agentes/tablero").status_code == 403

    gid = page["grupos"][0]["id"]
    detail = api.get("coord", f"/api/agentes/revision/grupos/{gid}").json()
    assert detail["mensajes"][0]["motivos"] == ["fallback"]
    bad = api.post("cura", f"/api/agentes/revision/grupos/{gid}/decision", json={"decision": "confirmar"})
    assert bad.status_code == 422  # nlu_fallback is no intent to train, and the text has masked data
    ok = api.post("cura", f"/api/agentes/revision/grupos/{gid}/decision",
                  json={"decision": "corregir", "intencion": "solicitar_gestion_men",
                        "texto": "necesito saber lo de los traslados"})
    assert ok.status_code == 200 and ok.json()["estado"] == "aceptado"
    intents = {i["nombre"]: i for i in api.get("cura", "/api/agentes/revision/intenciones").json()}
    assert intents["consultar_indicador"]["funcion"] == "indicators" and "nlu_fallback" not in intents


def test_dashboard_figures_and_csv(tmp_path, db_url, team, clock, hasher, tracker) -> None:
    api = _api(tmp_path, db_url, team, clock, hasher, tracker)
    tracker.t = (NOW - timedelta(hours=2)).timestamp()
    tracker.user("w1", "hola", "saludar", 0.99, channel="socketio")
    tracker.user("w1", "desercion en cali", "consultar_indicador", 0.95, channel="socketio",
                 entities=[{"entity": "lugar", "value": "cali", "start": 13, "end": 17}])
    tracker.user("t1", "qwerty asdf", "nlu_fallback", 0.1, channel="telegram")
    make_ticket(db_url, area="OTSI", created=NOW - timedelta(days=20), sla_days=3)
    api.post("coord", "/api/agentes/revision/ingerir")

    data = api.get("coord", "/api/agentes/tablero").json()
    assert data["totales"] == {"conversaciones": 2, "mensajes": 3, "entendidos": 2, "porcentaje_entendidos": 66.7}
    assert {(r["canal"], r["mensajes"]) for r in data["por_dia"]} == {("socketio", 2), ("telegram", 1)}
    assert data["consultas_territorio"] == [{"clave": "Cali", "cantidad": 1}]
    assert data["temas_sin_resolver"][0]["tema"] == "qwerty asdf"
    assert data["casos_plazo"][0]["area"] == "OTSI" and data["casos_plazo"][0]["vencidos"] == 1
    only_telegram = api.get("admin", "/api/agentes/tablero", params={"canal": "telegram"}).json()
    assert only_telegram["totales"]["mensajes"] == 1
    csv = api.get("coord", "/api/agentes/tablero/csv/por_dia")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.lstrip("\ufeff").splitlines()[0] == "dia,canal,conversaciones,mensajes,entendidos,porcentaje_entendidos"
    assert api.get("coord", "/api/agentes/tablero/csv/otra").status_code == 422


def test_queue_search_sort_and_pages(tmp_path, db_url, team, clock, hasher, tracker) -> None:
    api = _api(tmp_path, db_url, team, clock, hasher, tracker)
    codes = [make_ticket(db_url, area="DFGT-SRH", created=NOW - timedelta(hours=i), key=f"k{i}",
                         description=f"Consulta numero {i} sobre nomina docente") for i in range(60)]
    special = make_ticket(db_url, area="DFGT-SRH", key="special", description="Traslado de rectora por seguridad")
    first = api.get("ana", "/api/agentes/casos", params={"limite": 25}).json()
    second = api.get("ana", "/api/agentes/casos", params={"limite": 25, "desde": 50}).json()
    assert first["total"] == 61 and len(first["casos"]) == 25 and len(second["casos"]) == 11
    # keyset pages: `siguiente` of one page is `despues` of the next, the last page has none
    after = api.get("ana", "/api/agentes/casos", params={"limite": 25, "despues": first["siguiente"],
                                                         "contar": "false"}).json()
    assert after["total"] is None  # a page turn keeps the first page's total
    last = api.get("ana", "/api/agentes/casos", params={"limite": 25, "despues": after["siguiente"]}).json()
    assert [c["codigo"] for c in last["casos"]] == [c["codigo"] for c in second["casos"]] and last["siguiente"] is None
    assert len({c["codigo"] for page in (first, after, last) for c in page["casos"]}) == 61
    assert api.get("ana", "/api/agentes/casos", params={"despues": "no-es-un-cursor"}).status_code == 422
    assert api.get("ana", "/api/agentes/casos", params={"orden": "codigo", "despues": first["siguiente"]}).status_code == 422
    assert api.get("ana", "/api/agentes/casos", params={"codigo": special}).json()["casos"][0]["codigo"] == special
    number = special.split("-")[2]
    assert [c["codigo"] for c in api.get("ana", "/api/agentes/casos", params={"codigo": number}).json()["casos"]] == [special]
    assert api.get("ana", "/api/agentes/casos", params={"texto": "rectora"}).json()["total"] == 1
    assert api.get("ana", "/api/agentes/casos", params={"correo": "marta.perez@example.org"}).json()["total"] == 61
    assert api.get("ana", "/api/agentes/casos", params={"correo": "nadie@"}).json()["total"] == 0
    assert api.get("ana", "/api/agentes/casos", params={"etc": "medell"}).json()["total"] == 61
    assert api.get("ana", "/api/agentes/casos", params={"texto": "100%_"}).json()["total"] == 0
    by_code = api.get("ana", "/api/agentes/casos", params={"orden": "codigo", "sentido": "desc", "limite": 3}).json()
    assert [c["codigo"] for c in by_code["casos"]] == [special, codes[-1], codes[-2]]
    assert api.get("ana", "/api/agentes/casos", params={"orden": "otra"}).status_code == 422
    assert api.get("olga", "/api/agentes/casos", params={"codigo": special}).json()["total"] == 0  # other area


def test_pages_are_served(tmp_path, db_url, team, clock, hasher, tracker) -> None:
    api = _api(tmp_path, db_url, team, clock, hasher, tracker)
    for path in ("/agentes/revision", "/agentes/tablero"):
        page = api.client.get(path)
        assert page.status_code == 200 and "<main" in page.text
        other = api.client.get(path, params={"page": "../../../pyproject.toml"})
        assert other.text == page.text  # a query parameter never chooses the file
    assert api.client.get("/static/vendor/chart.umd.min.js").status_code == 200
