"""End to end over Rasa's REST channel with the embedded default (SQLite tracker store)."""

from __future__ import annotations

import uuid

import pytest
import requests

pytestmark = pytest.mark.rasa_server


@pytest.fixture(scope="module")
def rasa_url(stack) -> str:
    """The session's embedded Rasa (SQLite tracker store, REST channel), shared with the other tests."""
    return stack.rasa


def say(rasa_url: str, sender: str, text: str) -> list[dict]:
    response = requests.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
    response.raise_for_status()
    return response.json()


def texts(messages: list[dict]) -> str:
    return " ".join(m.get("text", "") for m in messages)


def test_greeting_offers_the_menu(rasa_url):
    reply = say(rasa_url, f"u-{uuid.uuid4()}", "buenas tardes")
    assert "asistente virtual de la Escuela de Secretarías" in texts(reply)
    assert any(b["payload"] == "/capacidades" for m in reply for b in m.get("buttons", []))


def test_faq_button_payload_gives_the_topic_answer(rasa_url):
    reply = say(rasa_url, f"u-{uuid.uuid4()}", '/faq{"tema": "consignas"}')
    assert "Entender desde el niño y desde el territorio" in texts(reply)


def test_typed_question_about_the_escuela(rasa_url):
    reply = say(rasa_url, f"u-{uuid.uuid4()}", "cuantas secretarias acompaña la escuela y cuantos encuentros hubo")
    assert "96" in texts(reply)


def test_two_stage_fallback_ends_offering_the_men(rasa_url):
    sender = f"u-{uuid.uuid4()}"
    first = say(rasa_url, sender, "jjjjjj kkkkk")
    assert texts(first)  # asks "¿Quiso decir…?" or to rephrase
    second = say(rasa_url, sender, "asdf qwer zxcv")
    payloads = [b["payload"] for m in second for b in m.get("buttons", [])]
    assert "sigo sin entenderle" in texts(second) or "otras palabras" in texts(second)
    if "sigo sin entenderle" not in texts(second):
        third = say(rasa_url, sender, "pppp oooo")
        payloads = [b["payload"] for m in third for b in m.get("buttons", [])]
        assert "sigo sin entenderle" in texts(third)
    assert "/contactar_humano" in payloads


def test_choosing_an_option_of_quiso_decir_answers_it(rasa_url):
    sender = f"u-{uuid.uuid4()}"
    first = say(rasa_url, sender, "qqqq wwww")
    options = [b for m in first for b in m.get("buttons", []) if b["payload"] != "/out_of_scope"]
    if not options:  # nothing plausible to offer: it must ask to rephrase
        assert "otras palabras" in texts(first)
        return
    assert "¿Quiso decir" in texts(first)
    reply = say(rasa_url, sender, options[0]["payload"])
    assert texts(reply)
    assert "sigo sin entenderle" not in texts(reply)
    assert "otras palabras" not in texts(reply)
