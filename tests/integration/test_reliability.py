"""Reliability of the production configuration on real servers (bounded in time).

Two Rasa replicas with config/endpoints.production.yml: ResilientSQLTrackerStore on a PostgreSQL
cluster of this test's own (so it can really be restarted without disturbing anyone else on the
machine), the atomic Redis lock store (Redis of this machine), the RabbitMQ event broker, and an
action server of the module's own (so it can be stopped and started again).

- soak: SOAK_CONVERSATIONS (200) concurrent conversations x SOAK_TURNS (20) turns, every turn on the
  other replica, plus messages of one conversation arriving at both replicas at the same instant;
- a replica killed with SIGKILL mid-load: its conversations go on on the other one;
- action server down: a Spanish message, not silence; the case being submitted is created once
  when it is back, and its code reaches the same web chat;
- PostgreSQL restarted during load: the replicas recover by themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import pytest
import requests

from tests.integration.conftest import BIN, ROOT, free_port, wait_until

pytestmark = [pytest.mark.rasa_server, pytest.mark.postgres, pytest.mark.redis]

SOAK_CONVERSATIONS = int(os.environ.get("SOAK_CONVERSATIONS", "200"))
SOAK_TURNS = int(os.environ.get("SOAK_TURNS", "20"))
SOAK_BUDGET = float(os.environ.get("SOAK_BUDGET_SECONDS", "600"))
UNAVAILABLE = "no puedo completar su solicitud por un problema técnico"
PENDING = "Sus datos quedaron guardados: el caso se registrará automáticamente"


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    assert found, "PostgreSQL server binaries are required (apt-get install postgresql)"
    return found[-1].parent


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on a free port (run as the postgres user when root)."""

    def __init__(self) -> None:
        self.bin = _pg_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="pg-reliability-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.dir.chmod(0o777)
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def create_db(self, name: str) -> None:
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE {name}")
        conn.close()

    def destroy(self) -> None:
        with contextlib.suppress(Exception):  # already stopped
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Stack:
    def __init__(self, processes, model_path: str, base_env: dict[str, str], tmp: Path) -> None:
        self.processes = processes
        self.model = model_path
        self.tmp = tmp
        self.pg = PrivatePostgres()
        self.pg.start()
        self.pg.create_db("tracker")
        self.actions_port = free_port()
        self.env = {
            "ACTION_SERVER_URL": f"http://127.0.0.1:{self.actions_port}/webhook",
            "TRACKER_DB_HOST": "127.0.0.1", "TRACKER_DB_PORT": str(self.pg.port), "TRACKER_DB_NAME": "tracker",
            "TRACKER_DB_USER": "postgres", "TRACKER_DB_PASSWORD": "",
            "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379", "REDIS_DB": "5",
            "RABBITMQ_HOST": "127.0.0.1", "RABBITMQ_PORT": "5672", "RABBITMQ_USER": "guest",
            "RABBITMQ_PASSWORD": "guest", "RABBITMQ_QUEUE": f"asistente_eventos_{uuid.uuid4().hex[:8]}",
            # a replica killed while holding a conversation's lock blocks it at most this long
            "TICKET_LOCK_LIFETIME": "20",
            "ACTION_RETRY_SECONDS": "2",
            "ACTION_SERVER_TIMEOUT": "20",
            "SQL_POOL_SIZE": "20",
        }
        self.app_db = f"sqlite:///{Path(base_env['APP_VAR_DIR']) / 'app.db'}"
        self.credentials = tmp / "credentials.yml"
        self.credentials.write_text(
            "rest:\nchannels.webchat.SocketIOInput:\n  user_message_evt: user_uttered\n  bot_message_evt: bot_uttered\n"
            "  session_persistence: true\n  redis_url: redis://127.0.0.1:6379/5\n"
            f"  redis_channel: reliability-{uuid.uuid4().hex[:8]}\n",
            encoding="utf-8",
        )
        self.actions = self.start_actions()
        self.replicas: list[tuple[str, subprocess.Popen]] = [self.start_replica(i) for i in (1, 2)]

    def start_actions(self) -> subprocess.Popen:
        proc = self.processes.start([str(BIN / "rasa"), "run", "actions", "--port", str(self.actions_port)],
                                    f"reliability-actions-{time.monotonic_ns()}")
        wait_until(f"http://127.0.0.1:{self.actions_port}/health", proc)
        return proc

    def stop_actions(self) -> None:
        self.actions.terminate()
        self.actions.wait(timeout=30)

    def start_replica(self, i: int) -> tuple[str, subprocess.Popen]:
        port = free_port()
        proc = self.processes.start(
            [str(BIN / "rasa"), "run", "--enable-api", "--port", str(port), "--model", self.model,
             "--endpoints", str(ROOT / "config" / "endpoints.production.yml"), "--credentials", str(self.credentials)],
            f"reliability-rasa-{i}", self.env,
        )
        wait_until(f"http://127.0.0.1:{port}/status", proc, seconds=600)  # loading a model on a busy machine
        return f"http://127.0.0.1:{port}", proc

    def urls(self) -> list[str]:
        return [url for url, proc in self.replicas if proc.poll() is None]


