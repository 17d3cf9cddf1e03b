"""WhatsApp Cloud API without Rasa: webhook signature and parsing, outbound payloads, Graph API client.

Limits of the Cloud API respected here (Meta's "Messages" reference):
text body 4096 characters; interactive body 1024; reply buttons at most 3, title 20, id 256;
list messages: button label 20, at most 10 rows in all, row title 24, row description 72, row id 200.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

TEXT_LIMIT = 4096
INTERACTIVE_BODY_LIMIT = 1024
CAPTION_LIMIT = 1024
MAX_REPLY_BUTTONS = 3
BUTTON_TITLE_LIMIT = 20
BUTTON_ID_LIMIT = 256
LIST_BUTTON_LIMIT = 20
MAX_LIST_ROWS = 10
ROW_TITLE_LIMIT = 24
ROW_DESCRIPTION_LIMIT = 72
ROW_ID_LIMIT = 200
HASHED_ID_PREFIX = "wa:"


# ---------------------------------------------------------------- inbound


def verify_signature(app_secret: str, body: bytes, header: str | None) -> bool:
    """Check Meta's ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>``."""
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256=") :].strip().lower())


def sign(app_secret: str, body: bytes) -> str:
    """The header value Meta would send for ``body`` (used by tests and tools)."""
    return "sha256=" + hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class InboundMessage:
    message_id: str
    sender: str
    phone_number_id: str
    kind: str  # text | button_reply | list_reply | button | unsupported
    text: str | None


def parse_webhook(payload: Any, phone_number_id: str | None, reply_ids: ReplyIds) -> list[InboundMessage]:
    """User messages of a webhook notification, in order; statuses and other numbers are skipped."""
    messages: list[InboundMessage] = []
    for number, value in _changes(payload, phone_number_id, "messages"):
        for raw in _dicts(value.get("messages")):
            message = _parse_message(raw, number, reply_ids)
            if message is not None:
                messages.append(message)
    return messages


@dataclass(frozen=True)
class StatusUpdate:
    """A status webhook of a message the business sent (``sent``, ``delivered``, ``read``, ``failed``)."""

    message_id: str
    status: str
    recipient: str
    error_code: int | None = None


def parse_statuses(payload: Any, phone_number_id: str | None) -> list[StatusUpdate]:
    """The ``statuses`` of a webhook notification (Meta's documented ``value.statuses[]``)."""
    updates: list[StatusUpdate] = []
    for _number, value in _changes(payload, phone_number_id, "statuses"):
        for raw in _dicts(value.get("statuses")):
            if not raw.get("id") or not raw.get("status"):
                continue
            errors = _dicts(raw.get("errors"))
            code = errors[0].get("code") if errors else None
            updates.append(StatusUpdate(str(raw["id"]), str(raw["status"]), str(raw.get("recipient_id", "")),
                                        int(code) if isinstance(code, (int, str)) and str(code).isdigit() else None))
    return updates


