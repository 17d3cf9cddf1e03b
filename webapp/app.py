"""Application factory of the web app.

The app serves the web chat page (``/``), the indicator charts (``/charts/{name}.png``) and
``/health``, and the agents API and console (:mod:`webapp.agents`, plugged in with its
``register(app, settings)``).

Every response carries a strict Content-Security-Policy unless the route sets its own: pages
load scripts and styles from ``/static`` only (no inline script, no CDN).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from bot.logsafe import install as install_log_masking
from bot.services import get_services
from bot.settings import Settings
from webapp import agents, charts, chat
from webapp.background import run_every
from webapp.security import AbuseLimits

logger = logging.getLogger(__name__)

WEBAPP_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEBAPP_DIR / "static"

def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the web app for ``settings`` (defaults to those of the composition root, :mod:`bot.services`)."""
    settings = settings or get_services().settings
    install_log_masking()  # no e-mail, phone or sender id in the web app's logs
    app = FastAPI(
        title="Asistente de la Escuela de Secretarías de Educación",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.middleware("http")(_security_headers_middleware(settings))
    app.add_middleware(AbuseLimits, max_bytes=settings.max_request_bytes, per_minute=settings.public_rate_limit)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(chat.router)
    app.include_router(charts.router)

    @app.get("/health", tags=["ops"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    agents.register(app, settings)
    _schedule_privacy_job(app, settings)
    return app


def _schedule_privacy_job(app: FastAPI, settings: Settings) -> None:
    """Every ``PRIVACY_JOB_MINUTES``: close resolved tickets and remove expired personal data."""

    def job() -> None:
        from bot.privacy import run_privacy_job

        run_privacy_job(settings)

    run_every(app, lambda: settings.privacy_job_minutes * 60, job, "Tarea de privacidad fallida",
              first_delay=lambda: min(60, settings.privacy_job_minutes * 60))  # let the app start first


def content_security_policy(settings: Settings) -> str:
    """CSP of the pages: own scripts only; sockets and images also from the Rasa/public origins."""
    rasa = _origin(settings.rasa_public_url)
    public = _origin(settings.public_base_url)
    ws = rasa.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data: https: {public} {rasa}".strip(),
            f"connect-src 'self' {rasa} {ws}".strip(),
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _origin(url: str) -> str:
    parts = url.split("/")
    return "/".join(parts[:3]) if len(parts) >= 3 and parts[0] in {"http:", "https:"} else ""


def _security_headers_middleware(
    settings: Settings,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    csp = content_security_policy(settings)

    async def add_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    return add_headers
