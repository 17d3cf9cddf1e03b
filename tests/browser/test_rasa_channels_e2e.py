"""Every channel against a real ``rasa run`` (Rasa 3.6, tiny model), nothing outside 127.0.0.1.

- Web chat in headless Chromium: question -> value and chart; reload -> history and same Rasa
  conversation; a message Rasa sends on its own (as an agent reply will) is pushed to the page.
- WhatsApp: signed webhook -> reply buttons on the fake Graph API -> button reply -> value + image.
- Telegram: setWebhook at start-up, update -> inline keyboard on the fake Bot API.
- ``trigger_intent?output_channel=latest`` reaches Telegram and WhatsApp users (agents issue).

About 15 s (training + start of the tiny model). Marked ``rasa_server``.
"""

from __future__ import annotations

import json
import time
import urllib.error
from collections.abc import Iterator
from dataclasses import replace

import pytest
from rasa_stack import (
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    VALUE_TEXT,
    WHATSAPP_SECRET,
    FakeMessagingApis,
    RasaProcess,
    rasa_bin,
)
from webchat_support import ThreadedUvicorn, axe_violations, tiny_png

from bot.settings import load_settings
from channels.whatsapp_api import sign
from webapp.app import create_app

pytestmark = [pytest.mark.rasa_server, pytest.mark.browser]
expect = pytest.importorskip("playwright.sync_api").expect

STORE_KEY = "asistente-escuela.chat.v1"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, RasaProcess, FakeMessagingApis]]:
    if not rasa_bin().exists():
        pytest.skip("rasa is not installed in this environment")
    root = tmp_path_factory.mktemp("rasa-e2e")
    (root / "charts").mkdir()
    (root / "charts" / "cobertura.png").write_bytes(tiny_png(320, 160))
    apis = FakeMessagingApis()
    rasa = RasaProcess(root / "project", apis)
    settings = replace(load_settings({"APP_VAR_DIR": str(root)}), rasa_public_url=rasa.url)
    with ThreadedUvicorn(create_app(settings)) as web:
        try:
            rasa.start(image_url=f"{web.url}/charts/cobertura.png")
            yield web.url, rasa, apis
        finally:
            rasa.stop()
            apis.close()


def test_web_chat_against_rasa(stack, phone_page) -> None:
    web_url, rasa, _ = stack
    page = phone_page
    page.goto(web_url)
    expect(page.locator("#chat-connection")).to_have_text("Conectado.")
    page.fill("#chat-input", "hola")
    page.keyboard.press("Enter")
    page.locator(".quick-reply", has_text="Indicadores").click()
    expect(page.locator(".msg-bot .msg-text").last).to_have_text(VALUE_TEXT)
    page.locator(".msg-image img").wait_for()
    assert page.evaluate("document.querySelector('.msg-image img').complete")
    assert page.evaluate("document.querySelector('.msg-image img').naturalWidth") == 320
    assert axe_violations(page) == []
    session_id = page.evaluate(f"JSON.parse(localStorage.getItem('{STORE_KEY}')).sessionId")
    count = page.locator(".msg").count()

    page.reload()
    expect(page.locator("#chat-connection")).to_have_text("Conectado.")
    assert page.locator(".msg").count() == count
    page.fill("#chat-input", "buenas")
    page.keyboard.press("Enter")
    expect(page.locator(".msg")).to_have_count(count + 2)

    _, tracker = rasa.request("GET", f"/conversations/{session_id}/tracker")
    said = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
    assert said == ["hola", "/consultar_indicador", "buenas"]  # one Rasa conversation across the reload
    assert tracker["latest_input_channel"] == "socketio"

    # Rasa speaking on its own (how a MEN agent's reply arrives) is pushed to the open page
    status, _ = rasa.request(
        "POST", f"/conversations/{session_id}/trigger_intent?output_channel=latest", {"name": "consultar_indicador"}
    )
    assert status == 200
    expect(page.locator(".msg-bot .msg-text")).to_have_count(4)  # saludo, valor, saludo, valor
    expect(page.locator(".msg-bot .msg-text").last).to_have_text(VALUE_TEXT)
    expect(page.locator(".msg-image img")).to_have_count(2)


