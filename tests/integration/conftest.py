"""Real processes for end-to-end tests: an action server and Rasa servers on free local ports.

The model comes from RASA_MODEL (set by `make test`); without it these tests are skipped.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
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
        time.sleep(1)
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


@pytest.fixture(scope="session")
def model_path() -> str:
    model = os.environ.get("RASA_MODEL")
    if not model or not Path(model).exists():
        pytest.skip("RASA_MODEL is not set to a trained model (make test sets it)")
    return str(Path(model).resolve())


@pytest.fixture(scope="session")
def base_env(tmp_path_factory) -> dict[str, str]:
    var_dir = tmp_path_factory.mktemp("var")
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(ROOT), APP_VAR_DIR=str(var_dir))
    env.pop("DATABASE_URL", None)
    subprocess.run([str(BIN / "python"), "-m", "bot", "preparar", "--sin-progreso"], cwd=ROOT, env=env, check=True)
    return env


@pytest.fixture(scope="session")
def processes(tmp_path_factory, base_env):
    procs = Processes(tmp_path_factory.mktemp("logs"), base_env)
    yield procs
    procs.stop()


@pytest.fixture(scope="session")
def action_server(processes) -> str:
    port = free_port()
    proc = processes.start([str(BIN / "rasa"), "run", "actions", "--port", str(port)], "actions")
    wait_until(f"http://127.0.0.1:{port}/health", proc)
    return f"http://127.0.0.1:{port}/webhook"


def start_rasa(processes: Processes, model: str, endpoints: Path, name: str, credentials: Path | None = None) -> str:
    port = free_port()
    args = [str(BIN / "rasa"), "run", "--enable-api", "--port", str(port), "--model", model,
            "--endpoints", str(endpoints)]
    if credentials:
        args += ["--credentials", str(credentials)]
    proc = processes.start(args, name)
    wait_until(f"http://127.0.0.1:{port}/status", proc)
    return f"http://127.0.0.1:{port}"
