"""The ``whatsapp`` Rasa channel on a real Sanic server, replying through a fake Graph API on 127.0.0.1."""

from __future__ import annotations

import json
import logging

import aiohttp
import pytest
from channel_support import FakeAgent
from rasa.core.channels.channel import UserMessage
from rasa.shared.exceptions import RasaException

from channels.whatsapp import WhatsAppInput
from channels.whatsapp_api import sign

SECRET = "app-secret-for-tests"
VERIFY = "verify-token-for-tests"
USER = "573001112233"


def credentials(api_url: str, **extra: object) -> dict:
    return {
        "verify_token": VERIFY,
        "app_secret": SECRET,
        "access_token": "GRAPH-TOKEN",
        "phone_number_id": "PNID",
        "api_base_url": api_url,
        "api_version": "v99.0",
        "backoff_seconds": 0.01,
        **extra,
    }


def text_notification(message_id: str, body: str) -> dict:
    message = {"from": USER, "id": message_id, "timestamp": "1700000000", "type": "text", "text": {"body": body}}
    value = {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "PNID"}, "messages": [message]}
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}],
    }


async def post(url: str, payload: dict, secret: str | None = SECRET) -> tuple[int, str]:
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Hub-Signature-256"] = sign(secret, body)
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{url}/webhooks/whatsapp/webhook", data=body, headers=headers) as resp,
    ):
        return resp.status, await resp.text()


@pytest.fixture
async def whatsapp(fake_api, rasa_server):
    channel = WhatsAppInput.from_credentials(credentials(fake_api.url))
    agent = FakeAgent()
    url = await rasa_server([channel], agent)
    yield channel, agent, url
    await channel.client.close()


async def test_verification_challenge(whatsapp) -> None:
    _, _, url = whatsapp
    async with aiohttp.ClientSession() as session:
        ok = f"{url}/webhooks/whatsapp/webhook?hub.mode=subscribe&hub.verify_token={VERIFY}&hub.challenge=1158201444"
        async with session.get(ok) as resp:
            assert (resp.status, await resp.text()) == (200, "1158201444")
        bad = f"{url}/webhooks/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1"
        async with session.get(bad) as resp:
            assert resp.status == 403


@pytest.mark.parametrize("secret", [None, "not-the-app-secret"])
async def test_unsigned_or_badly_signed_posts_are_refused_logged_and_not_processed(
    whatsapp, fake_api, secret, caplog: pytest.LogCaptureFixture
) -> None:
    channel, agent, url = whatsapp
    with caplog.at_level(logging.WARNING, logger="channels.whatsapp"):
        status, _ = await post(url, text_notification("wamid.BAD", "hola"), secret=secret)
    await channel.drain()
    assert status == 403
    assert agent.messages == [] and fake_api.requests == []
    assert "X-Hub-Signature-256" in caplog.text
    # the same message correctly signed later is still processed (it was not marked as seen)
    assert (await post(url, text_notification("wamid.BAD", "hola")))[0] == 200
    await channel.drain()
    assert len(agent.messages) == 1


async def test_text_message_reaches_rasa_and_the_reply_reaches_the_graph_api(whatsapp, fake_api) -> None:
    channel, agent, url = whatsapp
    agent.replies = [
        {"text": "La cobertura neta fue 91,3 % en 2022.", "buttons": [{"title": "Otra consulta", "payload": "/otra"}]},
        {"image": "https://asistente.example.gov.co/charts/cobertura.png"},
    ]
    assert await post(url, text_notification("wamid.1", "cobertura neta boyaca")) == (200, '{"status":"ok"}')
    await channel.drain()
    [message] = agent.messages
    assert isinstance(message, UserMessage)
    assert (message.text, message.sender_id, message.input_channel, message.message_id) == (
        "cobertura neta boyaca",
        f"wa:{USER}",
        "whatsapp",
        "wamid.1",
    )
    sent = [r.json() for r in fake_api.requests]
    assert [r.path for r in fake_api.requests] == ["/v99.0/PNID/messages"] * 2
    assert all(r.headers["Authorization"] == "Bearer GRAPH-TOKEN" for r in fake_api.requests)
    assert sent[0]["to"] == USER and sent[0]["interactive"]["type"] == "button"
    assert sent[0]["interactive"]["action"]["buttons"][0]["reply"] == {"id": "/otra", "title": "Otra consulta"}
    assert sent[1] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": USER,
        "type": "image",
        "image": {"link": "https://asistente.example.gov.co/charts/cobertura.png"},
    }


