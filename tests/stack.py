"""One stack of real processes for the end-to-end tests (tests/integration and tests/browser).

One prepared database, one action server, one web app (charts, web chat) and one embedded Rasa
(SQLite tracker store, REST + socket.io channels) per pytest session, shared by every test that
needs them; the production configuration (tests/integration/test_production_config.py) adds its two
replicas on top. The fixtures are registered once, in tests/conftest.py, so that
``pytest tests/integration tests/browser`` (``make e2e`` / ``make test``) starts each process once.

The model comes from RASA_MODEL (set by `make test`); without it these tests are skipped.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(url: str, proc: subprocess.Popen, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} not ready in {seconds}s")


class Processes:
    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.tmp = tmp
        self.env = env
        self.procs: list[subprocess.Popen] = []

    def start(self, args: list[str], log_name: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
        log = open(self.tmp / f"{log_name}.log", "wb")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen(
            args, cwd=ROOT, env={**self.env, **(extra_env or {})}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def launch_rasa(
    processes: Processes, model: str, endpoints: Path, name: str, credentials: Path | None = None,
    *, port: int | None = None, extra_env: dict[str, str] | None = None,
) -> tuple[str, subprocess.Popen]:
    """Start ``rasa run`` without waiting (several can load their model at the same time)."""
    port = port or free_port()
    args = [str(BIN / "rasa"), "run", "--enable-api", "-i", "127.0.0.1", "--port", str(port), "--model", model,
            "--endpoints", str(endpoints)]
    if credentials:
        args += ["--credentials", str(credentials)]
    proc = processes.start(args, name, extra_env)
    return f"http://127.0.0.1:{port}", proc


def start_rasa(
    processes: Processes, model: str, endpoints: Path, name: str, credentials: Path | None = None,
    *, extra_env: dict[str, str] | None = None,
) -> str:
    url, proc = launch_rasa(processes, model, endpoints, name, credentials, extra_env=extra_env)
    wait_until(f"{url}/status", proc)
    return url


@dataclass(frozen=True)
class Stack:
    """Addresses of the shared processes."""

    rasa: str  # embedded Rasa: REST + socket.io, SQLite tracker store
    action_server: str  # its webhook URL
    web: str  # web app (chat page, charts)
    var_dir: str  # APP_VAR_DIR of the action server and the web app
    database_url: str  # the prepared application database


@pytest.fixture(scope="session")
def model_path() -> str:
    model = os.environ.get("RASA_MODEL")
    if not model or not Path(model).exists():
        pytest.skip("RASA_MODEL is not set to a trained model (make test sets it)")
    return str(Path(model).resolve())


@pytest.fixture(scope="session")
def base_env(tmp_path_factory) -> dict[str, str]:
    """The one prepared database (migrations, indicators, catalog) of the session, in a temporary var dir."""
    var_dir = tmp_path_factory.mktemp("var")
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(ROOT), APP_VAR_DIR=str(var_dir))
    env.pop("DATABASE_URL", None)
    subprocess.run([str(BIN / "python"), "-m", "bot", "preparar", "--sin-progreso"], cwd=ROOT, env=env, check=True)
    return env


@pytest.fixture(scope="session")
def processes(tmp_path_factory, base_env) -> Iterator[Processes]:
    procs = Processes(tmp_path_factory.mktemp("logs"), dict(base_env))
    yield procs
    procs.stop()


@pytest.fixture(scope="session")
def embedded_port() -> int:
    """Port of the embedded Rasa, chosen first: the web app must know it (socket.io of the web chat)."""
    return free_port()


@pytest.fixture(scope="session")
def web_app(base_env, embedded_port) -> Iterator[str]:
    """The web app in a thread of the test process, on the session's var dir (it serves the charts)."""
    sys.path.insert(0, str(ROOT / "tests" / "browser"))
    from webchat_support import ThreadedUvicorn

    from bot.settings import load_settings
    from webapp.app import create_app

    settings = replace(load_settings({"APP_VAR_DIR": base_env["APP_VAR_DIR"]}),
                       rasa_public_url=f"http://127.0.0.1:{embedded_port}")
    with ThreadedUvicorn(create_app(settings)) as web:
        yield web.url


@pytest.fixture(scope="session")
def action_server(processes, web_app) -> str:
    port = free_port()
    proc = processes.start([str(BIN / "rasa"), "run", "actions", "--port", str(port)], "actions",
                           {"PUBLIC_BASE_URL": web_app})
    wait_until(f"http://127.0.0.1:{port}/health", proc)
    return f"http://127.0.0.1:{port}/webhook"


@pytest.fixture(scope="session")
def stack(processes, model_path, action_server, web_app, base_env, embedded_port, tmp_path_factory) -> Stack:
    """The embedded Rasa (the default of `make run`: endpoints.yml's SQLite tracker store), REST and socket.io."""
    tmp = tmp_path_factory.mktemp("embedded")
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "{action_server}"\n'
        # the tracker store of the embedded default (endpoints.yml), on a file of its own
        f'tracker_store:\n  type: rasa_addons.tracker_store.SQLiteTrackerStore\n  db: "{tmp / "tracker.db"}"\n',
        encoding="utf-8",
    )
    credentials = tmp / "credentials.yml"
    credentials.write_text(
        "rest:\nchannels.webchat.SocketIOInput:\n  user_message_evt: user_uttered\n  bot_message_evt: bot_uttered\n"
        "  session_persistence: true\n",
        encoding="utf-8",
    )
    url, proc = launch_rasa(processes, model_path, endpoints, "rasa-embedded", credentials, port=embedded_port)
    wait_until(f"{url}/status", proc)
    # the sender of agent replies and notices, as `make run` starts it (python -m bot avisos trabajar)
    processes.start([str(BIN / "python"), "-m", "bot", "avisos", "trabajar"], "avisos",
                    {"RASA_URL": url, "PUBLIC_BASE_URL": web_app, "DELIVERY_WORKER_INTERVAL_SECONDS": "1"})
    var_dir = base_env["APP_VAR_DIR"]
    return Stack(rasa=url, action_server=action_server, web=web_app, var_dir=var_dir,
                 database_url=f"sqlite:///{Path(var_dir) / 'app.db'}")
