"""``GET /``: the web chat page.

The page learns where Rasa's socket.io channel is from ``<meta>`` tags rendered here
(``settings.rasa_public_url`` and ``settings.rasa_socket_path``); the widget itself is the
static ``/static/chat.js``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))

router = APIRouter(tags=["chat"])


def http_url_or_empty(url: str) -> str:
    """``url`` if it is an absolute http(s) URL, else ``""`` (never render other schemes)."""
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in {"http", "https"} and parts.netloc else ""


@router.post("/chat/sesion")
async def new_session(request: Request) -> dict:
    """A new web chat session id, signed with ``WEB_SESSION_SECRET`` (Rasa's socket.io channel
    accepts only ids it can verify). ``null`` when no secret is configured: the socket then issues one."""
    from bot.identity import new_web_session

    secret = request.app.state.settings.web_session_secret
    return {"sesion": new_web_session(secret) if secret else None}


@router.get("/", response_class=HTMLResponse)
async def chat_page(request: Request) -> HTMLResponse:
    settings = request.app.state.settings
    context = {
        "request": request,
        "socket_url": http_url_or_empty(settings.rasa_public_url),
        "socket_path": settings.rasa_socket_path,
        "privacy_policy_url": http_url_or_empty(settings.privacy_policy_url),
    }
    return TEMPLATES.TemplateResponse("chat.html", context)
