"""WhatsApp Cloud API input/output channel for Rasa 3.6, named ``whatsapp``.

In ``credentials.yml`` (rendered by ``python -m channels.credentials``)::

    channels.whatsapp.WhatsAppInput:
      verify_token: ${WHATSAPP_VERIFY_TOKEN}
      app_secret: ${WHATSAPP_APP_SECRET}
      access_token: ${WHATSAPP_ACCESS_TOKEN}
      phone_number_id: ${WHATSAPP_PHONE_NUMBER_ID}

The conversation (sender) id is ``wa:<phone>``; the prefix is removed when sending. Typed
``/intent`` payloads are screened and each sender is rate limited (:mod:`channels.guard`).

Webhook: ``/webhooks/whatsapp/webhook``. GET answers Meta's verification challenge; every POST
must carry a valid ``X-Hub-Signature-256`` (else 403, logged, nothing processed).

Nothing is lost when a component is down: every message of a valid notification is
stored in the database (``channel_inbox``, unique message id: a copy Meta delivers again is stored
once) *before* the webhook is acknowledged; when the database is down the answer is 503 and Meta
delivers again. The stored messages are then handed to Rasa in the background, oldest first
(:class:`channels.inbox.InboxProcessor`; retried while Rasa or the action server fails).
Status webhooks (``sent``/``delivered``/``read``/``failed``) update the delivery state of the
notices sent with ``aviso=<token>`` (``bot.delivery.receipts``). With ``message_store: false`` the
previous behaviour remains (in-memory/Redis de-duplication, immediate handling).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.identity import WHATSAPP_PREFIX, with_prefix, without_prefix
from channels.dedupe import Deduper, MemoryDeduper, RedisDeduper
from channels.guard import InboundGuard
from channels.whatsapp_api import (
    GraphClient,
    GraphConfig,
    InboundMessage,
    ReplyIds,
    WhatsAppSendError,
    buttons_payloads,
    image_payload,
    parse_statuses,
    parse_webhook,
    sent_message_id,
    text_payloads,
    verify_signature,
)

logger = logging.getLogger(__name__)

REQUIRED_CREDENTIALS = ("verify_token", "app_secret", "access_token", "phone_number_id")


class WhatsAppOutput(OutputChannel):
    """Sends Rasa responses through the Graph API."""

    @classmethod
    def name(cls) -> str:
        return "whatsapp"

    def __init__(self, client: GraphClient, reply_ids: ReplyIds, list_button_label: str = "Ver opciones",
                 receipts: Any = None) -> None:
        self.client = client
        self.reply_ids = reply_ids
        self.list_button_label = list_button_label
        self.receipts = receipts  # bot.delivery.receipts.Receipts: states of the notices (aviso=<token>)

    async def _send_all(self, payloads: Iterable[dict[str, Any]], aviso: Any = None) -> None:
        token = str(aviso) if aviso and self.receipts is not None else None
        last: dict[str, Any] = {}
        try:
            for payload in payloads:
                last = await self.client.send(payload)
        except WhatsAppSendError as exc:
            if token is None:
                raise
            await asyncio.to_thread(self.receipts.record_channel_failure, token, f"whatsapp: {exc}"[:200])
            return
        if token is not None:
            await asyncio.to_thread(self.receipts.record_sent, token, sent_message_id(last))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_all(text_payloads(without_prefix(WHATSAPP_PREFIX, recipient_id), text), kwargs.get("aviso"))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send_all(
            buttons_payloads(without_prefix(WHATSAPP_PREFIX, recipient_id), text or "", buttons, self.reply_ids,
                             self.list_button_label),
            kwargs.get("aviso"),
        )

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        if not image.startswith(("https://", "http://")):
            logger.warning("WhatsApp image skipped: not an http(s) URL")
            return
        await self.client.send(image_payload(without_prefix(WHATSAPP_PREFIX, recipient_id), image))

    async def send_attachment(  # type: ignore[override]
        self, recipient_id: str, attachment: Any, **kwargs: Any
    ) -> None:
        if isinstance(attachment, dict) and attachment.get("type") == "image":
            payload = attachment.get("payload") or {}
            src = payload.get("src") or payload.get("url")
            if isinstance(src, str):
                await self.send_image_url(recipient_id, src)
                return
        logger.warning("WhatsApp attachment of an unsupported kind skipped")

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """A raw Cloud API message (e.g. a template); ``to`` and ``messaging_product`` are filled in."""
        payload = {"messaging_product": "whatsapp", "to": without_prefix(WHATSAPP_PREFIX, recipient_id), **json_message}
        await self.client.send(payload)


class WhatsAppInput(InputChannel):
    """Webhook of the WhatsApp Cloud API."""

    @classmethod
    def name(cls) -> str:
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        missing = [key for key in REQUIRED_CREDENTIALS if not str(credentials.get(key) or "").strip()]
        if missing:
            raise RasaException(f"WhatsApp channel: missing credentials {', '.join(missing)}")
        config = GraphConfig(
            access_token=str(credentials["access_token"]),
            phone_number_id=str(credentials["phone_number_id"]),
            base_url=str(credentials.get("api_base_url") or GraphConfig.base_url),
            api_version=str(credentials.get("api_version") or GraphConfig.api_version),
            timeout=float(credentials.get("timeout") or GraphConfig.timeout),
            max_retries=int(credentials.get("max_retries", GraphConfig.max_retries)),
            backoff=float(credentials.get("backoff_seconds") or GraphConfig.backoff),
        )
        store = None
        if str(credentials.get("message_store", True)).strip().lower() not in {"false", "0", "no"}:
            from bot.services import get_services

            services = get_services()
            store = (services.message_store, services.receipts)
        ttl = int(credentials.get("dedupe_ttl_seconds") or 86_400)
        redis_url = str(credentials.get("dedupe_redis_url") or "").strip()
        deduper: Deduper = RedisDeduper(redis_url, ttl_seconds=ttl) if redis_url else MemoryDeduper(ttl_seconds=ttl)
        return cls(
            verify_token=str(credentials["verify_token"]),
            app_secret=str(credentials["app_secret"]),
            client=GraphClient(config),
            deduper=deduper,
            list_button_label=str(credentials.get("list_button_label") or "Ver opciones"),
            unsupported_message=str(credentials.get("unsupported_message") or "") or None,
            store=store[0] if store else None,
            receipts=store[1] if store else None,
        )

    def __init__(
        self,
        verify_token: str,
        app_secret: str,
        client: GraphClient,
        deduper: Deduper | None = None,
        reply_ids: ReplyIds | None = None,
        list_button_label: str = "Ver opciones",
        unsupported_message: str | None = None,
        store: Any = None,
        receipts: Any = None,
        health_url: str | None = None,
    ) -> None:
        from channels.inbox import InboxProcessor, default_health_url

        self.inbox = (InboxProcessor(self.name(), store, health_url=health_url or default_health_url())
                      if store is not None else None)
        self.receipts = receipts
        self.verify_token = verify_token
        self.app_secret = app_secret
        self.client = client
        self.deduper = deduper or MemoryDeduper()
        self.reply_ids = reply_ids or ReplyIds()
        self.list_button_label = list_button_label
        self.unsupported_message = unsupported_message
        self._tasks: set[asyncio.Task] = set()
        self.guard = InboundGuard()

    def get_output_channel(self) -> WhatsAppOutput:
        """Output for messages Rasa sends on its own (e.g. an agent's reply via the HTTP API)."""
        return WhatsAppOutput(self.client, self.reply_ids, self.list_button_label, receipts=self.receipts)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("whatsapp_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            return self._verification(request)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self._receive(request, on_new_message)

        if self.inbox is not None:
            self.inbox.bind(lambda sender, payload: self._handle_stored(sender, payload, on_new_message))

            @webhook.listener("after_server_start")
            async def process_stored(_app: Any, _loop: Any) -> None:
                self.inbox.start_polling()  # also what was stored before a crash

        @webhook.listener("before_server_stop")
        async def finish(_app: Any, _loop: Any) -> None:
            if self.inbox is not None:
                await self.inbox.stop()
            await self.drain(timeout=10)
            await self.client.close()

        return webhook

    def _verification(self, request: Request) -> HTTPResponse:
        mode = request.args.get("hub.mode")
        token = request.args.get("hub.verify_token") or ""
        challenge = request.args.get("hub.challenge") or ""
        if mode == "subscribe" and challenge and hmac.compare_digest(token, self.verify_token):
            return response.text(challenge)
        logger.warning("WhatsApp webhook verification refused (wrong mode or verify token)")
        return response.text("forbidden", status=403)

    async def _receive(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        body = request.body or b""
        if not verify_signature(self.app_secret, body, request.headers.get("X-Hub-Signature-256")):
            logger.warning(
                "WhatsApp webhook POST refused: missing or invalid X-Hub-Signature-256 (from %s)", request.ip
            )
            return response.text("invalid signature", status=403)
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            logger.warning("WhatsApp webhook POST with a body that is not JSON")
            return response.text("bad request", status=400)
        if self.inbox is not None:
            return await self._store(payload)
        fresh = []
        for message in parse_webhook(payload, self.client.config.phone_number_id, self.reply_ids):
            if await self.deduper.first_time(message.message_id):
                fresh.append(message)
            else:
                logger.info("WhatsApp message %s delivered again: skipped", message.message_id)
        if fresh:
            task = asyncio.create_task(self._handle(fresh, on_new_message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return response.json({"status": "ok"})

    async def _store(self, payload: Any) -> HTTPResponse:
        """Store the messages and record the statuses, then acknowledge (503 if the database is down)."""
        number = self.client.config.phone_number_id
        try:
            stored = False
            for message in parse_webhook(payload, number, self.reply_ids):
                record = {"message_id": message.message_id, "kind": message.kind, "text": message.text}
                if await self.inbox.accept(message.message_id, message.sender, record):
                    stored = True
                else:
                    logger.info("WhatsApp message %s delivered again: skipped", message.message_id)
            if self.receipts is not None:
                for status in parse_statuses(payload, number):
                    await asyncio.to_thread(self.receipts.record_status, status.message_id, status.status,
                                            error_code=status.error_code)
        except Exception:
            logger.exception("WhatsApp notification not stored: answering 503 so that Meta delivers it again")
            return response.json({"status": "unavailable"}, status=503)
        if stored:
            self.inbox.kick()
        return response.json({"status": "ok"})

    async def _handle_stored(
        self, sender: str, record: dict, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        """One message of the store (``sender`` is the bare phone, as stored) handed to Rasa as ``wa:<phone>``;
        an exception propagates so that the inbox keeps the message for a retry."""
        message = InboundMessage(str(record.get("message_id")), sender, self.client.config.phone_number_id,
                                 str(record.get("kind") or "text"), record.get("text"))
        # the operator's configured text for unsupported kinds is not screened; the user's text is
        text = self.guard.screen(message.text) if message.kind != "unsupported" else self.unsupported_message
        if not text:
            logger.info("WhatsApp message of an unsupported type ignored")
            return
        conversation = with_prefix(WHATSAPP_PREFIX, message.sender)
        if not self.guard.admit(conversation):
            return
        await on_new_message(UserMessage(
            text, self.get_output_channel(), conversation, input_channel=self.name(),
            message_id=message.message_id,
            metadata={"whatsapp": {"message_id": message.message_id, "kind": message.kind}},
        ))

    async def _handle(
        self, messages: list[InboundMessage], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        for message in messages:
            # the operator's configured text for unsupported kinds is not screened; the user's text is
            text = self.guard.screen(message.text) if message.kind != "unsupported" else self.unsupported_message
            if not text:
                logger.info("WhatsApp message of an unsupported type ignored")
                continue
            sender = with_prefix(WHATSAPP_PREFIX, message.sender)
            if not self.guard.admit(sender):
                continue
            user_message = UserMessage(
                text,
                self.get_output_channel(),
                sender,
                input_channel=self.name(),
                message_id=message.message_id,
                metadata={"whatsapp": {"message_id": message.message_id, "kind": message.kind}},
            )
            try:
                await on_new_message(user_message)
            except Exception:
                logger.exception("WhatsApp message %s could not be handled", message.message_id)

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for the messages being handled in the background (tests, shutdown)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
        if self.inbox is not None:
            await self.inbox.wait_idle(timeout=timeout)
