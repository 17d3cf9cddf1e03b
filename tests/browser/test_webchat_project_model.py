"""The web chat against the project's own model: its trained NLU and dialogue (RASA_MODEL, set by
`make test`), the real action server and the MEN indicator data. A person asks an indicator question,
sees the value, asks for its evolution and sees the chart, reloads the page and finds the history."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.rasa_server, pytest.mark.browser]
expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture(scope="module")
def project_stack(stack) -> str:
    """The session's shared stack (tests/stack.py): the web app, on the embedded Rasa and the action server."""
    return stack.web


def test_indicator_question_value_chart_and_reload(project_stack, phone_page) -> None:
    page = phone_page
    page.set_default_timeout(60_000)
    page.goto(project_stack)
    expect(page.locator("#chat-connection")).to_have_text("Conectado.")

    page.fill("#chat-input", "cual fue la desercion en cartagena en el 2020?")
    page.keyboard.press("Enter")
    answer = page.locator(".msg-bot .msg-text", has_text="2020").first
    expect(answer).to_contain_text("Cartagena")
    expect(answer).to_contain_text("%")

    page.fill("#chat-input", "muestreme la evolucion de la desercion en cartagena")
    page.keyboard.press("Enter")
    image = page.locator(".msg-image img").first
    image.wait_for()
    page.wait_for_function("document.querySelector('.msg-image img').complete")
    assert page.evaluate("document.querySelector('.msg-image img').naturalWidth") > 100

    count = page.locator(".msg").count()
    page.reload()
    expect(page.locator("#chat-connection")).to_have_text("Conectado.")
    assert page.locator(".msg").count() == count
    expect(page.locator(".msg-bot .msg-text", has_text="2020").first).to_contain_text("Cartagena")
