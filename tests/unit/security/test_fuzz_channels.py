"""Hypothesis fuzzing of the WhatsApp and Telegram webhooks on a real Sanic server (127.0.0.1), with a
fake Graph / Bot API and a fake Rasa agent (tests/unit/channels/channel_support.py).

4,000 hostile examples (2,000 per channel; ``FUZZ_SCALE`` scales them), each sent as a well-formed,
signed message with hostile text and as a signed hostile JSON body: no 5xx, and every text that
reaches Rasa is screened (no internal intent gets through)."""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import threading
from pathlib import Path

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings

from bot.identity import FALLBACK_PAYLOAD, INTERNAL_INTENTS, screen_text
from tests.fuzz_strategies import hostile_json, hostile_text

from .conftest import fuzz_examples

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "channels"))
from channel_support import FakeAgent, FakeApi, RasaChannelServer  # noqa: E402

WA_SECRET = "app-secret-for-fuzz"
TG_TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghijk"
TG_SECRET = "secreto-del-webhook_fuzz"


def fuzz(n: int) -> settings:
    return settings(max_examples=fuzz_examples(n), deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


class Loop:
    """An event loop in a thread, so synchronous Hypothesis tests can drive async servers."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro, timeout: float = 60):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def loop(monkeypatch):
    monkeypatch.setenv("SENDER_RATE_LIMIT", str(10**9))  # the fuzzer is one sender; rate limits are tested apart
    runner = Loop()
    yield runner
    runner.close()


@pytest.fixture
def app_database(db_url, monkeypatch) -> str:
    """The WhatsApp and Telegram channels store each incoming message in the app database before they
    acknowledge it (503 when they cannot): a migrated database, so that a 5xx can only come from the
    hostile input; no action server health check."""
    from bot.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("ACTION_SERVER_HEALTH_URL", "off")
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


def _screened(agent: FakeAgent) -> None:
    for message in agent.messages:
        text = message.text or ""
        assert screen_text(text) == text or text == FALLBACK_PAYLOAD
        if text.startswith("/"):
            assert text.split("{")[0][1:] not in INTERNAL_INTENTS - {"nlu_fallback"}


def test_whatsapp_webhook_survives_hostile_input(loop, app_database) -> None:
    from channels.whatsapp import WhatsAppInput
    from channels.whatsapp_api import sign

    async def setup():
        api = FakeApi()
        await api.start()
        channel = WhatsAppInput.from_credentials({
            "verify_token": "v", "app_secret": WA_SECRET, "access_token": "GRAPH", "phone_number_id": "PNID",
            "api_base_url": api.url, "api_version": "v99.0", "backoff_seconds": 0.01})
        agent = FakeAgent()
        server = RasaChannelServer([channel], agent)
        url = await server.start()
        return api, channel, agent, server, url, aiohttp.ClientSession()

    api, channel, agent, server, url, session = loop.run(setup())
    ids = itertools.count()

    async def post(raw: bytes, signed: bool = True) -> int:
        headers = {"Content-Type": "application/json"}
        if signed:
            headers["X-Hub-Signature-256"] = sign(WA_SECRET, raw)
        async with session.post(f"{url}/webhooks/whatsapp/webhook", data=raw, headers=headers) as resp:
            await resp.read()
            return resp.status

    @fuzz(2000)
    @given(text=hostile_text(), body=hostile_json())
    def run(text: str, body: object) -> None:
        n = next(ids)
        message = {"from": f"57300{n:07d}", "id": f"wamid.F{n}", "timestamp": "1700000000", "type": "text",
                   "text": {"body": text}}
        notification = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages",
                        "value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "PNID"},
                                  "messages": [message]}}]}]}
        raw = json.dumps(notification, ensure_ascii=False).encode("utf-8", "surrogatepass")
        assert loop.run(post(raw)) < 500
        assert loop.run(post(json.dumps(body).encode("utf-8", "surrogatepass"))) < 500
        assert loop.run(post(text.encode("utf-8", "surrogatepass"), signed=n % 2 == 0)) < 500

    try:
        run()
        loop.run(channel.drain(timeout=30))
        assert agent.messages, "no message reached the agent"
        _screened(agent)
    finally:
        async def teardown():
            await session.close()
            await server.stop()
            await channel.client.close()
            await api.stop()
        loop.run(teardown())


def test_telegram_webhook_survives_hostile_input(loop, app_database) -> None:
    from channels.telegram import SECRET_HEADER, TelegramInput

    def bot_api(recorded):
        method = recorded.path.rsplit("/", 1)[-1]
        if method == "getMe":
            return 200, {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "A",
                                                "username": "asistente_men_bot"}}, {}
        return 200, {"ok": True, "result": True}, {}

    async def setup():
        api = FakeApi()
        api.handler = bot_api
        await api.start()
        channel = TelegramInput.from_credentials({"access_token": TG_TOKEN, "verify": "asistente_men_bot",
                                                  "webhook_url": "", "api_base_url": api.url,
                                                  "secret_token": TG_SECRET})
        agent = FakeAgent()
        server = RasaChannelServer([channel], agent)
        url = await server.start()
        return api, agent, server, url, aiohttp.ClientSession()

    api, agent, server, url, session = loop.run(setup())
    ids = itertools.count(1)

    async def post(raw: bytes) -> int:
        headers = {"Content-Type": "application/json", SECRET_HEADER: TG_SECRET}
        async with session.post(f"{url}/webhooks/telegram/webhook", data=raw, headers=headers) as resp:
            await resp.read()
            return resp.status

    @fuzz(2000)
    @given(text=hostile_text(), body=hostile_json())
    def run(text: str, body: object) -> None:
        n = next(ids)
        sender = {"id": 1000 + n, "is_bot": False, "first_name": "Ana"}
        message = {"message_id": n, "date": 1700000000, "chat": {"id": 1000 + n, "type": "private"}, "from": sender}
        update = {"update_id": n, "message": {**message, "text": text}} if n % 2 else {
            "update_id": n, "callback_query": {"id": f"cb{n}", "from": sender, "chat_instance": "x", "data": text,
                                               "message": message}}
        assert loop.run(post(json.dumps(update, ensure_ascii=False).encode("utf-8", "surrogatepass"))) < 500
        assert loop.run(post(json.dumps(body).encode("utf-8", "surrogatepass"))) < 500

    try:
        run()
        assert agent.messages, "no message reached the agent"
        _screened(agent)
    finally:
        async def teardown():
            await session.close()
            await server.stop()
            await api.stop()
        loop.run(teardown())


def test_rest_and_socket_channels_survive_hostile_input(loop) -> None:
    """The two channels the lead's suite also fuzzes against a real Rasa, here in-process with a fake
    agent (600 more examples): the REST channel never fails with 5xx, the socket stays up and keeps
    answering the session it issued, and no internal intent reaches the agent."""
    import socketio

    from bot.identity import new_web_session
    from channels.rest import TokenRestInput
    from channels.webchat import SocketIOInput

    async def setup():
        rest = TokenRestInput("tok")
        web = SocketIOInput.from_credentials({"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered",
                                              "session_persistence": True, "session_secret": "s"})
        agent = FakeAgent(replies=[{"text": "ok"}])
        server = RasaChannelServer([rest, web], agent)
        url = await server.start()
        client = socketio.AsyncClient(reconnection=False)
        replies: asyncio.Queue = asyncio.Queue()
        client.on("bot_uttered", lambda data: replies.put_nowait(data))
        await client.connect(url, socketio_path="/socket.io", transports=["websocket"])
        return agent, server, url, aiohttp.ClientSession(), client, replies

    agent, server, url, session, client, replies = loop.run(setup())
    issued = new_web_session("s")

    async def post(body: object) -> int:
        raw = json.dumps(body).encode("utf-8", "surrogatepass")
        async with session.post(f"{url}/webhooks/rest/webhook", data=raw,
                                headers={"Authorization": "Bearer tok", "Content-Type": "application/json"}) as r:
            await r.read()
            return r.status

    drops = []

    async def emit(data: object) -> None:
        if not client.connected:  # engine.io closes a socket that sends more than 1 MB: a size limit
            drops.append(len(json.dumps(data, default=str)))
            await client.connect(url, socketio_path="/socket.io", transports=["websocket"])
        await client.emit("user_uttered", data)

    @fuzz(300)
    @given(text=hostile_text(), body=hostile_json())
    def run_rest(text: str, body: object) -> None:
        assert loop.run(post({"sender": text[:100] or "s", "message": text, "metadata": {"x": text[:50]}})) < 500
        assert loop.run(post(body)) < 500

    @fuzz(300)
    @given(text=hostile_text(), body=hostile_json())
    def run_socket(text: str, body: object) -> None:
        loop.run(emit({"message": text, "session_id": issued, "customData": body}))
        loop.run(emit(body))
        loop.run(emit({"message": text, "session_id": text[:100]}))

    try:
        run_rest()
        run_socket()

        async def still_answers() -> dict:
            await client.emit("session_request", {"session_id": issued})  # joins the session's room
            await asyncio.sleep(0.2)
            while not replies.empty():
                replies.get_nowait()
            await client.emit("user_uttered", {"message": "hola", "session_id": issued})
            return await asyncio.wait_for(replies.get(), 10)

        if not client.connected:
            loop.run(client.connect(url, socketio_path="/socket.io", transports=["websocket"]))
        assert loop.run(still_answers()) == {"text": "ok"}
        assert {m.sender_id for m in agent.messages if m.input_channel == "socketio"} == {issued}
        _screened(agent)
    finally:
        async def teardown():
            await client.disconnect()
            await session.close()
            await server.stop()
        loop.run(teardown())
