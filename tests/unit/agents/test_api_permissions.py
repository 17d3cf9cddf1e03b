"""Permission matrix of the API: each role x each action x a ticket of its own / another area.

``ana`` is an ``agente`` of DFGT-SRH ("own" area); OTSI is the "other" area (worked by ``olga``).
An agent's request on another area's ticket must answer exactly like a ticket that does not exist.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.db import session_scope
from bot.tickets.models import TicketEvent

from .api_support import build_api
from .conftest import closed_port_url, make_ticket

AREA = {"propia": "DFGT-SRH", "otra": "OTSI"}
AREA_AGENT = {"DFGT-SRH": "ana", "OTSI": "olga"}
ACTIONS = ("ver", "tomar", "responder", "solicitar_informacion", "transferir", "reasignar", "resolver", "reabrir")
MISSING = "MEN-2026-999999-ZZZZ"

EXPECTED = {
    ("agente", "propia"): {a: 200 for a in ACTIONS} | {"reasignar": 403},
    ("agente", "otra"): {a: 404 for a in ACTIONS} | {"reasignar": 403},
    ("coordinador", "propia"): {a: 200 for a in ACTIONS},
    ("coordinador", "otra"): {a: 200 for a in ACTIONS},
    ("admin", "propia"): {a: 403 for a in ACTIONS},
    ("admin", "otra"): {a: 403 for a in ACTIONS},
}
ACTOR = {"agente": "ana", "coordinador": "coord", "admin": "admin"}


@pytest.fixture
def api(tmp_path, db_url, team, clock, hasher):
    return build_api(tmp_path, db_url, team, clock, hasher, closed_port_url(), agent_delivery_retry_seconds=0)


def _prepare(api, db_url, action: str, actor: str, area: str, n: int) -> str:
    """A ticket in the state where ``action`` makes sense; held by the actor when it is that area's agent."""
    code = make_ticket(db_url, area=area, key=f"{action}-{actor}-{area}-{n}", conversation_id=f"c-{n}")
    if action in ("ver", "tomar"):
        return code
    holder = actor if actor == AREA_AGENT[area] else AREA_AGENT[area]
    assert api.post(holder, f"/api/agentes/casos/{code}/tomar").status_code == 200
    if action == "reabrir":
        assert api.post(holder, f"/api/agentes/casos/{code}/resolver", {"texto": "Listo"}).status_code == 200
    return code


def _call(api, who: str, action: str, code: str, team):
    base = f"/api/agentes/casos/{code}"
    if action == "ver":
        return api.get(who, base)
    body = {
        "tomar": None,
        "responder": {"texto": "Respuesta del MEN"},
        "solicitar_informacion": {"texto": "¿Podría enviar el acto administrativo?"},
        "transferir": {"area": "DCE-ACC", "motivo": "Corresponde a matrícula"},
        "reasignar": {"agente_id": team["coord"].id},
        "resolver": {"texto": "Resuelto"},
        "reabrir": {"motivo": "Falta un soporte"},
    }[action]
    path = {"solicitar_informacion": "solicitar-informacion"}.get(action, action)
    return api.post(who, f"{base}/{path}", body)


def _events(db_url) -> int:
    with session_scope(db_url) as session:
        return session.execute(select(func.count(TicketEvent.id))).scalar_one()


CASES = [(role, where, action) for (role, where) in EXPECTED for action in ACTIONS]


@pytest.mark.parametrize(("role", "where", "action"), CASES, ids=["-".join(c) for c in CASES])
def test_permission_matrix(api, db_url, team, role, where, action) -> None:
    who = ACTOR[role]
    code = _prepare(api, db_url, action, who, AREA[where], n=CASES.index((role, where, action)))
    before = _events(db_url)
    response = _call(api, who, action, code, team)
    expected = EXPECTED[(role, where)][action]
    assert response.status_code == expected, response.text
    if expected != 200:
        assert _events(db_url) == before  # a refused request changes nothing
    if expected == 404:  # indistinguishable from a code that does not exist
        assert response.json() == _call(api, who, action, MISSING, team).json()
        assert response.json() == {"detail": {"motivo": "no_encontrado", "detalles": {}}}
    if expected == 403:
        assert response.json()["detail"]["motivo"] == "rol_sin_permiso"


def test_agent_of_the_same_area_cannot_act_on_a_colleagues_ticket(api, db_url, team) -> None:
    code = make_ticket(db_url)
    assert api.post("ana", f"/api/agentes/casos/{code}/tomar").status_code == 200
    for action in ("responder", "solicitar_informacion", "resolver", "transferir"):
        response = _call(api, "beto", action, code, team)
        assert response.status_code == 403 and response.json()["detail"]["motivo"] == "asignado_a_otro"
    second = api.post("beto", f"/api/agentes/casos/{code}/tomar")
    assert second.status_code == 409 and second.json()["detail"]["motivo"] == "ya_asignado"
    assert api.get("beto", f"/api/agentes/casos/{code}").status_code == 200  # same area: may look


def test_queue_and_metrics_respect_the_scope(api, db_url) -> None:
    make_ticket(db_url, area="DFGT-SRH", key="q1")
    other = make_ticket(db_url, area="OTSI", key="q2")
    codes = [c["codigo"] for c in api.get("ana", "/api/agentes/casos").json()["casos"]]
    assert other not in codes and len(codes) == 1
    assert api.get("ana", "/api/agentes/casos", params={"area": "OTSI"}).json() == {"total": 0, "casos": [], "siguiente": None}
    assert api.get("admin", "/api/agentes/casos").status_code == 403
    assert api.get("ana", "/api/agentes/metricas").json()["areas"] == ["DFGT-SRH"]
    assert api.get("coord", "/api/agentes/metricas").json()["total"] == 2
    assert api.get("admin", "/api/agentes/metricas").json()["total"] == 2


@pytest.mark.parametrize(("who", "status"), [("ana", 403), ("coord", 403), ("admin", 200)])
def test_only_admins_manage_accounts(api, who, status) -> None:
    assert api.get(who, "/api/agentes/cuentas").status_code == status
    body = {"email": f"nuevo-{who}@mineducacion.gov.co", "nombre": "Nuevo", "rol": "agente",
            "clave": "una-clave-larga", "areas": ["OAJ"]}
    assert api.post(who, "/api/agentes/cuentas", body).status_code == (201 if status == 200 else 403)
    patched = api.client.patch("/api/agentes/cuentas/1", headers=api.headers(who), json={"nombre": "Otro"})
    assert patched.status_code == status


@pytest.mark.parametrize(("who", "status"), [("ana", 403), ("coord", 200), ("admin", 403)])
def test_team_list_is_for_coordinators(api, who, status) -> None:
    response = api.get(who, "/api/agentes/equipo", params={"area": "OTSI"})
    assert response.status_code == status
    if status == 200:
        assert {m["nombre"] for m in response.json()} == {"Olga", "Coord"}
