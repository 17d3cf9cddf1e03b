"""Agent notices: states reported by the channels, e-mail when the web chat is closed, the WhatsApp
template outside the 24-hour window, and ``fallido`` — flagged to the agent and the coordinator —
when the API stays down (issue 13)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.agents.models import TicketOutbox
from bot.agents.outbox import NoticeInbox, OutboxDispatcher
from bot.db import session_scope
from bot.delivery.core import DeliveryConfig, RasaNotifier
from bot.delivery.fallbacks import Mailer, SmtpConfig, TemplateConfig, WhatsAppTemplates
from bot.delivery.inbox import MessageStore
from bot.delivery.receipts import Receipts
from bot.settings import load_settings
from tests.unit.agents.api_support import build_api

from .conftest import make_ticket

WA_USER = "573001112233"
CONFIG = DeliveryConfig(max_attempts=3, backoff_seconds=10, backoff_max_seconds=60, ack_seconds=60)


def rows(db_url) -> list[TicketOutbox]:
    with session_scope(db_url) as session:
        return list(session.execute(select(TicketOutbox).order_by(TicketOutbox.id)).scalars())


def dispatcher(db_url, clock, rasa_url, *, mailer=None, whatsapp=None, config=CONFIG) -> OutboxDispatcher:
    return OutboxDispatcher(database_url=db_url, notifier=RasaNotifier(rasa_url=rasa_url, timeout=3), clock=clock,
                            config=config, mailer=mailer, whatsapp=whatsapp)


def templates(fake_graph, name="respuesta_caso_men") -> WhatsAppTemplates:
    return WhatsAppTemplates(TemplateConfig(access_token="GRAPH-TOKEN", phone_number_id="PNID",
                                            base_url=fake_graph.url, api_version="v23.0", language="es",
                                            reply_template=name, timeout=3))


def test_reply_to_a_closed_web_chat_is_sent_then_announced_by_email(
        tmp_path, db_url, clock, desk, team, rasa, smtp_server, hasher) -> None:
    code = make_ticket(db_url, conversation_id="chat-cerrado", channel="socketio")
    desk.claim(team["ana"], code)
    desk.reply(team["ana"], code, "Su solicitud de ampliación de planta fue aprobada el 1 de marzo.")
    mailer = Mailer(SmtpConfig(host=smtp_server.host, port=smtp_server.port, starttls=False,
                               sender="asistente@mineducacion.gov.co"), public_url="https://asistente.example.gov.co")
    senders = dispatcher(db_url, clock, rasa.url, mailer=mailer)

    report = senders.deliver_due()
    assert report.delivered == [rows(db_url)[0].id]
    [(conversation, message)] = rasa.uttered
    assert conversation == "chat-cerrado" and message["response"] == "utter_respuesta_caso" and message["aviso"]
    assert rows(db_url)[0].status == "enviado"  # the socket.io room was empty: nobody acknowledged it
    assert smtp_server.messages == []  # not yet: the chat may still acknowledge it

    clock.advance(seconds=61)
    assert senders.deliver_due().fallbacks == {rows(db_url)[0].id: "correo"}
    [(sender, recipients, email)] = smtp_server.messages
    assert sender == "asistente@mineducacion.gov.co" and recipients == ["marta.perez@example.org"]
    body = email.get_content()
    assert code in email["Subject"] and code in body and "https://asistente.example.gov.co/" in body
    for private in ("aprobada", "Marta", "planta", "Medellín", "talento humano"):  # only that there is a reply
        assert private not in body and private not in email["Subject"]
    assert senders.deliver_due().fallbacks == {} and len(smtp_server.messages) == 1  # one e-mail, not one per round

    api = build_api(tmp_path, db_url, team, clock, hasher, rasa.url)
    [notice] = api.get("ana", f"/api/agentes/casos/{code}").json()["avisos"]
    assert (notice["estado"], notice["respaldo"], notice["tipo"]) == ("enviado", "correo", "respuesta")

    # the person comes back to the chat: the reply is given in the conversation, the page acknowledges it
    [again] = NoticeInbox(database_url=db_url, clock=clock).take_for_conversation(conversation_id="chat-cerrado")
    assert again.body.startswith("Su solicitud") and again.ticket_code == code
    assert api.client.post("/api/avisos/acuse", json={"aviso": again.token}).status_code == 204
    [notice] = api.get("ana", f"/api/agentes/casos/{code}").json()["avisos"]
    assert notice["estado"] == "entregado" and rows(db_url)[0].body is None
    assert api.client.post("/api/avisos/acuse", json={"aviso": "inventado"}).status_code == 204  # says nothing


def test_acknowledged_web_chat_reply_sends_no_email(db_url, clock, desk, team, rasa, smtp_server) -> None:
    code = make_ticket(db_url, conversation_id="chat-abierto", channel="socketio")
    desk.claim(team["ana"], code)
    desk.reply(team["ana"], code, "Listo.")
    mailer = Mailer(SmtpConfig(host=smtp_server.host, port=smtp_server.port, starttls=False,
                               sender="asistente@mineducacion.gov.co"), public_url="http://localhost:8000")
    senders = dispatcher(db_url, clock, rasa.url, mailer=mailer)
    senders.deliver_due()
    assert Receipts(database_url=db_url, clock=clock).record_ack(rasa.uttered[0][1]["aviso"])
    clock.advance(minutes=10)
    senders.deliver_due()
    assert smtp_server.messages == [] and rows(db_url)[0].status == "entregado"


def test_smtp_down_is_retried_then_failed_and_flagged(db_url, clock, desk, team, rasa) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    code = make_ticket(db_url, conversation_id="chat-x", channel="socketio")
    desk.claim(team["ana"], code)
    desk.reply(team["ana"], code, "Texto.")
    mailer = Mailer(SmtpConfig(host="127.0.0.1", port=closed, starttls=False, sender="a@mineducacion.gov.co",
                               timeout=2), public_url="http://localhost:8000")
    senders = dispatcher(db_url, clock, rasa.url, mailer=mailer)
    senders.deliver_due()
    for _ in range(5):
        clock.advance(seconds=120)
        senders.deliver_due()
    [row] = rows(db_url)
    assert row.status == "fallido" and row.last_error.startswith("smtp")
    assert desk.ticket(team["ana"], code).events[-1].kind == "aviso_fallido"


@pytest.mark.parametrize("hours", [25, 23])
def test_whatsapp_reply_outside_the_24_hour_window_goes_as_the_approved_template(
        db_url, clock, desk, team, rasa, fake_graph, hours) -> None:
    code = make_ticket(db_url, conversation_id=WA_USER, channel="whatsapp")
    store = MessageStore(database_url=db_url, clock=lambda: clock() - timedelta(hours=hours))
    assert store.store(channel="whatsapp", external_id="wamid.IN1", sender=WA_USER, payload={"text": "hola"})
    desk.claim(team["ana"], code)
    desk.reply(team["ana"], code, "Su planta fue aprobada.")
    report = dispatcher(db_url, clock, rasa.url, whatsapp=templates(fake_graph)).deliver_due()
    [row] = rows(db_url)
    if hours == 23:  # inside the window: the text itself, through Rasa and the channel
        assert report.fallbacks == {} and fake_graph.requests == [] and len(rasa.requests) == 1
        assert row.status == "enviado" and row.fallback is None
        return
    assert report.fallbacks == {row.id: "plantilla"} and rasa.requests == []  # Rasa's free text would be refused
    [sent] = fake_graph.requests
    assert sent["path"] == "/v23.0/PNID/messages" and sent["auth"] == "Bearer GRAPH-TOKEN"
    assert sent["body"] == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": WA_USER, "type": "template",
        "template": {"name": "respuesta_caso_men", "language": {"code": "es"},
                     "components": [{"type": "body", "parameters": [{"type": "text", "text": code}]}]},
    }
    assert (row.status, row.fallback, row.channel_message_id) == ("enviado", "plantilla", "wamid.HBgM0001")
    receipts = Receipts(database_url=db_url, clock=clock)
    assert receipts.record_status("wamid.HBgM0001", "delivered")  # Meta's status webhook
    assert rows(db_url)[0].status == "entregado" and rows(db_url)[0].body == "Su planta fue aprobada."
    # the template reopened the conversation: the person writes, the reply is given in the conversation
    [notice] = NoticeInbox(database_url=db_url, clock=clock).take_for_conversation(conversation_id=WA_USER)
    assert notice.body == "Su planta fue aprobada."
    assert receipts.record_sent(notice.token, "wamid.TEXT")
    assert receipts.record_status("wamid.TEXT", "read")
    row = rows(db_url)[0]
    assert (row.status, row.body) == ("leido", None) and row.read_at is not None


def test_whatsapp_api_down_retries_then_fails_and_the_agent_and_coordinator_are_told(
        tmp_path, db_url, clock, desk, team, rasa, fake_graph, hasher) -> None:
    fake_graph.mode = "down"
    code = make_ticket(db_url, conversation_id=WA_USER, channel="whatsapp")
    desk.claim(team["ana"], code)
    desk.reply(team["ana"], code, "Respuesta.")
    senders = dispatcher(db_url, clock, rasa.url, whatsapp=templates(fake_graph))
    report = senders.deliver_due()
    assert report.pending == [rows(db_url)[0].id] and report.errors
    first = rows(db_url)[0]
    assert (first.status, first.attempts) == ("pendiente", 1) and first.next_attempt_at == clock() + timedelta(seconds=10)
    assert senders.deliver_due().pending == []  # back-off: not due yet
    clock.advance(seconds=10)
    assert rows(db_url)[0].attempts == 1
    senders.deliver_due()
    second = rows(db_url)[0]
    assert second.attempts == 2 and second.next_attempt_at == clock() + timedelta(seconds=20)  # exponential
    clock.advance(seconds=20)
    report = senders.deliver_due()
    [row] = rows(db_url)
    assert report.failed == [row.id] and (row.status, row.attempts) == ("fallido", 3)
    assert len(fake_graph.requests) == 3  # bounded: nothing more after the last attempt
    clock.advance(days=1)
    senders.deliver_due()
    assert len(fake_graph.requests) == 3

    events = desk.ticket(team["ana"], code).events
    assert events[-1].kind == "aviso_fallido" and events[-1].data["intentos"] == 3
    api = build_api(tmp_path, db_url, team, clock, hasher, rasa.url)
    for who in ("ana", "coord"):  # the agent holding the case and the coordinator
        [failed] = api.get(who, "/api/agentes/avisos/fallidos").json()
        assert failed["codigo"] == code and failed["aviso"]["estado"] == "fallido"
    assert api.get("olga", "/api/agentes/avisos/fallidos").json() == []  # another area
    [notice] = api.get("ana", f"/api/agentes/casos/{code}").json()["avisos"]
    assert notice["estado"] == "fallido" and notice["intentos"] == 3
    metrics = api.get("coord", "/api/agentes/metricas").json()
    assert metrics["avisos_fallidos"] == 1 and metrics["avisos_por_estado"] == {"fallido": 1}
    text = api.client.get("/api/agentes/metricas/prometheus", headers=api.headers("coord")).text
    assert "men_ticket_notices_failed 1" in text and 'men_ticket_notices{estado="fallido"} 1' in text


def test_rasa_down_retries_then_fails(db_url, clock, desk, team, rasa) -> None:
    rasa.mode = "down"
    code = make_ticket(db_url, conversation_id="chat-y", channel="socketio")
    desk.claim(team["ana"], code)
    desk.reply(team["ana"], code, "Respuesta.")
    senders = dispatcher(db_url, clock, rasa.url)
    for _ in range(4):
        senders.deliver_due()
        clock.advance(minutes=5)
    [row] = rows(db_url)
    assert (row.status, row.attempts, row.last_error) == ("fallido", 3, "http_500") and len(rasa.requests) == 3
    # the text stays: when the person comes back, the conversation still gives it to them
    [notice] = NoticeInbox(database_url=db_url, clock=clock).take_for_conversation(conversation_id="chat-y")
    assert notice.body == "Respuesta."


def test_settings_build_the_fallbacks_from_the_environment() -> None:
    settings = load_settings({"SMTP_HOST": "smtp.example.org", "SMTP_FROM": "a@example.org", "SMTP_PORT": "2525",
                              "WHATSAPP_ACCESS_TOKEN": "t", "WHATSAPP_PHONE_NUMBER_ID": "1",
                              "WHATSAPP_TEMPLATE_RESPUESTA": "respuesta_caso_men", "DELIVERY_MAX_ATTEMPTS": "4"})
    assert SmtpConfig.from_settings(settings).port == 2525
    assert TemplateConfig.from_settings(settings).reply_template == "respuesta_caso_men"
    assert DeliveryConfig.from_settings(settings).max_attempts == 4
    assert SmtpConfig.from_settings(replace(settings, delivery={})) is None