def _changes(payload: Any, phone_number_id: str | None, items: str) -> Iterator[tuple[str, dict]]:
    """``(phone number id, value)`` of each ``messages`` change of a notification, for this number only
    (any number when ``phone_number_id`` is empty); a change for another number is skipped, and
    logged when it holds user ``messages``."""
    if not isinstance(payload, dict):
        return
    for entry in _dicts(payload.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue
            number = str((value.get("metadata") or {}).get("phone_number_id", ""))
            if phone_number_id and number != phone_number_id:
                if items == "messages":
                    logger.warning("WhatsApp message for another phone number id ignored")
                continue
            yield number, value


def sent_message_id(body: Any) -> str | None:
    """The ``wamid`` of a ``/messages`` answer (``{"messages": [{"id": "wamid..."}]}``)."""
    messages = body.get("messages") if isinstance(body, dict) else None
    if messages and isinstance(messages[0], dict) and messages[0].get("id"):
        return str(messages[0]["id"])
    return None


def _dicts(value: Any) -> Iterable[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _parse_message(raw: dict, number: str, reply_ids: ReplyIds) -> InboundMessage | None:
    message_id, sender, kind = raw.get("id"), raw.get("from"), raw.get("type")
    if not message_id or not sender:
        return None
    text: str | None = None
    if kind == "text":
        text = (raw.get("text") or {}).get("body")
    elif kind == "interactive":
        interactive = raw.get("interactive") or {}
        kind = interactive.get("type", "interactive")
        reply = interactive.get(kind) or {}
        if kind in {"button_reply", "list_reply"} and reply.get("id"):
            text = reply_ids.payload_for(str(reply["id"]), str(reply.get("title") or ""))
    elif kind == "button":  # quick reply of a template message
        button = raw.get("button") or {}
        text = button.get("payload") or button.get("text")
    if not isinstance(text, str) or not text.strip():
        return InboundMessage(str(message_id), str(sender), number, "unsupported", None)
    return InboundMessage(str(message_id), str(sender), number, str(kind), text)


class ReplyIds:
    """Button/row ids <-> Rasa payloads.

    A payload that fits WhatsApp's id limit is its own id (nothing to remember, works on every
    replica). A longer one gets ``wa:<hash>`` and is remembered for ``ttl_seconds``; once it is
    forgotten the reply falls back to the button title, which Rasa's NLU can still understand.
    """

    def __init__(self, ttl_seconds: float = 7 * 86_400, max_entries: int = 20_000) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._payloads: OrderedDict[str, tuple[str, float]] = OrderedDict()

    def id_for(self, payload: str, limit: int) -> str:
        if payload and len(payload) <= limit and not payload.startswith(HASHED_ID_PREFIX):
            return payload
        reply_id = HASHED_ID_PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
        self._payloads[reply_id] = (payload, time.monotonic())
        self._payloads.move_to_end(reply_id)
        while len(self._payloads) > self.max_entries:
            self._payloads.popitem(last=False)
        return reply_id

    def payload_for(self, reply_id: str, title: str) -> str:
        if not reply_id.startswith(HASHED_ID_PREFIX):
            return reply_id
        found = self._payloads.get(reply_id)
        if found and time.monotonic() - found[1] < self.ttl_seconds:
            return found[0]
        return title


# ---------------------------------------------------------------- outbound payloads


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split ``text`` in parts of at most ``limit`` characters, at paragraph, line or word ends."""
    text = text.strip()
    parts: list[str] = []
    while len(text) > limit:
        window = text[: limit + 1]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut <= limit // 2:  # no good boundary: hard cut
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


def _base(to: str) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}


def text_payloads(to: str, text: str) -> list[dict[str, Any]]:
    return [
        {**_base(to), "type": "text", "text": {"body": part, "preview_url": "http" in part}}
        for part in split_text(text, TEXT_LIMIT)
    ]


def image_payload(to: str, link: str, caption: str | None = None) -> dict[str, Any]:
    image: dict[str, Any] = {"link": link}
    if caption:
        image["caption"] = shorten(caption, CAPTION_LIMIT)
    return {**_base(to), "type": "image", "image": image}


def buttons_payloads(
    to: str,
    text: str,
    buttons: list[dict[str, Any]],
    reply_ids: ReplyIds,
    list_button_label: str = "Ver opciones",
) -> list[dict[str, Any]]:
    """Text with Rasa buttons: reply buttons when they fit (<= 3, short titles), else list messages.

    A body longer than the interactive limit is sent first as plain text, the last part carries
    the buttons. More than 10 options are spread over several list messages.
    """
    options = [_option(b) for b in buttons]
    options = [(title, payload) for title, payload in options if title]
    parts = split_text(text, INTERACTIVE_BODY_LIMIT) or [list_button_label]
    messages = [p for part in parts[:-1] for p in text_payloads(to, part)]
    body = parts[-1]
    if not options:
        return messages + text_payloads(to, body)
    if _fit_reply_buttons([title for title, _ in options]):
        action = {
            "buttons": [
                {"type": "reply", "reply": {"id": reply_ids.id_for(payload, BUTTON_ID_LIMIT), "title": title}}
                for title, payload in options
            ]
        }
        interactive = {"type": "button", "body": {"text": body}, "action": action}
        return messages + [{**_base(to), "type": "interactive", "interactive": interactive}]
    for start in range(0, len(options), MAX_LIST_ROWS):
        chunk = options[start : start + MAX_LIST_ROWS]
        messages.append(
            _list_payload(to, body if start == 0 else list_button_label, chunk, reply_ids, list_button_label)
        )
    return messages


def _option(button: dict[str, Any]) -> tuple[str, str]:
    title = " ".join(str(button.get("title") or button.get("payload") or "").split())
    return title, str(button.get("payload") or title)


def _fit_reply_buttons(titles: list[str]) -> bool:
    return (
        len(titles) <= MAX_REPLY_BUTTONS
        and all(len(t) <= BUTTON_TITLE_LIMIT for t in titles)
        and len(set(titles)) == len(titles)
    )


def _list_payload(
    to: str, body: str, options: list[tuple[str, str]], reply_ids: ReplyIds, label: str
) -> dict[str, Any]:
    rows = []
    for title, payload in options:
        row: dict[str, Any] = {"id": reply_ids.id_for(payload, ROW_ID_LIMIT), "title": shorten(title, ROW_TITLE_LIMIT)}
        if len(title) > ROW_TITLE_LIMIT:
            row["description"] = shorten(title, ROW_DESCRIPTION_LIMIT)
        rows.append(row)
    interactive = {
        "type": "list",
        "body": {"text": body},
        "action": {"button": shorten(label, LIST_BUTTON_LIMIT), "sections": [{"rows": rows}]},
    }
    return {**_base(to), "type": "interactive", "interactive": interactive}


# ---------------------------------------------------------------- Graph API client


class WhatsAppSendError(Exception):
    """A message could not be delivered to the Graph API (after retries where they make sense)."""

    def __init__(self, message: str, status: int | None = None, code: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class GraphConfig:
    access_token: str
    phone_number_id: str
    base_url: str = "https://graph.facebook.com"
    api_version: str = "v23.0"
    timeout: float = 10.0
    max_retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 30.0

    @property
    def messages_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/{self.api_version.strip('/')}/{self.phone_number_id}/messages"


class GraphClient:
    """POSTs messages to ``{base}/{version}/{phone_number_id}/messages``.

    429, 5xx, timeouts and connection errors are retried ``max_retries`` times with exponential
    backoff and jitter (``Retry-After`` is honoured, capped at ``max_backoff``); other errors are
    raised at once as :class:`WhatsAppSendError`. The token never appears in logs.
    """

    def __init__(self, config: GraphConfig, sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self.config = config
        self._sleep = sleep
        self._session: aiohttp.ClientSession | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.config.timeout))
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(float(retry_after), self.config.max_backoff)
            except ValueError:
                pass
        base = self.config.backoff * (2**attempt)
        return min(base + random.uniform(0, self.config.backoff), self.config.max_backoff)

    async def send(self, payload: dict[str, Any]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.config.access_token}"}
        last_error = "no attempt"
        for attempt in range(self.config.max_retries + 1):
            retry_after = None
            try:
                async with self._get_session().post(self.config.messages_url, json=payload, headers=headers) as resp:
                    body = _json_object(await resp.text())
                    if resp.status < 300:
                        return body
                    code = (body.get("error") or {}).get("code")
                    if resp.status != 429 and resp.status < 500:
                        logger.error(
                            "WhatsApp Graph API refused a %s message: HTTP %s code %s",
                            payload.get("type"),
                            resp.status,
                            code,
                        )
                        raise WhatsAppSendError(f"Graph API HTTP {resp.status}", resp.status, code)
                    retry_after = resp.headers.get("Retry-After")
                    last_error = f"HTTP {resp.status} code {code}"
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                last_error = exc.__class__.__name__
            if attempt < self.config.max_retries:
                delay = self._delay(attempt, retry_after)
                logger.warning("WhatsApp send failed (%s), retry %d in %.2fs", last_error, attempt + 1, delay)
                await self._sleep(delay)
        logger.error("WhatsApp send gave up after %d attempts: %s", self.config.max_retries + 1, last_error)
        raise WhatsAppSendError(f"Graph API unavailable: {last_error}")


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
