"""`make run-prod` (scripts/run_prod.py) for real: nginx in front of two Rasa replicas on PostgreSQL,
Redis and RabbitMQ, the action server and the web app on PostgreSQL; only /, /webhooks/* and
/socket.io/ are routed; a second one refuses to start; SIGTERM stops everything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
import requests

from tests.integration.conftest import ROOT

pytestmark = [pytest.mark.rasa_server, pytest.mark.postgres, pytest.mark.redis]


def _reserve_ports() -> dict[str, int]:
    """Distinct free ports (two consecutive for the replicas), all held until every one is chosen."""
    import socket

    held: list[socket.socket] = []

    def hold(port: int = 0) -> int:
        s = socket.socket()
        s.bind(("127.0.0.1", port))
        held.append(s)
        return s.getsockname()[1]

    try:
        for _ in range(50):
            base = hold()
            try:
                hold(base + 1)
                break
            except OSError:
                continue
        else:
            raise RuntimeError("no consecutive free ports")
        return {"NGINX": hold(), "RASA_BASE_PORT": base, "RASA_INTERNAL_PORT": hold(), "ACTIONS_PORT": hold(),
                "WEB_PORT": hold()}
    finally:
        for s in held:
            s.close()


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def run_prod(model_path, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("run-prod")
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        for name in ("runprod_12b_app_test", "runprod_12b_tracker_test"):
            cur.execute(f"DROP DATABASE IF EXISTS {name}")
    conn.close()
    ports = _reserve_ports()
    env = dict(os.environ)
    for key in ("DATABASE_URL", "RASA_URL", "RASA_PUBLIC_URL", "ACTION_SERVER_URL", "TRACKER_DB_NAME", "APP_VAR_DIR"):
        env.pop(key, None)
    env.update(
        NGINX_LISTEN=f"127.0.0.1:{ports['NGINX']}", RASA_BASE_PORT=str(ports["RASA_BASE_PORT"]),
        RASA_INTERNAL_PORT=str(ports["RASA_INTERNAL_PORT"]), ACTIONS_PORT=str(ports["ACTIONS_PORT"]),
        WEB_PORT=str(ports["WEB_PORT"]), APP_DB_NAME="runprod_12b_app_test", TRACKER_DB_NAME="runprod_12b_tracker_test",
        REDIS_DB="6", RABBITMQ_QUEUE=f"runprod_12b_{uuid.uuid4().hex[:8]}", RUN_PROD_VAR_DIR=str(tmp / "var"),
        RUN_PROD_LOCK_FILE=str(tmp / "run-prod.lock"), APP_VAR_DIR=str(tmp / "appvar"), PYTHONUNBUFFERED="1",
    )
    log = tmp / "run-prod.log"
    cmd = [sys.executable, str(ROOT / "scripts" / "run_prod.py"), "--model", model_path]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT,  # noqa: SIM115
                            start_new_session=True)
    deadline = time.monotonic() + 600
    while "Configuración de producción lista" not in log.read_text(errors="replace"):
        assert proc.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(1)
    yield {"proc": proc, "env": env, "cmd": cmd, "ports": ports, "log": log,
           "url": f"http://127.0.0.1:{ports['NGINX']}"}
    if proc.poll() is None:
        proc.kill()


def test_only_the_web_app_webhooks_and_socketio_are_routed(run_prod):
    url = run_prod["url"]
    page = requests.get(f"{url}/", timeout=30)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    # /webhooks/* reaches Rasa, whose REST channel exists only with a token (off in production): Rasa's 404
    reply = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": f"prod-{uuid.uuid4().hex}",
                                                                "message": "/saludar"}, timeout=120)
    assert reply.status_code in (401, 404)
    handshake = requests.get(f"{url}/socket.io/", params={"EIO": "4", "transport": "polling"}, timeout=30)
    assert handshake.status_code == 200 and '"sid"' in handshake.text
    for path in ("/conversations/alguien/tracker", "/model", "/status", "/webhook"):
        assert requests.get(f"{url}{path}", timeout=30).status_code == 404, path
    assert requests.put(f"{url}/model", json={}, timeout=30).status_code in (404, 405)


def test_a_second_run_prod_says_one_is_running(run_prod):
    second = subprocess.run(run_prod["cmd"], cwd=ROOT, env=run_prod["env"], capture_output=True, text=True, timeout=60)
    assert second.returncode == 2
    assert "Ya hay un `make run-prod` en ejecución" in second.stderr


def test_sigterm_stops_every_service(run_prod):
    proc, ports = run_prod["proc"], run_prod["ports"]
    all_ports = [ports["NGINX"], ports["RASA_BASE_PORT"], ports["RASA_BASE_PORT"] + 1, ports["RASA_INTERNAL_PORT"],
                 ports["ACTIONS_PORT"], ports["WEB_PORT"]]
    assert all(_port_open(p) for p in all_ports)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_port_open(p) for p in all_ports):
        time.sleep(0.5)
    assert not [p for p in all_ports if _port_open(p)]
