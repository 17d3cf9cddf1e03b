"""Start the whole assistant (action server, Rasa, web app), print the URLs, stop all on Ctrl-C.

Used by `make run`; configuration comes from the environment (and from `.env` if present).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    args = parser.parse_args()
    load_dotenv(ROOT / ".env")
    # one `make run` at a time: the lock is released by the kernel when this process dies
    try:
        lock = acquire_lock(Path(os.environ.get("RUN_LOCK_FILE") or ROOT / "var" / "run.lock"))
    except AlreadyRunning as err:
        print(already_running_message(err), file=sys.stderr)
        return 2
    sup = Supervisor(ROOT)
    sup.install_signal_handlers()
    try:
        return run(args, sup)
    except StopRequested as stop:
        print(f"\nDeteniendo ({stop})...", flush=True)
        return exit_code_for(stop.signum)
    finally:
        sup.stop_all()
        lock.close()


def run(args: argparse.Namespace, sup: Supervisor) -> int:
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(ROOT))
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
    if (ROOT / "scripts" / "render_credentials.py").exists() and "RASA_CREDENTIALS" not in os.environ:
        credentials = "var/credentials.yml"
        subprocess.run([str(BIN / "python"), "scripts/render_credentials.py", credentials], cwd=ROOT, env=env, check=True)
    print("· Preparando la base de datos (migraciones, indicadores, catálogo)...", flush=True)
    subprocess.run([str(BIN / "python"), "-m", "bot", "preparar"], cwd=ROOT, env=env, check=True)

    sup.start([str(BIN / "rasa"), "run", "actions", "--port", actions_port], "el servidor de acciones", env)
    sup.start(
        [str(BIN / "rasa"), "run", "--enable-api", "--cors", "*", "--port", rasa_port, "--model", args.model,
         "--endpoints", endpoints, "--credentials", credentials],
        "Rasa",
        env,
    )
    web = (ROOT / "webapp" / "__main__.py").exists()
    if web:
        sup.start([str(BIN / "python"), "-m", "webapp"], "la aplicación web", env)
    checks = [(f"http://localhost:{actions_port}/health", "acciones"), (f"http://localhost:{rasa_port}/status", "Rasa")]
    if web:
        checks.append((f"http://localhost:{web_port}/health", "web"))
    for url, name in checks:
        if not wait_http(url, 300, sup.popens()):
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
    name = sup.wait_any_exit()
    print(f"Un proceso terminó ({name}); deteniendo el resto.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
