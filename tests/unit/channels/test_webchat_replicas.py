"""Web chat on several Rasa replicas: a reply produced on replica B reaches a browser connected to A (Redis)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import socketio
from channel_support import FakeAgent

from bot.identity import new_web_session
from channels.webchat import SocketIOInput

pytestmark = pytest.mark.redis
REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
async def redis_available() -> None:
    redis = pytest.importorskip("redis.asyncio")
    probe = redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        await probe.ping()
    except Exception:
        pytest.skip("Redis not running on 127.0.0.1:6379")
    finally:
        await probe.close()


SECRET = "secreto-de-prueba"
SESSION = new_web_session(SECRET)


def replica(channel_name: str) -> SocketIOInput:
    return SocketIOInput.from_credentials(
        {
            "user_message_evt": "user_uttered",
            "bot_message_evt": "bot_uttered",
            "session_persistence": True,
            "redis_url": REDIS_URL,
            "redis_channel": channel_name,
            "session_secret": SECRET,
        }
    )


async def test_reply_from_another_replica_reaches_the_browser(redis_available, rasa_server) -> None:
    name = f"test-socketio-{uuid.uuid4().hex}"
    replica_a, replica_b = replica(name), replica(name)
    agent_a = FakeAgent(replies=[{"text": "Respuesta desde A."}])
    url_a = await rasa_server([replica_a], agent_a)
    await rasa_server([replica_b], FakeAgent())

    received: asyncio.Queue = asyncio.Queue()
    client = socketio.AsyncClient(reconnection=False)
    client.on("session_confirm", lambda data: received.put_nowait(("confirm", data)))
    client.on("bot_uttered", lambda data: received.put_nowait(("bot", data)))
    await client.connect(url_a, socketio_path="/socket.io", transports=["websocket"])
    try:
        await client.emit("session_request", {"session_id": SESSION})
        assert await asyncio.wait_for(received.get(), 5) == ("confirm", SESSION)

        await client.emit("user_uttered", {"message": "hola", "session_id": SESSION})
        assert await asyncio.wait_for(received.get(), 5) == ("bot", {"text": "Respuesta desde A."})
        assert agent_a.messages[0].sender_id == SESSION

        # e.g. a MEN agent's reply through trigger_intent, handled by the other replica
        await replica_b.get_output_channel().send_text_message(SESSION, "Respuesta del MEN desde B.")
        assert await asyncio.wait_for(received.get(), 5) == ("bot", {"text": "Respuesta del MEN desde B."})
    finally:
        await client.disconnect()


def test_without_redis_it_is_rasa_socketio_channel() -> None:
    channel = SocketIOInput.from_credentials({"session_persistence": True})
    assert channel.name() == "socketio" and channel.redis_url is None and channel.session_persistence is True
