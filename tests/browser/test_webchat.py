"""The web chat in headless Chromium, against a fake Rasa socket.io channel (same protocol as Rasa 3.6).

Proves: keyboard-only use, quick replies (title shown, payload sent), chart image, typing indicator,
safe links and text, history and session id kept across a reload, no serious/critical axe violation.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from webchat_support import FakeRasa, ThreadedUvicorn, axe_violations, tiny_png

from bot.settings import load_settings
from webapp.app import create_app

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

VALUE_TEXT = "La tasa de cobertura neta de Boyacá en 2022 fue 91,3 % (fuente: MEN)."
XSS = '<img src=x onerror="window.__xss=1">'
STORE_KEY = "asistente-escuela.chat.v1"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[str, FakeRasa]]:
    """The web app and a fake Rasa, each on its own 127.0.0.1 port."""
    charts = tmp_path / "charts"
    charts.mkdir()
    (charts / "cobertura-boyaca.png").write_bytes(tiny_png())
    fake = FakeRasa()
    with ThreadedUvicorn(fake.asgi_app()) as rasa:
        settings = replace(
            load_settings({"APP_VAR_DIR": str(tmp_path), "RASA_URL": rasa.url}),
            rasa_public_url=rasa.url,
        )
        with ThreadedUvicorn(create_app(settings)) as web:
            fake.replies.update(
                {
                    "hola": [
                        {
                            "text": "Hola. ¿Qué desea consultar?",
                            "quick_replies": [
                                {"content_type": "text", "title": "Indicadores", "payload": "/consultar_indicador"},
                                {"content_type": "text", "title": "Otra cosa", "payload": "/otra"},
                            ],
                        }
                    ],
                    "/consultar_indicador": [
                        {"text": VALUE_TEXT},
                        {"attachment": {"type": "image", "payload": {"src": f"{web.url}/charts/cobertura-boyaca.png"}}},
                    ],
                    "enlaces": [
                        {
                            "text": "Vea https://www.mineducacion.gov.co/portal/ y [la guía](https://example.org/g). "
                            "Esto no es enlace: javascript:alert(1)"
                        },
                    ],
                }
            )
            yield web.url, fake


def _wait_until(page, expression: str, not_equal: object = False, timeout: float = 10.0) -> object:
    """Poll ``expression`` from Python (the page's CSP forbids Playwright's in-page eval polling)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.evaluate(expression)
        if value and value != not_equal:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {expression}")


def _focus_by_tab(page, selector: str, backwards: bool = False, limit: int = 15) -> None:
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reachable with {key}")


def _bot_texts(page) -> list[str]:
    return page.locator(".msg-bot .msg-text").all_inner_texts()


def test_keyboard_conversation_buttons_image_and_reload(stack, phone_page) -> None:
    url, fake = stack
    page = phone_page
    page.goto(url)
    expect(page.locator("#chat-connection")).to_have_text("Conectado.")
    assert axe_violations(page) == []

    # keyboard only: skip link, type, Enter
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    _focus_by_tab(page, "#chat-input")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"  # visible focus
    page.keyboard.type("hola")
    page.keyboard.press("Enter")
    expect(page.locator("#chat-typing")).to_contain_text("escribiendo")
    page.locator(".quick-reply", has_text="Indicadores").wait_for()
    assert page.locator("#chat-typing").inner_text() == ""

    # a quick reply shows its title and sends its payload
    _focus_by_tab(page, ".quick-reply", backwards=True)
    while page.evaluate("document.activeElement.textContent") != "Indicadores":
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.locator(".msg-image img").wait_for()
    _wait_until(page, "document.querySelector('.msg-image img').naturalWidth > 0")
    assert fake.received[-1]["message"] == "/consultar_indicador"
    assert page.locator(".msg-user").last.inner_text().endswith("Indicadores")
    assert VALUE_TEXT in _bot_texts(page)
    assert page.evaluate("document.activeElement.id") == "chat-input"
    image = page.locator(".msg-image img")
    assert image.get_attribute("alt")
    assert page.locator(".msg-image a").get_attribute("rel") == "noopener noreferrer"
    assert axe_violations(page) == []

    session_id = fake.session_requests[-1]["session_id"] if fake.session_requests[-1] else None
    confirmed = page.evaluate(f"JSON.parse(localStorage.getItem('{STORE_KEY}')).sessionId")
    assert confirmed and all(m["session_id"] == confirmed for m in fake.received)
    assert session_id is None  # first visit asks for a new session
    count = page.locator(".msg").count()

    # reload: same history, same Rasa session
    page.reload()
    expect(page.locator("#chat-connection")).to_have_text("Conectado.")
    assert page.locator(".msg").count() == count
    assert VALUE_TEXT in _bot_texts(page)
    assert fake.session_requests[-1] == {"session_id": confirmed}
    page.fill("#chat-input", "otra pregunta")
    page.keyboard.press("Enter")
    page.locator(".msg-bot .msg-text", has_text="Eco: otra pregunta").wait_for()
    assert fake.received[-1]["session_id"] == confirmed
    assert page.evaluate("getComputedStyle(document.getElementById('chat-log')).overflowY") == "auto"
    for width in (390, 320):  # reflow (WCAG 1.4.10): no sideways scrolling down to 320 CSS px
        page.set_viewport_size({"width": width, "height": 640})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.console_errors == []