def _whatsapp_post(rasa: RasaProcess, message: dict) -> int:
    value = {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "PNID"}, "messages": [message]}
    body = json.dumps(
        {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": value}]}]}
    )
    status, _ = rasa.request(
        "POST",
        "/webhooks/whatsapp/webhook",
        body.encode(),
        {"X-Hub-Signature-256": sign(WHATSAPP_SECRET, body.encode())},
    )
    return status


def test_whatsapp_against_rasa(stack) -> None:
    _, rasa, apis = stack
    user = "573001112233"
    assert _whatsapp_post(rasa, {"from": user, "id": "wamid.E1", "type": "text", "text": {"body": "hola"}}) == 200
    [buttons] = apis.wait_for("/v99.0/PNID/messages")
    sent = buttons.fields()
    assert buttons.headers["Authorization"] == "Bearer graph-token-e2e"
    assert sent["to"] == user and sent["interactive"]["type"] == "button"
    reply = sent["interactive"]["action"]["buttons"][0]["reply"]
    assert reply == {"id": "/consultar_indicador", "title": "Indicadores"}

    click = {"type": "button_reply", "button_reply": reply}
    assert _whatsapp_post(rasa, {"from": user, "id": "wamid.E2", "type": "interactive", "interactive": click}) == 200
    calls = apis.wait_for("/v99.0/PNID/messages", count=3)
    assert calls[1].fields()["text"]["body"] == VALUE_TEXT
    assert calls[2].fields()["image"]["link"].endswith("/charts/cobertura.png")

    # a re-delivery of the same notification and an unsigned one change nothing
    assert _whatsapp_post(rasa, {"from": user, "id": "wamid.E2", "type": "interactive", "interactive": click}) == 200
    with pytest.raises(urllib.error.HTTPError, match="403"):
        rasa.request("POST", "/webhooks/whatsapp/webhook", b'{"entry": []}', {})

    # Rasa speaking on its own reaches WhatsApp
    status, _ = rasa.request(
        "POST", f"/conversations/wa:{user}/trigger_intent?output_channel=latest", {"name": "consultar_indicador"}
    )
    assert status == 200
    calls = apis.wait_for("/v99.0/PNID/messages", count=5)
    assert calls[3].fields()["text"]["body"] == VALUE_TEXT
    time.sleep(0.5)
    assert len(apis.find("/v99.0/PNID/messages")) == 5
    _, tracker = rasa.request("GET", f"/conversations/wa:{user}/tracker")
    said = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
    assert said == ["hola", "/consultar_indicador", "EXTERNAL: consultar_indicador"]


def test_telegram_against_rasa(stack) -> None:
    _, rasa, apis = stack
    [webhook] = apis.wait_for(f"/bot{TELEGRAM_TOKEN}/setWebhook")
    assert webhook.fields() == {"url": f"{rasa.url}/webhooks/telegram/webhook", "secret_token": TELEGRAM_SECRET}

    chat = {"id": 4242, "type": "private", "first_name": "Ana"}
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 1700000000,
            "chat": chat,
            "from": {"id": 4242, "is_bot": False, "first_name": "Ana"},
            "text": "hola",
        },
    }
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    assert rasa.request("POST", "/webhooks/telegram/webhook", update, headers)[0] == 200
    [sent] = apis.wait_for(f"/bot{TELEGRAM_TOKEN}/sendMessage")
    fields = sent.fields()
    assert fields["chat_id"] == "4242"
    assert json.loads(fields["reply_markup"])["inline_keyboard"] == [
        [{"text": "Indicadores", "callback_data": "/consultar_indicador"}]
    ]

    # Rasa speaking on its own reaches Telegram (Rasa's own connector fails here with RuntimeError)
    status, _ = rasa.request(
        "POST", "/conversations/tg:4242/trigger_intent?output_channel=latest", {"name": "consultar_indicador"}
    )
    assert status == 200
    assert apis.wait_for(f"/bot{TELEGRAM_TOKEN}/sendMessage", count=2)[1].fields()["text"] == VALUE_TEXT
    assert apis.wait_for(f"/bot{TELEGRAM_TOKEN}/sendPhoto")[0].fields()["photo"].endswith("/charts/cobertura.png")
