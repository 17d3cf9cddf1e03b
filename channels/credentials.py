"""Render the ``credentials.yml`` of ``rasa run`` from the environment.

    python -m channels.credentials [--out var/credentials.yml]

``rest`` and ``socketio`` (web chat, ``channels.webchat.SocketIOInput``) are always on; with
``SOCKETIO_REDIS_URL`` the web chat's events are shared by several Rasa replicas through Redis. ``telegram`` is added when
``TELEGRAM_ACCESS_TOKEN`` is set, ``whatsapp`` when the ``WHATSAPP_*`` variables are set: Rasa
refuses to start on a ``${VAR}`` it cannot expand, so a channel whose variables are absent must
not appear in the file at all. A channel half configured is an error (exit code 2), not silently off.

Secrets are written as ``${VAR}`` references, which Rasa expands when it reads the file: no
token is ever written to disk. Other values are written as quoted literals (never expanded).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

TELEGRAM_REQUIRED = ("TELEGRAM_ACCESS_TOKEN", "TELEGRAM_VERIFY")
WHATSAPP_REQUIRED = (
    "WHATSAPP_VERIFY_TOKEN",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_ACCESS_TOKEN",
    "WHATSAPP_PHONE_NUMBER_ID",
)
WHATSAPP_OPTIONAL = {
    "WHATSAPP_API_BASE_URL": "api_base_url",
    "WHATSAPP_API_VERSION": "api_version",
    "WHATSAPP_DEDUPE_REDIS_URL": "dedupe_redis_url",
    "WHATSAPP_DEDUPE_TTL_SECONDS": "dedupe_ttl_seconds",
    "WHATSAPP_MAX_RETRIES": "max_retries",
    "WHATSAPP_TIMEOUT_SECONDS": "timeout",
    "WHATSAPP_LIST_BUTTON_LABEL": "list_button_label",
    "WHATSAPP_UNSUPPORTED_MESSAGE": "unsupported_message",
}
TELEGRAM_CHANNEL = "channels.telegram.TelegramInput"
WHATSAPP_CHANNEL = "channels.whatsapp.WhatsAppInput"
WEBCHAT_CHANNEL = "channels.webchat.SocketIOInput"


class ConfigurationError(ValueError):
    """The environment configures a channel only in part."""


@dataclass(frozen=True)
class Ref:
    """A secret: written as ``${NAME}``, expanded by Rasa when it reads the file."""

    name: str


def _set(env: Mapping[str, str], name: str) -> bool:
    return bool((env.get(name) or "").strip())


def _require(env: Mapping[str, str], names: tuple[str, ...], channel: str) -> None:
    missing = [n for n in names if not _set(env, n)]
    if missing:
        raise ConfigurationError(f"{channel}: faltan las variables {', '.join(missing)}")


def public_rasa_url(env: Mapping[str, str]) -> str:
    return (env.get("RASA_PUBLIC_URL") or env.get("RASA_URL") or "http://localhost:5005").strip().rstrip("/")


def telegram_section(env: Mapping[str, str]) -> dict[str, object] | None:
    if not any(_set(env, n) for n in TELEGRAM_REQUIRED):
        return None
    _require(env, TELEGRAM_REQUIRED, "telegram")
    section: dict[str, object] = {
        "access_token": Ref("TELEGRAM_ACCESS_TOKEN"),
        "verify": env["TELEGRAM_VERIFY"].strip().lstrip("@"),
        "webhook_url": (env.get("TELEGRAM_WEBHOOK_URL") or "").strip()
        or f"{public_rasa_url(env)}/webhooks/telegram/webhook",
    }
    if _set(env, "TELEGRAM_SECRET_TOKEN"):
        section["secret_token"] = Ref("TELEGRAM_SECRET_TOKEN")
    if _set(env, "TELEGRAM_API_BASE_URL"):
        section["api_base_url"] = env["TELEGRAM_API_BASE_URL"].strip()
    if _set(env, "TELEGRAM_START_MESSAGE"):
        section["start_message"] = env["TELEGRAM_START_MESSAGE"].strip()
    return section


def whatsapp_section(env: Mapping[str, str]) -> dict[str, object] | None:
    if not any(_set(env, n) for n in WHATSAPP_REQUIRED):
        return None
    _require(env, WHATSAPP_REQUIRED, "whatsapp")
    section: dict[str, object] = {
        "verify_token": Ref("WHATSAPP_VERIFY_TOKEN"),
        "app_secret": Ref("WHATSAPP_APP_SECRET"),
        "access_token": Ref("WHATSAPP_ACCESS_TOKEN"),
        "phone_number_id": env["WHATSAPP_PHONE_NUMBER_ID"].strip(),
    }
    for name, key in WHATSAPP_OPTIONAL.items():
        if _set(env, name):
            section[key] = env[name].strip()
    return section


def build_credentials(env: Mapping[str, str]) -> dict[str, dict[str, object] | None]:
    """The channels section by section; ``None`` is an empty section (``rest:``)."""
    socketio: dict[str, object] = {
        "user_message_evt": "user_uttered",
        "bot_message_evt": "bot_uttered",
        "session_persistence": True,
    }
    credentials: dict[str, dict[str, object] | None] = {"rest": None}
    # the project's socket.io channel: notices carry their token (delivery states, issue 13)
    if _set(env, "SOCKETIO_REDIS_URL"):  # several Rasa replicas: share socket.io events through Redis
        credentials[WEBCHAT_CHANNEL] = {**socketio, "redis_url": Ref("SOCKETIO_REDIS_URL")}
    else:
        credentials[WEBCHAT_CHANNEL] = socketio
    telegram = telegram_section(env)
    if telegram:
        credentials[TELEGRAM_CHANNEL] = telegram
    whatsapp = whatsapp_section(env)
    if whatsapp:
        credentials[WHATSAPP_CHANNEL] = whatsapp
    return credentials


def _scalar(value: object) -> str:
    if isinstance(value, Ref):
        return "${" + value.name + "}"  # plain scalar: Rasa's YAML loader expands it
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(str(value), ensure_ascii=False)  # double-quoted: never expanded


def render(env: Mapping[str, str]) -> str:
    lines = ["# Generated by `python -m channels.credentials` from the environment. Do not edit."]
    for channel, section in build_credentials(env).items():
        lines.append(f"{channel}:")
        for key, value in (section or {}).items():
            lines.append(f"  {key}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m channels.credentials", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="var/credentials.yml", help="archivo de salida ('-' = salida estándar)")
    args = parser.parse_args(argv)
    environment = os.environ if env is None else env
    try:
        text = render(environment)
    except ConfigurationError as exc:
        print(f"Error de configuración de canales: {exc}", file=sys.stderr)
        return 2
    if args.out == "-":
        sys.stdout.write(text)
    else:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    channels = [name for name in build_credentials(environment)]
    print(f"Canales de Rasa: {', '.join(channels)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
