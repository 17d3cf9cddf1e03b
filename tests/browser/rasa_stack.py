"""A real ``rasa run`` (tiny model trained on the fly) with every channel, plus fake Telegram/Graph APIs.

Used by ``test_rasa_channels_e2e.py``. The model is tiny on purpose (keyword classifier + rules,
about 10 s to train and start): these tests prove the channels and the web chat against Rasa 3.6
itself, not the assistant's NLU.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from webchat_support import free_socket

REPO = Path(__file__).resolve().parents[2]
VALUE_TEXT = "La tasa de cobertura neta de Boyacá en 2022 fue 91,3 %."
TELEGRAM_TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghijk"
TELEGRAM_SECRET = "secreto-e2e"
WHATSAPP_SECRET = "app-secret-e2e"

CONFIG = """recipe: default.v1
language: es
assistant_id: prueba-canales
pipeline:
  - name: WhitespaceTokenizer
  - name: KeywordIntentClassifier
policies:
  - name: RulePolicy
"""
DOMAIN = """version: "3.1"
intents: [saludar, consultar_indicador]
responses:
  utter_saludo:
    - text: "Hola. ¿Qué desea consultar?"
      buttons:
        - title: "Indicadores"
          payload: "/consultar_indicador"
  utter_valor:
    - text: "{value}"
      image: "{image}"
"""
NLU = """version: "3.1"
nlu:
  - intent: saludar
    examples: |
      - hola
      - buenas
  - intent: consultar_indicador
    examples: |
      - cobertura
      - indicador
"""
RULES = """version: "3.1"
rules:
  - rule: saludo
    steps:
      - intent: saludar
      - action: utter_saludo
  - rule: valor
    steps:
      - intent: consultar_indicador
      - action: utter_valor
"""


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: bytes

    def fields(self) -> dict[str, Any]:
        if self.headers.get("Content-Type", "").startswith("application/json"):
            return json.loads(self.body)
        from urllib.parse import parse_qs

        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class FakeMessagingApis:
    """Telegram Bot API and WhatsApp Graph API on one 127.0.0.1 port; records every call."""

    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        apis = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                apis.calls.append(Call(self.path, dict(self.headers), body))
                method = self.path.rsplit("/", 1)[-1]
                if method == "getMe":
                    result: Any = {"id": 123456789, "is_bot": True, "first_name": "A", "username": "asistente_men_bot"}
                elif method in {"sendMessage", "sendPhoto"}:
                    result = {"message_id": 1, "date": 1700000000, "chat": {"id": 1, "type": "private"}}
                elif method == "messages":
                    result = None
                else:
                    result = True
                answer = {"messages": [{"id": "wamid.OUT"}]} if result is None else {"ok": True, "result": result}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def find(self, suffix: str) -> list[Call]:
        return [c for c in list(self.calls) if c.path.endswith(suffix)]

    def wait_for(self, suffix: str, count: int = 1, timeout: float = 20.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.find(suffix)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{count} call(s) to *{suffix} expected, got {len(self.find(suffix))}")

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def rasa_bin() -> Path:
    return Path(sys.executable).parent / "rasa"


class RasaProcess:
    """``rasa run`` of a tiny model with the rendered credentials, on a free 127.0.0.1 port."""

    def __init__(self, workdir: Path, apis: FakeMessagingApis) -> None:
        self.workdir = workdir
        sock = free_socket()
        self.port = sock.getsockname()[1]
        sock.close()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONPATH": str(REPO),
            "RASA_PUBLIC_URL": self.url,
            "TELEGRAM_ACCESS_TOKEN": TELEGRAM_TOKEN,
            "TELEGRAM_VERIFY": "asistente_men_bot",
            "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
            "TELEGRAM_API_BASE_URL": apis.url,
            "WHATSAPP_VERIFY_TOKEN": "verify-e2e",
            "WHATSAPP_APP_SECRET": WHATSAPP_SECRET,
            "WHATSAPP_ACCESS_TOKEN": "graph-token-e2e",
            "WHATSAPP_PHONE_NUMBER_ID": "PNID",
            "WHATSAPP_API_BASE_URL": apis.url,
            "WHATSAPP_API_VERSION": "v99.0",
            # this small bot has no custom actions: stored messages need not wait for an action server
            "ACTION_SERVER_HEALTH_URL": "off",
            "DATABASE_URL": f"sqlite:///{self.workdir / 'app.db'}",
        }
        self.proc: subprocess.Popen | None = None

    def _write_project(self, image_url: str) -> None:
        from channels.credentials import render

        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        (self.workdir / "config.yml").write_text(CONFIG)
        (self.workdir / "domain.yml").write_text(DOMAIN.format(value=VALUE_TEXT, image=image_url))
        (self.workdir / "data" / "nlu.yml").write_text(NLU)
        (self.workdir / "data" / "rules.yml").write_text(RULES)
        (self.workdir / "credentials.yml").write_text(render(self.env))

    def _rasa(self, *args: str, **kwargs: Any) -> subprocess.Popen:
        return subprocess.Popen(
            [str(rasa_bin()), *args],
            cwd=self.workdir,
            env=self.env,
            stdout=kwargs.pop("stdout", subprocess.DEVNULL),
            stderr=subprocess.STDOUT,
            **kwargs,
        )

    def start(self, image_url: str, timeout: float = 180.0) -> None:
        """Write the tiny project (its chart is ``image_url``), train it and serve it."""
        from bot.migrate import upgrade

        upgrade(self.env["DATABASE_URL"])  # the channels store incoming messages before answering the webhook
        self._write_project(image_url)
        train_log = self.workdir / "train.log"
        with train_log.open("wb") as out:
            train = self._rasa(
                "train", "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
                "--out", "models", "--fixed-model-name", "tiny", stdout=out,
            )  # fmt: skip
            if train.wait(timeout=timeout) != 0:
                raise RuntimeError("rasa train failed:\n" + train_log.read_text(errors="replace")[-3000:])
        log = (self.workdir / "rasa.log").open("wb")
        self.proc = self._rasa(
            "run", "--model", "models/tiny.tar.gz", "--credentials", "credentials.yml",
            "--enable-api", "--cors", "*", "-i", "127.0.0.1", "--port", str(self.port),
            stdout=log, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("rasa run exited:\n" + (self.workdir / "rasa.log").read_text()[-3000:])
            try:
                with urllib.request.urlopen(f"{self.url}/status", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
        raise RuntimeError("rasa run did not start in time")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def request(self, method: str, path: str, payload: Any = None, headers: dict[str, str] | None = None) -> Any:
        data = None if payload is None else (payload if isinstance(payload, bytes) else json.dumps(payload).encode())
        req = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            body = resp.read()
            return resp.status, (json.loads(body) if body[:1] in (b"{", b"[") else body.decode())
