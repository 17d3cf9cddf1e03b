"""The whole permission matrix of the agents' API, table-driven: every endpoint x role (including no
session) x area of the ticket or review item (own / another; ``-`` where none is involved).

A test also checks that the table lists every route of ``/api/agentes``: a new endpoint cannot be
added without deciding who may call it. ``ana`` is an ``agente`` of DFGT-SRH, ``cura`` a ``curador``
scoped to DFGT-SRH; OTSI is another area.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from .api_support import build_api
from .conftest import NOW, PASSWORD, closed_port_url, make_ticket

A, C, CU, AD, ANON = "agente", "coordinador", "curador", "admin", "anonimo"
ACTOR = {A: "ana", C: "coord", CU: "cura", AD: "admin", ANON: None}
AREA = {"propia": "DFGT-SRH", "otra": "OTSI"}
AREA_AGENT = {"DFGT-SRH": "ana", "OTSI": "olga"}

# (method, route) -> {(role, area): expected status}; area "-" when the route concerns no ticket.
TICKET_ACTIONS = {
    ("GET", "/api/agentes/casos/{codigo}"): "ver",
    ("POST", "/api/agentes/casos/{codigo}/tomar"): "tomar",
    ("POST", "/api/agentes/casos/{codigo}/responder"): "responder",
    ("POST", "/api/agentes/casos/{codigo}/solicitar-informacion"): "solicitar_informacion",
    ("POST", "/api/agentes/casos/{codigo}/transferir"): "transferir",
    ("POST", "/api/agentes/casos/{codigo}/reasignar"): "reasignar",
    ("POST", "/api/agentes/casos/{codigo}/resolver"): "resolver",
    ("POST", "/api/agentes/casos/{codigo}/reabrir"): "reabrir",
}


def _ticket_row(action: str) -> dict:
    agent_own = 403 if action == "reasignar" else 200
    agent_other = 403 if action == "reasignar" else 404  # another area's ticket looks like no ticket
    return {(A, "propia"): agent_own, (A, "otra"): agent_other, (C, "propia"): 200, (C, "otra"): 200,
            (CU, "propia"): 403, (CU, "otra"): 403,  # a curator works no tickets
            (AD, "propia"): 403, (AD, "otra"): 403, (ANON, "propia"): 401, (ANON, "otra"): 401}


# Review items (a group of misunderstood messages, a routing example from a transfer) of one area:
# for coordinador and curador only; a curator scoped to some areas never learns of another's items.
REVIEW_ITEM_ROUTES = {
    ("GET", "/api/agentes/revision/grupos/{grupo_id}"),
    ("POST", "/api/agentes/revision/grupos/{grupo_id}/decision"),
    ("POST", "/api/agentes/revision/enrutamiento/{ejemplo_id}/decision"),
}
REVIEW_ITEM_ROW = {(A, "propia"): 403, (A, "otra"): 403, (C, "propia"): 200, (C, "otra"): 200,
                   (CU, "propia"): 200, (CU, "otra"): 404, (AD, "propia"): 403, (AD, "otra"): 403,
                   (ANON, "propia"): 401, (ANON, "otra"): 401}


def _row(agente: int, coordinador: int, curador: int, admin: int, anonimo: int = 401) -> dict:
    return {(A, "-"): agente, (C, "-"): coordinador, (CU, "-"): curador, (AD, "-"): admin, (ANON, "-"): anonimo}


MATRIX: dict[tuple[str, str], dict] = {
    ("POST", "/api/agentes/sesion"): _row(200, 200, 200, 200, 401),  # anonymous with wrong credentials: 401
    ("DELETE", "/api/agentes/sesion"): _row(204, 204, 204, 204),
    ("GET", "/api/agentes/yo"): _row(200, 200, 200, 200),
    ("GET", "/api/agentes/areas"): _row(200, 200, 200, 200),
    ("GET", "/api/agentes/casos"): _row(200, 200, 403, 403),
    **{route: _ticket_row(action) for route, action in TICKET_ACTIONS.items()},
    ("GET", "/api/agentes/avisos/fallidos"): _row(200, 200, 403, 403),  # ticket workers, in their areas
    ("POST", "/api/agentes/encuentros"): _row(403, 201, 403, 403),
    ("GET", "/api/agentes/equipo"): _row(403, 200, 403, 403),
    ("GET", "/api/agentes/cuentas"): _row(403, 403, 403, 200),
    ("POST", "/api/agentes/cuentas"): _row(403, 403, 403, 201),
    ("PATCH", "/api/agentes/cuentas/{agente_id}"): _row(403, 403, 403, 200),
    ("GET", "/api/agentes/metricas"): _row(200, 200, 200, 200),
    ("GET", "/api/agentes/metricas/prometheus"): _row(200, 200, 200, 200),
    # review inbox (coordinador, curador)
    ("GET", "/api/agentes/revision/intenciones"): _row(403, 200, 200, 403),
    ("GET", "/api/agentes/revision/grupos"): _row(403, 200, 200, 403),
    ("GET", "/api/agentes/revision/enrutamiento"): _row(403, 200, 200, 403),
    ("POST", "/api/agentes/revision/exportar"): _row(403, 200, 200, 403),
    ("POST", "/api/agentes/revision/ingerir"): _row(403, 200, 200, 403),
    **{route: dict(REVIEW_ITEM_ROW) for route in REVIEW_ITEM_ROUTES},
    # service dashboard (coordinador, admin)
    ("GET", "/api/agentes/tablero"): _row(403, 200, 403, 200),
    ("GET", "/api/agentes/tablero/csv/{tabla}"): _row(403, 200, 403, 200),
}
CASES = [(method, route, role, area, expected)
         for (method, route), row in MATRIX.items() for (role, area), expected in row.items()]

BODIES = {
    "responder": {"texto": "Respuesta del MEN"},
    "solicitar_informacion": {"texto": "¿Podría enviar el acto administrativo?"},
    "transferir": {"area": "DCE-ACC", "motivo": "Corresponde a matrícula"},
    "resolver": {"texto": "Resuelto"},
    "reabrir": {"motivo": "Falta un soporte"},
}


def test_the_matrix_lists_every_route_of_the_api() -> None:
    from bot.settings import load_settings
    from webapp.app import create_app

    app = create_app(load_settings({}))
    routes = {(m, r.path) for r in app.routes if getattr(r, "path", "").startswith("/api/agentes")
              for m in getattr(r, "methods", ()) if m != "HEAD"}
    assert routes == set(MATRIX)
    roles = {(role, area) for row in MATRIX.values() for role, area in row}
    assert {role for role, _ in roles} == {A, C, CU, AD, ANON}


@pytest.fixture
def api(tmp_path, db_url, team, clock, hasher):
    from sqlalchemy import create_engine

    from bot.agents.permissions import Principal, Role
    from bot.agents.review.ingest import RASA_EVENTS

    info = team.accounts.create_agent(email="cura@mineducacion.gov.co", name="Cura", role="curador",
                                      password=PASSWORD, areas=["DFGT-SRH"])
    team.principals["cura"] = Principal(id=info.id, email=info.email, name=info.name, role=Role.CURADOR,
                                        areas=frozenset(info.areas))
    team.emails["cura"] = info.email
    tracker_url = f"sqlite:///{tmp_path / 'rasa_tracker.db'}"  # an empty tracker store for /revision/ingerir
    engine = create_engine(tracker_url, future=True)
    RASA_EVENTS.metadata.create_all(engine)
    engine.dispose()
    return build_api(tmp_path, db_url, team, clock, hasher, closed_port_url(), agent_delivery_retry_seconds=0,
                     tracker_store_url=tracker_url, review_ingest_seconds=0)


def _review_items(db_url: str, area: str, n: int) -> tuple[int, int]:
    """A group of misunderstood messages with one message of ``area``, and the routing example of a
    ticket transferred to ``area``: their ids."""
    from bot.agents.review.models import ReviewConversation, ReviewGroup, ReviewItem, RoutingReview
    from bot.db import session_scope
    from bot.tickets.models import Ticket

    code = make_ticket(db_url, area=area, key=f"r-{area}-{n}", conversation_id=f"r-{n}")
    with session_scope(db_url) as session:
        group = ReviewGroup(key=f"grupo {n}", text="no entiendo lo de los traslados", count=1,
                            reasons={"fallback": 1}, predicted_intent="nlu_fallback", confidence=0.2,
                            first_seen=NOW, last_seen=NOW)
        session.add_all([group, ReviewConversation(sender_key=f"s-{n}", channel="socketio", area_code=area)])
        session.flush()
        session.add(ReviewItem(id=n + 1, group_id=group.id, conversation_key=f"s-{n}", channel="socketio",
                               area_code=area, text=group.text, intent="nlu_fallback", confidence=0.2,
                               reasons=["fallback"], sent_at=NOW))
        ticket_id = session.query(Ticket.id).filter(Ticket.code == code).scalar()
        routing = RoutingReview(ticket_id=ticket_id, text="solicito el certificado laboral", from_area="DCE-ACC",
                                area_code=area, transferred_at=NOW)
        session.add(routing)
        session.flush()
        return group.id, routing.id


def _prepare_ticket(api, db_url, action: str, who: str | None, area: str, n: int) -> str:
    code = make_ticket(db_url, area=area, key=f"m-{action}-{who}-{area}-{n}", conversation_id=f"c-{n}")
    if action in ("ver", "tomar"):
        return code
    holder = who if who == AREA_AGENT[area] else AREA_AGENT[area]
    assert api.post(holder, f"/api/agentes/casos/{code}/tomar").status_code == 200
    if action == "reabrir":
        assert api.post(holder, f"/api/agentes/casos/{code}/resolver", {"texto": "Listo"}).status_code == 200
    return code


@pytest.mark.parametrize(("method", "route", "role", "area", "expected"), CASES,
                         ids=[f"{m} {r} {role} {area}" for m, r, role, area, _ in CASES])
def test_permission_matrix(api, db_url, team, method, route, role, area, expected) -> None:
    who = ACTOR[role]
    headers = api.headers(who) if who else {}
    body = None
    path = route
    if (method, route) in TICKET_ACTIONS:
        action = TICKET_ACTIONS[(method, route)]
        code = _prepare_ticket(api, db_url, action, who, AREA[area], CASES.index((method, route, role, area, expected)))
        path = route.replace("{codigo}", code)
        body = {"agente_id": team["coord"].id, "motivo": "Carga"} if action == "reasignar" else BODIES.get(action)
    elif route == "/api/agentes/sesion" and method == "POST":
        body = {"email": team.emails[who] if who else "nadie@mineducacion.gov.co",
                "clave": "clave-segura-123" if who else "otra-clave-000"}
    elif route == "/api/agentes/cuentas" and method == "POST":
        body = {"email": f"nueva-{role}@mineducacion.gov.co", "nombre": "Nueva", "rol": "agente",
                "clave": "una-clave-larga", "areas": ["OAJ"]}
    elif route.endswith("{agente_id}"):
        path = route.replace("{agente_id}", str(team["olga"].id))
        body = {"nombre": "Olga María"}
    elif (method, route) in REVIEW_ITEM_ROUTES:
        group_id, routing_id = _review_items(db_url, AREA[area], CASES.index((method, route, role, area, expected)))
        path = route.replace("{grupo_id}", str(group_id)).replace("{ejemplo_id}", str(routing_id))
        body = {"decision": "descartar"} if method == "POST" else None
    elif route == "/api/agentes/encuentros":
        body = {"titulo": "Taller de planeación financiera", "tipo": "taller", "modalidad": "virtual",
                "inicio": (NOW + timedelta(days=7)).isoformat()}
    elif route.endswith("{tabla}"):
        path = route.replace("{tabla}", "por_dia")
    response = api.client.request(method, path, headers=headers, json=body)
    assert response.status_code == expected, response.text
    if expected == 401:
        assert response.json()["detail"]["motivo"] in {"sin_sesion", "credenciales_invalidas"}
    if expected == 403:
        assert response.json()["detail"]["motivo"] == "rol_sin_permiso"
    if expected == 404:
        assert response.json() == {"detail": {"motivo": "no_encontrado", "detalles": {}}}
