"""Start the whole assistant (action server, Rasa, web app), print the URLs, stop all on Ctrl-C.

Used by `make run`; configuration comes from the environment (and from `.env` if present).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def load_dotenv(path: Path) -> None:
    """Variables of a `.env` file, without overriding the real environment."""
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))


def wait_http(url: str, seconds: float, procs: list[subprocess.Popen]) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (localhost only)
                return True
        except Exception:
            time.sleep(1)
    return False


def start(cmd: list[str], name: str, env: dict[str, str]) -> subprocess.Popen:
    print(f"· Iniciando {name}...", flush=True)
    return subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)


def stop_all(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    args = parser.parse_args()
    load_dotenv(ROOT / ".env")
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(ROOT))
    # TensorFlow: one thread per operation unless set (docs/benchmarks.md, issue 11: a bit more msg/s with
    # 8 users on 2 cores shared with the action server and the web app)
    env.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "1")
    env.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
    rasa_port = env.get("RASA_PORT", "5005")
    actions_port = env.get("ACTIONS_PORT", "5055")
    web_port = env.get("WEB_PORT", "8000")
    endpoints = env.get("RASA_ENDPOINTS", "endpoints.yml")
    credentials = env.get("RASA_CREDENTIALS", "credentials.yml")
    (ROOT / "var").mkdir(exist_ok=True)
    if (ROOT / "scripts" / "render_credentials.py").exists() and "RASA_CREDENTIALS" not in os.environ:
        credentials = "var/credentials.yml"
        subprocess.run([str(BIN / "python"), "scripts/render_credentials.py", credentials], cwd=ROOT, env=env, check=True)
    procs: list[subprocess.Popen] = []
    try:
        # Rasa first: loading its model is the longest part of the start and needs no database, so the
        # database is prepared meanwhile (issue 11); the action server needs it prepared.
        procs.append(
            start(
                [str(BIN / "rasa"), "run", "--enable-api", "--cors", "*", "--port", rasa_port, "--model", args.model,
                 "--endpoints", endpoints, "--credentials", credentials],
                "Rasa",
                env,
            )
        )
        print("· Preparando la base de datos (migraciones, indicadores, catálogo)...", flush=True)
        subprocess.run([str(BIN / "python"), "-m", "bot", "preparar"], cwd=ROOT, env=env, check=True)
        procs.append(
            start([str(BIN / "rasa"), "run", "actions", "--port", actions_port], "el servidor de acciones", env)
        )
        web = (ROOT / "webapp" / "__main__.py").exists()
        if web:
            procs.append(start([str(BIN / "python"), "-m", "webapp"], "la aplicación web", env))
        checks = [(f"http://localhost:{actions_port}/health", "acciones"), (f"http://localhost:{rasa_port}/status", "Rasa")]
        if web:
            checks.append((f"http://localhost:{web_port}/health", "web"))
        for url, name in checks:
            if not wait_http(url, 300, procs):
                print(f"✗ No arrancó: {name} ({url}). Revise los mensajes de arriba.", file=sys.stderr)
                return 1
        print("\n✓ El asistente está listo:")
        if web:
            print(f"  Chat web ............ http://localhost:{web_port}/")
            if (ROOT / "webapp" / "agents").exists():
                print(f"  Consola de agentes .. http://localhost:{web_port}/agentes")
                print(f"  API de agentes ...... http://localhost:{web_port}/api/agentes (OpenAPI: /openapi.json)")
        print(f"  Rasa (REST) ......... http://localhost:{rasa_port}/webhooks/rest/webhook")
        print(f"  Rasa (socket.io) .... http://localhost:{rasa_port}/socket.io")
        print(f"  Acciones ............ http://localhost:{actions_port}/webhook")
        print("  Ctrl-C detiene todo.\n", flush=True)
        while all(p.poll() is None for p in procs):
            time.sleep(1)
        print("Un proceso terminó; deteniendo el resto.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nDeteniendo...", flush=True)
        return 0
    finally:
        stop_all(procs)


if __name__ == "__main__":
    sys.exit(main())