def test_links_are_safe_and_text_is_never_html(stack, phone_page) -> None:
    url, fake = stack
    page = phone_page
    page.goto(url)
    expect(page.locator("#chat-connection")).to_have_text("Conectado.")
    page.fill("#chat-input", "enlaces")
    page.keyboard.press("Enter")
    page.locator(".msg-bot a").first.wait_for()
    links = page.eval_on_selector_all(
        ".msg-bot a", "els => els.map(a => [a.getAttribute('href'), a.target, a.rel, a.textContent])"
    )
    assert [(h, t, r) for h, t, r, _ in links] == [
        ("https://www.mineducacion.gov.co/portal/", "_blank", "noopener noreferrer"),
        ("https://example.org/g", "_blank", "noopener noreferrer"),
    ]
    assert links[1][3].startswith("la guía")
    assert "javascript:alert(1)" in _bot_texts(page)[-1]

    page.fill("#chat-input", XSS)
    page.keyboard.press("Enter")
    page.locator(".msg-bot .msg-text", has_text="Eco: <img").wait_for()
    assert page.locator(".msg-user .msg-text").last.inner_text() == XSS
    assert _bot_texts(page)[-1] == f"Eco: {XSS}"
    assert page.locator(".chat-messages img").count() == 0
    assert page.evaluate("window.__xss") is None


def test_new_conversation_clears_history_and_session(stack, phone_page) -> None:
    url, fake = stack
    page = phone_page
    page.goto(url)
    expect(page.locator("#chat-connection")).to_have_text("Conectado.")
    page.fill("#chat-input", "hola")
    page.keyboard.press("Enter")
    page.locator(".quick-reply").first.wait_for()
    first = page.evaluate(f"JSON.parse(localStorage.getItem('{STORE_KEY}')).sessionId")
    page.click("#chat-reset")
    _wait_until(page, f"(JSON.parse(localStorage.getItem('{STORE_KEY}') || 'null') || {{}}).sessionId", not_equal=first)
    assert page.locator(".msg").count() == 0
    assert page.evaluate("document.activeElement.id") == "chat-input"


def test_message_typed_before_the_session_is_confirmed_is_sent_after(stack, phone_page) -> None:
    url, fake = stack
    fake.confirm_delay = 1.0
    page = phone_page
    page.goto(url)
    page.fill("#chat-input", "hola")
    page.keyboard.press("Enter")
    assert page.locator("#chat-connection").inner_text() != "Conectado."
    page.locator(".quick-reply", has_text="Indicadores").wait_for()
    session_id = page.evaluate(f"JSON.parse(localStorage.getItem('{STORE_KEY}')).sessionId")
    assert [m["session_id"] for m in fake.received] == [session_id]
