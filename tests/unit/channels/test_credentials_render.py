"""credentials.yml rendered from the environment, read back by Rasa itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.channels.rest import RestInput
from rasa.core.run import create_http_input_channels
from rasa.shared.exceptions import RasaException
from rasa.shared.utils.io import read_yaml

from channels import credentials
from channels.telegram import TelegramInput
from channels.webchat import SocketIOInput
from channels.whatsapp import WhatsAppInput

WHATSAPP_ENV = {
    "WHATSAPP_VERIFY_TOKEN": "verify-123",
    "WHATSAPP_APP_SECRET": "app-secret-456",
    "WHATSAPP_ACCESS_TOKEN": "EAAG-token-789",
    "WHATSAPP_PHONE_NUMBER_ID": "1098765",
}
TELEGRAM_ENV = {
    "TELEGRAM_ACCESS_TOKEN": "123456789:AAHfakeTokenForTestsOnly_abcdefghijk",
    "TELEGRAM_VERIFY": "@asistente_men_bot",
    "RASA_PUBLIC_URL": "https://asistente.example.gov.co/",
}


def test_without_messaging_apps_only_rest_and_socketio() -> None:
    text = credentials.render({})
    assert read_yaml(text) == {
        "rest": None,
        "channels.webchat.SocketIOInput": {
            "user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered", "session_persistence": True,
        },
    }


def test_secrets_are_references_never_values() -> None:
    text = credentials.render({**WHATSAPP_ENV, **TELEGRAM_ENV, "TELEGRAM_SECRET_TOKEN": "s3cret"})
    for secret in ("verify-123", "app-secret-456", "EAAG-token-789", TELEGRAM_ENV["TELEGRAM_ACCESS_TOKEN"], "s3cret"):
        assert secret not in text
    assert "access_token: ${WHATSAPP_ACCESS_TOKEN}" in text
    assert 'phone_number_id: "1098765"' in text


def test_rasa_expands_the_references_and_builds_every_channel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        **WHATSAPP_ENV,
        **TELEGRAM_ENV,
        "WHATSAPP_API_BASE_URL": "http://127.0.0.1:9",
        "WHATSAPP_API_VERSION": "v99.0",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "credentials.yml"
    assert credentials.main(["--out", str(path)], env=env) == 0

    loaded = read_yaml(path.read_text())
    assert loaded[credentials.WHATSAPP_CHANNEL]["access_token"] == "EAAG-token-789"
    assert loaded[credentials.TELEGRAM_CHANNEL] == {
        "access_token": TELEGRAM_ENV["TELEGRAM_ACCESS_TOKEN"],
        "verify": "asistente_men_bot",
        "webhook_url": "https://asistente.example.gov.co/webhooks/telegram/webhook",
    }

    channels = create_http_input_channels(None, str(path))  # what `rasa run --credentials` does
    by_type = {type(c): c for c in channels}
    assert set(by_type) == {RestInput, SocketIOInput, TelegramInput, WhatsAppInput}
    whatsapp = by_type[WhatsAppInput]
    assert whatsapp.client.config.messages_url == "http://127.0.0.1:9/v99.0/1098765/messages"
    assert whatsapp.app_secret == "app-secret-456"
    assert by_type[SocketIOInput].session_persistence is True
    assert {c.name() for c in channels} == {"rest", "socketio", "telegram", "whatsapp"}


def test_a_missing_variable_at_run_time_stops_rasa(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "credentials.yml"
    path.write_text(credentials.render(WHATSAPP_ENV))
    for name in WHATSAPP_ENV:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RasaException):
        read_yaml(path.read_text())


@pytest.mark.parametrize(
    "env",
    [
        {"WHATSAPP_ACCESS_TOKEN": "t"},
        {k: v for k, v in WHATSAPP_ENV.items() if k != "WHATSAPP_APP_SECRET"},
        {"TELEGRAM_ACCESS_TOKEN": "123:abc"},
    ],
)
def test_half_configured_channel_is_an_error(env: dict, capsys: pytest.CaptureFixture) -> None:
    assert credentials.main(["--out", "-"], env=env) == 2
    assert "faltan las variables" in capsys.readouterr().err


def test_optional_settings_are_passed_through() -> None:
    env = {
        **WHATSAPP_ENV,
        **TELEGRAM_ENV,
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.gov.co/webhooks/telegram/webhook",
        "TELEGRAM_SECRET_TOKEN": "s3cret",
        "WHATSAPP_DEDUPE_REDIS_URL": "redis://127.0.0.1:6379/2",
        "WHATSAPP_UNSUPPORTED_MESSAGE": "/mensaje_no_soportado",
    }
    built = credentials.build_credentials(env)
    telegram = built[credentials.TELEGRAM_CHANNEL]
    assert telegram["webhook_url"] == "https://bot.example.gov.co/webhooks/telegram/webhook"
    assert telegram["secret_token"] == credentials.Ref("TELEGRAM_SECRET_TOKEN")
    whatsapp = built[credentials.WHATSAPP_CHANNEL]
    assert whatsapp["dedupe_redis_url"] == "redis://127.0.0.1:6379/2"
    assert whatsapp["unsupported_message"] == "/mensaje_no_soportado"


def test_script_used_by_make_run_writes_the_file(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[3]
    out = tmp_path / "credentials.yml"
    env = {"PATH": "/usr/bin:/bin", **WHATSAPP_ENV}
    done = subprocess.run(
        [sys.executable, str(root / "scripts" / "render_credentials.py"), str(out)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert credentials.WHATSAPP_CHANNEL + ":" in out.read_text()
    assert "whatsapp" in done.stderr


def test_several_replicas_share_the_web_chat_through_redis(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from channels.webchat import SocketIOInput as SharedSocketIOInput

    monkeypatch.setenv("SOCKETIO_REDIS_URL", "redis://:clave@127.0.0.1:6379/3")
    text = credentials.render({"SOCKETIO_REDIS_URL": "redis://:clave@127.0.0.1:6379/3"})
    assert "clave" not in text and "socketio:" not in text.splitlines()
    path = tmp_path / "credentials.yml"
    path.write_text(text)
    [rest, webchat] = create_http_input_channels(None, str(path))
    assert isinstance(webchat, SharedSocketIOInput) and webchat.name() == "socketio"
    assert webchat.redis_url == "redis://:clave@127.0.0.1:6379/3" and webchat.session_persistence is True
