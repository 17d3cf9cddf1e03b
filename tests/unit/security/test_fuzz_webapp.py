"""Hypothesis fuzzing of the web app in-process: the chat page and its session endpoint, the charts,
the agents' login and the agents' API with a logged-in agent (tests/fuzz_strategies.py).

6,000 hostile examples (4,000 + 2,000) (``FUZZ_SCALE`` scales them): no 5xx, no hostile markup reflected in HTML,
JSON answers stay JSON."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz_strategies import check_reply, hostile_json, hostile_text
from tests.unit.agents.api_support import build_api
from tests.unit.agents.conftest import closed_port_url

from .conftest import fuzz_examples


def fuzz(n: int) -> settings:
    return settings(max_examples=fuzz_examples(n), deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


def _check(response, sent: str | None = None) -> None:
    check_reply(response.status_code, response.headers.get("content-type", ""), response.text, sent)
    if response.status_code != 200 or "json" in response.headers.get("content-type", ""):
        assert "text/html" not in response.headers.get("content-type", "")


def test_public_endpoints_survive_hostile_input(tmp_path, db_url, team, clock, hasher, open_limits) -> None:
    api = build_api(tmp_path, db_url, team, clock, hasher, closed_port_url(), agent_delivery_retry_seconds=0,
                    **open_limits)
    client = api.client

    @fuzz(4000)
    @given(text=hostile_text(), body=hostile_json())
    def run(text: str, body: object) -> None:
        safe = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        short = safe[:400]  # URLs: httpx refuses components over 64 KiB, proxies cut at 8 KiB
        _check(client.get("/", params={"q": short, "session_id": short}), short)
        _check(client.get(f"/charts/{quote(short, safe='')}.png"))
        _check(client.post("/chat/sesion", content=safe.encode("utf-8")))
        _check(client.post("/api/agentes/sesion", json={"email": safe, "clave": safe}))
        _check(client.post("/api/agentes/sesion", json=body))
        _check(client.post("/api/agentes/sesion", content=safe.encode("utf-8"),
                           headers={"Content-Type": "application/json"}))

    run()


def test_agents_api_survives_hostile_input_from_logged_in_agents(tmp_path, db_url, team, clock, hasher,
                                                                  open_limits) -> None:
    from tests.db_fixtures import make_ticket

    api = build_api(tmp_path, db_url, team, clock, hasher, closed_port_url(), agent_delivery_retry_seconds=0,
                    **open_limits)
    code = make_ticket(db_url, key="fuzz-ticket")
    assert api.post("ana", f"/api/agentes/casos/{code}/tomar").status_code == 200
    actions = ["responder", "solicitar-informacion", "transferir", "reasignar", "resolver", "reabrir", "tomar"]

    @fuzz(2000)
    @given(text=hostile_text(), body=hostile_json(), action=st.sampled_from(actions),
           who=st.sampled_from(["ana", "olga", "coord", "admin"]))
    def run(text: str, body: object, action: str, who: str) -> None:
        safe = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        _check(api.post(who, f"/api/agentes/casos/{code}/{action}", {"texto": safe, "motivo": safe, "area": safe,
                                                                      "agente_id": safe}))
        short = safe[:400]  # URLs: httpx refuses components over 64 KiB, proxies cut at 8 KiB
        _check(api.get(who, f"/api/agentes/casos/{quote(short, safe='')}"))
        _check(api.get(who, "/api/agentes/casos", params={"area": short, "estado": short, "prioridad": short,
                                                          "asignacion": short, "limite": short[:20]}))
        _check(api.client.patch("/api/agentes/cuentas/1", headers=api.headers(who), json=body))

    run()
    detail = api.get("ana", f"/api/agentes/casos/{code}")
    assert detail.status_code == 200 and detail.headers["content-type"].startswith("application/json")
