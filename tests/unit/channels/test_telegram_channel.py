"""The ``telegram`` channel (Rasa's connector + channels.telegram fixes) against a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import parse_qs

import aiohttp
import pytest
from channel_support import FakeAgent, Recorded

from channels.telegram import SECRET_HEADER, TelegramInput

TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghijk"
SECRET = "secreto-del-webhook_123"
CHAT_ID = 987654321


def bot_api(recorded: Recorded) -> tuple[int, dict, dict]:
    """Answers of the Telegram Bot API methods the connector uses."""
    method = recorded.path.rsplit("/", 1)[-1]
    if method == "getMe":
        result: object = {"id": 123456789, "is_bot": True, "first_name": "Asistente", "username": "asistente_men_bot"}
    elif method in {"sendMessage", "sendPhoto"}:
        result = {"message_id": 1, "date": 1700000000, "chat": {"id": CHAT_ID, "type": "private"}}
    else:
        result = True
    return 200, {"ok": True, "result": result}, {}


def form(recorded: Recorded) -> dict[str, str]:
    if recorded.headers.get("Content-Type", "").startswith("application/json"):
        return recorded.json()
    return {k: v[0] for k, v in parse_qs(recorded.body.decode()).items()}


def calls(fake_api, method: str) -> list[Recorded]:
    return [r for r in fake_api.requests if r.path == f"/bot{TOKEN}/{method}"]


def update(update_id: int, text: str | None = None, callback: str | None = None) -> dict:
    chat = {"id": CHAT_ID, "type": "private", "first_name": "Ana"}
    message = {
        "message_id": update_id,
        "date": 1700000000,
        "chat": chat,
        "from": {"id": CHAT_ID, "is_bot": False, "first_name": "Ana"},
    }
    if callback is not None:
        return {
            "update_id": update_id,
            "callback_query": {
                "id": "cb1",
                "from": message["from"],
                "chat_instance": "x",
                "data": callback,
                "message": message,
            },
        }
    return {"update_id": update_id, "message": {**message, "text": text}}


class ChannelUrl(str):
    """The server URL, carrying the channel whose stored updates ``post`` processes."""

    channel: TelegramInput


async def post(url: str, payload: dict, secret: str | None = SECRET) -> int:
    """POST an update; the webhook stores it and answers, then the stored updates reach Rasa."""
    headers = {SECRET_HEADER: secret} if secret else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{url}/webhooks/telegram/webhook", json=payload, headers=headers) as resp,
    ):
        status = resp.status
    if isinstance(url, ChannelUrl):
        await url.channel.drain()
    return status


@pytest.fixture
async def telegram(fake_api, rasa_server):
    fake_api.handler = bot_api
    channel = TelegramInput.from_credentials(
        {
            "access_token": TOKEN,
            "verify": "asistente_men_bot",
            "webhook_url": "https://asistente.example.gov.co/webhooks/telegram/webhook",
            "api_base_url": fake_api.url,
            "secret_token": SECRET,
        }
    )
    agent = FakeAgent()
    url = ChannelUrl(await rasa_server([channel], agent))
    url.channel = channel
    for _ in range(100):  # setWebhook runs when the server has started
        if calls(fake_api, "setWebhook"):
            break
        await asyncio.sleep(0.02)
    return channel, agent, url


async def test_webhook_is_registered_at_startup_with_the_secret(telegram, fake_api) -> None:
    [call] = calls(fake_api, "setWebhook")
    assert form(call) == {"url": "https://asistente.example.gov.co/webhooks/telegram/webhook", "secret_token": SECRET}


async def test_update_reaches_rasa_and_the_reply_reaches_the_bot_api(telegram, fake_api) -> None:
    _, agent, url = telegram
    agent.replies = [
        {"text": "La cobertura neta fue 91,3 % en 2022.", "buttons": [{"title": "Otra consulta", "payload": "/otra"}]},
        {"image": "https://asistente.example.gov.co/charts/cobertura.png"},
    ]
    assert await post(url, update(1, text="cobertura neta boyaca")) == 200
    [message] = agent.messages
    assert (message.text, message.sender_id, message.input_channel) == (
        "cobertura neta boyaca",
        f"tg:{CHAT_ID}",
        "telegram",
    )

    [sent] = calls(fake_api, "sendMessage")
    fields = form(sent)
    assert fields["chat_id"] == str(CHAT_ID)
    assert fields["text"] == "La cobertura neta fue 91,3 % en 2022."
    keyboard = json.loads(fields["reply_markup"])["inline_keyboard"]
    assert keyboard == [[{"text": "Otra consulta", "callback_data": "/otra"}]]
    [photo] = calls(fake_api, "sendPhoto")
    assert form(photo)["photo"] == "https://asistente.example.gov.co/charts/cobertura.png"


async def test_start_command_greets(telegram) -> None:
    _, agent, url = telegram
    assert await post(url, update(5, text="/start")) == 200
    assert agent.messages[-1].text == "/saludar"


async def test_button_press_sends_the_payload(telegram) -> None:
    _, agent, url = telegram
    assert await post(url, update(2, callback='/consultar_indicador{"indicador": "cobertura_neta"}')) == 200
    assert agent.messages[-1].text == '/consultar_indicador{"indicador": "cobertura_neta"}'


@pytest.mark.parametrize("secret", [None, "otro-secreto"])
async def test_update_without_the_secret_token_is_refused(telegram, fake_api, secret, caplog) -> None:
    _, agent, url = telegram
    with caplog.at_level(logging.WARNING, logger="channels.telegram"):
        assert await post(url, update(3, text="hola"), secret=secret) == 403
    assert agent.messages == []
    assert calls(fake_api, "sendMessage") == []
    assert SECRET_HEADER in caplog.text


async def test_open_set_webhook_route_is_disabled(telegram, fake_api) -> None:
    _, _, url = telegram
    before = len(calls(fake_api, "setWebhook"))
    async with aiohttp.ClientSession() as session, session.get(f"{url}/webhooks/telegram/set_webhook") as resp:
        assert resp.status == 404
    assert len(calls(fake_api, "setWebhook")) == before


async def test_output_channel_works_inside_the_running_server_loop(telegram, fake_api) -> None:
    channel, _, _ = telegram
    output = channel.get_output_channel()  # Rasa's own connector raises RuntimeError here
    await output.send_response(f"tg:{CHAT_ID}", {"text": "Respuesta del MEN a su caso MEN-2024-000001: listo."})
    await output.session.close()
    sent = form(calls(fake_api, "sendMessage")[-1])
    assert sent["text"].startswith("Respuesta del MEN") and sent["chat_id"] == str(CHAT_ID)


async def test_an_update_delivered_twice_is_stored_and_handled_once(telegram, app_database) -> None:
    from sqlalchemy import select

    from bot.db import session_scope
    from bot.delivery.models import ChannelInbox

    _, agent, url = telegram
    assert await post(url, update(41, text="hola")) == 200
    assert await post(url, update(41, text="hola")) == 200  # Telegram delivers the same update_id again
    assert [m.text for m in agent.messages] == ["hola"]
    with session_scope(app_database) as session:
        rows = session.execute(select(ChannelInbox)).scalars().all()
        assert [(r.external_id, r.status, r.payload) for r in rows] == [("41", "procesado", None)]


async def test_update_is_kept_while_rasa_fails_and_handled_later(telegram) -> None:
    channel, agent, url = telegram
    failing = {"on": True}
    real = agent.handle_message

    async def flaky(message):
        if failing["on"]:
            raise RuntimeError("Rasa caído")
        await real(message)

    agent.handle_message = flaky
    assert await post(url, update(42, text="¿cuándo es el próximo encuentro?")) == 200  # acknowledged: stored
    assert agent.messages == []
    failing["on"] = False
    from datetime import timedelta

    channel.inbox.store.clock = lambda: __import__("bot.tickets.models", fromlist=["utcnow"]).utcnow() + timedelta(hours=1)
    await channel.drain()  # the retry is due: the stored update reaches Rasa
    assert [m.text for m in agent.messages] == ["¿cuándo es el próximo encuentro?"]


async def test_database_down_answers_503_so_that_telegram_retries(telegram, monkeypatch) -> None:
    channel, agent, url = telegram

    def down(**_kwargs):
        raise OSError("database down")

    monkeypatch.setattr(channel.inbox.store, "store", down)
    assert await post(url, update(43, text="hola")) == 503
    assert agent.messages == []
