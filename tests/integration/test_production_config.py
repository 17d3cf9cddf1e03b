"""The production configuration against the real servers of this machine: PostgreSQL tracker store,
Redis lock store and two Rasa replicas sharing them (config/endpoints.production.yml)."""

from __future__ import annotations

import concurrent.futures
import uuid

import pytest
import requests

from tests.integration.conftest import ROOT, launch_rasa, wait_until

pytestmark = [pytest.mark.rasa_server, pytest.mark.postgres, pytest.mark.redis]

DB_NAME = "asistente_tracker_test"


def _servers_up() -> bool:
    try:
        import psycopg2
        import redis

        psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres", connect_timeout=3).close()
        redis.Redis(host="127.0.0.1", port=6379, socket_timeout=3).ping()
        return True
    except Exception:
        return False


@pytest.fixture(scope="module")
def replicas(processes, model_path, action_server):
    if not _servers_up():
        pytest.skip("PostgreSQL or Redis is not running on 127.0.0.1")
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        cur.execute(f"CREATE DATABASE {DB_NAME}")
    conn.close()
    env = {
        "ACTION_SERVER_URL": action_server,
        "TRACKER_DB_HOST": "127.0.0.1",
        "TRACKER_DB_PORT": "5432",
        "TRACKER_DB_NAME": DB_NAME,
        "TRACKER_DB_USER": "postgres",
        "TRACKER_DB_PASSWORD": "",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "6379",
        "REDIS_DB": "3",
        "RABBITMQ_HOST": "127.0.0.1",
        "RABBITMQ_PORT": "5672",
        "RABBITMQ_USER": "guest",
        "RABBITMQ_PASSWORD": "guest",
        "RABBITMQ_QUEUE": "asistente_eventos_test",
        # the whole queue of one conversation must fit in the lock's lifetime (Rasa's default is 60 s)
        "TICKET_LOCK_LIFETIME": "300",
    }
    endpoints = ROOT / "config" / "endpoints.production.yml"
    # both replicas load their model at the same time, then both must answer
    started = [launch_rasa(processes, model_path, endpoints, f"rasa-replica-{i}", extra_env=env) for i in (1, 2)]
    for url, proc in started:
        wait_until(f"{url}/status", proc)
    return [url for url, _proc in started]


def say(url: str, sender: str, text: str) -> list[dict]:
    r = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120)
    r.raise_for_status()
    return r.json()


def test_a_conversation_moves_between_replicas(replicas):
    a, b = replicas
    sender = f"prod-{uuid.uuid4()}"
    say(a, sender, "hola buenas")
    say(b, sender, "jjjjj kkkkk")  # first stage of the fallback, on the other replica
    reply = say(a, sender, "qqqq wwww")  # second failure: replica A must know the first one
    text = " ".join(m.get("text", "") for m in reply)
    assert "sigo sin entenderle" in text or "otras palabras" in text
    tracker = requests.get(f"{b}/conversations/{sender}/tracker", timeout=30).json()
    user_texts = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
    assert user_texts[:3] == ["hola buenas", "jjjjj kkkkk", "qqqq wwww"]


def test_concurrent_conversations_on_both_replicas_are_all_kept(replicas):
    """Twenty conversations at once, each spread over both replicas: every turn is stored once.

    (The lock store is rasa_addons.lock_store.AtomicRedisLockStore: messages of the *same*
    conversation arriving at the same instant on *different* replicas are serialised too — see
    test_reliability.py.)"""
    senders = [f"prod-{uuid.uuid4()}" for _ in range(20)]

    def conversation(i: int) -> None:
        say(replicas[i % 2], senders[i], "hola")
        say(replicas[(i + 1) % 2], senders[i], f"gracias {i}")

    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(conversation, range(20)))
    for i, sender in enumerate(senders):
        tracker = requests.get(f"{replicas[i % 2]}/conversations/{sender}/tracker", timeout=30).json()
        user_texts = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
        assert user_texts == ["hola", f"gracias {i}"]
        assert [e["event"] for e in tracker["events"] if e["event"] in ("user", "bot")].count("bot") >= 2
