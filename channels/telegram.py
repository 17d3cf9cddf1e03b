"""Rasa's built-in Telegram connector, with four fixes for production; still named ``telegram``.

The webhook (``/webhooks/telegram/webhook``) and the update handling are Rasa's own
(:class:`rasa.core.channels.telegram.TelegramInput`). This subclass changes only:

1. ``get_output_channel()`` no longer calls ``asyncio.run(set_webhook(...))``. Rasa calls that
   method while serving a request (``POST /conversations/{id}/trigger_intent?output_channel=...``,
   how MEN agents' replies reach the user), where ``asyncio.run`` raises ``RuntimeError``.
   The webhook is registered once, when the server has started.
2. ``secret_token`` (optional, recommended): registered with ``setWebhook``; an update without
   the matching ``X-Telegram-Bot-Api-Secret-Token`` header is refused (403, logged).
   Rasa's open ``/webhooks/telegram/set_webhook`` route, which would let anyone re-register the
   webhook without that token, is disabled.
3. ``api_base_url`` (optional): another Bot API server (a local one, or a fake in tests).
4. An error while handling a message is logged instead of answered with HTTP 500, which would
   make Telegram deliver the same update again and again; a body that is not an update is refused
   (400) and an update Rasa's handler cannot read (e.g. ``my_chat_member``) is acknowledged and ignored.

5. The conversation (sender) id is ``tg:<chat id>`` (the prefix is removed when sending); typed
   ``/intent`` payloads are screened and each sender is rate limited (:mod:`channels.guard`).

Also, the ``/start`` command every Telegram user sends first (and Rasa's connector sends after a
restart) reaches Rasa as ``start_message`` (default ``/saludar``, a core intent).

Nothing lost when a component is down: each update is stored in the database
(``channel_inbox``, unique ``update_id``: an update Telegram delivers again is stored once) before
the webhook answers; when the database is down the answer is 503 and Telegram delivers it again.
Stored updates reach Rasa in the background (:class:`channels.inbox.InboxProcessor`, retried while
Rasa or the action server fails). Notices uttered with ``aviso=<token>`` are recorded ``enviado``
once the Bot API took them (Telegram reports nothing more). ``message_store: false`` keeps Rasa's
own synchronous handling.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.bot.api import TelegramAPIServer
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput as RasaTelegramInput
from rasa.core.channels.telegram import TelegramOutput as RasaTelegramOutput
from sanic import Blueprint, response
from sanic.request import Request

from bot.identity import TELEGRAM_PREFIX, with_prefix, without_prefix
from channels.guard import InboundGuard

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_START_MESSAGE = "/saludar"


def _has_chat(node: object) -> bool:
    chat = node.get("chat") if isinstance(node, dict) else None
    return isinstance(chat, dict) and isinstance(chat.get("id"), int) and not isinstance(chat.get("id"), bool)


def _chat_message(node: object, *, needs_text: bool = False) -> bool:
    if not _has_chat(node):
        return False
    text = node.get("text")
    if needs_text or text is not None:
        return isinstance(text, str)
    location = node.get("location")
    return isinstance(location, dict) and all(
        isinstance(location.get(k), (int, float)) and not isinstance(location.get(k), bool)
        for k in ("latitude", "longitude")
    )


def handled_update(update: dict) -> bool:
    """Whether Rasa's Telegram handler can read this update (a message with text or a location, an
    edited text message, or a button press); other updates are acknowledged and ignored."""
    callback = update.get("callback_query")
    if callback is not None:
        return isinstance(callback, dict) and isinstance(callback.get("data"), str) and _has_chat(callback.get("message"))
    if update.get("edited_message") is not None:
        return _chat_message(update["edited_message"], needs_text=True)
    return _chat_message(update.get("message"))


class TelegramOutput(RasaTelegramOutput):
    """Rasa's Telegram output, optionally talking to another Bot API server; records notices sent."""

    def __init__(self, access_token: str | None, api_base_url: str | None = None, receipts: Any = None) -> None:
        super().__init__(access_token)
        if api_base_url:
            self.server = TelegramAPIServer.from_base(api_base_url)
        self.receipts = receipts

    async def _recorded(self, aviso: Any, send: Callable[[], Awaitable[Any]]) -> None:
        if not aviso or self.receipts is None:
            await send()
            return
        try:
            await send()
        except Exception as exc:  # aiogram errors, network: retried by the sender with back-off
            await asyncio.to_thread(self.receipts.record_channel_failure, str(aviso), f"telegram: {type(exc).__name__}")
            return
        await asyncio.to_thread(self.receipts.record_sent, str(aviso), None)

    # Rasa's conversation id is ``tg:<chat id>``; the Bot API receives the bare chat id.
    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        chat_id = without_prefix(TELEGRAM_PREFIX, recipient_id)
        await self._recorded(kwargs.get("aviso"), lambda: super(TelegramOutput, self).send_text_message(
            chat_id, text, **kwargs))

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list, **kwargs: Any) -> None:
        chat_id = without_prefix(TELEGRAM_PREFIX, recipient_id)
        await self._recorded(kwargs.get("aviso"), lambda: super(TelegramOutput, self).send_text_with_buttons(
            chat_id, text, buttons, **kwargs))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await super().send_image_url(without_prefix(TELEGRAM_PREFIX, recipient_id), image, **kwargs)

    async def send_custom_json(self, recipient_id: str, json_message: dict, **kwargs: Any) -> None:
        await super().send_custom_json(without_prefix(TELEGRAM_PREFIX, recipient_id), json_message, **kwargs)


