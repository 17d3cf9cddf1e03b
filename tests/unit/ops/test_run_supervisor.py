"""`make run`'s supervisor (scripts/run.py) with stub children: none outlives it, one at a time.

The stubs stand in for `rasa run actions`, `rasa run` and `python -m webapp`: each serves HTTP 200
on the port it was given and records its pid. Cheap: no Rasa is started.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
REAL_PYTHON = sys.executable

STUB_SERVER = r'''
import http.server, os, sys
args = sys.argv[1:]
port = int(args[args.index("--port") + 1]) if "--port" in args else int(os.environ["WEB_PORT"])
name = "actions" if "actions" in args else ("rasa" if "--model" in args else "web")
with open(os.path.join(os.environ["STUB_PID_DIR"], name + ".pid"), "w") as f:
    f.write(str(os.getpid()))
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purpose (its parent has not reaped it yet)
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def stub_env(tmp_path: Path) -> dict[str, str]:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    server = tmp_path / "stub_server.py"
    server.write_text(STUB_SERVER)
    (bindir / "rasa").write_text(f'#!/bin/bash\nexec "{REAL_PYTHON}" "{server}" "$@"\n')
    (bindir / "python").write_text(
        "#!/bin/bash\n"
        'case "$*" in\n'
        '  "-m bot preparar"*) exit 0 ;;\n'
        f'  "-m webapp") exec "{REAL_PYTHON}" "{server}" ;;\n'
        f'  *) exec "{REAL_PYTHON}" "$@" ;;\n'
        "esac\n"
    )
    for f in bindir.iterdir():
        f.chmod(0o755)
    piddir = tmp_path / "pids"
    piddir.mkdir()
    env = dict(os.environ)
    for key in ("RASA_PORT", "ACTIONS_PORT", "WEB_PORT"):
        env[key] = str(free_port())
    env.update(
        RUN_BIN_DIR=str(bindir), STUB_PID_DIR=str(piddir), RUN_LOCK_FILE=str(tmp_path / "run.lock"),
        RASA_CREDENTIALS="credentials.yml", PYTHONUNBUFFERED="1",
    )
    return env


def start_supervisor(env: dict[str, str], tmp_path: Path, name: str = "run") -> tuple[subprocess.Popen, Path]:
    log = tmp_path / f"{name}.log"
    proc = subprocess.Popen(
        [REAL_PYTHON, str(ROOT / "scripts" / "run.py"), "--model", "models/stub.tar.gz"],
        cwd=ROOT, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT,  # noqa: SIM115
        start_new_session=True,  # like a terminal: the test's signals reach only the supervisor
    )
    return proc, log


def wait_ready(proc: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if "El asistente está listo" in log.read_text(encoding="utf-8", errors="replace"):
            return
        assert proc.poll() is None, log.read_text()
        time.sleep(0.1)
    raise AssertionError(f"not ready: {log.read_text()}")


def child_pids(env: dict[str, str]) -> dict[str, int]:
    piddir = Path(env["STUB_PID_DIR"])
    return {p.stem: int(p.read_text()) for p in piddir.glob("*.pid")}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGKILL])
def test_children_stop_with_the_supervisor_on_every_signal(stub_env, tmp_path, sig):
    proc, log = start_supervisor(stub_env, tmp_path)
    try:
        wait_ready(proc, log)
        pids = child_pids(stub_env)
        assert set(pids) == {"actions", "rasa", "web"}
        ports = [int(stub_env[k]) for k in ("ACTIONS_PORT", "RASA_PORT", "WEB_PORT")]
        assert all(port_open(p) for p in ports)
        os.kill(proc.pid, sig)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (any(alive(p) for p in pids.values()) or any(map(port_open, ports))):
            time.sleep(0.1)
        assert not [n for n, p in pids.items() if alive(p)], f"children survived {sig.name}: {log.read_text()}"
        assert not [p for p in ports if port_open(p)]
        if sig != signal.SIGKILL:
            assert "Deteniendo" in log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in child_pids(stub_env).values():
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_children_stop_when_one_of_them_dies(stub_env, tmp_path):
    proc, log = start_supervisor(stub_env, tmp_path)
    try:
        wait_ready(proc, log)
        pids = child_pids(stub_env)
        os.kill(pids["rasa"], signal.SIGKILL)
        assert proc.wait(timeout=30) == 1
        assert not [n for n, p in pids.items() if alive(p)]
        assert "Un proceso terminó (Rasa)" in log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_second_make_run_says_one_is_running(stub_env, tmp_path):
    first, log = start_supervisor(stub_env, tmp_path)
    try:
        wait_ready(first, log)
        second, log2 = start_supervisor(stub_env, tmp_path, name="second")
        assert second.wait(timeout=30) == 2
        text = log2.read_text()
        assert f"Ya hay un `make run` en ejecución en esta carpeta (proceso {first.pid})" in text
        assert first.poll() is None  # the running one is untouched
        assert "Iniciando" not in text
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=30)
    # once the first one is gone (even killed), the lock is free again
    third, log3 = start_supervisor(stub_env, tmp_path, name="third")
    try:
        wait_ready(third, log3)
    finally:
        os.kill(third.pid, signal.SIGKILL)
        third.wait(timeout=10)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(alive(p) for p in child_pids(stub_env).values()):
            time.sleep(0.1)


def test_busy_port_is_reported_in_spanish(stub_env, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", int(stub_env["RASA_PORT"])))
        s.listen()
        proc, log = start_supervisor(stub_env, tmp_path)
        assert proc.wait(timeout=30) == 2
    assert f"Ya hay otro programa escuchando en el puerto {stub_env['RASA_PORT']}" in log.read_text()
    assert not child_pids(stub_env)
