"""Delivery of replies to the conversation through Rasa's trigger_intent (a fake Rasa on 127.0.0.1)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.agents.models import TicketOutbox
from bot.agents.outbox import (
    TOKEN_ENTITY,
    TRIGGER_INTENT,
    NoticeInbox,
    OutboxDispatcher,
    RasaNotifier,
    backoff,
    purge_ticket_notices,
)
from bot.db import session_scope
from bot.delivery.receipts import Receipts

from .conftest import closed_port_url, make_ticket

# a signed web chat id as channels/webchat.py issues it (bot.identity.new_web_session)
WEB_ID = "web:Li_QDXkMglRjkOe2wZYp4jt9duvlamdW.3eYSev5X6dZ-EWEV57NPdA"


def _dispatcher(db_url, clock, url: str, timeout: float = 2.0, token: str = "") -> OutboxDispatcher:
    return OutboxDispatcher(database_url=db_url, notifier=RasaNotifier(rasa_url=url, timeout=timeout, token=token),
                            clock=clock)


def _rows(db_url) -> list[TicketOutbox]:
    with session_scope(db_url) as session:
        return list(session.execute(select(TicketOutbox).order_by(TicketOutbox.id)).scalars())


@pytest.fixture
def replied(db_url, desk, team):
    """A ticket of conversation ``conv-1`` (web chat) with one reply waiting in the outbox."""
    code = make_ticket(db_url, conversation_id=WEB_ID, channel="socketio")
    desk.claim(team["ana"], code)
    result = desk.reply(team["ana"], code, "Respuesta: <b>aprobado</b> ✅")
    return code, result.outbox_ids[0]


def test_reply_is_triggered_in_the_conversation_and_marked_sent_then_delivered_on_ack(
        db_url, clock, fake_rasa, replied, desk, team):
    code, outbox_id = replied
    report = _dispatcher(db_url, clock, fake_rasa.url, token="secreto").deliver_due()
    assert report.delivered == [outbox_id] and report.pending == []
    request = fake_rasa.requests[0]
    # Rasa does not percent-decode the id: the signed web id goes as it is, ":" included
    assert request["path"] == f"/conversations/{WEB_ID}/trigger_intent"
    assert request["conversation"] == WEB_ID
    assert request["query"] == {"output_channel": "socketio", "token": "secreto"}
    assert request["body"]["name"] == TRIGGER_INTENT == "respuesta_caso"
    assert set(request["body"]["entities"]) == {TOKEN_ENTITY}
    notice = fake_rasa.uttered[0]
    assert (notice.ticket_code, notice.kind, notice.body) == (code, "respuesta", "Respuesta: <b>aprobado</b> ✅")
    row = _rows(db_url)[0]
    # Rasa took it: sent, not delivered — the web chat has not acknowledged it yet; the text stays
    assert (row.status, row.delivered_via, row.body) == ("enviado", "rasa", "Respuesta: <b>aprobado</b> ✅")
    assert desk.ticket(team["ana"], code).events[-1].kind != "aviso_entregado"
    assert _dispatcher(db_url, clock, fake_rasa.url).deliver_due().delivered == []  # nothing left to send
    assert Receipts(database_url=db_url, clock=clock).record_ack(row.token)
    row = _rows(db_url)[0]
    assert (row.status, row.body) == ("entregado", None)  # text left the outbox
    events = desk.ticket(team["ana"], code).events
    assert events[-1].kind == "aviso_entregado" and events[-1].data == {"tipo": "respuesta", "aviso": outbox_id}


def test_rasa_down_keeps_the_reply_with_growing_delays(db_url, clock, replied):
    _, outbox_id = replied
    dispatcher = _dispatcher(db_url, clock, closed_port_url())
    report = dispatcher.deliver_due()
    assert report.pending == [outbox_id] and report.errors[outbox_id].startswith("sin_conexion")
    row = _rows(db_url)[0]
    assert (row.status, row.attempts, row.body) == ("pendiente", 1, "Respuesta: <b>aprobado</b> ✅")
    assert row.next_attempt_at == clock() + backoff(1)
    assert dispatcher.deliver_due().pending == []  # not due yet
    clock.advance(seconds=backoff(1).total_seconds())
    dispatcher.deliver_due()
    assert _rows(db_url)[0].next_attempt_at == clock() + backoff(2) > clock() + backoff(1)
    assert backoff(30) == timedelta(seconds=600)


def test_pending_reply_is_delivered_when_rasa_comes_back(db_url, clock, fake_rasa, replied):
    _, outbox_id = replied
    _dispatcher(db_url, clock, closed_port_url()).deliver_due()
    clock.advance(minutes=5)
    assert _dispatcher(db_url, clock, fake_rasa.url).deliver_due().delivered == [outbox_id]


@pytest.mark.parametrize(("mode", "error"), [("error", "http_500"), ("no_action", "rasa_no_ejecuto_la_accion"),
                                             ("slow", "sin_conexion: ReadTimeout")])
def test_no_proof_of_delivery_keeps_it_pending(db_url, clock, fake_rasa, replied, mode, error):
    _, outbox_id = replied
    fake_rasa.mode = mode
    report = _dispatcher(db_url, clock, fake_rasa.url, timeout=0.5).deliver_due()
    assert report.errors == {outbox_id: error}
    assert _rows(db_url)[0].status == "pendiente"


def test_pending_notices_are_delivered_when_the_user_writes(db_url, clock, replied, desk, team):
    code, _ = replied
    _dispatcher(db_url, clock, closed_port_url()).deliver_due()
    desk.resolve(team["ana"], code, "Caso cerrado con aprobación.")
    inbox = NoticeInbox(database_url=db_url, clock=clock)
    assert inbox.take_for_conversation(conversation_id="otra") == []
    notices = inbox.take_for_conversation(conversation_id=WEB_ID)
    assert [(n.kind, n.body) for n in notices] == [("respuesta", "Respuesta: <b>aprobado</b> ✅"),
                                                   ("resuelto", "Caso cerrado con aprobación.")]
    assert {r.delivered_via for r in _rows(db_url)} == {"conversacion"}
    assert inbox.take_for_conversation(conversation_id=WEB_ID) == []  # at most once


def test_a_token_only_works_in_its_own_conversation(db_url, clock, replied):
    token = _rows(db_url)[0].token
    inbox = NoticeInbox(database_url=db_url, clock=clock)
    assert inbox.take_by_token(token=token, conversation_id="intruso") is None
    assert inbox.take_by_token(token="inventado", conversation_id=WEB_ID) is None
    assert inbox.take_by_token(token=token, conversation_id=WEB_ID) is not None
    assert inbox.take_by_token(token=token, conversation_id=WEB_ID) is None  # replayed payload: nothing


def test_concurrent_delivery_paths_utter_once(db_url, clock, replied):
    token = _rows(db_url)[0].token
    inbox = NoticeInbox(database_url=db_url, clock=clock)
    barrier = threading.Barrier(6)
    got: list = []

    def take(by_token: bool) -> None:
        barrier.wait(timeout=10)
        if by_token:
            got.append(inbox.take_by_token(token=token, conversation_id=WEB_ID))
        else:
            got.extend(inbox.take_for_conversation(conversation_id=WEB_ID))

    threads = [threading.Thread(target=take, args=(i % 2 == 0,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len([n for n in got if n is not None]) == 1


def test_purge_drops_pending_text_and_conversation(db_url, clock, replied):
    with session_scope(db_url) as session:
        ticket_id = _rows(db_url)[0].ticket_id
        assert purge_ticket_notices(session=session, ticket_id=ticket_id) == 1
    row = _rows(db_url)[0]
    assert (row.status, row.body, row.conversation_id) == ("cancelado", None, "")
    assert NoticeInbox(database_url=db_url, clock=clock).take_for_conversation(conversation_id=WEB_ID) == []


def test_retention_of_a_closed_ticket_also_purges_its_undelivered_replies(db_url, replied):
    from bot.tickets import repository as repo
    from bot.tickets.retention import purge_closed_tickets

    code, _ = replied
    with session_scope(db_url) as session:
        ticket = repo.get_ticket_by_code(session=session, code=code)
        ticket.status = "cerrado"  # closed long ago, reply never delivered
        ticket.closed_at = ticket.created_at - timedelta(days=400)
    report = purge_closed_tickets(database_url=db_url, retention_days=365, now=ticket.created_at)
    assert report.codes == (code,)
    row = _rows(db_url)[0]
    assert (row.status, row.body, row.conversation_id) == ("cancelado", None, "")
