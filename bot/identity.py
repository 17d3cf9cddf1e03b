"""Who is talking: sender ids that carry their channel, server-issued web sessions, and the
screening of ``/intent`` payloads typed by users.

Sender ids (= Rasa conversation ids):

- WhatsApp ``wa:<phone>``, Telegram ``tg:<chat id>`` (the channels add the prefix on the way in
  and remove it on the way out), web chat ``web:<random>.<signature>``.
- A web session id is issued by the server (the web app's ``POST /chat/sesion`` or the socket.io
  channel itself) and signed with ``WEB_SESSION_SECRET``: the socket.io channel refuses any other id,
  so a browser can neither guess another person's conversation nor pose as ``wa:<phone>``.

Internal intents: Rasa takes a message ``/intent{...}`` as that intent without NLU. The assistant's
buttons use that form, so it cannot be refused wholesale; :func:`screen_text` lets through only the
intents the assistant offers as buttons (domain responses, the actions' buttons and the
"¿Quiso decir…?" options) and turns anything else (``/EXTERNAL_respuesta_caso``, ``/session_start``,
``/respuesta_caso{...}``, ``/restart``, unknown intents) into ``/nlu_fallback``: it is answered
exactly like text the assistant does not understand. The web app's agents' replies use Rasa's
``trigger_intent`` HTTP API (with the token), which does not go through the channels.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from bot.settings import PROJECT_ROOT

WHATSAPP_PREFIX = "wa:"
TELEGRAM_PREFIX = "tg:"
WEB_PREFIX = "web:"
CHANNEL_PREFIXES = {"whatsapp": WHATSAPP_PREFIX, "telegram": TELEGRAM_PREFIX, "socketio": WEB_PREFIX}

FALLBACK_PAYLOAD = "/nlu_fallback"
# Never accepted from a user, even if some button ever carried them.
INTERNAL_INTENTS = frozenset({"respuesta_caso", "session_start", "restart", "back", "nlu_fallback"})
# Intents of buttons built in Python by the actions (actions/catalog.py, actions/indicators.py, actions/core.py).
CODE_BUTTON_INTENTS = frozenset({"buscar_pares", "informar_dato_indicador", "out_of_scope", "faq"})
_INTENT_PAYLOAD = re.compile(r"^/([^{@\s]+)")
_WEB_ID = re.compile(r"^web:([A-Za-z0-9_-]{32})\.([A-Za-z0-9_-]{22})$")


# ----------------------------------------------------------------------------- channel prefixes
def with_prefix(prefix: str, raw_id: str) -> str:
    raw = str(raw_id)
    return raw if raw.startswith(prefix) else prefix + raw


def without_prefix(prefix: str, sender_id: str) -> str:
    sender = str(sender_id)
    return sender[len(prefix):] if sender.startswith(prefix) else sender


# ----------------------------------------------------------------------------- web sessions
def _signature(secret: str, nonce: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"web-session:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode("ascii").rstrip("=")


def new_web_session(secret: str) -> str:
    """A fresh, unguessable, signed web session id (``web:<32 chars>.<22 chars>``)."""
    if not secret:
        raise ValueError("WEB_SESSION_SECRET is empty")
    nonce = secrets.token_urlsafe(24)
    return f"{WEB_PREFIX}{nonce}.{_signature(secret, nonce)}"


def valid_web_session(secret: str, session_id: object) -> bool:
    if not secret or not isinstance(session_id, str):
        return False
    match = _WEB_ID.match(session_id)
    return bool(match) and hmac.compare_digest(match.group(2), _signature(secret, match.group(1)))


# ----------------------------------------------------------------------------- /intent payloads
def _payload_intents(payloads: Iterable[str]) -> set[str]:
    found = set()
    for payload in payloads:
        match = _INTENT_PAYLOAD.match(payload.strip()) if isinstance(payload, str) else None
        if match:
            found.add(match.group(1))
    return found


def _button_payloads(node: object) -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "payload" and isinstance(value, str):
                yield value
            else:
                yield from _button_payloads(value)
    elif isinstance(node, list):
        for value in node:
            yield from _button_payloads(value)


@lru_cache(maxsize=4)
def offered_intents(domain_path: Path = PROJECT_ROOT / "domain.yml") -> frozenset[str]:
    """Intents the assistant offers as buttons: domain responses, the actions' buttons, clarifications."""
    import yaml

    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8")) or {}
    intents = _payload_intents(_button_payloads(domain.get("responses") or {}))
    intents |= CODE_BUTTON_INTENTS
    try:
        from bot.clarify import load_labels

        intents |= set(load_labels().intents)
    except FileNotFoundError:
        pass
    return frozenset(intents - INTERNAL_INTENTS)


def screen_text(text: object, *, allowed: Iterable[str] | None = None) -> str:
    """The text to hand to Rasa for what the user sent.

    Plain text is unchanged. A ``/intent`` payload is unchanged only when ``intent`` is one the
    assistant offers (``allowed``, default :func:`offered_intents`) and its entities are a JSON
    object; anything else becomes :data:`FALLBACK_PAYLOAD` (answered as unknown text).
    """
    if not isinstance(text, str):
        return "" if text is None else FALLBACK_PAYLOAD
    stripped = text.strip()
    if not stripped.startswith("/"):
        return text
    match = _INTENT_PAYLOAD.match(stripped)
    if not match:
        return FALLBACK_PAYLOAD
    intent = match.group(1)
    permitted = frozenset(allowed) if allowed is not None else offered_intents()
    if intent in INTERNAL_INTENTS or intent.upper().startswith("EXTERNAL") or intent not in permitted:
        return FALLBACK_PAYLOAD
    rest = stripped[match.end():]
    if rest:
        if not rest.startswith("{"):
            return FALLBACK_PAYLOAD
        try:
            entities = json.loads(rest)
        except ValueError:
            return FALLBACK_PAYLOAD
        if not isinstance(entities, dict) or not all(isinstance(v, (str, int, float)) for v in entities.values()):
            return FALLBACK_PAYLOAD
    return stripped
