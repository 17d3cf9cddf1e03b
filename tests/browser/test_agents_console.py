"""The agents' console in headless Chromium (Debian package), next to the user's web chat.

A user opens the web chat (a fake Rasa speaking Rasa 3.6's socket.io protocol); a case is opened for
that chat session; an agent logs in with the keyboard, sees the queue, opens the case (whose
description is an HTML injection attempt, shown as text), claims it and replies. The reply goes
through the web app's outbox to the fake Rasa's ``trigger_intent`` endpoint, which runs what
``action_entregar_aviso`` does (take the notice by its token) and emits it to the user's socket.io
room through the project's socket.io output (``channels.webchat.WebChatOutput``): the user's chat
shows "Respuesta del MEN a su caso MEN-…: …" and acknowledges it, and the console shows the reply
``entregado`` (issue 13).

The complete round trip with a trained model and real Rasa processes is
``tests/integration/test_agent_roundtrip.py``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
import socketio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from webchat_support import ThreadedUvicorn, axe_violations

from bot.agents.outbox import NoticeInbox
from bot.agents.security import PasswordHasher
from bot.delivery.receipts import Receipts
from bot.migrate import upgrade
from bot.settings import load_settings
from bot.tickets.models import utcnow
from channels.webchat import WebChatOutput
from tests.db_fixtures import PASSWORD, build_team, make_ticket
from tests.unit.agents.conftest import XSS
from webapp.app import create_app

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

STORE_KEY = "asistente-escuela.chat.v1"
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
REPLY = "Su solicitud de ampliación de planta fue aprobada. Recibirá el acto por correo."


@dataclass
class FakeRasaWithTrigger:
    """socket.io channel (session_persistence) + ``POST /conversations/{id}/trigger_intent``."""

    inbox: NoticeInbox
    triggers: list[dict] = field(default_factory=list)

    def asgi_app(self):
        sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*")

        @sio.on("session_request")
        async def session_request(sid, data):
            session_id = (data or {}).get("session_id") or f"web-{sid}"
            sio.enter_room(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on("user_uttered")
        async def user_uttered(sid, data):
            await sio.emit("bot_uttered", {"text": "Con gusto le ayudo a abrir un caso."}, room=data.get("session_id"))

        async def trigger_intent(request: Request) -> JSONResponse:
            conversation = request.path_params["conversation_id"]
            body = json.loads(await request.body())
            self.triggers.append({"conversation": conversation, "query": dict(request.query_params), "body": body})
            notice = await run_in_threadpool(
                self.inbox.take_by_token, token=body["entities"]["entrega"], conversation_id=conversation
            )
            if notice is not None:  # what utter_respuesta_caso says, filled by action_entregar_aviso
                text = f"Respuesta del MEN a su caso {notice.ticket_code}: {notice.body}"
                # the project's socket.io output: the message carries the notice's token, recorded 'enviado'
                output = WebChatOutput(sio, "bot_uttered", receipts=Receipts(database_url=self.inbox.database_url))
                await output.send_text_message(conversation, text, aviso=notice.token)
            return JSONResponse({"tracker": {"sender_id": conversation}})

        http = Starlette(routes=[Route("/conversations/{conversation_id:path}/trigger_intent", trigger_intent,
                                       methods=["POST"])])
        return socketio.ASGIApp(sio, other_asgi_app=http, socketio_path="socket.io")


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[dict]:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade(url)
    team = build_team(url, PasswordHasher(rounds=4), clock=utcnow)
    fake = FakeRasaWithTrigger(inbox=NoticeInbox(database_url=url))
    with ThreadedUvicorn(fake.asgi_app()) as rasa:
        settings = replace(
            load_settings({"APP_VAR_DIR": str(tmp_path), "DATABASE_URL": url, "RASA_URL": rasa.url,
                           "AGENT_DELIVERY_RETRY_SECONDS": "0"}),
            rasa_public_url=rasa.url,
        )
        with ThreadedUvicorn(create_app(settings)) as web:
            yield {"web": web.url, "db": url, "team": team, "fake": fake}


def _tab_to(page, selector: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


def _wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_agent_claims_and_replies_and_the_user_sees_it(stack, chromium) -> None:
    # the user's web chat
    user_ctx = chromium.new_context(locale="es-CO")
    user = user_ctx.new_page()
    user.set_default_timeout(10_000)
    user.goto(stack["web"])
    expect(user.locator("#chat-connection")).to_have_text("Conectado.")
    user.fill("#chat-input", "necesito que alguien del ministerio revise mi planta")
    user.keyboard.press("Enter")
    user.locator(".msg-bot .msg-text", has_text="abrir un caso").wait_for()
    session_id = user.evaluate(f"JSON.parse(localStorage.getItem('{STORE_KEY}')).sessionId")
    code = make_ticket(stack["db"], conversation_id=session_id, channel="socketio", description=XSS, key="browser")

    # the agent's console, keyboard only
    agent_ctx = chromium.new_context(locale="es-CO", viewport={"width": 1280, "height": 900})
    agent_ctx.add_init_script(path=str(AXE_JS))
    agent = agent_ctx.new_page()
    agent.set_default_timeout(10_000)
    dialogs: list[str] = []
    errors: list[str] = []
    agent.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    agent.on("pageerror", lambda exc: errors.append(str(exc)))
    agent.goto(f"{stack['web']}/agentes")
    assert agent.evaluate("document.activeElement.id") == "login-email"
    agent.keyboard.type(stack["team"].emails["ana"])
    agent.keyboard.press("Tab")
    agent.keyboard.type(PASSWORD)
    agent.keyboard.press("Enter")
    row_button = agent.locator(f'#queue-body button[data-codigo="{code}"]')
    row_button.wait_for()
    expect(agent.locator("#session-name")).to_contain_text("Ana")
    assert agent.locator("#queue-body .summary").first.inner_text() == XSS  # shown as text
    assert agent.locator("main img").count() == 0
    assert axe_violations(agent) == []

    # open the case with the keyboard
    _tab_to(agent, f'#queue-body button[data-codigo="{code}"]')
    agent.keyboard.press("Enter")
    expect(agent.locator("#ticket-title")).to_have_text(f"Caso {code}")
    assert agent.evaluate("document.activeElement.id") == "ticket-title"
    assert agent.locator("#ticket-description").inner_text() == XSS
    assert agent.locator("#ticket-transcript .user-text").first.inner_text() == XSS
    assert agent.locator("main img").count() == 0
    assert axe_violations(agent) == []

    # claim, then reply
    _tab_to(agent, "#act-claim")
    agent.keyboard.press("Enter")
    expect(agent.locator("#status")).to_have_text("Caso tomado.")
    expect(agent.locator("#reply-form")).to_be_visible()
    _tab_to(agent, "#reply-text")
    agent.keyboard.type(REPLY)
    _tab_to(agent, "#act-reply")
    agent.keyboard.press("Enter")
    expect(agent.locator("#status")).to_contain_text("Respuesta registrada")

    # the reply reached the user's web chat session
    expected = f"Respuesta del MEN a su caso {code}: {REPLY}"
    user.locator(".msg-bot .msg-text", has_text=expected).wait_for()
    trigger = stack["fake"].triggers[-1]
    assert trigger["conversation"] == session_id and trigger["query"]["output_channel"] == "socketio"
    assert trigger["body"]["name"] == "respuesta_caso"

    # escape returns to the queue with focus on the case
    agent.locator("#ticket-title").focus()
    agent.keyboard.press("Escape")
    _wait_for(lambda: agent.evaluate("document.activeElement.dataset.codigo || ''") == code)
    agent.keyboard.press("Enter")  # the delivery is in the case's history
    expect(agent.locator("#ticket-events")).to_contain_text("Aviso entregado en el chat")
    # the console shows the reply's delivery state: delivered (the user's chat acknowledged it)
    expect(agent.locator("#ticket-notices .notice-state")).to_have_text(["Entregado"])
    assert axe_violations(agent) == []
    assert dialogs == [] and errors == []
    agent_ctx.close()
    user_ctx.close()
