"""Full round trip with real processes: a case opened in a web chat conversation (Rasa's socket.io
channel), claimed and answered by an agent through the agents' API, and the answer shown in that
same web chat session as "Respuesta del MEN a su caso MEN-…: …"; then the resolution, the 1–5
question and the stored rating.

Needs RASA_MODEL (a model trained with the tickets and agents flows); the fixtures of conftest.py
start the action server and Rasa on free ports. The case form is answered by looking at the
conversation's tracker (``requested_slot``) through Rasa's HTTP API, so the test does not depend on
the exact wording of the questions.
"""

from __future__ import annotations

import re
import threading
import time
import uuid

import pytest
import requests
import socketio
from fastapi.testclient import TestClient

pytestmark = pytest.mark.rasa_server

CODE_RE = re.compile(r"MEN-\d{4}-\d{6}-[0-9A-Z]{4}")
REPLY = "Revisamos su solicitud: la ampliación de planta quedó aprobada para 2026."
FORM_ANSWERS = {
    "caso_nombre": "Marta Lucía Pérez",
    "caso_cargo": "Profesional de talento humano",
    "caso_etc": "Medellín",
    "caso_email": "marta.perez@example.org",
    "caso_telefono": "/negar",
    "caso_descripcion": "Necesitamos que el ministerio revise la viabilidad de ampliar la planta docente de la secretaría.",
    "caso_confirmado": "/afirmar",
}
PASSWORD = "clave-de-prueba-123"


