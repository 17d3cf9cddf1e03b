"""Rasa's REST channel behind a token; still named ``rest`` (``/webhooks/rest/webhook``).

Rasa's own REST channel lets any client post as any sender id, which would let anyone speak in
another person's conversation. This one is rendered into ``credentials.yml`` only when
``RASA_TOKEN`` is set and ``REST_CHANNEL`` is not ``off`` (production: ``off``), and every POST must
carry ``Authorization: Bearer <token>`` (or ``?token=``), else 401. A body that is not a JSON object
with a text ``sender`` (at most 128 characters) and a text ``message`` is refused with 400 instead
of failing inside Rasa; ``/intent`` payloads are screened like on every channel (:mod:`channels.guard`).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request

from channels.guard import InboundGuard

MAX_SENDER_CHARS = 128


class TokenRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        token = str((credentials or {}).get("token") or "").strip()
        if not token:
            raise RasaException("REST channel: a token is required (RASA_TOKEN)")
        return cls(token)

    def __init__(self, token: str) -> None:
        self.token = token
        self.guard = InboundGuard()

    def authorized(self, request: Request) -> bool:
        header = request.headers.get("Authorization") or ""
        sent = header[7:].strip() if header.lower().startswith("bearer ") else (request.args.get("token") or "")
        return bool(sent) and hmac.compare_digest(sent.encode("utf-8", "replace"), self.token.encode("utf-8"))

    def _extract_message(self, req: Request) -> str | None:
        return self.guard.screen(req.json.get("message"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def guarded(message: UserMessage) -> Any:
            if not self.guard.admit(message.sender_id):
                return None
            return await on_new_message(message)

        webhook = super().blueprint(guarded)

        @webhook.middleware("request")
        async def check(request: Request) -> Any:
            if request.method != "POST":
                return None
            if not self.authorized(request):
                return response.json({"error": "unauthorized"}, status=401, headers={"WWW-Authenticate": "Bearer"})
            try:
                body = request.json
            except Exception:
                body = None
            sender, message = (body.get("sender"), body.get("message")) if isinstance(body, dict) else (None, None)
            if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS \
                    or not isinstance(message, str):
                return response.json({"error": "bad request"}, status=400)
            metadata = body.get("metadata")
            if metadata is not None and not isinstance(metadata, dict):
                return response.json({"error": "bad request"}, status=400)
            return None

        return webhook
