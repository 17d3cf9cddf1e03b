"""The store of incoming messages: stored once per external id, claimed once, retried, purged."""

from __future__ import annotations

from datetime import timedelta

from bot.delivery.inbox import MessageStore


def test_store_claim_retry_done_and_purge(db_url, clock) -> None:
    store = MessageStore(database_url=db_url, clock=clock, max_attempts=2, backoff_seconds=10)
    assert store.store(channel="telegram", external_id="100", sender="987", payload={"update_id": 100})
    assert not store.store(channel="telegram", external_id="100", sender="987", payload={"update_id": 100})
    assert store.store(channel="telegram", external_id="101", sender="987", payload={"update_id": 101})
    assert store.store(channel="whatsapp", external_id="100", sender="5730", payload={})  # another channel
    first = store.claim_due("telegram")
    assert [(i, s, p["update_id"]) for i, s, p in first] == [(1, "987", 100), (2, "987", 101)]  # oldest first
    assert store.claim_due("telegram") == []  # leased: no other process takes them
    assert store.retry(1, "RuntimeError") == "pendiente"
    store.done(2)
    assert store.claim_due("telegram") == []  # back-off
    clock.advance(seconds=10)
    assert [i for i, _, _ in store.claim_due("telegram")] == [1]
    assert store.retry(1, "RuntimeError") == "fallido"  # bounded, kept for an operator
    assert store.last_received_at("whatsapp", "5730") == clock.now - timedelta(seconds=10)
    clock.advance(days=3)
    assert store.purge() == 1  # only the processed one
