"""Start the whole assistant (action server, Rasa, web app), print the URLs, stop all on Ctrl-C.

Used by `make run`; configuration comes from the environment (and from `.env` if present).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# RUN_BIN_DIR: where `python` and `rasa` are (the venv's by default; tests point it at stubs)
BIN = Path(os.environ.get("RUN_BIN_DIR") or Path(sys.executable).parent)
sys.path.insert(0, str(ROOT))

from bot.supervisor import (  # noqa: E402
    AlreadyRunning,
    StopRequested,
    Supervisor,
    acquire_lock,
    already_running_message,
    busy_ports,
    exit_code_for,
)


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


def ensure_secret(name: str) -> None:
    """``name`` from the environment, else from ``var/<name>`` (created once, readable by the owner only)."""
    if os.environ.get(name):
        return
    path = ROOT / "var" / name.lower()
    if not path.exists():
        import secrets

        path.parent.mkdir(exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32))
    os.environ[name] = path.read_text().strip()


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


def cors_flags(env: dict[str, str]) -> list[str]:
    """``--cors`` with the origins of ``CORS_ORIGINS`` (space separated; default: the web app's origin)."""
    origins = (env.get("CORS_ORIGINS") or env.get("PUBLIC_BASE_URL") or f"http://localhost:{env.get('WEB_PORT', '8000')}")
    origins = [o.rstrip("/") for o in origins.split() if o.startswith(("http://", "https://"))]
    return ["--cors", *origins] if origins else []



def supervised_main(run: Callable[[str, Supervisor], int], lock_variable: str, lock_default: Path, what: str) -> int:
    """``--model MODEL``, the ``.env`` file, one instance at a time (the lock is released by the kernel
    when this process dies), ``run(model, supervisor)``, and every child stopped on the way out."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    args = parser.parse_args()
    load_dotenv(ROOT / ".env")
    try:
        lock = acquire_lock(Path(os.environ.get(lock_variable) or lock_default))
    except AlreadyRunning as err:
        print(already_running_message(err, what), file=sys.stderr)
        return 2
    sup = Supervisor(ROOT)
    sup.install_signal_handlers()
    try:
        return run(args.model, sup)
    except StopRequested as stop:
        print(f"\nDeteniendo ({stop})...", flush=True)
        return exit_code_for(stop.signum)
    finally:
        sup.stop_all()
        lock.close()


def serve(sup: Supervisor, checks: list[tuple[str, str]], seconds: float, ready: Callable[[], list[str]]) -> int:
    """Wait until every ``(url, name)`` answers, print the lines of ``ready()``, then run until a child ends."""
    for url, name in checks:
        if not wait_http(url, seconds, sup.popens()):
            print(f"✗ No arrancó: {name} ({url}). Revise los mensajes de arriba.", file=sys.stderr)
            return 1
    print("\n".join(ready()))
    print("  Ctrl-C detiene todo.\n", flush=True)
    name = sup.wait_any_exit()
    print(f"Un proceso terminó ({name}); deteniendo el resto.", file=sys.stderr)
    return 1


def main() -> int:
    return supervised_main(run, "RUN_LOCK_FILE", ROOT / "var" / "run.lock", "make run")


def run(model: str, sup: Supervisor) -> int:
    (ROOT / "var").mkdir(exist_ok=True)
    ensure_secret("RASA_TOKEN")  # Rasa's HTTP API needs it (the web app sends it); see docs/security.md
    ensure_secret("WEB_SESSION_SECRET")  # signs the web chat's session ids
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(ROOT))
    # TensorFlow: one thread per operation unless set (docs/benchmarks.md: a bit more msg/s with
    # 8 users on 2 cores shared with the action server and the web app)
    env.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "1")
    env.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
    rasa_port = env.get("RASA_PORT", "5005")
    actions_port = env.get("ACTIONS_PORT", "5055")
    web_port = env.get("WEB_PORT", "8000")
    endpoints = env.get("RASA_ENDPOINTS", "endpoints.yml")
    credentials = env.get("RASA_CREDENTIALS", "credentials.yml")
    (ROOT / "var").mkdir(exist_ok=True)
    ports = [int(p) for p in (actions_port, rasa_port, web_port)]
    taken = busy_ports(ports)
    if taken:
        print(f"✗ Ya hay otro programa escuchando en el puerto {', '.join(map(str, taken))} (¿otro `make run`?). "
              "Deténgalo, o elija otros puertos con RASA_PORT, ACTIONS_PORT y WEB_PORT.", file=sys.stderr)
        return 2
    if endpoints == "endpoints.yml" and actions_port != "5055":  # the action server on another port
        text = (ROOT / "endpoints.yml").read_text(encoding="utf-8")
        (ROOT / "var" / "endpoints.yml").write_text(text.replace("localhost:5055", f"localhost:{actions_port}"),
                                                    encoding="utf-8")
        endpoints = "var/endpoints.yml"
    if "RASA_CREDENTIALS" not in os.environ:
        credentials = "var/credentials.yml"
        subprocess.run([str(BIN / "python"), "scripts/render_credentials.py", credentials], cwd=ROOT, env=env, check=True)
    # Rasa first: loading its model is the longest part of the start and needs no database, so the
    # database is prepared meanwhile; the action server needs it prepared.
    sup.start(
        [str(BIN / "rasa"), "run", "--enable-api", "--auth-token", env["RASA_TOKEN"],
         "--interface", env.get("RASA_HOST", "127.0.0.1"), "--port", rasa_port, "--model", model,
         "--endpoints", endpoints, "--credentials", credentials, "--logging-config-file", "config/logging.yml",
         *cors_flags(env)],
        "Rasa",
        env,
    )
    print("· Preparando la base de datos (migraciones, indicadores, catálogo)...", flush=True)
    subprocess.run([str(BIN / "python"), "-m", "bot", "preparar"], cwd=ROOT, env=env, check=True)
    sup.start([str(BIN / "rasa"), "run", "actions", "--port", actions_port, "--logging-config-file", "config/logging.yml"],
              "el servidor de acciones", dict(env, SANIC_HOST=env.get("ACTIONS_HOST", "127.0.0.1")))
    sup.start([str(BIN / "python"), "-m", "bot", "avisos", "trabajar"], "el envío de avisos", env)
    sup.start([str(BIN / "python"), "-m", "webapp"], "la aplicación web", env)
    status = f"http://127.0.0.1:{rasa_port}/status?token={urllib.parse.quote(env['RASA_TOKEN'])}"
    checks = [
        (f"http://127.0.0.1:{actions_port}/health", "acciones"),
        (status, "Rasa"),
        (f"http://localhost:{web_port}/health", "web"),
    ]
    return serve(sup, checks, 300, lambda: [
        "\n✓ El asistente está listo:",
        f"  Chat web ............ http://localhost:{web_port}/",
        f"  Consola de agentes .. http://localhost:{web_port}/agentes",
        f"  API de agentes ...... http://localhost:{web_port}/api/agentes (OpenAPI: /openapi.json)",
        f"  Rasa (REST) ......... http://localhost:{rasa_port}/webhooks/rest/webhook (token: RASA_TOKEN o var/rasa_token)",
        f"  Rasa (socket.io) .... http://localhost:{rasa_port}/socket.io",
        f"  Acciones ............ http://localhost:{actions_port}/webhook",
    ])


if __name__ == "__main__":
    sys.exit(main())