class WebChat:
    """A web chat user on Rasa's socket.io channel (session_persistence: true)."""

    def __init__(self, rasa_url: str) -> None:
        self.session_id = f"web-{uuid.uuid4().hex}"
        self.messages: list[dict] = []
        self._lock = threading.Lock()
        self._confirmed = threading.Event()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("session_confirm", self._confirm)
        self.sio.on("bot_uttered", self._received)
        self.sio.connect(rasa_url, socketio_path="socket.io", transports=["polling"])
        self.sio.emit("session_request", {"session_id": self.session_id})
        assert self._confirmed.wait(20), "no session_confirm"

    def _confirm(self, data) -> None:
        """The server issues (signs) the session id; the chat uses the one it confirms."""
        if isinstance(data, str) and data:
            self.session_id = data
        elif isinstance(data, dict) and data.get("session_id"):
            self.session_id = data["session_id"]
        self._confirmed.set()

    def _received(self, data: dict) -> None:
        with self._lock:
            self.messages.append(data)

    def texts(self) -> list[str]:
        with self._lock:
            return [m.get("text", "") for m in self.messages]

    def say(self, text: str, settle: float = 1.5, timeout: float = 60) -> list[str]:
        before = len(self.texts())
        self.sio.emit("user_uttered", {"message": text, "session_id": self.session_id})
        return self.wait_new(before, settle=settle, timeout=timeout)

    def wait_new(self, before: int, settle: float = 1.5, timeout: float = 60) -> list[str]:
        deadline = time.monotonic() + timeout
        while len(self.texts()) == before and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(settle)  # several messages may follow the first one
        return self.texts()[before:]

    def wait_for(self, pattern: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for text in self.texts():
                if pattern in text:
                    return text
            time.sleep(0.1)
        raise AssertionError(f"{pattern!r} not in the web chat: {self.texts()[-5:]}")

    def close(self) -> None:
        self.sio.disconnect()


def _tracker(rasa_url: str, conversation_id: str) -> dict:
    response = requests.get(f"{rasa_url}/conversations/{conversation_id}/tracker", timeout=30)
    response.raise_for_status()
    return response.json()


def _offered(chat: WebChat, payload: str) -> bool:
    """Whether the last bot message offers a button with ``payload``."""
    last = chat.messages[-1] if chat.messages else {}
    return any(b.get("payload") == payload for b in (last.get("quick_replies") or last.get("buttons") or []))


def _open_case(chat: WebChat, rasa_url: str) -> str:
    chat.say("necesito hablar con alguien del ministerio sobre la planta docente")
    for _ in range(25):
        code = next((m.group(0) for t in chat.texts() for m in [CODE_RE.search(t)] if m), None)
        if code:
            return code
        tracker = _tracker(rasa_url, chat.session_id)
        requested = tracker.get("slots", {}).get("requested_slot")
        if (tracker.get("active_loop") or {}).get("name") == "caso_form" and requested in FORM_ANSWERS:
            chat.say(FORM_ANSWERS[requested])
        elif _offered(chat, "/contactar_humano"):  # "¿Quiso decir…?": the person picks "Contactar al MEN"
            chat.say("/contactar_humano")
        else:  # the offer and the habeas data question
            chat.say("/afirmar")
    raise AssertionError(f"no case code in the web chat: {chat.texts()[-6:]}")


def test_reply_reaches_the_web_chat_and_the_rating_is_stored(stack) -> None:
    from bot.agents.accounts import AgentAccounts
    from bot.agents.security import PasswordHasher
    from bot.settings import load_settings
    from webapp.agents.services import AgentServices
    from webapp.app import create_app

    chat = WebChat(stack.rasa)
    try:
        code = _open_case(chat, stack.rasa)

        settings = load_settings({"APP_VAR_DIR": stack.var_dir, "DATABASE_URL": stack.database_url, "RASA_URL": stack.rasa,
                                  "RASA_TIMEOUT": "60", "AGENT_DELIVERY_RETRY_SECONDS": "0"})
        app = create_app(settings)
        hasher = PasswordHasher(rounds=4)
        app.state.agents = AgentServices.build(settings, hasher=hasher)
        AgentAccounts(database_url=stack.database_url, hasher=hasher).create_agent(
            email="coordinacion@mineducacion.gov.co", name="Coordinación", role="coordinador", password=PASSWORD
        )
        client = TestClient(app)
        token = client.post("/api/agentes/sesion", json={"email": "coordinacion@mineducacion.gov.co",
                                                          "clave": PASSWORD}).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        ticket = client.get(f"/api/agentes/casos/{code}", headers=auth).json()
        assert ticket["canal"] == "socketio" and ticket["transcripcion"]

        assert client.post(f"/api/agentes/casos/{code}/tomar", headers=auth).status_code == 200
        before = len(chat.texts())
        answer = client.post(f"/api/agentes/casos/{code}/responder", headers=auth, json={"texto": REPLY})
        assert answer.status_code == 200
        shown = chat.wait_for(f"Respuesta del MEN a su caso {code}: {REPLY}")
        assert shown == f"Respuesta del MEN a su caso {code}: {REPLY}"
        assert len(chat.texts()) > before
        detail = client.get(f"/api/agentes/casos/{code}", headers=auth).json()
        assert detail["avisos_pendientes"] == 0 and [a["estado"] for a in detail["avisos"]] == ["enviado"]
        # the message carries the notice's token; the chat page acknowledges it as chat.js does
        [token] = [m["aviso"] for m in chat.messages if m.get("aviso")]
        assert client.post("/api/avisos/acuse", json={"aviso": token}).status_code == 204
        detail = client.get(f"/api/agentes/casos/{code}", headers=auth).json()
        assert [a["estado"] for a in detail["avisos"]] == ["entregado"]
        assert [e for e in detail["eventos"] if e["tipo"] == "aviso_entregado"][0]["datos"]["tipo"] == "respuesta"

        assert client.post(f"/api/agentes/casos/{code}/resolver", headers=auth, json={"texto": None}).status_code == 200
        chat.wait_for(f"Su caso {code} quedó resuelto.")
        chat.wait_for("Elija de 1 (muy mala) a 5 (excelente)")
        rating = next(b for m in chat.messages for b in (m.get("quick_replies") or m.get("buttons") or [])
                      if b.get("title") == "5")
        chat.say(rating["payload"])
        chat.wait_for("Registramos su calificación de 5 sobre 5")
        assert client.get(f"/api/agentes/casos/{code}", headers=auth).json()["calificacion"] == 5
    finally:
        chat.close()
