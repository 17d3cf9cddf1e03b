"""The channels record the delivery state of the notices uttered with ``aviso=<token>`` (issue 13):
WhatsApp (message id + Meta's status webhooks), Telegram (Bot API accepted it) and the web chat
(token sent to the page, which acknowledges it)."""

from __future__ import annotations

import json

import aiohttp
from channel_support import FakeAgent
from sqlalchemy import select

from bot.agents import outbox
from bot.agents.models import TicketOutbox
from bot.agents.outbox import NoticeInbox
from bot.db import session_scope
from bot.tickets.models import Ticket, utcnow
from channels.webchat import WebChatOutput
from channels.whatsapp import WhatsAppInput
from channels.whatsapp_api import sign
from tests.db_fixtures import make_ticket

SECRET = "app-secret-for-tests"
USER = "573001112233"


def notice(db_url: str, *, conversation: str, channel: str, body: str = "Su planta fue aprobada.") -> str:
    """A ticket with one agent notice already taken by the Rasa action (uttered); returns its token."""
    code = make_ticket(db_url, conversation_id=conversation, channel=channel, key=f"k-{conversation}-{channel}")
    with session_scope(db_url) as session:
        ticket = session.execute(select(Ticket).where(Ticket.code == code)).scalar_one()
        outbox.enqueue(session=session, ticket=ticket, kind="respuesta", body=body, event_id=None, now=utcnow())
    [taken] = NoticeInbox(database_url=db_url).take_for_conversation(conversation_id=conversation)
    return taken.token


def row(db_url: str, token: str) -> TicketOutbox:
    with session_scope(db_url) as session:
        return session.execute(select(TicketOutbox).where(TicketOutbox.token == token)).scalar_one()


def status_notification(message_id: str, status: str, error_code: int | None = None) -> dict:
    entry = {"id": message_id, "status": status, "timestamp": "1700000100", "recipient_id": USER}
    if error_code:
        entry["errors"] = [{"code": error_code, "title": "Re-engagement message"}]
    value = {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "PNID"}, "statuses": [entry]}
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}]}


async def post_signed(url: str, payload: dict) -> int:
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(SECRET, body)}
    async with aiohttp.ClientSession() as session, \
            session.post(f"{url}/webhooks/whatsapp/webhook", data=body, headers=headers) as resp:
        return resp.status


async def whatsapp_channel(fake_api, rasa_server):
    channel = WhatsAppInput.from_credentials({
        "verify_token": "v", "app_secret": SECRET, "access_token": "GRAPH-TOKEN", "phone_number_id": "PNID",
        "api_base_url": fake_api.url, "api_version": "v99.0", "backoff_seconds": 0.01, "max_retries": 1,
    })
    url = await rasa_server([channel], FakeAgent())
    return channel, url


async def test_whatsapp_notice_is_sent_then_delivered_then_read_from_the_status_webhooks(
        fake_api, rasa_server, app_database) -> None:
    channel, url = await whatsapp_channel(fake_api, rasa_server)
    token = notice(app_database, conversation=USER, channel="whatsapp")
    assert row(app_database, token).status == "enviando"
    await channel.get_output_channel().send_response(USER, {"text": "Respuesta del MEN: listo.", "aviso": token})
    sent = row(app_database, token)
    assert (sent.status, sent.channel_message_id) == ("enviado", "wamid.OUT")
    assert fake_api.requests[0].json()["text"]["body"] == "Respuesta del MEN: listo."  # the token is not sent
    assert await post_signed(url, status_notification("wamid.OUT", "delivered")) == 200
    assert row(app_database, token).status == "entregado"
    assert await post_signed(url, status_notification("wamid.OUT", "read")) == 200
    read = row(app_database, token)
    assert (read.status, read.body) == ("leido", None) and read.read_at is not None
    assert await post_signed(url, status_notification("wamid.OUT", "delivered")) == 200  # late, out of order
    assert row(app_database, token).status == "leido"
    await channel.client.close()


async def test_whatsapp_out_of_window_failure_goes_back_for_the_template(fake_api, rasa_server, app_database) -> None:
    channel, url = await whatsapp_channel(fake_api, rasa_server)
    token = notice(app_database, conversation=USER, channel="whatsapp")
    await channel.get_output_channel().send_response(USER, {"text": "Respuesta.", "aviso": token})
    assert await post_signed(url, status_notification("wamid.OUT", "failed", error_code=131047)) == 200
    back = row(app_database, token)
    assert (back.status, back.last_error, back.uttered_at) == ("pendiente", "fuera_de_ventana", None)
    await channel.client.close()


async def test_whatsapp_api_down_is_recorded_for_a_retry(fake_api, rasa_server, app_database) -> None:
    channel, _ = await whatsapp_channel(fake_api, rasa_server)
    fake_api.default = (503, {"error": {"code": 2, "message": "Service temporarily unavailable"}}, {})
    token = notice(app_database, conversation=USER, channel="whatsapp")
    await channel.get_output_channel().send_response(USER, {"text": "Respuesta.", "aviso": token})  # no exception
    failed = row(app_database, token)
    assert failed.status == "pendiente" and failed.uttered_at is None and failed.last_error.startswith("whatsapp")
    await channel.client.close()


class FakeSocketServer:
    def __init__(self) -> None:
        self.emitted: list[tuple[str, dict, str]] = []

    async def emit(self, event: str, data: dict, room: str | None = None) -> None:
        self.emitted.append((event, data, room))


async def test_web_chat_message_carries_the_token_and_is_recorded_sent(app_database) -> None:
    token = notice(app_database, conversation="sesion-web-1", channel="socketio")
    sio = FakeSocketServer()
    output = WebChatOutput(sio, "bot_uttered")
    await output.send_response("sesion-web-1", {"text": "Respuesta del MEN.\n\nSegundo párrafo.", "aviso": token})
    assert [d for _, d, _ in sio.emitted] == [{"text": "Respuesta del MEN."},
                                              {"text": "Segundo párrafo.", "aviso": token}]
    assert row(app_database, token).status == "enviado"
    await output.send_response("sesion-web-1", {"text": "Un mensaje cualquiera."})  # no token, nothing recorded
    assert sio.emitted[-1][1] == {"text": "Un mensaje cualquiera."}
