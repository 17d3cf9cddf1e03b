"""rasa_addons.lock_store.AtomicRedisLockStore against this machine's Redis (fails if Redis is down).

Several processes, each with several concurrent tasks, take the lock of ONE conversation at once:
every ticket is issued once (no duplicate, none lost), holders never overlap (a read-modify-write
counter inside the lock ends exact), tickets are served in issue order, and nothing is left in Redis.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
import uuid

import pytest
import redis

from rasa_addons.lock_store import AtomicRedisLockStore

pytestmark = pytest.mark.redis

REDIS_PORT = int(os.environ.get("REDIS_PORT", "6379"))
DB = 0


def make_store(prefix: str) -> AtomicRedisLockStore:
    return AtomicRedisLockStore(host="127.0.0.1", port=REDIS_PORT, db=DB, key_prefix=prefix, install_resilience=False)


def worker(prefix: str, conversation: str, tasks: int, rounds: int) -> None:
    store = make_store(prefix)
    red = store.red

    async def one_task() -> None:
        for _ in range(rounds):
            ticket = store.issue_ticket(conversation, 30)
            red.rpush(f"{prefix}:issued", ticket)
            await store._acquire_lock(conversation, ticket, 0.01)
            try:
                # a deliberately racy read-modify-write: exact only if holders never overlap
                value = int(red.get(f"{prefix}:counter") or 0)
                red.rpush(f"{prefix}:served", ticket)
                await asyncio.sleep(0.0005)
                red.set(f"{prefix}:counter", value + 1)
            finally:
                store.cleanup(conversation, ticket)

    async def main() -> None:
        await asyncio.gather(*(one_task() for _ in range(tasks)))

    asyncio.run(main())


@pytest.fixture
def prefix():
    name = "locktest" + uuid.uuid4().hex[:12]
    yield name
    red = redis.StrictRedis(host="127.0.0.1", port=REDIS_PORT, db=DB)
    keys = list(red.scan_iter(f"{name}*"))
    if keys:
        red.delete(*keys)


def test_concurrent_tickets_from_several_processes_are_exclusive_unique_and_in_order(prefix):
    processes, tasks, rounds = 6, 5, 12
    total = processes * tasks * rounds
    conversation = "conversacion-compartida"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=worker, args=(prefix, conversation, tasks, rounds)) for _ in range(processes)]
    started = time.monotonic()
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
    assert time.monotonic() - started < 120

    red = redis.StrictRedis(host="127.0.0.1", port=REDIS_PORT, db=DB)
    issued = [int(x) for x in red.lrange(f"{prefix}:issued", 0, -1)]
    served = [int(x) for x in red.lrange(f"{prefix}:served", 0, -1)]
    assert len(issued) == total and len(set(issued)) == total  # none duplicated
    assert sorted(served) == sorted(issued)  # none lost: every ticket was served once
    assert int(red.get(f"{prefix}:counter")) == total  # holders never overlapped
    # FIFO: a ticket is served only after every lower ticket still alive at that moment
    assert served == sorted(served)
    assert not red.exists(f"{prefix}:lock:{conversation}")  # the queue is gone with its last ticket


async def test_lock_context_manager_serialises_two_stores(prefix):
    a, b = make_store(prefix), make_store(prefix)
    order: list[str] = []

    async def hold(store: AtomicRedisLockStore, name: str) -> None:
        async with store.lock("c1", lock_lifetime=10, wait_time_in_seconds=0.01):
            order.append(f"{name}-in")
            await asyncio.sleep(0.2)
            order.append(f"{name}-out")

    await asyncio.gather(hold(a, "a"), hold(b, "b"))
    assert order in (["a-in", "a-out", "b-in", "b-out"], ["b-in", "b-out", "a-in", "a-out"])
    assert a.get_lock("c1") is None


async def test_an_expired_ticket_stops_blocking_the_queue(prefix):
    store = make_store(prefix)
    stale = store.issue_ticket("c2", 0.3)  # a replica that died holding the lock
    ticket = store.issue_ticket("c2", 10)
    lock = store.get_lock("c2")
    assert lock is not None and [t.number for t in lock.tickets] == [stale, ticket]
    started = time.monotonic()
    await store._acquire_lock("c2", ticket, 0.02)
    assert 0.2 < time.monotonic() - started < 3
    store.cleanup("c2", ticket)
    assert store.get_lock("c2") is None


async def test_waiting_on_an_expired_own_ticket_raises_lock_error(prefix):
    from rasa.core.lock_store import LockError

    store = make_store(prefix)
    store.issue_ticket("c3", 10)
    mine = store.issue_ticket("c3", 0.1)
    time.sleep(0.2)
    with pytest.raises(LockError):
        await store._acquire_lock("c3", mine, 0.01)


def test_built_from_the_production_endpoint_config(prefix, monkeypatch):
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import read_endpoint_config

    root = __import__("pathlib").Path(__file__).resolve().parents[3]
    for key, value in {
        "ACTION_SERVER_URL": "http://127.0.0.1:5055/webhook", "TRACKER_DB_HOST": "127.0.0.1", "TRACKER_DB_PORT": "5432",
        "TRACKER_DB_NAME": "x", "TRACKER_DB_USER": "postgres", "TRACKER_DB_PASSWORD": "", "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(REDIS_PORT), "REDIS_DB": str(DB), "REDIS_PASSWORD": "",
        "RABBITMQ_HOST": "127.0.0.1", "RABBITMQ_PORT": "5672", "RABBITMQ_USER": "guest", "RABBITMQ_PASSWORD": "guest",
        "RABBITMQ_QUEUE": "q",
    }.items():
        monkeypatch.setenv(key, value)
    config = read_endpoint_config(str(root / "config" / "endpoints.production.yml"), "lock_store")
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore)
    conversation = f"{prefix}-c4"
    try:
        assert store.key_prefix == "asistenteescuela:lock:"
        assert store.issue_ticket(conversation, 5) == 1
        store.cleanup(conversation, 1)
        assert store.get_lock(conversation) is None
    finally:
        store.delete_lock(conversation)