@pytest.fixture(scope="module")
def stack(processes, model_path, base_env, tmp_path_factory):
    from bot.migrate import upgrade

    s = Stack(processes, model_path, base_env, tmp_path_factory.mktemp("reliability"))
    upgrade(s.app_db)
    yield s
    for proc in [s.actions, *(p for _, p in s.replicas)]:  # free the memory for the next modules
        if proc.poll() is None:
            proc.terminate()
    for proc in [s.actions, *(p for _, p in s.replicas)]:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    s.pg.destroy()


def turn_text(turn: object) -> str:
    """A cheap turn: the intent is given (no NLU model run) and its answer is a plain text response
    (utter_de_nada); distinct per turn so the order can be checked."""
    return '/agradecer{"turno": "' + str(turn) + '"}'


def tracker(url: str, sender: str) -> dict:
    r = requests.get(f"{url}/conversations/{sender}/tracker", timeout=60)
    r.raise_for_status()
    return r.json()


def user_texts(t: dict) -> list[str]:
    return [e.get("text") for e in t["events"] if e["event"] == "user"]


async def post(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> list[dict]:
    async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as r:
        assert r.status == 200, f"{r.status} {await r.text()}"
        return await r.json()


async def send_with_failover(session, urls_fn, sender: str, text: str, start: int, deadline: float) -> list[dict]:
    """Like the proxy: the next replica when one is unreachable or answers 5xx (before the deadline)."""
    i = start
    while True:
        urls = urls_fn()
        url = urls[i % len(urls)]
        try:
            return await post(session, url, sender, text)
        except (aiohttp.ClientError, AssertionError, asyncio.TimeoutError):
            if time.monotonic() > deadline:
                raise
            i += 1
            await asyncio.sleep(0.5)


def run_conversations(stack: Stack, senders: list[str], turns: int, budget: float, during=None) -> dict[str, list]:
    """Each sender says its turns (:func:`turn_text`) one after the other, alternating replicas."""

    async def main() -> dict[str, list]:
        deadline = time.monotonic() + budget
        replies: dict[str, list] = {s: [] for s in senders}
        timeout = aiohttp.ClientTimeout(total=120)
        async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:

            async def conversation(k: int, sender: str) -> None:
                for turn in range(turns):
                    reply = await send_with_failover(session, stack.urls, sender, turn_text(turn), k + turn, deadline)
                    replies[sender].append(reply)

            tasks = [asyncio.create_task(conversation(k, s)) for k, s in enumerate(senders)]
            if during is not None:
                await during()
            await asyncio.wait_for(asyncio.gather(*tasks), timeout=max(1.0, deadline - time.monotonic()))
        return replies

    return asyncio.run(main())


def check_conversations(stack: Stack, senders: list[str], turns: int, replies: dict[str, list]) -> None:
    expected = [turn_text(t) for t in range(turns)]
    url = stack.urls()[0]
    for sender in senders:
        assert len(replies[sender]) == turns
        assert all(reply and reply[0].get("text") for reply in replies[sender]), f"a turn without answer: {sender}"
        texts = user_texts(tracker(url, sender))
        # every message stored once, in order (a turn retried after a replica died may be stored twice
        # only if the dead replica had stored it: then it is the same text, adjacent)
        deduped = [t for i, t in enumerate(texts) if i == 0 or t != texts[i - 1]]
        assert deduped == expected, f"{sender}: {texts}"


def test_soak_many_concurrent_conversations_over_two_replicas(stack):
    senders = [f"soak-{uuid.uuid4().hex}" for _ in range(SOAK_CONVERSATIONS)]
    started = time.monotonic()
    replies = run_conversations(stack, senders, SOAK_TURNS, budget=SOAK_BUDGET)
    elapsed = time.monotonic() - started
    check_conversations(stack, senders, SOAK_TURNS, replies)
    url = stack.urls()[0]
    for sender in senders[:20]:  # never retried here: exactly once each
        assert user_texts(tracker(url, sender)) == [turn_text(t) for t in range(SOAK_TURNS)]
    print(f"soak: {SOAK_CONVERSATIONS}x{SOAK_TURNS} turns in {elapsed:.0f}s")


def test_same_conversation_at_the_same_instant_on_both_replicas(stack):
    async def main() -> list:
        a, b = stack.urls()[:2]
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
            results = []
            for _ in range(15):
                sender = f"race-{uuid.uuid4().hex}"
                got = await asyncio.gather(
                    post(session, a, sender, turn_text("uno")), post(session, b, sender, turn_text("dos")),
                    post(session, a, sender, turn_text("tres")), post(session, b, sender, turn_text("cuatro")),
                )
                results.append((sender, got))
            return results

    for sender, got in asyncio.run(main()):
        assert all(reply and reply[0].get("text") for reply in got)  # all four answered
        texts = user_texts(tracker(stack.urls()[0], sender))
        assert sorted(texts) == sorted([turn_text("uno"), turn_text("dos"), turn_text("tres"), turn_text("cuatro")])


def test_a_replica_killed_mid_load_its_conversations_continue_on_the_other(stack):
    senders = [f"kill-{uuid.uuid4().hex}" for _ in range(30)]
    victim_url, victim = stack.replicas[0]

    async def kill_mid_load() -> None:
        await asyncio.sleep(4)
        victim.send_signal(signal.SIGKILL)

    try:
        replies = run_conversations(stack, senders, 8, budget=150, during=kill_mid_load)
        assert victim.poll() is not None
        check_conversations(stack, senders, 8, replies)
    finally:
        victim.wait(timeout=10)
        stack.replicas[0] = stack.start_replica(3)


def _form_until_confirmation(chat, rasa_url: str) -> None:
    from tests.integration.test_agent_roundtrip import FORM_ANSWERS, _offered

    chat.say("necesito hablar con alguien del ministerio sobre la planta docente")
    for _ in range(25):
        t = tracker(rasa_url, chat.session_id)
        requested = t.get("slots", {}).get("requested_slot")
        if (t.get("active_loop") or {}).get("name") == "caso_form" and requested == "caso_confirmado":
            return
        if (t.get("active_loop") or {}).get("name") == "caso_form" and requested in FORM_ANSWERS:
            chat.say(FORM_ANSWERS[requested])
        elif _offered(chat, "/contactar_humano"):
            chat.say("/contactar_humano")
        else:
            chat.say("/afirmar")
    raise AssertionError(f"the case form did not reach the confirmation: {chat.texts()[-4:]}")


def test_action_server_down_message_and_the_pending_case_is_created_once_when_back(stack):
    from sqlalchemy import create_engine, text

    from tests.integration.test_agent_roundtrip import CODE_RE, WebChat

    url = stack.urls()[0]
    chat = WebChat(url)
    try:
        _form_until_confirmation(chat, url)
        stack.stop_actions()
        try:
            # something that needs the action server: a clear Spanish message, not silence
            said = chat.say("cual fue la desercion en cartagena en 2020", settle=2)
            assert any(UNAVAILABLE in t for t in said), said
            # the confirmation of the case: kept as pending, the person is told so
            said = chat.say("/afirmar", settle=2)
            assert any(PENDING in t for t in said), said
            said = chat.say("/afirmar", settle=2)  # a second "Enviar" while down: still one pending case
            assert not any(CODE_RE.search(t) for t in said)
        finally:
            stack.actions = stack.start_actions()
        shown = chat.wait_for("MEN-", timeout=90)  # the retry creates it and says the code in the same chat
        code = CODE_RE.search(shown).group(0)
        time.sleep(8)  # several retry rounds on both replicas: nothing more may be created
        engine = create_engine(stack.app_db)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT code FROM tickets WHERE conversation_id = :c"),
                                {"c": chat.session_id}).fetchall()
        assert [r[0] for r in rows] == [code]
        assert sum(1 for t in chat.texts() if CODE_RE.search(t)) == 1
    finally:
        chat.close()


def test_postgresql_restarted_during_load_recovers_without_manual_steps(stack):
    senders = [f"pg-{uuid.uuid4().hex}" for _ in range(30)]

    async def restart_postgres() -> None:
        await asyncio.sleep(3)
        await asyncio.to_thread(stack.pg.stop)
        await asyncio.sleep(3)
        await asyncio.to_thread(stack.pg.start)

    replies = run_conversations(stack, senders, 8, budget=150, during=restart_postgres)
    check_conversations(stack, senders, 8, replies)
    # and afterwards, plain requests on both replicas work at the first try
    for url in stack.urls():
        r = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": f"pg-after-{uuid.uuid4().hex}",
                                                               "message": "/saludar"}, timeout=60)
        assert r.status_code == 200 and r.json()
