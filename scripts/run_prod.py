"""`make run-prod`: the production configuration on this machine, in one command.

nginx (public, NGINX_PORT) in front of RASA_REPLICAS Rasa replicas (config/endpoints.production.yml:
PostgreSQL tracker store, atomic Redis lock store, RabbitMQ event broker), the action server and
the web app on PostgreSQL. Every service but nginx listens on 127.0.0.1. Same supervisor as
`make run` (children stop with it on any signal; one at a time). See docs/deployment.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("RUN_BIN_DIR") or Path(sys.executable).parent)
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from run import serve, supervised_main  # noqa: E402

from bot.supervisor import (  # noqa: E402
    Supervisor,
    busy_ports,
)

DEFAULTS = {
    "RASA_REPLICAS": "2",
    "NGINX_LISTEN": "127.0.0.1:8080",
    "RASA_BASE_PORT": "5006",
    "RASA_INTERNAL_PORT": "5100",
    "ACTIONS_PORT": "5055",
    "WEB_PORT": "8000",
    "PG_HOST": "127.0.0.1",
    "PG_PORT": "5432",
    "PG_USER": "postgres",
    "PG_PASSWORD": "",
    "APP_DB_NAME": "asistente",
    "TRACKER_DB_NAME": "rasa",
    "REDIS_HOST": "127.0.0.1",
    "REDIS_PORT": "6379",
    "REDIS_DB": "0",
    "RABBITMQ_HOST": "127.0.0.1",
    "RABBITMQ_PORT": "5672",
    "RABBITMQ_USER": "guest",
    "RABBITMQ_PASSWORD": "guest",
    "RABBITMQ_QUEUE": "asistente_eventos",
}


def production_env() -> dict[str, str]:
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(ROOT))
    for key, value in DEFAULTS.items():
        env.setdefault(key, value)
    pg = f"{env['PG_USER']}:{env['PG_PASSWORD']}@" if env["PG_PASSWORD"] else f"{env['PG_USER']}@"
    env.setdefault("DATABASE_URL", f"postgresql+psycopg2://{pg}{env['PG_HOST']}:{env['PG_PORT']}/{env['APP_DB_NAME']}")
    env.setdefault("TRACKER_DB_HOST", env["PG_HOST"])
    env.setdefault("TRACKER_DB_PORT", env["PG_PORT"])
    env.setdefault("TRACKER_DB_USER", env["PG_USER"])
    env.setdefault("TRACKER_DB_PASSWORD", env["PG_PASSWORD"])
    env.setdefault("ACTION_SERVER_URL", f"http://127.0.0.1:{env['ACTIONS_PORT']}/webhook")
    env.setdefault("SOCKETIO_REDIS_URL", f"redis://{env['REDIS_HOST']}:{env['REDIS_PORT']}/{env['REDIS_DB']}")
    env.setdefault("WEB_HOST", "127.0.0.1")
    # the web app calls Rasa's API through nginx's internal server (any live replica)
    env.setdefault("RASA_URL", f"http://127.0.0.1:{env['RASA_INTERNAL_PORT']}")
    public = env["NGINX_LISTEN"] if ":" in env["NGINX_LISTEN"] else f"localhost:{env['NGINX_LISTEN']}"
    env.setdefault("RASA_PUBLIC_URL", f"http://{public.replace('0.0.0.0', 'localhost')}")
    return env


def ensure_databases(env: dict[str, str]) -> None:
    import psycopg2

    conn = psycopg2.connect(host=env["PG_HOST"], port=int(env["PG_PORT"]), user=env["PG_USER"],
                            password=env["PG_PASSWORD"] or None, dbname="postgres", connect_timeout=10)
    conn.autocommit = True
    with conn.cursor() as cur:
        for name in (env["APP_DB_NAME"], env["TRACKER_DB_NAME"]):
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def rasa_ports(env: dict[str, str]) -> list[int]:
    base = int(env["RASA_BASE_PORT"])
    return [base + i for i in range(int(env["RASA_REPLICAS"]))]


def render_nginx(env: dict[str, str], var: Path) -> Path:
    (var / "tmp").mkdir(parents=True, exist_ok=True)
    (var / "tmp").chmod(0o777)
    servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in rasa_ports(env))
    text = (ROOT / "deploy" / "nginx" / "asistente.conf.template").read_text(encoding="utf-8")
    text = (text.replace("@VAR@", str(var)).replace("@RASA_SERVERS@", servers)
            .replace("@WEB@", f"127.0.0.1:{env['WEB_PORT']}").replace("@LISTEN@", env["NGINX_LISTEN"])
            .replace("@INTERNAL_PORT@", env["RASA_INTERNAL_PORT"]))
    conf = var / "nginx.conf"
    conf.write_text(text, encoding="utf-8")
    return conf


def nginx_binary() -> str:
    for candidate in (os.environ.get("NGINX_BIN"), "/usr/sbin/nginx", "/usr/bin/nginx"):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit("✗ Falta nginx. Instálelo con `sudo apt-get install nginx` (o `make nginx` como root).")


def main() -> int:
    return supervised_main(run, "RUN_PROD_LOCK_FILE", ROOT / "var" / "run-prod.lock", "make run-prod")


def run(model: str, sup: Supervisor) -> int:
    env = production_env()
    nginx = nginx_binary()
    var = Path(env.get("RUN_PROD_VAR_DIR") or ROOT / "var" / "prod")
    var.mkdir(parents=True, exist_ok=True)
    listen_port = int(env["NGINX_LISTEN"].rsplit(":", 1)[-1])
    ports = [listen_port, int(env["RASA_INTERNAL_PORT"]), int(env["ACTIONS_PORT"]), int(env["WEB_PORT"]), *rasa_ports(env)]
    taken = busy_ports(ports)
    if taken:
        print(f"✗ Ya hay otro programa escuchando en el puerto {', '.join(map(str, taken))}. Deténgalo o cambie "
              "NGINX_LISTEN, RASA_BASE_PORT, RASA_INTERNAL_PORT, ACTIONS_PORT o WEB_PORT.", file=sys.stderr)
        return 2
    print("· Preparando PostgreSQL (bases, migraciones, indicadores, catálogo)...", flush=True)
    ensure_databases(env)
    subprocess.run([str(BIN / "python"), "-m", "bot", "preparar"], cwd=ROOT, env=env, check=True)
    credentials = str(var / "credentials.yml")
    subprocess.run([str(BIN / "python"), "scripts/render_credentials.py", credentials], cwd=ROOT, env=env, check=True)
    conf = render_nginx(env, var)
    subprocess.run([nginx, "-t", "-q", "-c", str(conf)], check=True)

    sup.start([str(BIN / "rasa"), "run", "actions", "--port", env["ACTIONS_PORT"]], "el servidor de acciones", env)
    for i, port in enumerate(rasa_ports(env), start=1):
        sup.start(
            [str(BIN / "rasa"), "run", "--enable-api", "--interface", "127.0.0.1", "--port", str(port), "--model", model,
             "--endpoints", "config/endpoints.production.yml", "--credentials", credentials],
            f"Rasa (réplica {i})", env,
        )
    sup.start([str(BIN / "python"), "-m", "webapp"], "la aplicación web", env)
    sup.start([nginx, "-c", str(conf), "-g", "daemon off;"], "nginx", env)
    checks = [(f"http://127.0.0.1:{env['ACTIONS_PORT']}/health", "acciones")]
    checks += [(f"http://127.0.0.1:{p}/status", f"Rasa :{p}") for p in rasa_ports(env)]
    checks += [(f"http://127.0.0.1:{env['WEB_PORT']}/health", "web"), (f"http://127.0.0.1:{listen_port}/health", "nginx")]
    started = time.monotonic()
    return serve(sup, checks, 600, lambda: [
        f"\n✓ Configuración de producción lista en {time.monotonic() - started:.0f} s:",
        f"  Chat web y agentes .. {env['RASA_PUBLIC_URL']}/",
        f"  Webhooks ............ {env['RASA_PUBLIC_URL']}/webhooks/<canal>/webhook",
        f"  Réplicas de Rasa .... {', '.join(f'127.0.0.1:{p}' for p in rasa_ports(env))} (solo locales)",
    ])


if __name__ == "__main__":
    sys.exit(main())