async def test_button_reply_is_mapped_back_to_the_rasa_payload(whatsapp, fake_api) -> None:
    channel, agent, url = whatsapp
    long_payload = '/consultar_indicador{"indicador": "' + "tasa_de_cobertura_neta_" * 12 + '"}'
    agent.replies = [{"text": "Elija", "buttons": [{"title": "Cobertura", "payload": long_payload}]}]
    await post(url, text_notification("wamid.A", "hola"))
    await channel.drain()
    reply_id = fake_api.requests[0].json()["interactive"]["action"]["buttons"][0]["reply"]["id"]
    assert len(reply_id) <= 256 and reply_id != long_payload

    click = text_notification("wamid.B", "")
    click["entry"][0]["changes"][0]["value"]["messages"][0] = {
        "from": USER,
        "id": "wamid.B",
        "type": "interactive",
        "interactive": {"type": "button_reply", "button_reply": {"id": reply_id, "title": "Cobertura"}},
    }
    agent.replies = []
    await post(url, click)
    await channel.drain()
    assert agent.messages[-1].text == long_payload


async def test_a_redelivered_message_is_processed_once(whatsapp, fake_api) -> None:
    channel, agent, url = whatsapp
    agent.replies = [{"text": "Hola."}]
    for _ in range(3):
        assert (await post(url, text_notification("wamid.SAME", "hola")))[0] == 200
    await channel.drain()
    assert [m.message_id for m in agent.messages] == ["wamid.SAME"]
    assert len(fake_api.requests) == 1


async def test_long_reply_is_split_at_whatsapp_limit(whatsapp, fake_api) -> None:
    channel, agent, url = whatsapp
    agent.replies = [{"text": "dato " * 1500}]
    await post(url, text_notification("wamid.LONG", "todo"))
    await channel.drain()
    bodies = [r.json()["text"]["body"] for r in fake_api.requests]
    assert len(bodies) == 2 and all(len(b) <= 4096 for b in bodies)


async def test_graph_errors_are_retried_and_do_not_break_the_webhook(whatsapp, fake_api) -> None:
    channel, agent, url = whatsapp
    fake_api.responses.extend([(500, {}, {}), (429, {}, {"Retry-After": "0"})])
    agent.replies = [{"text": "Hola."}]
    assert (await post(url, text_notification("wamid.R", "hola")))[0] == 200
    await channel.drain()
    assert len(fake_api.requests) == 3
    assert fake_api.requests[-1].json()["text"]["body"] == "Hola."


async def test_unsupported_messages_are_ignored_or_mapped_when_configured(fake_api, rasa_server) -> None:
    audio = text_notification("wamid.AUDIO", "")
    audio["entry"][0]["changes"][0]["value"]["messages"][0] = {"from": USER, "id": "wamid.AUDIO", "type": "audio"}
    plain = WhatsAppInput.from_credentials(credentials(fake_api.url))
    mapped = WhatsAppInput.from_credentials(credentials(fake_api.url, unsupported_message="/mensaje_no_soportado"))
    agent_plain, agent_mapped = FakeAgent(), FakeAgent()
    url_plain = await rasa_server([plain], agent_plain)
    url_mapped = await rasa_server([mapped], agent_mapped)
    await post(url_plain, audio)
    await plain.drain()
    # both channels share this test's database: another message id for the second one
    audio["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = "wamid.AUDIO2"
    await post(url_mapped, audio)
    await mapped.drain()
    assert agent_plain.messages == []
    assert [m.text for m in agent_mapped.messages] == ["/mensaje_no_soportado"]


async def test_output_channel_for_messages_rasa_sends_on_its_own(whatsapp, fake_api) -> None:
    channel, _, _ = whatsapp
    output = channel.get_output_channel()
    await output.send_response(f"wa:{USER}", {"text": "Respuesta del MEN a su caso MEN-2024-000001: listo."})
    assert fake_api.requests[0].json()["text"]["body"].startswith("Respuesta del MEN")


def test_missing_credentials_are_refused() -> None:
    with pytest.raises(RasaException, match="app_secret"):
        WhatsAppInput.from_credentials({"verify_token": "v", "access_token": "t", "phone_number_id": "p"})
    with pytest.raises(RasaException):
        WhatsAppInput.from_credentials(None)
