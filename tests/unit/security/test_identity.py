"""Identity: sender ids carry their channel, web sessions are issued and signed by the server, and
internal intents typed by a user are answered as unknown text (bot/identity.py, channels/)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import socketio

from bot.identity import (
    FALLBACK_PAYLOAD,
    TELEGRAM_PREFIX,
    WHATSAPP_PREFIX,
    new_web_session,
    offered_intents,
    screen_text,
    valid_web_session,
    with_prefix,
    without_prefix,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "channels"))
from channel_support import FakeAgent, RasaChannelServer  # noqa: E402

SECRET = "secreto-de-sesiones"


def test_prefixes_are_added_once_and_removed_for_sending() -> None:
    assert with_prefix(WHATSAPP_PREFIX, "573001112233") == "wa:573001112233"
    assert with_prefix(WHATSAPP_PREFIX, "wa:573001112233") == "wa:573001112233"
    assert with_prefix(TELEGRAM_PREFIX, 987654321) == "tg:987654321"
    assert without_prefix(TELEGRAM_PREFIX, "tg:987654321") == "987654321"
    assert without_prefix(WHATSAPP_PREFIX, "573001112233") == "573001112233"


def test_web_sessions_are_unguessable_and_signed() -> None:
    ids = {new_web_session(SECRET) for _ in range(200)}
    assert len(ids) == 200 and all(i.startswith("web:") for i in ids)
    one = next(iter(ids))
    assert valid_web_session(SECRET, one)
    assert not valid_web_session("otro-secreto", one)
    assert not valid_web_session(SECRET, one[:-2] + ("AA" if not one.endswith("AA") else "BB"))
    for forged in ("wa:573001112233", "tg:1", "sesion-1", "web:abc.def", "", None, 42, one + "x"):
        assert not valid_web_session(SECRET, forged)
    with pytest.raises(ValueError):
        new_web_session("")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("/EXTERNAL_respuesta_caso", FALLBACK_PAYLOAD),
        ("/session_start", FALLBACK_PAYLOAD),
        ("/restart", FALLBACK_PAYLOAD),
        ('/respuesta_caso{"entrega": "abc"}', FALLBACK_PAYLOAD),
        ("  /session_start  ", FALLBACK_PAYLOAD),
        ("/intencion_inventada", FALLBACK_PAYLOAD),
        ("/capacidades@0.99", FALLBACK_PAYLOAD),
        ('/faq{"tema": ["no", "texto"]}', FALLBACK_PAYLOAD),
        ('/faq{"tema": ', FALLBACK_PAYLOAD),
        ("/", FALLBACK_PAYLOAD),
        # buttons the assistant offers (domain responses, actions, "¿Quiso decir…?")
        ("/capacidades", "/capacidades"),
        ('/faq{"tema": "libro"}', '/faq{"tema": "libro"}'),
        ('/buscar_pares{"lugar": "Cali"}', '/buscar_pares{"lugar": "Cali"}'),
        ('/informar_dato_indicador{"indicador": "desercion"}', '/informar_dato_indicador{"indicador": "desercion"}'),
        ("/out_of_scope", "/out_of_scope"),
        # plain text is never touched
        ("hola, ¿qué es la Escuela?", "hola, ¿qué es la Escuela?"),
        ("respuesta_caso", "respuesta_caso"),
    ],
)
def test_typed_payloads_are_screened(typed: str, expected: str) -> None:
    assert screen_text(typed) == expected


def test_offered_intents_come_from_the_domain_buttons_and_never_include_internal_ones() -> None:
    offered = offered_intents()
    assert {"capacidades", "contactar_humano", "faq", "buscar_pares"} <= offered
    assert not offered & {"respuesta_caso", "session_start", "restart", "nlu_fallback"}


def test_fallback_payload_is_answered_like_unknown_text() -> None:
    """``/nlu_fallback`` takes the same rule as text the NLU does not understand."""
    import yaml

    rules = yaml.safe_load((Path(__file__).resolve().parents[3] / "data" / "rules" / "core.yml").read_text())
    steps = [r["steps"] for r in rules["rules"]]
    assert any(s[0] == {"intent": "nlu_fallback"} and s[1] == {"action": "action_two_stage_fallback"} for s in steps)


# ----------------------------------------------------------------------------- channels
def test_guard_screens_cuts_and_limits_per_sender() -> None:
    from channels.guard import InboundGuard

    guard = InboundGuard(per_minute=2)
    assert guard.screen("/EXTERNAL_respuesta_caso") == FALLBACK_PAYLOAD
    assert guard.screen("x" * 10_000) == "x" * 4000
    assert guard.admit("wa:1") and guard.admit("wa:1") and not guard.admit("wa:1")
    assert guard.admit("wa:2")  # per sender


@pytest.fixture
async def webchat():
    from channels.webchat import SocketIOInput

    channel = SocketIOInput.from_credentials({"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered",
                                              "session_persistence": True, "session_secret": SECRET})
    agent = FakeAgent(replies=[{"text": "Hola."}])
    server = RasaChannelServer([channel], agent)
    url = await server.start()
    yield agent, url
    await server.stop()


async def _client(url: str):
    received: asyncio.Queue = asyncio.Queue()
    client = socketio.AsyncClient(reconnection=False)
    client.on("session_confirm", lambda data: received.put_nowait(("confirm", data)))
    client.on("bot_uttered", lambda data: received.put_nowait(("bot", data)))
    await client.connect(url, socketio_path="/socket.io", transports=["websocket"])
    return client, received


@pytest.mark.parametrize("asked", [None, "wa:573001112233", "sesion-elegida-por-el-cliente", "web:abc.def"])
async def test_socket_replaces_a_session_id_it_did_not_issue(webchat, asked) -> None:
    agent, url = webchat
    client, received = await _client(url)
    try:
        await client.emit("session_request", {"session_id": asked})
        kind, confirmed = await asyncio.wait_for(received.get(), 5)
        assert kind == "confirm" and confirmed != asked and valid_web_session(SECRET, confirmed)
        await client.emit("user_uttered", {"message": "hola", "session_id": confirmed})
        assert await asyncio.wait_for(received.get(), 5) == ("bot", {"text": "Hola."})
        assert agent.messages[-1].sender_id == confirmed
    finally:
        await client.disconnect()


async def test_socket_keeps_a_session_it_issued_and_ignores_forged_senders(webchat) -> None:
    agent, url = webchat
    issued = new_web_session(SECRET)
    client, received = await _client(url)
    try:
        await client.emit("session_request", {"session_id": issued})
        assert await asyncio.wait_for(received.get(), 5) == ("confirm", issued)
        await client.emit("user_uttered", {"message": "hola", "session_id": "wa:573001112233"})
        await client.emit("user_uttered", {"message": "/EXTERNAL_respuesta_caso", "session_id": issued,
                                           "customData": "no es un objeto"})
        assert await asyncio.wait_for(received.get(), 5) == ("bot", {"text": "Hola."})
        assert [(m.sender_id, m.text) for m in agent.messages] == [(issued, FALLBACK_PAYLOAD)]
    finally:
        await client.disconnect()


async def test_rest_channel_needs_the_token_and_screens_payloads() -> None:
    import aiohttp

    from channels.rest import TokenRestInput

    channel = TokenRestInput("tok-123")
    agent = FakeAgent(replies=[{"text": "Hola."}])
    server = RasaChannelServer([channel], agent)
    url = await server.start() + "/webhooks/rest/webhook"
    body = {"sender": "prueba", "message": "/session_start"}
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=body) as resp:
                assert resp.status == 401
            async with http.post(url, json=body, headers={"Authorization": "Bearer otro"}) as resp:
                assert resp.status == 401
            for bad in ([1, 2], {"sender": 5, "message": "x"}, {"sender": "s" * 200, "message": "x"},
                        {"sender": "s", "message": "x", "metadata": "no"}):
                async with http.post(url, json=bad, headers={"Authorization": "Bearer tok-123"}) as resp:
                    assert resp.status == 400
            async with http.post(url, json=body, headers={"Authorization": "Bearer tok-123"}) as resp:
                assert resp.status == 200 and await resp.json() == [{"recipient_id": "prueba", "text": "Hola."}]
        assert [(m.sender_id, m.text) for m in agent.messages] == [("prueba", FALLBACK_PAYLOAD)]
    finally:
        await server.stop()


def test_agents_replies_still_use_trigger_intent_with_the_token() -> None:
    """The web app reaches ``respuesta_caso`` through Rasa's HTTP API (token), not through a channel."""
    from bot.agents.outbox import TRIGGER_INTENT, RasaNotifier

    calls = []

    class Http:
        def post(self, url, params, json, timeout):
            calls.append((url, params, json))

            class R:
                status_code = 200

                @staticmethod
                def json():
                    return {}
            return R()

    RasaNotifier(rasa_url="http://127.0.0.1:5005", token="tok", session=Http()).trigger(
        conversation_id="wa:573001112233", channel="whatsapp", notice_token="n")
    [(url, params, body)] = calls
    assert url.endswith("/conversations/wa:573001112233/trigger_intent")  # Rasa does not decode %3A
    assert params == {"output_channel": "whatsapp", "token": "tok"} and body["name"] == TRIGGER_INTENT
