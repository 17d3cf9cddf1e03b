"""Abuse limits of the web app (docs/security.md): request size, requests per IP, login back-off.

- Every request body is read up to ``MAX_REQUEST_BYTES`` (default 64 KiB); a larger one (by its
  ``Content-Length`` or by what arrives) is answered 413 before any route sees it.
- At most ``PUBLIC_RATE_LIMIT`` requests per minute per client IP (default 120; ``/health`` and
  ``/static`` are not counted), else 429 with ``Retry-After``.
- Agents' login: at most ``LOGIN_RATE_LIMIT`` attempts per minute per IP, and after
  ``LOGIN_FREE_FAILURES`` failures for one (account, IP) a growing wait for that pair only
  (:class:`bot.ratelimit.LoginThrottle`). The account is never locked.

The client IP is the socket's peer, or the proxy's ``X-Forwarded-For`` when uvicorn trusts the proxy
(``FORWARDED_ALLOW_IPS``, default 127.0.0.1). Limits are per process; the proxy enforces the same for
all replicas together.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.ratelimit import LoginThrottle, RateLimiter
from bot.settings import Settings

UNCOUNTED_PREFIXES = ("/health", "/static/")


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "desconocida"


@dataclass
class LoginGuard:
    per_ip: RateLimiter
    throttle: LoginThrottle

    @classmethod
    def build(cls, settings: Settings) -> LoginGuard:
        return cls(RateLimiter(max(1, settings.login_rate_limit), 60.0),
                   LoginThrottle(free_failures=max(1, settings.login_free_failures)))

    def wait_seconds(self, account: str, ip: str) -> int:
        """0 when this attempt may go on (and counts it), else the seconds to wait."""
        wait = self.throttle.wait_seconds(account, ip)
        if wait:
            return wait
        if not self.per_ip.hit(ip):
            return self.per_ip.retry_after(ip)
        return 0


async def _send_json(send: Send, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    head += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": raw})


class AbuseLimits:
    """Pure ASGI middleware: size limit first, then the per-IP request rate."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, per_minute: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.limiter = RateLimiter(max(1, per_minute), 60.0)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if not path.startswith(UNCOUNTED_PREFIXES):
            client = scope.get("client")
            ip = client[0] if client else "desconocida"
            if not self.limiter.hit(ip):
                wait = self.limiter.retry_after(ip)
                await _send_json(send, 429, {"detail": {"motivo": "demasiadas_solicitudes",
                                                        "detalles": {"reintentar_en": wait}}},
                                 {"Retry-After": str(wait)})
                return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        try:
            if declared is not None and int(declared) > self.max_bytes:
                await self._too_large(send)
                return
        except ValueError:
            await _send_json(send, 400, {"detail": {"motivo": "solicitud_invalida", "detalles": {}}})
            return
        if scope.get("method") in ("GET", "HEAD", "OPTIONS", "DELETE") and declared is None:
            await self.app(scope, receive, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                await self._too_large(send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _too_large(send: Send) -> None:
        await _send_json(send, 413, {"detail": {"motivo": "solicitud_demasiado_grande", "detalles": {}}})
