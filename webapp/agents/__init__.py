"""The MEN agents' workspace in the web app: the API under ``/api/agentes`` and the console at ``/agentes``.

``register(app, settings)`` is called by :func:`webapp.app.create_app`.
When the app is served with its lifespan (``python -m webapp``), a background task retries the
notices waiting for Rasa every ``AGENT_DELIVERY_RETRY_SECONDS`` (0 turns it off).

``python -m webapp.agents [ARCHIVO]`` writes the OpenAPI description of the agents' API
(default ``docs/openapi-agents.yaml``; a test checks that the committed copy is current).
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, FileSystemLoader

from bot.agents.permissions import AgentsError
from bot.settings import PROJECT_ROOT, Settings
from webapp.agents.services import AgentServices
from webapp.background import run_every

logger = logging.getLogger(__name__)

# The console's pages (templates/agentes/, one layout); their scripts and styles are in static/agentes/.
PAGES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"), autoescape=True
)
CONSOLE_PAGES = {
    "/agentes": "agentes/casos.html",
    "/agentes/revision": "agentes/revision.html",
    "/agentes/tablero": "agentes/tablero.html",
}
OPENAPI_FILE = PROJECT_ROOT / "docs" / "openapi-agents.yaml"
API_PREFIX = "/api/agentes"


def register(app: FastAPI, settings: Settings, services: AgentServices | None = None) -> None:
    from webapp.agents.api import public_router, router, unauthenticated_headers
    from webapp.security import LoginGuard

    app.state.agents = services or AgentServices.build(settings)
    app.state.login_guard = LoginGuard.build(settings)

    async def agents_error(_request: Request, exc: AgentsError) -> JSONResponse:
        body = {"detail": {"motivo": exc.reason, "detalles": exc.details}}
        return JSONResponse(body, status_code=exc.status_code, headers=unauthenticated_headers(exc))

    app.add_exception_handler(AgentsError, agents_error)
    app.include_router(router)
    app.include_router(public_router)

    for path, template in CONSOLE_PAGES.items():
        app.add_api_route(path, _page_route(template), methods=["GET"], include_in_schema=False)

    @app.middleware("http")
    async def no_store(request: Request, call_next):
        response = await call_next(request)
        if request.url.path.startswith((API_PREFIX, "/api/avisos")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    _schedule_delivery(app)
    register_review(app, settings)


def _page_route(template: str):
    """A console page: rendered once from its template (nothing from the request is read)."""
    html: list[str] = []

    async def serve() -> HTMLResponse:
        if not html:
            html.append(PAGES.get_template(template).render())
        return HTMLResponse(html[0], headers={"Cache-Control": "no-store"})

    return serve


# ----------------------------------------------------------------------------- review and dashboard


def register_review(app: FastAPI, settings: Settings, services=None) -> None:
    """Review inbox and dashboard: API and a background round that reads the new events of
    Rasa's tracker store every ``REVIEW_INGEST_SECONDS`` (0 turns it off)."""
    from webapp.agents.review_api import ReviewServices
    from webapp.agents.review_api import router as review_router

    app.state.review = services or ReviewServices.build(settings)
    app.include_router(review_router)

    run_every(app, lambda: app.state.review.ingest_seconds, lambda: app.state.review.ingest(),
              "Ronda de lectura del tracker store fallida")


def _schedule_delivery(app: FastAPI) -> None:
    """Every ``AGENT_DELIVERY_RETRY_SECONDS``: send the notices that are due (also a sender of its own)."""

    def round_() -> None:
        services: AgentServices = app.state.agents
        services.dispatcher.deliver_due()
        if services.encuentros is not None:
            services.encuentros.deliver_due()

    run_every(app, lambda: app.state.agents.retry_seconds, round_, "Ronda de entrega de avisos fallida")


# ----------------------------------------------------------------------------- OpenAPI export
def _refs(node, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def agents_openapi(app: FastAPI) -> dict:
    """The app's OpenAPI restricted to the agents' API and the schemas it references."""
    full = app.openapi()
    paths = {p: v for p, v in full["paths"].items() if p.startswith(API_PREFIX)}
    schemas = full.get("components", {}).get("schemas", {})
    wanted: set[str] = set()
    _refs(paths, wanted)
    while True:
        more: set[str] = set()
        _refs({k: schemas[k] for k in wanted}, more)
        if more <= wanted:
            break
        wanted |= more
    components = {"schemas": {k: schemas[k] for k in sorted(wanted)}}
    if "securitySchemes" in full.get("components", {}):
        components["securitySchemes"] = full["components"]["securitySchemes"]
    return {
        "openapi": full["openapi"],
        "info": {
            "title": "API de los agentes del MEN",
            "version": full["info"]["version"],
            "description": "Cola, casos y cuentas de los agentes que atienden los casos escalados por el asistente.",
        },
        "paths": paths,
        "components": components,
    }


def openapi_yaml(app: FastAPI) -> str:
    import yaml

    return yaml.safe_dump(agents_openapi(app), allow_unicode=True, sort_keys=False, width=110)


def main(argv: list[str] | None = None) -> int:
    import sys

    from bot.settings import load_settings
    from webapp.app import create_app

    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else OPENAPI_FILE
    target.write_text(openapi_yaml(create_app(load_settings({}))), encoding="utf-8")
    print(f"OpenAPI de la API de agentes escrito en {target}")
    return 0