def update_text(update: dict) -> tuple[str, str] | None:
    """(chat id, text) of a Bot API update, as Rasa's connector reads it; None for other updates."""
    callback = update.get("callback_query")
    if isinstance(callback, dict) and isinstance(callback.get("message"), dict):
        return str(callback["message"].get("chat", {}).get("id", "")), str(callback.get("data") or "")
    message = update.get("edited_message") or update.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("chat"), dict):
        return None
    chat = str(message["chat"].get("id", ""))
    if isinstance(message.get("text"), str):
        return chat, message["text"].replace("/bot", "")
    location = message.get("location")
    if isinstance(location, dict):
        return chat, f'{{"lng":{location.get("longitude")}, "lat":{location.get("latitude")}}}'
    return None


class TelegramInput(RasaTelegramInput):
    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            credentials.get("access_token"),
            credentials.get("verify"),
            credentials.get("webhook_url"),
            api_base_url=credentials.get("api_base_url") or None,
            secret_token=credentials.get("secret_token") or None,
            start_message=credentials.get("start_message") or DEFAULT_START_MESSAGE,
            message_store=str(credentials.get("message_store", True)).strip().lower() not in {"false", "0", "no"},
        )

    def __init__(
        self,
        access_token: str | None,
        verify: str | None,
        webhook_url: str | None,
        debug_mode: bool = False,
        api_base_url: str | None = None,
        secret_token: str | None = None,
        start_message: str = DEFAULT_START_MESSAGE,
        message_store: bool = False,
        health_url: str | None = None,
    ) -> None:
        super().__init__(access_token, verify, webhook_url, debug_mode=debug_mode)
        self.api_base_url = api_base_url
        self.secret_token = secret_token
        self.start_message = start_message
        self.guard = InboundGuard()
        self.inbox = None
        self.receipts = None
        if message_store:
            from bot.services import get_services
            from channels.inbox import InboxProcessor, default_health_url

            services = get_services()
            self.inbox = InboxProcessor(self.name(), services.message_store,
                                        health_url=health_url or default_health_url())
            self.receipts = services.receipts

    def get_output_channel(self) -> TelegramOutput:
        """An output channel; makes no network call (safe inside a running event loop)."""
        return TelegramOutput(self.access_token, self.api_base_url, receipts=self.receipts)

    async def register_webhook(self) -> bool:
        """``setWebhook`` with this channel's URL (and secret token)."""
        bot = self.get_output_channel()
        payload: dict[str, Any] = {"url": self.webhook_url}
        if self.secret_token:
            payload["secret_token"] = self.secret_token
        try:
            return bool(await bot.request("setWebhook", payload))
        finally:
            await bot.session.close()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def handle(message: UserMessage) -> Any:
            message.sender_id = with_prefix(TELEGRAM_PREFIX, message.sender_id)
            if not self.guard.admit(message.sender_id):
                return None
            if message.text == "/start":
                message.text = self.start_message
            else:
                message.text = self.guard.screen(message.text)
            return await on_new_message(message)

        webhook = super().blueprint(handle)

        @webhook.middleware("request")
        async def guard(request: Request) -> Any:
            if request.path.rstrip("/").endswith("/set_webhook"):
                return response.text("not found", status=404)
            if request.method == "POST" and self.secret_token:
                sent = request.headers.get(SECRET_HEADER) or ""
                if not hmac.compare_digest(sent, self.secret_token):
                    logger.warning("Telegram update refused: missing or wrong %s (from %s)", SECRET_HEADER, request.ip)
                    return response.text("forbidden", status=403)
            if request.method == "POST":
                try:
                    body = request.json
                except Exception:
                    body = None
                if not isinstance(body, dict) or not isinstance(body.get("update_id", 0), int):
                    return response.text("bad request", status=400)  # not an update: never reaches aiogram
                if not handled_update(body):  # e.g. my_chat_member: Rasa's handler would fail with 500
                    return response.text("success")
            if request.method == "POST" and self.inbox is not None and request.path.rstrip("/").endswith("/webhook"):
                return await self._store(request)
            return None

        if self.inbox is not None:
            out_channel = self.get_output_channel()

            async def handle_stored(sender: str, update: dict) -> None:
                found = update_text(update)
                if found is None or not found[1]:
                    return
                chat, text = found
                for part in ([text, "/start"] if text == "/restart" else [text]):
                    await handle(UserMessage(part, out_channel, chat, input_channel=self.name(),
                                             metadata={"telegram": {"update_id": update.get("update_id")}}))

            self.inbox.bind(handle_stored)

            @webhook.listener("after_server_start")
            async def process_stored(_app: Any, _loop: Any) -> None:
                self.inbox.start_polling()  # also what was stored before a crash

            @webhook.listener("before_server_stop")
            async def stop_processing(_app: Any, _loop: Any) -> None:
                await self.inbox.stop()

        @webhook.listener("after_server_start")
        async def set_webhook(_app: Any, _loop: Any) -> None:
            if not self.webhook_url:
                logger.warning("Telegram webhook_url not set: register the webhook by hand")
                return
            try:
                ok = await self.register_webhook()
            except Exception as exc:  # keep the other channels running; the cause is logged
                logger.error("Telegram setWebhook failed: %s", exc)
                return
            logger.info("Telegram webhook registered" if ok else "Telegram setWebhook answered false")

        return webhook

    async def _store(self, request: Request) -> Any:
        try:
            update = json.loads(request.body or b"{}")
        except ValueError:
            return response.text("bad request", status=400)
        update_id = update.get("update_id") if isinstance(update, dict) else None
        if update_id is None:
            return response.text("success")
        found = update_text(update)
        try:
            stored = await self.inbox.accept(str(update_id), found[0] if found else "", update)
        except Exception:
            logger.exception("Telegram update not stored: answering 503 so that Telegram delivers it again")
            return response.text("unavailable", status=503)
        if stored:
            self.inbox.kick()
        else:
            logger.info("Telegram update %s delivered again: skipped", update_id)
        return response.text("success")

    async def drain(self) -> None:
        """Process what is stored now and wait for it (tests)."""
        if self.inbox is not None:
            await self.inbox.wait_idle(timeout=10)
            await self.inbox.drain()
