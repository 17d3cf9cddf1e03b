"""The web chat against the project's own model: its trained NLU and dialogue (RASA_MODEL, set by
`make test`), the real action server and the MEN indicator data. A person asks an indicator question,
sees the value, asks for its evolution and sees the chart, reloads the page and finds the history."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from webchat_support import ThreadedUvicorn

from bot.settings import load_settings
from tests.integration.conftest import ROOT, Processes, free_port, wait_until
from webapp.app import create_app

pytestmark = [pytest.mark.rasa_server, pytest.mark.browser]
expect = pytest.importorskip("playwright.sync_api").expect
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def project_stack(tmp_path_factory):
    model = os.environ.get("RASA_MODEL")
    if not model or not Path(model).exists():
        pytest.skip("RASA_MODEL is not set to a trained model (make test sets it)")
    tmp = tmp_path_factory.mktemp("project-webchat")
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(ROOT), APP_VAR_DIR=str(tmp))
    env.pop("DATABASE_URL", None)
    subprocess.run([str(BIN / "python"), "-m", "bot", "preparar", "--sin-progreso"], cwd=ROOT, env=env, check=True)
    rasa_port, actions_port = free_port(), free_port()
    settings = replace(load_settings({"APP_VAR_DIR": str(tmp)}), rasa_public_url=f"http://127.0.0.1:{rasa_port}")
    procs = Processes(tmp, env)
    with ThreadedUvicorn(create_app(settings)) as web:
        try:
            procs.env["PUBLIC_BASE_URL"] = web.url
            actions = procs.start([str(BIN / "rasa"), "run", "actions", "--port", str(actions_port)], "actions")
            wait_until(f"http://127.0.0.1:{actions_port}/health", actions)
            (tmp / "endpoints.yml").write_text(
                f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n', encoding="utf-8"
            )
            (tmp / "credentials.yml").write_text(
                "rest:\nsocketio:\n  user_message_evt: user_uttered\n  bot_message_evt: bot_uttered\n"
                "  session_persistence: true\n",
                encoding="utf-8",
            )
            rasa = procs.start(
                [str(BIN / "rasa"), "run", "--enable-api", "--cors", "*", "--port", str(rasa_port), "--model",
                 str(Path(model).resolve()), "--endpoints", str(tmp / "endpoints.yml"),
                 "--credentials", str(tmp / "credentials.yml")],
                "rasa",
            )
            wait_until(f"http://127.0.0.1:{rasa_port}/status", rasa)
            yield web.url
        finally:
            procs.stop()


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
